/**
 * The events the emulator emits for ARM writes, deletes and actions, against the Event Grid data-plane
 * schema of Azure subscription events in the pinned spec subset
 * (specification/eventgrid/data-plane/Microsoft.Resources/stable/2018-01-01/Resources.json, JSON
 * Schema draft 4). The spec's definitions leave objects open; they are validated as published and,
 * closed, to catch a field the emulator invents.
 */
import { createRequire } from "node:module";
import { request } from "node:https";
import { join } from "node:path";
import type AjvDraft04 from "ajv-draft-04";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OWNER_ACTIONS } from "../../src/emulator/authorization.js";
import { EventGridPublisher, toCloudEvent, type ResourceEventGridEvent } from "../../src/emulator/eventGrid.js";
import type { ArmEmulator } from "../../src/emulator/server.js";
import { association, perimeter, profile, storageAccount } from "../helpers/builders.js";
import { startEmulator } from "../helpers/emulator.js";
import { EVENT_GRID_RESOURCES_SPEC, readSharedJson, SPECS } from "./shared.js";

const require = createRequire(import.meta.url);
const Ajv = (require("ajv-draft-04") as { default: typeof AjvDraft04.default }).default;

type Schema = Record<string, unknown>;
const spec = readSharedJson<{ definitions: Record<string, Schema> }>(join(SPECS, EVENT_GRID_RESOURCES_SPEC));

/** The same definitions with `additionalProperties: false` on every object that declares properties and says nothing else. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== "object") return schema;
  const out = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === "properties" ? Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, closed(s)])) : closed(v)]));
  if ("properties" in out && !("additionalProperties" in out)) out["additionalProperties"] = false;
  return out;
}

function validatorFor(definitions: Record<string, Schema>, name: string) {
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  return ajv.compile({ ...definitions[name], definitions });
}

const DATA_DEFINITION: Record<string, string> = {
  "Microsoft.Resources.ResourceWriteSuccess": "ResourceWriteSuccessData",
  "Microsoft.Resources.ResourceDeleteSuccess": "ResourceDeleteSuccessData",
  "Microsoft.Resources.ResourceActionSuccess": "ResourceActionSuccessData",
};

function problems(event: ResourceEventGridEvent): string[] {
  const name = DATA_DEFINITION[event.eventType];
  if (!name) return [`${event.eventType}: no data definition in ${EVENT_GRID_RESOURCES_SPEC}`];
  const out: string[] = [];
  for (const [variant, definitions] of [
    ["as published", spec.definitions],
    ["closed", closed(spec.definitions) as Record<string, Schema>],
  ] as const) {
    const validate = validatorFor(definitions, name);
    if (!validate(event.data)) for (const e of validate.errors ?? []) out.push(`${event.eventType} (${variant}) ${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`);
  }
  return out;
}

const ALICE = { objectId: "0000000a-0000-0000-0000-000000000001", name: "alice@contoso.example", role: OWNER_ACTIONS }; // may list the keys
let emulator: ArmEmulator;
const events = new EventGridPublisher();

function post(path: string, apiVersion: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${path}?api-version=${apiVersion}`, emulator.endpoint);
    const req = request(url, { method: "POST", ca: emulator.caCertificate, headers: { authorization: `Bearer ${emulator.token(ALICE)}`, "content-length": "0" } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  const nsp = perimeter("nsp-events");
  const prof = profile(nsp, "default");
  const account = storageAccount("stevents");
  emulator = await startEmulator([nsp, prof, account]);
  emulator.sink = events;
  // A write, an action and a delete, as ARM raises them for a client's calls.
  emulator.put(association(nsp, "assoc-stevents", account.id, { profile: prof, accessMode: "Learning" }), ALICE);
  expect(await post(`${account.id}/listKeys`, "2026-09-01")).toBe(200);
  expect(emulator.delete(`${nsp.id}/resourceAssociations/assoc-stevents`, ALICE)).toBe(true);
  await events.drain();
});

afterAll(() => events.close());

describe("emitted events against the Event Grid data-plane schema", () => {
  it("every event the emulator raised has the data its event type's schema describes", () => {
    const kinds = events.published.map((e) => e.eventType);
    expect(kinds).toEqual(["Microsoft.Resources.ResourceWriteSuccess", "Microsoft.Resources.ResourceActionSuccess", "Microsoft.Resources.ResourceDeleteSuccess"]);
    expect(events.published.flatMap(problems)).toEqual([]);
    // CloudEvents carry the same data.
    for (const event of events.published) expect(toCloudEvent(event).data).toEqual(event.data);
  });

  it("(the schema check fails on a wrongly typed or invented field)", () => {
    const event = events.published[0]!;
    const broken = { ...event, data: { ...event.data, httpRequest: "PUT https://management.azure.com" } } as unknown as ResourceEventGridEvent;
    expect(problems(broken).some((p) => p.includes("/httpRequest must be object"))).toBe(true);
    const invented = { ...event, data: { ...event.data, perimeterId: "x" } } as unknown as ResourceEventGridEvent;
    expect(problems(invented)).toEqual([expect.stringMatching(/\(closed\) \/ must NOT have additional properties .*perimeterId/)]);
  });
});
