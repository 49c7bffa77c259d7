import { EventGridDeserializer, isSystemEvent } from "@azure/eventgrid";
import { afterEach, describe, expect, it } from "vitest";
import { seededRandom } from "../../src/simulate/schedule.js";
import { appClaims, ASSOCIATION_TYPE, EVENT_ASSOCIATION, EVENT_SUB, resourceChange, userClaims } from "../helpers/resourceChanges.js";
import { generateServerCertificate } from "../../src/emulator/certificate.js";
import type { ResourceChange } from "../../src/emulator/changes.js";
import {
  buildEvents,
  checkSubscriptionFilter,
  EventGridPublisher,
  type EventSubscriptionFilter,
  passesFilter,
  type ResourceCloudEvent,
  type ResourceEventGridEvent,
  toCloudEvent,
} from "../../src/emulator/eventGrid.js";
import { WebhookReceiver, type WebhookReceiverOptions } from "../helpers/webhookReceiver.js";

// The documented example payloads (../shared/docs/examples) are compared in test/conformance/eventExamples.test.ts.

const SUB = EVENT_SUB;
const ASSOCIATION = EVENT_ASSOCIATION;
const change = resourceChange;

const keys = (o: unknown) => Object.keys(o as object).sort();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  const r = await WebhookReceiver.start(options);
  cleanups.push(() => r.close());
  return r;
}

function publisher(): EventGridPublisher {
  const p = new EventGridPublisher();
  cleanups.push(() => p.close());
  return p;
}

