/**
 * The notifier: turns each evaluation's alert actions into messages per channel (routing, dedupe,
 * digest), writes them to the durable outbox, tries to deliver them at once, and reports on each
 * alert action what happened. The deliverAlerts timer drains what could not be sent.
 *
 *   const notifier = createNotifier({ policy, env, outbox, logger, stateStore });
 *   pipeline onDecision: (decision, plans, log) => notifier.dispatch(decision, plans, log)
 *   timer:               await notifier.deliverDue()
 *   /api/health/details: await notifier.channelHealth()
 */
import type { TokenCredential } from "@azure/core-auth";
import type { RevertPlan } from "../actions/planner.js";
import { silentLogger, type Logger } from "../logging.js";
import { InputError } from "../model/errors.js";
import type { Action, PerimeterDecision } from "../pipeline/decisions.js";
import type { Policy } from "../policy/policy.js";
import type { AlertOutbox, NotifiedState, OutboxMessage, OutboxVersioned } from "../state/outbox.js";
import type { StateStore } from "../state/stateStore.js";
import { createEmailTransport, EmailSender, TeamsWebhookSender, type ChannelSender, type EmailTransport } from "./channels.js";
import { alreadyNotified, ledgerEntry, messageIdFor, nameBasedGuid } from "./dedupe.js";
import { FAILING_AFTER, OutboxDrainer, type DeliveryChannel, type MessageOutcome } from "./delivery.js";
import { nameOf, prepareAlerts, type AlertItem, type AlertPayload, type PreparedAlert } from "./model.js";
import { SecretScrubber } from "./redact.js";
import { readinessHeadline, type ReadinessNotice } from "./readinessNotice.js";
import { memoised, perimeterCacheTags, routeMismatch, type TagLookup, type Tags } from "./routing.js";
import { loadNotifySettings, resolveChannels, type ChannelConfig, type NotifySettings } from "./settings.js";

export interface NotifierDeps {
  policy: Policy;
  /** App settings (default `process.env`): email transports, `env:` webhook URLs, timeouts. */
  env?: NodeJS.ProcessEnv;
  /** Settings already loaded (default: `loadNotifySettings(env)`). */
  settings?: NotifySettings;
  outbox: AlertOutbox;
  logger?: Logger;
  clock?: () => Date;
  /** For tag routing: tags are read from the perimeter caches. */
  stateStore?: Pick<StateStore, "getPerimeterCache">;
  /** Overrides `stateStore` as the source of resource tags. */
  tagsOf?: TagLookup;
  /** Identity for ACS with an endpoint (default: managed identity, else DefaultAzureCredential). */
  credential?: TokenCredential;
  /** PEM certificates to trust for the ACS endpoint (tests). */
  acsCa?: string;
  /** Replaces the email transport built from settings (tests). */
  emailTransport?: EmailTransport;
  /** Jitter source of the backoff (tests). */
  random?: () => number;
  /**
   * Replaces every channel's sender (what-if tools: `simulate` records what would be sent and never
   * reaches a real channel). Routing, dedupe and the outbox stay the production ones.
   */
  senderFor?: (config: ChannelConfig) => ChannelSender;
}

export interface ChannelHealth {
  id: string;
  kind: "teams" | "email";
  label: string;
  /** A webhook's host or the recipients: never a secret. */
  target: string;
  /** ok: nothing waiting or delivering fine; retrying: failed lately; failing: FAILING_AFTER failures in a row. */
  status: "ok" | "retrying" | "failing";
  pending: number;
  oldestPendingAt?: string;
  consecutiveFailures: number;
  failingSince?: string;
  lastSuccessAt?: string;
  lastFailureAt?: string;
  lastError?: string;
  nextAttemptAt?: string;
}

export interface NotifyHealth {
  /** degraded when a channel is failing; unconfigured when the policy names no channel. */
  status: "ok" | "degraded" | "unconfigured";
  channels: ChannelHealth[];
  /** Messages for channels no longer in the policy: kept, never sent. */
  orphaned: number;
}

