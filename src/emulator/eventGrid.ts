/**
 * The Event Grid side of the ARM emulator: turns each `ResourceChange` into the event an Azure
 * subscription system topic emits (`Microsoft.Resources.Resource{Write,Delete,Action}Success`) and
 * delivers it to webhook or in-process subscribers the way Event Grid does: validation handshake first,
 * then at-least-once, retried with backoff, dead-lettered when attempts run out, and only what each
 * subscription's filter (event types, advanced filters) lets through. Faults (drops,
 * duplicates, reordering) let tests exercise consumers against the delivery guarantees Azure really gives.
 */
import { createHash, randomUUID } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { ChangeSink, ResourceChange } from "./changes.js";
import { eventClaims } from "./tokens.js";

export type EventSchema = "EventGridSchema" | "CloudEventSchemaV1_0";

export type ResourceEventType =
  | "Microsoft.Resources.ResourceWriteSuccess"
  | "Microsoft.Resources.ResourceDeleteSuccess"
  | "Microsoft.Resources.ResourceActionSuccess";

/** `data` of a resource event, shaped like event-schema-subscriptions.md. */
export interface ResourceEventData {
  authorization: {
    scope: string;
    action: string;
    evidence: {
      role: string;
      roleAssignmentScope: string;
      roleAssignmentId: string;
      roleDefinitionId: string;
      principalId: string;
      principalType: "User" | "ServicePrincipal";
    };
  };
  claims: Record<string, string>;
  correlationId: string;
  httpRequest: { clientRequestId: string; clientIpAddress: string; method: string; url: string };
  resourceProvider: string;
  resourceUri: string;
  operationName: string;
  status: "Succeeded";
  subscriptionId: string;
  tenantId: string;
}

/** An event in the Event Grid schema. */
export interface ResourceEventGridEvent {
  subject: string;
  eventType: ResourceEventType;
  eventTime: string;
  id: string;
  data: ResourceEventData;
  dataVersion: "2";
  metadataVersion: "1";
  topic: string;
}

/** The same event in the CloudEvents 1.0 schema (structured mode). */
export interface ResourceCloudEvent {
  subject: string;
  source: string;
  type: ResourceEventType;
  time: string;
  id: string;
  data: ResourceEventData;
  specversion: "1.0";
  datacontenttype: "application/json";
}

export type SystemTopicEvent = ResourceEventGridEvent | ResourceCloudEvent;
export type EventOf<S extends EventSchema> = S extends "EventGridSchema" ? ResourceEventGridEvent : ResourceCloudEvent;

export interface BuildEventOptions {
  /** Event id; a fresh uuid by default. Each subscription of a topic sees the same id for one event. */
  id?: string;
}

/** Azure's built-in Owner role; the emulator authorizes every caller as Owner of the subscription. */
const OWNER_ROLE_DEFINITION_ID = "8e3af657a8ff443ca75c2fe8c4bcb635";

const EVENT_TYPES: Record<ResourceChange["kind"], ResourceEventType> = {
  write: "Microsoft.Resources.ResourceWriteSuccess",
  delete: "Microsoft.Resources.ResourceDeleteSuccess",
  action: "Microsoft.Resources.ResourceActionSuccess",
};

export function operationNameOf(change: Pick<ResourceChange, "kind" | "resourceType" | "action">): string {
  if (change.kind === "action") return change.action ? `${change.resourceType}/${change.action}/action` : `${change.resourceType}/action`;
  return `${change.resourceType}/${change.kind}`;
}

