/** The notifier's public surface, for the composition root and the functions. */
export { AlertsNotQueuedError, createNotifier, type Notifier, type NotifierDeps, type NotifyHealth, type ChannelHealth, type DeliveryReport } from "./notifier.js";
export { loadNotifySettings, resolveChannels, type NotifySettings, type ChannelConfig } from "./settings.js";
export { perimeterCacheTags, type TagLookup } from "./routing.js";
export { renderCard, teamsMessage } from "./card.js";
export { renderEmail } from "./email.js";
