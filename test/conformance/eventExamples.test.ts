/**
 * The emulator's Event Grid events and validation handshake against the documented example payloads
 * (../shared/docs/examples/eventgrid-*.json): same keys, same kinds of values.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildEvents, EventGridPublisher, type ResourceEventGridEvent } from "../../src/emulator/eventGrid.js";
import { WebhookReceiver } from "../helpers/webhookReceiver.js";
import { resourceChange, userClaims } from "../helpers/resourceChanges.js";
import { EXAMPLES, readSharedJson } from "./shared.js";

function example(name: string): Record<string, unknown> {
  return readSharedJson<{ events: Record<string, unknown>[] }>(join(EXAMPLES, `eventgrid-${name}.json`)).events[0]!;
}

const change = resourceChange;

const keys = (o: unknown) => Object.keys(o as object).sort();

/** Every key both objects share holds the same kind of value (string, object...), recursively. */
function expectSameForm(ours: unknown, theirs: unknown, path = "event"): void {
  expect(typeof ours, path).toBe(typeof theirs);
  if (typeof theirs !== "object" || theirs === null) return;
  for (const [key, value] of Object.entries(theirs)) {
    if (key in (ours as object)) expectSameForm((ours as Record<string, unknown>)[key], value, `${path}.${key}`);
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("events against the documented examples", () => {
  it("an Event Grid schema write event", () => {
    const [event] = buildEvents(change(), "EventGridSchema");
    const write = example("resourcewritesuccess-egschema");
    const del = example("resourcedeletesuccess-egschema");
    const action = example("resourceactionsuccess-egschema");
    expect(keys(event)).toEqual(keys(write));
    // We always carry httpRequest (the write example has none, update/delete/action do).
    expect(keys(event!.data)).toEqual(keys(del.data));
    expect(keys(event!.data).filter((k) => !keys(write.data).includes(k))).toEqual(["httpRequest"]);
    const actionData = action.data as ResourceEventGridEvent["data"];
    expect(keys(event!.data.authorization)).toEqual(keys(actionData.authorization));
    expect(keys(event!.data.authorization.evidence)).toEqual(keys(actionData.authorization.evidence));
    expect(keys(event!.data.httpRequest)).toEqual(keys(actionData.httpRequest));
    // An application caller's claims are a subset of the documented (service principal) claims.
    expect(keys(actionData.claims)).toEqual(expect.arrayContaining(keys(event!.data.claims)));
    expectSameForm(event, write);
    expectSameForm(event, action);
    expect(event).toMatchObject({ dataVersion: write.dataVersion, metadataVersion: write.metadataVersion });
  });

  it("delete and action events keep the examples' key sets", () => {
    const [deleted] = buildEvents(change({ kind: "delete" }), "EventGridSchema");
    const [acted] = buildEvents(change({ kind: "action" }), "EventGridSchema");
    for (const [ours, name] of [
      [deleted, "resourcedeletesuccess-egschema"],
      [acted, "resourceactionsuccess-egschema"],
    ] as const) {
      const theirs = example(name);
      expect(keys(ours)).toEqual(keys(theirs));
      expect(keys(ours!.data)).toEqual(keys(theirs.data));
      expectSameForm(ours, theirs);
    }
  });

  it("a user caller's claims are among the documented user claims", () => {
    const [event] = buildEvents(change({ claims: userClaims }), "EventGridSchema");
    const userExample = example("resourcewritesuccess-egschema").data as { claims: Record<string, string> };
    expect(keys(userExample.claims)).toEqual(expect.arrayContaining(keys(event!.data.claims)));
  });

  it("CloudEvents 1.0 like the examples, plus datacontenttype", () => {
    for (const kind of ["write", "delete", "action"] as const) {
      const [event] = buildEvents(change({ kind }), "CloudEventSchemaV1_0");
      const theirs = example(`resource${kind}success-cloudevents`);
      expect(keys(event).filter((k) => !keys(theirs).includes(k))).toEqual(["datacontenttype"]);
      expect(keys(theirs).filter((k) => !keys(event).includes(k))).toEqual([]);
      expectSameForm(event, theirs);
    }
  });

  it("the SubscriptionValidationEvent of the webhook handshake", async () => {
    const r = await WebhookReceiver.start();
    const p = new EventGridPublisher();
    cleanups.push(() => r.close(), () => p.close());
    await p.subscribeWebhook({ url: r.url, schema: "EventGridSchema", name: "guardrail-sub" });
    const body = JSON.parse(r.requests[0]!.body) as Record<string, unknown>[];
    const documented = readSharedJson<{ request_body: Record<string, unknown>[] }>(join(EXAMPLES, "eventgrid-subscriptionvalidation-egschema.json")).request_body[0]!;
    // The documented example also has data.validationUrl (manual validation), which the emulator does not offer.
    expect(keys(body[0])).toEqual(keys(documented));
    expectSameForm(body[0], documented);
  });
});