/** Real events often carry `resourcegroups` lower-cased in the subject; consumers must compare ids case-insensitively. */
function eventSubject(resourceId: string): string {
  return resourceId.replace(/\/resourcegroups\//gi, "/resourcegroups/");
}

/** Stable GUID (32 hex digits, no dashes, as in activity-log evidence) for the caller's Owner assignment. */
function roleAssignmentIdOf(subscriptionId: string, principalId: string): string {
  return createHash("sha256").update(`${subscriptionId.toLowerCase()}/${principalId.toLowerCase()}`).digest("hex").slice(0, 32);
}

function buildEventGridEvent(change: ResourceChange, id: string): ResourceEventGridEvent {
  const operationName = operationNameOf(change);
  const claims = change.claims;
  // ResourceChange may later carry the caller's x-ms-client-request-id; until then ARM's behaviour of
  // inventing one when the caller sent none is what we reproduce.
  const clientRequestId = (change as ResourceChange & { clientRequestId?: string }).clientRequestId ?? randomUUID();
  const data: ResourceEventData = {
    authorization: {
      scope: change.resourceId,
      action: operationName,
      evidence: {
        role: "Owner",
        roleAssignmentScope: `/subscriptions/${change.subscriptionId}`,
        roleAssignmentId: roleAssignmentIdOf(change.subscriptionId, claims.oid),
        roleDefinitionId: OWNER_ROLE_DEFINITION_ID,
        principalId: claims.oid,
        principalType: claims.idtyp === "user" || claims.name ? "User" : "ServicePrincipal",
      },
    },
    claims: eventClaims(claims),
    correlationId: change.correlationId,
    // Real events omit httpRequest on some creates; we always include it (the emulator cannot tell reliably).
    httpRequest: { clientRequestId, clientIpAddress: change.clientIpAddress, method: change.httpMethod, url: change.url },
    resourceProvider: change.resourceType.split("/")[0] ?? change.resourceType,
    resourceUri: change.resourceId,
    operationName,
    status: "Succeeded",
    subscriptionId: change.subscriptionId,
    tenantId: claims.tid,
  };
  return {
    subject: eventSubject(change.resourceId),
    eventType: EVENT_TYPES[change.kind],
    eventTime: change.time.toISOString(),
    id,
    data,
    dataVersion: "2",
    metadataVersion: "1",
    topic: `/subscriptions/${change.subscriptionId}`,
  };
}

/** The CloudEvents 1.0 form of an Event Grid schema event (same id, subject, time and data). */
export function toCloudEvent(event: ResourceEventGridEvent): ResourceCloudEvent {
  return {
    subject: event.subject,
    source: event.topic,
    type: event.eventType,
    time: event.eventTime,
    id: event.id,
    data: event.data,
    specversion: "1.0",
    datacontenttype: "application/json",
  };
}

/**
 * The events the subscription system topic emits for one change (always one here; Azure sometimes
 * raises two write events for a create, which consumers must tolerate via at-least-once handling anyway).
 */
export function buildEvents<S extends EventSchema>(change: ResourceChange, schema: S, options: BuildEventOptions = {}): EventOf<S>[] {
  const event = buildEventGridEvent(change, options.id ?? randomUUID());
  return [(schema === "EventGridSchema" ? event : toCloudEvent(event)) as EventOf<S>];
}

// ---------------------------------------------------------------------------------------------------
// Filters (https://learn.microsoft.com/azure/event-grid/event-filtering): an event subscription's
// `includedEventTypes` and advanced filters, as the deployment sets them (infra/event-filters.json).

/** The string operators of Event Grid's advanced filters; other operators are refused when subscribing. */
export type StringFilterOperator =
  | "StringBeginsWith"
  | "StringEndsWith"
  | "StringContains"
  | "StringIn"
  | "StringNotBeginsWith"
  | "StringNotEndsWith"
  | "StringNotContains"
  | "StringNotIn";

export interface AdvancedFilter {
  operatorType: StringFilterOperator;
  /** `data.operationName`, `subject`, `eventType`... (a path into the event as delivered). */
  key: string;
  values: readonly string[];
}

/** The `filter` of an event subscription (Microsoft.EventGrid eventSubscriptions). */
export interface EventSubscriptionFilter {
  /** Event types delivered; absent: all. */
  includedEventTypes?: readonly string[];
  /** All must match (AND); within one filter, any value (OR). */
  advancedFilters?: readonly AdvancedFilter[];
}

/** Event Grid's limits per event subscription: 25 advanced filters, 25 values across them, 512 characters a value. */
export const EVENT_GRID_FILTER_LIMITS = { advancedFilters: 25, values: 25, valueLength: 512 } as const;

const STRING_OPERATORS: ReadonlySet<string> = new Set<StringFilterOperator>([
  "StringBeginsWith",
  "StringEndsWith",
  "StringContains",
  "StringIn",
  "StringNotBeginsWith",
  "StringNotEndsWith",
  "StringNotContains",
  "StringNotIn",
]);

/** Throws, naming the field, when a filter is one Event Grid would refuse (or one the emulator cannot apply). */
export function checkSubscriptionFilter(filter: EventSubscriptionFilter, where = "filter"): void {
  const advanced = filter.advancedFilters ?? [];
  if (advanced.length > EVENT_GRID_FILTER_LIMITS.advancedFilters) {
    throw new Error(`${where}.advancedFilters: ${advanced.length} filters, Event Grid allows ${EVENT_GRID_FILTER_LIMITS.advancedFilters}`);
  }
  let values = 0;
  advanced.forEach((f, i) => {
    if (!STRING_OPERATORS.has(f.operatorType)) throw new Error(`${where}.advancedFilters[${i}].operatorType: '${String(f.operatorType)}' is not a string operator the emulator applies`);
    if (typeof f.key !== "string" || f.key === "") throw new Error(`${where}.advancedFilters[${i}].key: missing`);
    if (!Array.isArray(f.values) || f.values.length === 0) throw new Error(`${where}.advancedFilters[${i}].values: at least one value is needed`);
    f.values.forEach((v, j) => {
      if (typeof v !== "string") throw new Error(`${where}.advancedFilters[${i}].values[${j}]: not a string`);
      if (v.length > EVENT_GRID_FILTER_LIMITS.valueLength) throw new Error(`${where}.advancedFilters[${i}].values[${j}]: ${v.length} characters, Event Grid allows ${EVENT_GRID_FILTER_LIMITS.valueLength}`);
    });
    values += f.values.length;
  });
  if (values > EVENT_GRID_FILTER_LIMITS.values) throw new Error(`${where}.advancedFilters: ${values} values in all, Event Grid allows ${EVENT_GRID_FILTER_LIMITS.values}`);
}

function valueAt(event: SystemTopicEvent, key: string): unknown {
  let current: unknown = event;
  for (const part of key.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** String comparisons of advanced filters are case-insensitive (event-filtering, "Advanced filtering"). */
function matchesAdvanced(event: SystemTopicEvent, filter: AdvancedFilter): boolean {
  const raw = valueAt(event, filter.key);
  const negated = filter.operatorType.startsWith("StringNot");
  // A key the event lacks matches no positive operator; for the negated ones Event Grid's answer is
  // UNCONFIRMED: treated as "not excluded", the deployment uses positive operators only.
  if (typeof raw !== "string") return negated;
  const value = raw.toLowerCase();
  const values = filter.values.map((v) => v.toLowerCase());
  let hit: boolean;
  switch (filter.operatorType) {
    case "StringBeginsWith":
    case "StringNotBeginsWith":
      hit = values.some((v) => value.startsWith(v));
      break;
    case "StringEndsWith":
    case "StringNotEndsWith":
      hit = values.some((v) => value.endsWith(v));
      break;
    case "StringContains":
    case "StringNotContains":
      hit = values.some((v) => value.includes(v));
      break;
    case "StringIn":
    case "StringNotIn":
      hit = values.includes(value);
      break;
  }
  return negated ? !hit : hit;
}

/** Whether an event subscription with this filter receives the event. */
export function passesFilter(event: SystemTopicEvent, filter: EventSubscriptionFilter | undefined): boolean {
  if (!filter) return true;
  const type = "eventType" in event ? event.eventType : event.type;
  if (filter.includedEventTypes && !filter.includedEventTypes.some((t) => t.toLowerCase() === type.toLowerCase())) return false;
  return (filter.advancedFilters ?? []).every((f) => matchesAdvanced(event, f));
}

// ---------------------------------------------------------------------------------------------------
// Delivery

export interface WebhookSubscriptionOptions {
  /** Endpoint; Azure requires https, the emulator also accepts http for local receivers. */
  url: string;
  schema: EventSchema;
  /** PEM certificate(s) to trust for an https endpoint (e.g. a self-signed test receiver). */
  ca?: string;
  /** Event subscription name, sent upper-cased in `aeg-subscription-name` as Azure does. */
  name?: string;
  /** Attempts before dead-lettering (default 8; Azure's default is 30 over 24 h). */
  maxDeliveryAttempts?: number;
  /** First retry delay; doubles per attempt up to 2 s (default 50 ms). */
  retryDelayMs?: number;
  /** The subscription's filter (the deployment's is infra/event-filters.json); absent: every event. */
  filter?: EventSubscriptionFilter;
}

export interface InProcessSubscriptionOptions {
  name?: string;
  maxDeliveryAttempts?: number;
  retryDelayMs?: number;
  filter?: EventSubscriptionFilter;
}

export interface DeliveryContext {
  subscriptionId: string;
  /** 0 on the first attempt, like `aeg-delivery-count`. */
  deliveryCount: number;
}

export type InProcessHandler<S extends EventSchema> = (event: EventOf<S>, context: DeliveryContext) => void | Promise<void>;

export interface EventFaults {
  /** Probability that an event is never delivered to a subscription. */
  dropRate?: number;
  /** Probability that an event is delivered twice (same id) to a subscription. */
  duplicateRate?: number;
  /** Hold events per subscription until N are waiting, then release them shuffled (drain() releases early). */
  reorderWindow?: number;
  /** Source of randomness for the faults above; pass a seeded one for deterministic tests. */
  random?: () => number;
}

/** Field names follow Azure's dead-letter blobs (deadLetterReason, deliveryAttempts, lastDeliveryOutcome...). */
export interface DeadLetter {
  subscriptionId: string;
  event: SystemTopicEvent;
  deadLetterReason: "MaxDeliveryAttemptsExceeded" | "PublisherClosed";
  deliveryAttempts: number;
  lastDeliveryOutcome: string;
  lastHttpStatusCode?: number;
  lastDeliveryAttemptTime: string;
}

export interface DroppedEvent {
  subscriptionId: string;
  event: SystemTopicEvent;
}

export interface EventGridPublisherOptions {
  /** The Azure subscription whose system topic this is: changes of other subscriptions are ignored. Default: all. */
  subscriptionId?: string;
  /** Timeout of each handshake and delivery request (default 30 s, as Event Grid). */
  requestTimeoutMs?: number;
}

type AttemptResult = { ok: true } | { ok: false; outcome: string; httpStatus?: number };

interface Subscription {
  id: string;
  schema: EventSchema;
  maxDeliveryAttempts: number;
  retryDelayMs: number;
  filter: EventSubscriptionFilter | undefined;
  send(event: SystemTopicEvent, deliveryCount: number): Promise<AttemptResult>;
  /** Events held back by the reorder fault. */
  held: SystemTopicEvent[];
  /** First attempts run one after another per subscription so fault-free delivery order is deterministic. */
  chain: Promise<void>;
  active: boolean;
}

interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const DEFAULT_MAX_ATTEMPTS = 8;
const DEFAULT_RETRY_DELAY_MS = 50;
const MAX_RETRY_DELAY_MS = 2_000;
const WEBHOOK_ORIGIN = "eventgrid.azure.net";

export class EventGridPublisher implements ChangeSink {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly publishedEvents: ResourceEventGridEvent[] = [];
  private readonly deadLetterList: DeadLetter[] = [];
  private readonly droppedList: DroppedEvent[] = [];
  private readonly filteredList: DroppedEvent[] = [];
  private readonly errorList: unknown[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly timers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  private faults: EventFaults = {};
  private nextSubscriptionNumber = 1;
  private closed = false;
  private readonly requestTimeoutMs: number;

  constructor(private readonly options: EventGridPublisherOptions = {}) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  /** Every event built, in Event Grid schema, one per change (CloudEvents subscribers get the same id). */
  get published(): readonly ResourceEventGridEvent[] {
    return this.publishedEvents;
  }

  get deadLetters(): readonly DeadLetter[] {
    return this.deadLetterList;
  }

  /** Events a subscription's filter did not let through (not delivered, as in Event Grid). */
  get filteredOut(): readonly DroppedEvent[] {
    return this.filteredList;
  }

  /** Events the drop fault swallowed. */
  get dropped(): readonly DroppedEvent[] {
    return this.droppedList;
  }

  /** Errors publish() swallowed (it must never throw into the emulator). */
  get errors(): readonly unknown[] {
    return this.errorList;
  }

  setFaults(faults: EventFaults): void {
    this.faults = { ...faults };
  }

  publish(change: ResourceChange): void {
    try {
      if (this.closed) return;
      if (this.options.subscriptionId && change.subscriptionId.toLowerCase() !== this.options.subscriptionId.toLowerCase()) return;
      const [event] = buildEvents(change, "EventGridSchema");
      if (!event) return;
      this.publishedEvents.push(event);
      let cloudEvent: ResourceCloudEvent | undefined;
      for (const subscription of this.subscriptions.values()) {
        const shaped = subscription.schema === "EventGridSchema" ? event : (cloudEvent ??= toCloudEvent(event));
        if (passesFilter(shaped, subscription.filter)) this.enqueue(subscription, shaped);
        else this.filteredList.push({ subscriptionId: subscription.id, event: shaped });
      }
    } catch (error) {
      this.errorList.push(error);
    }
  }

  /**
   * Adds a webhook subscription after the validation handshake Event Grid performs: a
   * SubscriptionValidationEvent for the Event Grid schema, the CloudEvents OPTIONS abuse-protection
   * request otherwise. Rejects when the endpoint does not complete it.
   */
  async subscribeWebhook(options: WebhookSubscriptionOptions): Promise<string> {
    if (this.closed) throw new Error("EventGridPublisher is closed");
    const url = new URL(options.url);
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`Webhook endpoint must be http(s): ${options.url}`);
    if (options.filter) checkSubscriptionFilter(options.filter);
    const id = this.newSubscriptionId(options.name);
    const headerName = id.toUpperCase();
    if (options.schema === "EventGridSchema") await this.validateEventGridEndpoint(url, headerName, options.ca);
    else await this.validateCloudEventsEndpoint(url, options.ca);

    const send = async (event: SystemTopicEvent, deliveryCount: number): Promise<AttemptResult> => {
      const isCloudEvent = options.schema === "CloudEventSchemaV1_0";
      // Event Grid schema deliveries are always a JSON array; CloudEvents go one per request (structured mode).
      const body = JSON.stringify(isCloudEvent ? event : [event]);
      const headers: Record<string, string> = {
        "content-type": isCloudEvent ? "application/cloudevents+json; charset=utf-8" : "application/json",
        "aeg-event-type": "Notification",
        "aeg-subscription-name": headerName,
        "aeg-delivery-count": String(deliveryCount),
        "aeg-metadata-version": isCloudEvent ? "1.0" : "1",
        ...(isCloudEvent ? {} : { "aeg-data-version": "2" }),
      };
      try {
        const response = await this.request(url, "POST", headers, body, options.ca);
        if (response.status >= 200 && response.status < 300) return { ok: true };
        return { ok: false, outcome: `HTTP ${response.status}`, httpStatus: response.status };
      } catch (error) {
        return { ok: false, outcome: `Network error: ${messageOf(error)}` };
      }
    };
    this.addSubscription(id, options.schema, options, send);
    return id;
  }

  /** Delivers the same events by calling `handler`; a throwing or rejecting handler counts as a failed attempt. */
  subscribeInProcess<S extends EventSchema>(handler: InProcessHandler<S>, schema: S, options: InProcessSubscriptionOptions = {}): string {
    if (this.closed) throw new Error("EventGridPublisher is closed");
    if (options.filter) checkSubscriptionFilter(options.filter);
    const id = this.newSubscriptionId(options.name);
    const send = async (event: SystemTopicEvent, deliveryCount: number): Promise<AttemptResult> => {
      try {
        // A copy per delivery, as over the wire: handlers cannot alter the log or each other's events.
        await handler(structuredClone(event) as EventOf<S>, { subscriptionId: id, deliveryCount });
        return { ok: true };
      } catch (error) {
        return { ok: false, outcome: `Handler error: ${messageOf(error)}` };
      }
    };
    this.addSubscription(id, schema, options, send);
    return id;
  }

  /** Stops deliveries to a subscription, including pending retries; false when unknown. */
  unsubscribe(subscriptionId: string): boolean {
    const subscription = this.subscriptions.get(subscriptionId);
    if (!subscription) return false;
    subscription.active = false;
    subscription.held = [];
    this.subscriptions.delete(subscriptionId);
    return true;
  }

  /** Resolves when everything published so far was delivered, dropped or dead-lettered. */
  async drain(): Promise<void> {
    for (;;) {
      for (const subscription of this.subscriptions.values()) this.release(subscription);
      if (this.inFlight.size === 0) return;
      await Promise.allSettled([...this.inFlight]);
    }
  }

  /**
   * Stops accepting events; held events are released, events waiting for a retry are dead-lettered
   * with reason `PublisherClosed`. Resolves when no attempt is running any more.
   */
  async close(): Promise<void> {
    if (this.closed) return this.drain();
    this.closed = true;
    for (const subscription of this.subscriptions.values()) this.release(subscription);
    for (const pending of this.timers) {
      clearTimeout(pending.timer);
      pending.wake();
    }
    this.timers.clear();
    await this.drain();
    this.subscriptions.clear();
  }

  // -------------------------------------------------------------------------------------------------

  private newSubscriptionId(name: string | undefined): string {
    if (name !== undefined) {
      if (!/^[A-Za-z0-9-]{3,64}$/.test(name)) throw new Error(`Invalid event subscription name '${name}': 3-64 letters, digits or hyphens`);
      if (this.subscriptions.has(name)) throw new Error(`Event subscription '${name}' already exists`);
      return name;
    }
    let id: string;
    do id = `subscription-${this.nextSubscriptionNumber++}`;
    while (this.subscriptions.has(id));
    return id;
  }

  private addSubscription(
    id: string,
    schema: EventSchema,
    options: { maxDeliveryAttempts?: number; retryDelayMs?: number; filter?: EventSubscriptionFilter },
    send: Subscription["send"],
  ): void {
    this.subscriptions.set(id, {
      id,
      schema,
      filter: options.filter,
      maxDeliveryAttempts: Math.max(1, options.maxDeliveryAttempts ?? DEFAULT_MAX_ATTEMPTS),
      retryDelayMs: Math.max(0, options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS),
      send,
      held: [],
      chain: Promise.resolve(),
      active: true,
    });
  }

  /** Applies the faults, then hands the event (or its copies) to delivery. */
  private enqueue(subscription: Subscription, event: SystemTopicEvent): void {
    const { dropRate = 0, duplicateRate = 0, reorderWindow = 0 } = this.faults;
    const random = this.faults.random ?? Math.random;
    if (dropRate > 0 && random() < dropRate) {
      this.droppedList.push({ subscriptionId: subscription.id, event });
      return;
    }
    const copies = duplicateRate > 0 && random() < duplicateRate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      if (reorderWindow > 1) {
        subscription.held.push(event);
        if (subscription.held.length >= reorderWindow) this.release(subscription);
      } else {
        this.dispatch(subscription, event);
      }
    }
  }

  /** Releases held events in a shuffled order (Fisher-Yates over the fault random). */
  private release(subscription: Subscription): void {
    if (subscription.held.length === 0) return;
    const batch = subscription.held;
    subscription.held = [];
    const random = this.faults.random ?? Math.random;
    for (let i = batch.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [batch[i], batch[j]] = [batch[j]!, batch[i]!];
    }
    for (const event of batch) this.dispatch(subscription, event);
  }

  private dispatch(subscription: Subscription, event: SystemTopicEvent): void {
    const firstAttempt = subscription.chain.then(() => this.attempt(subscription, event, 0));
    subscription.chain = firstAttempt.catch(() => undefined);
    this.track(firstAttempt);
  }

  private async attempt(subscription: Subscription, event: SystemTopicEvent, deliveryCount: number, previous?: AttemptResult): Promise<void> {
    if (!subscription.active) return;
    if (this.closed && deliveryCount > 0) {
      this.deadLetter(subscription, event, "PublisherClosed", deliveryCount, previous);
      return;
    }
    const result = await subscription.send(event, deliveryCount);
    if (result.ok || !subscription.active) return;
    const attempts = deliveryCount + 1;
    if (attempts >= subscription.maxDeliveryAttempts) {
      this.deadLetter(subscription, event, "MaxDeliveryAttemptsExceeded", attempts, result);
      return;
    }
    if (this.closed) {
      this.deadLetter(subscription, event, "PublisherClosed", attempts, result);
      return;
    }
    // Retries run beside the subscription's queue, so one failing event does not hold back the
    // others (Event Grid delivery is unordered).
    const delay = Math.min(subscription.retryDelayMs * 2 ** deliveryCount, Math.max(MAX_RETRY_DELAY_MS, subscription.retryDelayMs));
    this.track(this.sleep(delay).then(() => this.attempt(subscription, event, attempts, result)));
  }

  private deadLetter(
    subscription: Subscription,
    event: SystemTopicEvent,
    reason: DeadLetter["deadLetterReason"],
    deliveryAttempts: number,
    last: AttemptResult | undefined,
  ): void {
    const failure = last && !last.ok ? last : undefined;
    this.deadLetterList.push({
      subscriptionId: subscription.id,
      event,
      deadLetterReason: reason,
      deliveryAttempts,
      lastDeliveryOutcome: failure?.outcome ?? "None",
      ...(failure?.httpStatus !== undefined ? { lastHttpStatusCode: failure.httpStatus } : {}),
      lastDeliveryAttemptTime: new Date().toISOString(),
    });
  }

  private track(work: Promise<unknown>): void {
    const settled = work.catch((error: unknown) => {
      this.errorList.push(error);
    });
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
  }

  /** A retry wait that close() can cut short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const pending = {
        timer: setTimeout(() => {
          this.timers.delete(pending);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.timers.add(pending);
    });
  }

  private async validateEventGridEndpoint(url: URL, subscriptionName: string, ca: string | undefined): Promise<void> {
    const validationCode = randomUUID();
    const topicSubscription = this.options.subscriptionId ?? "00000000-0000-0000-0000-000000000000";
    const validationEvent = {
      id: randomUUID(),
      topic: `/subscriptions/${topicSubscription}`,
      subject: "",
      data: { validationCode },
      eventType: "Microsoft.EventGrid.SubscriptionValidationEvent",
      eventTime: new Date().toISOString(),
      metadataVersion: "1",
      dataVersion: "1",
    };
    let response: HttpResult;
    try {
      response = await this.request(
        url,
        "POST",
        {
          "content-type": "application/json",
          "aeg-event-type": "SubscriptionValidation",
          "aeg-subscription-name": subscriptionName,
          "aeg-delivery-count": "0",
          "aeg-metadata-version": "1",
          "aeg-data-version": "1",
        },
        JSON.stringify([validationEvent]),
        ca,
      );
    } catch (error) {
      throw handshakeError(url, `The validation request failed: ${messageOf(error)}`);
    }
    // Azure accepts only 200 here (202 is refused) with the code echoed back.
    if (response.status !== 200) throw handshakeError(url, `The endpoint answered the SubscriptionValidationEvent with HTTP ${response.status}, expected 200`);
    let answer: unknown;
    try {
      answer = JSON.parse(response.body);
    } catch {
      throw handshakeError(url, "The validation response is not JSON");
    }
    const echoed = typeof answer === "object" && answer !== null ? (answer as Record<string, unknown>).validationResponse : undefined;
    if (echoed !== validationCode) throw handshakeError(url, "The validation response does not carry the validationCode in 'validationResponse'");
  }

  private async validateCloudEventsEndpoint(url: URL, ca: string | undefined): Promise<void> {
    let response: HttpResult;
    try {
      response = await this.request(url, "OPTIONS", { "webhook-request-origin": WEBHOOK_ORIGIN }, undefined, ca);
    } catch (error) {
      throw handshakeError(url, `The HTTP OPTIONS request failed: ${messageOf(error)}`);
    }
    if (response.status < 200 || response.status >= 300) throw handshakeError(url, `HTTP OPTIONS request failed with response code ${response.status}`);
    const allowed = response.headers["webhook-allowed-origin"];
    const origins = (Array.isArray(allowed) ? allowed.join(",") : (allowed ?? "")).split(",").map((o) => o.trim().toLowerCase());
    if (!origins.includes("*") && !origins.includes(WEBHOOK_ORIGIN)) {
      throw handshakeError(url, `The response to HTTP OPTIONS lacks 'WebHook-Allowed-Origin: ${WEBHOOK_ORIGIN}' (got '${allowed ?? ""}')`);
    }
  }

  private request(url: URL, method: string, headers: Record<string, string>, body: string | undefined, ca: string | undefined): Promise<HttpResult> {
    const timeoutMs = this.requestTimeoutMs;
    return new Promise((resolve, reject) => {
      const allHeaders = body === undefined ? headers : { ...headers, "content-length": String(Buffer.byteLength(body)) };
      // agent:false: a fresh connection per request, so a stale keep-alive socket never turns into a
      // spurious failed attempt (and a duplicate delivery) in tests counting deliveries.
      const onResponse = (res: http.IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      };
      const req =
        url.protocol === "https:"
          ? https.request(url, { method, headers: allHeaders, agent: false, timeout: timeoutMs, ...(ca ? { ca } : {}) }, onResponse)
          : http.request(url, { method, headers: allHeaders, agent: false, timeout: timeoutMs }, onResponse);
      req.on("timeout", () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
      req.on("error", reject);
      req.end(body);
    });
  }
}

function handshakeError(url: URL, detail: string): Error {
  return new Error(`Webhook validation handshake failed for ${url.href}. ${detail}. For troubleshooting, visit https://aka.ms/esvalidation.`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