describe("buildEvents", () => {
  it("shapes an Event Grid schema write event as ARM's system topic does", () => {
    const [event] = buildEvents(change(), "EventGridSchema");
    expect(keys(event)).toEqual(["data", "dataVersion", "eventTime", "eventType", "id", "metadataVersion", "subject", "topic"]);
    expect(event).toMatchObject({
      eventType: "Microsoft.Resources.ResourceWriteSuccess",
      topic: `/subscriptions/${SUB}`,
      subject: ASSOCIATION.replace("/resourceGroups/", "/resourcegroups/"),
      eventTime: "2025-03-01T12:34:56.789Z",
      dataVersion: "2",
      metadataVersion: "1",
    });
    expect(event!.id).toMatch(UUID);
    expect(event!.eventTime).toMatch(ISO_TIME);
    expect(event!.data).toMatchObject({
      operationName: `${ASSOCIATION_TYPE}/write`,
      resourceProvider: "Microsoft.Network",
      resourceUri: ASSOCIATION,
      status: "Succeeded",
      subscriptionId: SUB,
      tenantId: appClaims.tid,
      correlationId: "0f0e0d0c-0b0a-0908-0706-050403020100",
      authorization: {
        scope: ASSOCIATION,
        action: `${ASSOCIATION_TYPE}/write`,
        evidence: { role: "Owner", principalId: appClaims.oid, principalType: "ServicePrincipal", roleAssignmentScope: `/subscriptions/${SUB}` },
      },
      httpRequest: { clientIpAddress: "127.0.0.1", method: "PUT", url: change().url },
    });
    expect(event!.data.httpRequest.clientRequestId).toMatch(UUID);
    expect(event!.data.claims).toMatchObject({
      appid: appClaims.appid,
      "http://schemas.microsoft.com/identity/claims/objectidentifier": appClaims.oid,
      "http://schemas.microsoft.com/identity/claims/tenantid": appClaims.tid,
      ver: "1.0",
    });
  });

  it("names delete and action operations as ARM does", () => {
    const [deleted] = buildEvents(change({ kind: "delete" }), "EventGridSchema");
    const [acted] = buildEvents(change({ kind: "action", action: "reconcile" }), "EventGridSchema");
    expect(deleted!.eventType).toBe("Microsoft.Resources.ResourceDeleteSuccess");
    expect(deleted!.data.operationName).toBe(`${ASSOCIATION_TYPE}/delete`);
    expect(deleted!.data.httpRequest.method).toBe("DELETE");
    expect(acted!.eventType).toBe("Microsoft.Resources.ResourceActionSuccess");
    expect(acted!.data.operationName).toBe(`${ASSOCIATION_TYPE}/reconcile/action`);
    expect(acted!.data.authorization.action).toBe(acted!.data.operationName);
  });

  it("describes a user caller with the user's claims", () => {
    const [event] = buildEvents(change({ claims: userClaims }), "EventGridSchema");
    expect(event!.data.authorization.evidence).toMatchObject({ principalId: userClaims.oid, principalType: "User" });
    expect(event!.data.claims).toMatchObject({ name: "alice@contoso.com", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": "alice@contoso.com" });
  });

  it("shapes CloudEvents 1.0 with datacontenttype", () => {
    for (const kind of ["write", "delete", "action"] as const) {
      const [event] = buildEvents(change({ kind }), "CloudEventSchemaV1_0");
      expect(keys(event)).toEqual(["data", "datacontenttype", "id", "source", "specversion", "subject", "time", "type"]);
      expect(event).toMatchObject({ specversion: "1.0", source: `/subscriptions/${SUB}`, datacontenttype: "application/json", time: "2025-03-01T12:34:56.789Z" });
      expect(event!.subject).toContain("/resourcegroups/");
    }
  });

  it("uses the given id so both schemas can carry the same event", () => {
    const [eg] = buildEvents(change(), "EventGridSchema", { id: "11111111-2222-3333-4444-555555555555" });
    const [ce] = buildEvents(change(), "CloudEventSchemaV1_0", { id: "11111111-2222-3333-4444-555555555555" });
    expect(ce!.id).toBe(eg!.id);
  });
});

describe("webhook subscription handshake", () => {
  it("accepts an Event Grid schema endpoint that echoes the validation code", async () => {
    const r = await receiver();
    const p = publisher();
    const id = await p.subscribeWebhook({ url: r.url, schema: "EventGridSchema", name: "guardrail-sub" });
    expect(id).toBe("guardrail-sub");
    const [validation] = r.requests;
    expect(validation!.method).toBe("POST");
    expect(validation!.headers["aeg-event-type"]).toBe("SubscriptionValidation");
    expect(validation!.headers["aeg-subscription-name"]).toBe("GUARDRAIL-SUB");
    const body = JSON.parse(validation!.body) as Record<string, unknown>[];
    expect(body).toHaveLength(1);
    expect(keys(body[0])).toEqual(["data", "dataVersion", "eventTime", "eventType", "id", "metadataVersion", "subject", "topic"]);
    expect(body[0]!.eventType).toBe("Microsoft.EventGrid.SubscriptionValidationEvent");
  });

  it.each([
    ["a wrong validation code", { validation: "wrong-code" as const }, /validationCode/],
    ["202 Accepted", { validation: { status: 202 } }, /HTTP 202, expected 200/],
    ["404", { validation: { status: 404 } }, /HTTP 404/],
  ])("refuses an Event Grid schema endpoint answering %s", async (_label, options, message) => {
    const r = await receiver(options);
    const p = publisher();
    await expect(p.subscribeWebhook({ url: r.url, schema: "EventGridSchema" })).rejects.toThrow(message);
    await expect(p.subscribeWebhook({ url: r.url, schema: "EventGridSchema" })).rejects.toThrow(/Webhook validation handshake failed for http:\/\/127\.0\.0\.1/);
    p.publish(change());
    await p.drain();
    expect(r.notifications).toHaveLength(0);
  });

  it("refuses an unreachable endpoint", async () => {
    const r = await receiver();
    const url = r.url;
    await r.close();
    await expect(publisher().subscribeWebhook({ url, schema: "CloudEventSchemaV1_0" })).rejects.toThrow(/HTTP OPTIONS request failed/);
  });

  it.each([["echoed origin", undefined], ["*", "*"]])("accepts a CloudEvents endpoint allowing %s", async (_label, allowedOrigin) => {
    const r = await receiver(allowedOrigin === undefined ? {} : { allowedOrigin });
    await publisher().subscribeWebhook({ url: r.url, schema: "CloudEventSchemaV1_0" });
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]!.method).toBe("OPTIONS");
    expect(r.requests[0]!.headers["webhook-request-origin"]).toBe("eventgrid.azure.net");
  });

  it.each([
    ["no WebHook-Allowed-Origin", { allowedOrigin: null }, /lacks 'WebHook-Allowed-Origin/],
    ["another origin", { allowedOrigin: "example.com" }, /got 'example.com'/],
    ["405", { optionsStatus: 405 }, /response code 405/],
  ])("refuses a CloudEvents endpoint answering %s", async (_label, options, message) => {
    const r = await receiver(options);
    await expect(publisher().subscribeWebhook({ url: r.url, schema: "CloudEventSchemaV1_0" })).rejects.toThrow(message);
  });

  it("trusts the given CA for an https endpoint and refuses an untrusted one", async () => {
    const tls = await generateServerCertificate(["127.0.0.1"]);
    const r = await receiver({ tls });
    const p = publisher();
    await expect(p.subscribeWebhook({ url: r.url, schema: "EventGridSchema" })).rejects.toThrow(/validation request failed/);
    await p.subscribeWebhook({ url: r.url, schema: "EventGridSchema", ca: tls.cert });
    p.publish(change());
    await p.drain();
    expect(r.acceptedEvents).toHaveLength(1);
  });
});

describe("webhook delivery", () => {
  it("posts Event Grid schema arrays that the Azure SDK deserializes as ResourceWriteSuccess", async () => {
    const r = await receiver();
    const p = publisher();
    await p.subscribeWebhook({ url: r.url, schema: "EventGridSchema", name: "eg-sub" });
    p.publish(change());
    p.publish(change({ kind: "delete" }));
    await p.drain();
    expect(r.notifications).toHaveLength(2);
    const [first] = r.notifications;
    expect(first!.headers).toMatchObject({
      "content-type": "application/json",
      "aeg-event-type": "Notification",
      "aeg-subscription-name": "EG-SUB",
      "aeg-delivery-count": "0",
    });
    const events = await new EventGridDeserializer().deserializeEventGridEvents(first!.body);
    expect(events).toHaveLength(1);
    expect(isSystemEvent("Microsoft.Resources.ResourceWriteSuccess", events[0]!)).toBe(true);
    if (isSystemEvent("Microsoft.Resources.ResourceWriteSuccess", events[0]!)) {
      expect(events[0].data.resourceUri).toBe(ASSOCIATION);
      expect(events[0].data.operationName).toBe(`${ASSOCIATION_TYPE}/write`);
    }
    expect(events[0]!.eventTime).toEqual(new Date("2025-03-01T12:34:56.789Z"));
    expect(r.acceptedEvents.map((e) => e.id)).toEqual(p.published.map((e) => e.id));
  });

  it("posts single CloudEvents that the Azure SDK deserializes", async () => {
    const r = await receiver();
    const p = publisher();
    await p.subscribeWebhook({ url: r.url, schema: "CloudEventSchemaV1_0" });
    p.publish(change());
    await p.drain();
    const [delivery] = r.notifications;
    expect(delivery!.headers["content-type"]).toMatch(/^application\/cloudevents\+json/);
    const [event] = await new EventGridDeserializer().deserializeCloudEvents(delivery!.body);
    expect(isSystemEvent("Microsoft.Resources.ResourceWriteSuccess", event!)).toBe(true);
    expect(event!.id).toBe(p.published[0]!.id);
    expect(event!.subject).toBe(p.published[0]!.subject);
  });

  it("gives every subscription the same event id, in its own schema", async () => {
    const eg = await receiver();
    const ce = await receiver();
    const p = publisher();
    await p.subscribeWebhook({ url: eg.url, schema: "EventGridSchema" });
    await p.subscribeWebhook({ url: ce.url, schema: "CloudEventSchemaV1_0" });
    p.publish(change());
    await p.drain();
    expect(eg.acceptedEvents[0]!.id).toBe(ce.acceptedEvents[0]!.id);
    expect(eg.acceptedEvents[0]).toHaveProperty("eventType");
    expect(ce.acceptedEvents[0]).toHaveProperty("specversion", "1.0");
  });

  it("retries failures (HTTP and connection resets) and then delivers exactly once", async () => {
    const r = await receiver();
    const p = publisher();
    await p.subscribeWebhook({ url: r.url, schema: "EventGridSchema", retryDelayMs: 1, maxDeliveryAttempts: 5 });
    r.failNext(1, 503);
    r.failNext(1, "reset");
    r.failNext(1, 429);
    p.publish(change());
    await p.drain();
    expect(r.notifications.map((n) => [n.headers["aeg-delivery-count"], n.answer])).toEqual([
      ["0", 503],
      ["1", "reset"],
      ["2", 429],
      ["3", 200],
    ]);
    expect(r.acceptedEvents).toHaveLength(1);
    expect(new Set(r.notifications.map((n) => n.body)).size).toBe(1);
    expect(p.deadLetters).toHaveLength(0);
  });

  it("does not hold later events back behind one that is being retried", async () => {
    const r = await receiver();
    const p = publisher();
    await p.subscribeWebhook({ url: r.url, schema: "EventGridSchema", retryDelayMs: 500 });
    r.failNext(1);
    p.publish(change({ correlationId: "first" }));
    p.publish(change({ correlationId: "second" }));
    await p.drain();
    expect(r.acceptedEvents.map((e) => (e.data as { correlationId: string }).correlationId)).toEqual(["second", "first"]);
  });

  it("dead-letters an event after maxDeliveryAttempts failures", async () => {
    const r = await receiver();
    const p = publisher();
    const id = await p.subscribeWebhook({ url: r.url, schema: "EventGridSchema", retryDelayMs: 1, maxDeliveryAttempts: 3 });
    r.failNext(100, 500);
    p.publish(change());
    await p.drain();
    expect(r.notifications).toHaveLength(3);
    expect(p.deadLetters).toEqual([
      expect.objectContaining({
        subscriptionId: id,
        event: p.published[0],
        deadLetterReason: "MaxDeliveryAttemptsExceeded",
        deliveryAttempts: 3,
        lastHttpStatusCode: 500,
        lastDeliveryOutcome: "HTTP 500",
      }),
    ]);
  });

  it("stops delivering after unsubscribe", async () => {
    const r = await receiver();
    const p = publisher();
    const id = await p.subscribeWebhook({ url: r.url, schema: "EventGridSchema" });
    p.publish(change());
    await p.drain();
    expect(p.unsubscribe(id)).toBe(true);
    expect(p.unsubscribe(id)).toBe(false);
    p.publish(change());
    await p.drain();
    expect(r.notifications).toHaveLength(1);
    expect(p.published).toHaveLength(2);
  });

  it("dead-letters events still waiting for a retry when closed", async () => {
    const r = await receiver();
    const p = new EventGridPublisher();
    await p.subscribeWebhook({ url: r.url, schema: "EventGridSchema", retryDelayMs: 60_000 });
    r.failNext(1);
    p.publish(change());
    await r.waitForNotifications(1);
    await p.close();
    expect(p.deadLetters).toEqual([expect.objectContaining({ deadLetterReason: "PublisherClosed", deliveryAttempts: 1, lastHttpStatusCode: 500 })]);
    p.publish(change());
    expect(p.published).toHaveLength(1);
  });
});

describe("publish", () => {
  it("returns before delivery and never throws", async () => {
    const p = publisher();
    let delivered = 0;
    p.subscribeInProcess(() => {
      delivered++;
    }, "EventGridSchema");
    p.publish(change());
    expect(delivered).toBe(0);
    expect(() => p.publish({ ...change(), claims: undefined } as unknown as ResourceChange)).not.toThrow();
    expect(p.errors).toHaveLength(1);
    await p.drain();
    expect(delivered).toBe(1);
  });

  it("ignores other subscriptions' changes when bound to one subscription", () => {
    const p = new EventGridPublisher({ subscriptionId: SUB.toUpperCase() });
    p.publish(change());
    p.publish(change({ subscriptionId: "99999999-0000-0000-0000-000000000000" }));
    expect(p.published).toHaveLength(1);
  });
});

describe("in-process subscription", () => {
  it("delivers the same events and retries a failing handler", async () => {
    const p = publisher();
    const seen: { event: ResourceCloudEvent; deliveryCount: number }[] = [];
    let failuresLeft = 2;
    const id = p.subscribeInProcess(
      async (event, { deliveryCount }) => {
        seen.push({ event, deliveryCount });
        if (failuresLeft-- > 0) throw new Error("handler not ready");
      },
      "CloudEventSchemaV1_0",
      { retryDelayMs: 1 },
    );
    p.publish(change());
    await p.drain();
    expect(seen.map((s) => s.deliveryCount)).toEqual([0, 1, 2]);
    expect(seen[2]!.event).toEqual(toCloudEvent(p.published[0]!));
    expect(p.deadLetters).toHaveLength(0);

    const eg: ResourceEventGridEvent[] = [];
    p.subscribeInProcess((event) => void eg.push(event), "EventGridSchema");
    p.publish(change({ kind: "delete" }));
    await p.drain();
    expect(eg).toEqual([p.published[1]]);
    expect(eg[0]).not.toBe(p.published[1]);
    expect(id).not.toBe("");
  });

  it("dead-letters after the handler keeps failing", async () => {
    const p = publisher();
    p.subscribeInProcess(() => Promise.reject(new Error("boom")), "EventGridSchema", { retryDelayMs: 0, maxDeliveryAttempts: 4 });
    p.publish(change());
    await p.drain();
    expect(p.deadLetters).toEqual([expect.objectContaining({ deliveryAttempts: 4, lastDeliveryOutcome: "Handler error: boom" })]);
  });
});

describe("fault injection", () => {
  async function run(faults: Parameters<EventGridPublisher["setFaults"]>[0], count = 20) {
    const p = publisher();
    const received: string[] = [];
    p.subscribeInProcess((event) => void received.push(event.data.correlationId), "EventGridSchema");
    p.setFaults(faults);
    for (let i = 0; i < count; i++) p.publish(change({ correlationId: `c${i}` }));
    await p.drain();
    return { p, received, sent: Array.from({ length: count }, (_, i) => `c${i}`) };
  }

  it("drops events deterministically with a seeded random", async () => {
    const a = await run({ dropRate: 0.3, random: seededRandom(7) });
    const b = await run({ dropRate: 0.3, random: seededRandom(7) });
    expect(a.received).toEqual(b.received);
    expect(a.received.length).toBeGreaterThan(0);
    expect(a.received.length).toBeLessThan(20);
    const dropped = a.p.dropped.map((d) => (d.event.data as { correlationId: string }).correlationId);
    expect([...a.received, ...dropped].sort()).toEqual([...a.sent].sort());
  });

  it("duplicates events with the same id", async () => {
    const { p, received, sent } = await run({ duplicateRate: 0.5, random: seededRandom(3) });
    expect(received.length).toBeGreaterThan(sent.length);
    expect(new Set(received)).toEqual(new Set(sent));
    const all = await run({ duplicateRate: 1, random: seededRandom(3) }, 3);
    expect(all.received).toEqual(["c0", "c0", "c1", "c1", "c2", "c2"]);
    expect(p.published).toHaveLength(20);
  });

  it("duplicates webhook deliveries with the same event id", async () => {
    const r = await receiver();
    const p = publisher();
    await p.subscribeWebhook({ url: r.url, schema: "CloudEventSchemaV1_0" });
    p.setFaults({ duplicateRate: 1, random: seededRandom(1) });
    p.publish(change());
    await p.drain();
    expect(r.acceptedEvents.map((e) => e.id)).toEqual([p.published[0]!.id, p.published[0]!.id]);
  });

  it("reorders within a window, deterministically, releasing the rest on drain", async () => {
    const a = await run({ reorderWindow: 5, random: seededRandom(42) }, 12);
    const b = await run({ reorderWindow: 5, random: seededRandom(42) }, 12);
    expect(a.received).toEqual(b.received);
    expect(a.received).not.toEqual(a.sent);
    expect([...a.received].sort()).toEqual([...a.sent].sort());
    // Each window of 5 is shuffled within itself; the last 2 are released by drain().
    for (const [start, end] of [
      [0, 5],
      [5, 10],
      [10, 12],
    ] as const) {
      expect([...a.received.slice(start, end)].sort()).toEqual(a.sent.slice(start, end).sort());
    }
  });
});

describe("subscription filters", () => {
  const STORAGE = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1`;
  const storageChange = (overrides: Partial<ResourceChange> = {}) =>
    change({ resourceId: STORAGE, resourceType: "Microsoft.Storage/storageAccounts", url: `https://127.0.0.1:8443${STORAGE}?api-version=2026-09-01`, ...overrides });
  const byPrefix = (values: string[]): EventSubscriptionFilter => ({ advancedFilters: [{ operatorType: "StringBeginsWith", key: "data.operationName", values }] });

  it("compares strings case-insensitively and ORs the values of one filter", () => {
    const [event] = buildEvents(storageChange(), "EventGridSchema");
    expect(passesFilter(event!, byPrefix(["microsoft.storage/STORAGEACCOUNTS"]))).toBe(true);
    expect(passesFilter(event!, byPrefix(["Microsoft.KeyVault/vaults", "MICROSOFT.STORAGE/"]))).toBe(true);
    expect(passesFilter(event!, byPrefix(["Microsoft.KeyVault/vaults"]))).toBe(false);
    expect(passesFilter(event!, { advancedFilters: [{ operatorType: "StringEndsWith", key: "data.operationName", values: ["/WRITE"] }] })).toBe(true);
    expect(passesFilter(event!, { advancedFilters: [{ operatorType: "StringNotBeginsWith", key: "data.operationName", values: ["microsoft.storage"] }] })).toBe(false);
    expect(passesFilter(event!, { advancedFilters: [{ operatorType: "StringIn", key: "subject", values: [STORAGE.toUpperCase()] }] })).toBe(true);
    // A key the event does not have matches no positive operator.
    expect(passesFilter(event!, { advancedFilters: [{ operatorType: "StringContains", key: "data.missing", values: ["x"] }] })).toBe(false);
  });

  it("ANDs advanced filters and applies includedEventTypes, in both schemas", () => {
    const filter: EventSubscriptionFilter = {
      includedEventTypes: ["Microsoft.Resources.ResourceWriteSuccess"],
      advancedFilters: [...byPrefix(["Microsoft.Storage/storageAccounts"]).advancedFilters!, { operatorType: "StringEndsWith", key: "data.operationName", values: ["/write"] }],
    };
    for (const schema of ["EventGridSchema", "CloudEventSchemaV1_0"] as const) {
      expect(passesFilter(buildEvents(storageChange(), schema)[0]!, filter), schema).toBe(true);
      expect(passesFilter(buildEvents(storageChange({ kind: "delete", httpMethod: "DELETE" }), schema)[0]!, filter), schema).toBe(false);
      expect(passesFilter(buildEvents(storageChange({ kind: "action", action: "listKeys", httpMethod: "POST" }), schema)[0]!, filter), schema).toBe(false);
    }
  });

  it("delivers only what a subscription's filter lets through, and keeps what it held back", async () => {
    const p = publisher();
    const all: string[] = [];
    const filtered: string[] = [];
    p.subscribeInProcess((event) => void all.push(event.data.operationName), "EventGridSchema");
    const id = p.subscribeInProcess((event) => void filtered.push(event.data.operationName), "EventGridSchema", {
      filter: { includedEventTypes: ["Microsoft.Resources.ResourceWriteSuccess", "Microsoft.Resources.ResourceDeleteSuccess"], ...byPrefix(["Microsoft.Storage/storageAccounts"]) },
    });
    p.publish(storageChange());
    p.publish(storageChange({ kind: "action", action: "listKeys", httpMethod: "POST" }));
    p.publish(change());
    await p.drain();
    expect(all).toEqual(["Microsoft.Storage/storageAccounts/write", "Microsoft.Storage/storageAccounts/listKeys/action", `${ASSOCIATION_TYPE}/write`]);
    expect(filtered).toEqual(["Microsoft.Storage/storageAccounts/write"]);
    expect(p.filteredOut.map((f) => [f.subscriptionId, (f.event as ResourceEventGridEvent).data.operationName])).toEqual([
      [id, "Microsoft.Storage/storageAccounts/listKeys/action"],
      [id, `${ASSOCIATION_TYPE}/write`],
    ]);
  });

  it("refuses filters beyond Event Grid's limits, naming the field", async () => {
    const p = publisher();
    const values = Array.from({ length: 26 }, (_v, i) => `Microsoft.Storage/type${i}`);
    expect(() => p.subscribeInProcess(() => undefined, "EventGridSchema", { filter: byPrefix(values) })).toThrow("filter.advancedFilters: 26 values in all, Event Grid allows 25");
    expect(() => checkSubscriptionFilter(byPrefix(values.slice(0, 25)))).not.toThrow();
    const many = { advancedFilters: Array.from({ length: 26 }, () => byPrefix(["x"]).advancedFilters![0]!) };
    expect(() => checkSubscriptionFilter(many)).toThrow("filter.advancedFilters: 26 filters, Event Grid allows 25");
    expect(() => checkSubscriptionFilter(byPrefix(["x".repeat(513)]))).toThrow("filter.advancedFilters[0].values[0]: 513 characters, Event Grid allows 512");
    const numeric = { advancedFilters: [{ operatorType: "NumberIn", key: "data.x", values: ["1"] }] } as unknown as EventSubscriptionFilter;
    expect(() => checkSubscriptionFilter(numeric)).toThrow("filter.advancedFilters[0].operatorType: 'NumberIn' is not a string operator the emulator applies");
    const r = await receiver();
    await expect(p.subscribeWebhook({ url: r.url, schema: "EventGridSchema", filter: byPrefix(values) })).rejects.toThrow(/26 values in all/);
    expect(r.requests).toEqual([]);
  });
});