export interface DeliveryReport {
  delivered: number;
  failed: number;
  deferred: number;
  orphaned: number;
  byChannel: Record<string, { delivered: number; failed: number; deferred: number }>;
}

export interface Notifier {
  readonly channels: readonly ChannelConfig[];
  /**
   * Queues and sends the alerts of one evaluation; returns the decision's actions with each alert's
   * status and reason (new objects: the decision given is not changed). Throws
   * AlertsNotQueuedError only when the outbox could not take them (the evaluation is then retried);
   * a failed send never throws (the message waits in the outbox).
   */
  dispatch(decision: PerimeterDecision, plans: readonly RevertPlan[], logger?: Logger): Promise<Action[]>;
  /**
   * Queues readiness notices for every channel and tries to send them now. `key` names the transition
   * (association, new state, when the previous one began): the same key queues the same message id,
   * so a check retried after a crash re-queues nothing. Throws when the outbox cannot take them
   * (the caller then must not record the transition as announced).
   */
  notifyReadiness(notices: ReadonlyArray<{ notice: ReadinessNotice; key: string }>, logger?: Logger): Promise<{ queued: number; delivered: number }>;
  /** Sends what is due in the outbox (the timer). */
  deliverDue(options?: { limit?: number; logger?: Logger }): Promise<DeliveryReport>;
  channelHealth(): Promise<NotifyHealth>;
  close(): Promise<void>;
}

const DELIVERED_KEPT_MS = 7 * 86_400_000;
const RESOLVED_KEPT_MS = 30 * 86_400_000;
const PURGE_EVERY_MS = 3_600_000;
const ORPHAN_RECHECK_MS = 3_600_000;

/** The outbox refused the alerts of an evaluation: nothing durable holds them, so the evaluation is retried. */
export class AlertsNotQueuedError extends Error {
  override readonly name = "AlertsNotQueuedError";
}

export function createNotifier(deps: NotifierDeps): Notifier {
  return new OutboxNotifier(deps);
}

interface Planned {
  channel: DeliveryChannel;
  message: OutboxMessage;
  items: AlertItem[];
}

class OutboxNotifier implements Notifier {
  readonly channels: readonly ChannelConfig[];
  private readonly settings: NotifySettings;
  private readonly byId = new Map<string, DeliveryChannel>();
  private readonly scrubber = new SecretScrubber();
  private readonly outbox: AlertOutbox;
  private readonly logger: Logger;
  private readonly clock: () => Date;
  private readonly drainer: OutboxDrainer;
  private readonly emailTransport: EmailTransport | undefined;
  private lastPurge = 0;

  constructor(private readonly deps: NotifierDeps) {
    const env = deps.env ?? process.env;
    this.settings = deps.settings ?? loadNotifySettings(env);
    this.outbox = deps.outbox;
    this.logger = deps.logger ?? silentLogger;
    this.clock = deps.clock ?? (() => new Date());
    this.channels = resolveChannels(deps.policy, env);
    const email = this.settings.email;
    if (email?.kind === "smtp") this.scrubber.add(email.password);
    if (email && "connectionString" in email) {
      this.scrubber.add(email.connectionString);
      this.scrubber.add(/accesskey=([^;]+)/i.exec(email.connectionString)?.[1]);
    }
    const needsEmail = !deps.senderFor && this.channels.some((c) => c.kind === "email");
    if (needsEmail && !deps.emailTransport && !email) {
      throw new InputError(
        "notify.email: no email transport configured: set NSPG_EMAIL_ACS_ENDPOINT or NSPG_EMAIL_ACS_CONNECTION_STRING (with NSPG_EMAIL_FROM), or NSPG_EMAIL_SMTP_HOST",
      );
    }
    this.emailTransport = needsEmail
      ? (deps.emailTransport ??
        createEmailTransport(email!, {
          timeoutMs: this.settings.timeoutMs,
          ...(deps.credential ? { credential: deps.credential } : {}),
          ...(deps.acsCa ? { acsCa: deps.acsCa } : {}),
        }))
      : undefined;
    for (const config of this.channels) {
      let sender: ChannelSender;
      if (deps.senderFor) {
        sender = deps.senderFor(config);
      } else if (config.kind === "teams") {
        this.scrubber.add(config.webhookUrl);
        sender = new TeamsWebhookSender(config.webhookUrl, this.settings.portalBase, this.settings.timeoutMs);
      } else {
        sender = new EmailSender(this.emailTransport!, config.to, this.settings.portalBase);
      }
      this.byId.set(config.id, { config, sender });
    }
    this.drainer = new OutboxDrainer({
      outbox: this.outbox,
      maxPerMinute: this.settings.maxPerMinute,
      timeoutMs: this.settings.timeoutMs,
      clock: this.clock,
      random: deps.random ?? Math.random,
      scrubber: this.scrubber,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Dispatch

  async dispatch(given: PerimeterDecision, plans: readonly RevertPlan[], logger?: Logger): Promise<Action[]> {
    // Decisions are values: the alert outcomes go on copies of the actions, which are returned.
    const decision: PerimeterDecision = { ...given, actions: given.actions.map((a) => ({ ...a })) };
    const log = logger ?? this.logger;
    const now = this.clock();
    const { alerts, unmatched } = prepareAlerts(decision, plans, { dryRun: this.deps.policy.dryRun, now });
    for (const action of unmatched) setStatus(action, "failed", `${action.reason}; not sent: its finding is not in the decision`);
    if (alerts.length === 0) return decision.actions;

    if (this.channels.length === 0) {
      for (const { action, item } of alerts) {
        log.info({ alert: { ruleId: item.ruleId, resourceId: item.resourceId, severity: item.severity, change: item.change } }, "alert");
        setStatus(action, "applied", `${action.reason}; logged (no alert channel configured)`);
      }
      return decision.actions;
    }

    // What each alert became on each channel.
    const notes = new Map<Action, { sentTo: string[]; failed: string[]; queued: string[]; skipped: string[] }>(
      alerts.map((a) => [a.action, { sentTo: [], failed: [], queued: [], skipped: [] }]),
    );
    let planned: Planned[];
    try {
      planned = await this.plan(decision, alerts, now, notes);
      if (planned.length > 0) {
        await this.outbox.add(planned.map((p) => p.message));
        // The ledger follows the outbox: a crash in between re-queues the same message ids (no duplicates).
        for (const [channelId, entries] of ledgerUpdates(planned, now)) await this.outbox.putNotified(channelId, entries);
      }
    } catch (error) {
      const reason = this.scrubber.scrub(error instanceof Error ? error.message : String(error));
      log.error({ perimeterId: decision.perimeterId, error: reason, alerts: alerts.length }, "alerts could not be queued");
      for (const { action } of alerts) setStatus(action, "failed", `${action.reason}; could not be queued: ${reason}`);
      // Nothing durable holds these alerts yet: the evaluation must not be recorded as done, or they
      // are lost. The pipeline stores findings only after this returns, so a throw retries the message.
      throw new AlertsNotQueuedError(`alerts of ${decision.perimeterId} could not be queued: ${reason}`);
    }

    // Send now what can be sent; whatever is left waits for the deliverAlerts timer.
    const outcomes = await this.deliverPlanned(planned, log);
    const byMessage = new Map(outcomes.map((o) => [o.messageId, o]));
    for (const p of planned) {
      const outcome = byMessage.get(p.message.id);
      const kind = (p.message.payload as AlertPayload).kind;
      const where = kind === "single" ? p.channel.config.label : `${p.channel.config.label} (${kind})`;
      for (const { action, item } of alerts) {
        if (!p.items.includes(item)) continue;
        const note = notes.get(action)!;
        if (!outcome) note.queued.push(`${where}: queued`);
        else if (outcome.result === "delivered") note.sentTo.push(where);
        else if (outcome.result === "failed") note.failed.push(`${where}: ${outcome.error}, queued for retry from ${outcome.nextAttemptAt}`);
        else note.queued.push(`${where}: queued (${outcome.reason})`);
      }
    }
    for (const { action } of alerts) {
      const note = notes.get(action)!;
      const parts = [
        note.sentTo.length ? `sent to ${note.sentTo.join(", ")}` : "",
        ...note.failed,
        ...note.queued,
        ...note.skipped,
      ].filter(Boolean);
      const status: Action["status"] = note.failed.length ? "failed" : note.queued.length ? "planned" : note.sentTo.length ? "applied" : "skipped";
      setStatus(action, status, `${action.reason}; ${parts.join("; ")}`);
    }
    return decision.actions;
  }

  /** Routing, dedupe and digest per channel: the messages to queue. */
  private async plan(
    decision: PerimeterDecision,
    alerts: readonly PreparedAlert[],
    now: Date,
    notes: Map<Action, { skipped: string[] }>,
  ): Promise<Planned[]> {
    const tagsOf = this.tagLookup();
    const tags = new Map<AlertItem, Tags | undefined>();
    if (tagsOf && this.channels.some((c) => c.route.tags)) {
      for (const { item } of alerts) tags.set(item, await tagsOf(item.resourceId, item.perimeterId ?? decision.perimeterId).catch(() => undefined));
    }
    const planned: Planned[] = [];
    for (const channel of this.byId.values()) {
      const config = channel.config;
      const prior = await this.outbox.getNotified(config.id, alerts.map((a) => a.item.key));
      const chosen: Array<{ item: AlertItem; prior: NotifiedState | undefined }> = [];
      for (const { action, item } of alerts) {
        const before = prior.get(item.key);
        // A resolution goes wherever the finding was announced, whatever the routing says now.
        const mismatch = item.change === "resolved" ? undefined : routeMismatch(config.route, item, tags.get(item));
        const seen = mismatch ?? alreadyNotified(item, before);
        if (seen) {
          notes.get(action)!.skipped.push(`${config.label}: ${seen}`);
          continue;
        }
        chosen.push({ item, prior: before });
      }
      if (chosen.length === 0) continue;
      // One message per reverted change (its findings together), one per other finding; a digest
      // when that is more than the threshold.
      const units = messageUnits(chosen);
      const groups = units.length > this.deps.policy.notify.digestThreshold ? [chosen] : units;
      for (const group of groups) {
        const items = group.map((g) => g.item);
        const kind: AlertPayload["kind"] = group === chosen && units.length > 1 ? "digest" : items[0]!.change === "reverted" ? "reverted" : group.length > 1 ? "digest" : "single";
        const payload: AlertPayload = {
          version: 1,
          kind,
          perimeterId: decision.perimeterId,
          dryRun: this.deps.policy.dryRun,
          items,
          createdAt: now.toISOString(),
        };
        const first = items[0]!;
        const summary = payload.kind === "digest" ? `digest of ${items.length} for ${nameOf(decision.perimeterId)}` : `${first.change} ${first.ruleId} on ${nameOf(first.resourceId)}`;
        planned.push({
          channel,
          items,
          message: {
            id: messageIdFor(config.id, group),
            channelId: config.id,
            createdAt: now.toISOString(),
            status: "pending",
            attempts: 0,
            nextAttemptAt: now.toISOString(),
            summary,
            payload,
          },
        });
      }
    }
    return planned;
  }

  private tagLookup(): TagLookup | undefined {
    if (this.deps.tagsOf) return memoised(this.deps.tagsOf);
    if (this.deps.stateStore) return perimeterCacheTags(this.deps.stateStore);
    return undefined;
  }

  private async deliverPlanned(planned: readonly Planned[], log: Logger): Promise<MessageOutcome[]> {
    const byChannel = new Map<string, Planned[]>();
    for (const p of planned) byChannel.set(p.channel.config.id, [...(byChannel.get(p.channel.config.id) ?? []), p]);
    const results = await Promise.all(
      [...byChannel.values()].map(async (group) => {
        const channel = group[0]!.channel;
        return this.safely(
          channel,
          async () => {
            // Re-read: the stored version carries the ETag (and another instance may have sent it already).
            const stored: OutboxVersioned<OutboxMessage>[] = [];
            for (const p of group) {
              const current = await this.outbox.get(p.message.channelId, p.message.id);
              if (current && current.value.status === "pending") stored.push(current);
            }
            return this.drainer.deliverChannel(channel, stored, log);
          },
          log,
        );
      }),
    );
    return results.flat();
  }

  /** A channel's trouble (storage hiccup included) never stops the others. */
  private async safely(channel: DeliveryChannel, work: () => Promise<MessageOutcome[]>, log: Logger): Promise<MessageOutcome[]> {
    try {
      return await work();
    } catch (error) {
      log.error({ channel: channel.config.label, error: this.scrubber.scrub(error instanceof Error ? error.message : String(error)) }, "alert delivery interrupted");
      return [];
    }
  }

  // -------------------------------------------------------------------------------------------
  // Readiness notices

  async notifyReadiness(notices: ReadonlyArray<{ notice: ReadinessNotice; key: string }>, logger?: Logger): Promise<{ queued: number; delivered: number }> {
    const log = logger ?? this.logger;
    if (notices.length === 0) return { queued: 0, delivered: 0 };
    if (this.channels.length === 0) {
      for (const { notice } of notices) log.info({ readiness: { associationId: notice.associationId, change: notice.change } }, readinessHeadline(notice));
      return { queued: 0, delivered: 0 };
    }
    const now = this.clock().toISOString();
    const planned: Planned[] = [];
    for (const channel of this.byId.values()) {
      for (const { notice, key } of notices) {
        planned.push({
          channel,
          items: [],
          message: {
            id: nameBasedGuid(`${channel.config.id}\nreadiness\n${key}`),
            channelId: channel.config.id,
            createdAt: now,
            status: "pending",
            attempts: 0,
            nextAttemptAt: now,
            summary: `readiness ${notice.change} ${nameOf(notice.resourceId)}`,
            payload: notice,
          },
        });
      }
    }
    // A message id already stored is left as it is: a retried check does not post twice.
    await this.outbox.add(planned.map((p) => p.message));
    const outcomes = await this.deliverPlanned(planned, log);
    return { queued: planned.length, delivered: outcomes.filter((o) => o.result === "delivered").length };
  }

  // -------------------------------------------------------------------------------------------
  // The timer

  async deliverDue(options: { limit?: number; logger?: Logger } = {}): Promise<DeliveryReport> {
    const log = options.logger ?? this.logger;
    const now = this.clock();
    const due = await this.outbox.due(now, options.limit ?? 500);
    const byChannel = new Map<string, OutboxVersioned<OutboxMessage>[]>();
    let orphaned = 0;
    for (const stored of due) {
      if (!this.byId.has(stored.value.channelId)) {
        // The channel left the policy: keep the message (never lost), look again later.
        orphaned++;
        await this.outbox
          .update({ ...stored.value, nextAttemptAt: new Date(now.getTime() + ORPHAN_RECHECK_MS).toISOString() }, stored.etag)
          .catch(() => undefined);
        continue;
      }
      byChannel.set(stored.value.channelId, [...(byChannel.get(stored.value.channelId) ?? []), stored]);
    }
    if (orphaned > 0) log.warn({ orphaned }, "outbox holds alerts for channels no longer in the policy");
    const report: DeliveryReport = { delivered: 0, failed: 0, deferred: 0, orphaned, byChannel: {} };
    const results = await Promise.all(
      [...byChannel].map(async ([channelId, messages]) => {
        const channel = this.byId.get(channelId)!;
        return [channel.config.label, await this.safely(channel, () => this.drainer.deliverChannel(channel, messages, log), log)] as const;
      }),
    );
    for (const [label, outcomes] of results) {
      const counts = { delivered: 0, failed: 0, deferred: 0 };
      for (const o of outcomes) counts[o.result]++;
      report.byChannel[label] = counts;
      report.delivered += counts.delivered;
      report.failed += counts.failed;
      report.deferred += counts.deferred;
    }
    if (now.getTime() - this.lastPurge >= PURGE_EVERY_MS) {
      this.lastPurge = now.getTime();
      await this.outbox
        .purge(new Date(now.getTime() - DELIVERED_KEPT_MS), new Date(now.getTime() - RESOLVED_KEPT_MS))
        .catch((error: unknown) => log.warn({ error: this.scrubber.scrub(String(error)) }, "outbox purge failed"));
    }
    return report;
  }

  // -------------------------------------------------------------------------------------------
  // Health

  async channelHealth(): Promise<NotifyHealth> {
    const [pending, states] = await Promise.all([this.outbox.pending(), this.outbox.listChannels()]);
    const pendingOf = new Map(pending.map((p) => [p.channelId, p]));
    const stateOf = new Map(states.map((s) => [s.channelId, s]));
    const channels: ChannelHealth[] = this.channels.map((config) => {
      const state = stateOf.get(config.id);
      const waiting = pendingOf.get(config.id);
      const failures = state?.consecutiveFailures ?? 0;
      return {
        id: config.id,
        kind: config.kind,
        label: config.label,
        target: config.target,
        status: failures >= FAILING_AFTER ? "failing" : failures > 0 ? "retrying" : "ok",
        pending: waiting?.count ?? 0,
        ...(waiting ? { oldestPendingAt: waiting.oldestCreatedAt } : {}),
        consecutiveFailures: failures,
        ...(state?.failingSince ? { failingSince: state.failingSince } : {}),
        ...(state?.lastSuccessAt ? { lastSuccessAt: state.lastSuccessAt } : {}),
        ...(state?.lastFailureAt ? { lastFailureAt: state.lastFailureAt } : {}),
        ...(state?.lastError ? { lastError: this.scrubber.scrub(state.lastError) } : {}),
        ...(state?.pausedUntil && failures > 0 ? { nextAttemptAt: state.pausedUntil } : {}),
      };
    });
    const orphaned = pending.filter((p) => !this.byId.has(p.channelId)).reduce((n, p) => n + p.count, 0);
    const status = this.channels.length === 0 ? "unconfigured" : channels.some((c) => c.status === "failing") ? "degraded" : "ok";
    return { status, channels, orphaned };
  }

  async close(): Promise<void> {
    await this.emailTransport?.close?.();
  }
}

/** The findings told in one message each: a reverted change's findings together (the reverted rule's first). */
function messageUnits<T extends { item: AlertItem }>(chosen: readonly T[]): T[][] {
  const units: T[][] = [];
  const byRevert = new Map<string, T[]>();
  for (const entry of chosen) {
    const revertId = entry.item.change === "reverted" ? entry.item.revert?.revertId : undefined;
    if (!revertId) {
      units.push([entry]);
      continue;
    }
    const unit = byRevert.get(revertId);
    if (unit) {
      unit.push(entry);
      continue;
    }
    const fresh = [entry];
    byRevert.set(revertId, fresh);
    units.push(fresh);
  }
  // The finding whose rule asked for the revert first, then those the same write settled.
  const companion = (item: AlertItem) => Number(item.revert?.ruleId !== item.ruleId);
  for (const unit of byRevert.values()) unit.sort((a, b) => companion(a.item) - companion(b.item));
  return units;
}

function setStatus(action: Action, status: Action["status"], reason: string): void {
  action.status = status;
  action.reason = reason;
}

function ledgerUpdates(planned: readonly Planned[], now: Date): Map<string, Map<string, NotifiedState>> {
  const out = new Map<string, Map<string, NotifiedState>>();
  for (const p of planned) {
    const entries = out.get(p.message.channelId) ?? new Map<string, NotifiedState>();
    for (const item of p.items) entries.set(item.key, ledgerEntry(item, now.toISOString()));
    out.set(p.message.channelId, entries);
  }
  return out;
}
