/**
 * The Resource Graph reader against the emulator's Resource Graph endpoint: the same findings as the
 * ARM path on every fixture estate (parity), paging, batches, management groups and the quota.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { beforeAll, describe, expect, it } from "vitest";
import { idKey } from "../../src/model/armId.js";
import { Estate } from "../../src/model/estate.js";
import { T } from "../../src/model/resourceTypes.js";
import { DEFAULT_POLICY, parsePolicy } from "../../src/policy/policy.js";
import { RULE_IDS } from "../../src/rules/catalog/index.js";
import { evaluateEstate } from "../../src/rules/engine.js";
import { readLiveEstate } from "../../src/inventory/liveInventory.js";
import { parseResetsAfter, readResourceGraphEstate, resourceOfRow, SUBSCRIPTION_BATCH, type ResourceGraphReadOptions } from "../../src/inventory/resourceGraphReader.js";
import { GRAPH_QUERIES, NOT_IN_RESOURCE_GRAPH, queryText } from "../../src/inventory/resourceGraphQueries.js";
import { formatResetsAfter } from "../../src/emulator/resourceGraph.js";
import type { ArmEmulator } from "../../src/emulator/server.js";
import { NOW, OTHER_SUB, SUB } from "../helpers/builders.js";
import { startEmulator } from "../helpers/emulator.js";
import { comparable, ESTATES_DIR, FIXTURE_FILES, fixtureResources, liveOptions, subscriptionsOf, withAncestors } from "./liveSupport.js";

const CONTOSO_POLICY = parsePolicy(readFileSync(join(ESTATES_DIR, "contoso.policy.yaml"), "utf8"), "contoso.policy.yaml", RULE_IDS);
/** Live options for the emulator plus the Resource Graph reader's own. */
const graphOptions = (emulator: ArmEmulator, extra: Partial<ResourceGraphReadOptions>): ResourceGraphReadOptions => ({ ...liveOptions(emulator), ...extra });
const graphPosts = (e: ArmEmulator, from = 0) => e.operations.slice(from).filter((o) => o.method === "POST" && /resourcegraph/i.test(o.path));

describe.each(FIXTURE_FILES)("Resource Graph path on %s", (file) => {
  const { resources } = fixtureResources(file);
  const policy = file === "contoso.json" ? CONTOSO_POLICY : DEFAULT_POLICY;
  let emulator: ArmEmulator;

  beforeAll(async () => {
    emulator = await startEmulator(withAncestors(resources), { resourceGraphQuota: false });
  });

  it("gives exactly the findings of the ARM path (Resource Graph + ARM GETs for the rest)", async () => {
    const arm = await readLiveEstate(subscriptionsOf(resources), liveOptions(emulator, { policy }));
    const graph = await readResourceGraphEstate({ subscriptions: subscriptionsOf(resources) }, liveOptions(emulator, { policy }));
    const fromArm = evaluateEstate(new Estate(arm.resources), { policy, now: NOW });
    const fromGraph = evaluateEstate(new Estate(graph.resources), { policy, now: NOW });
    expect(fromArm.findings.length > 0).toBe(file !== "clean.json" && file !== "guardrail-own.json");
    expect(comparable(fromGraph.findings)).toEqual(comparable(fromArm.findings));
    expect(fromGraph.perimeters).toBe(fromArm.perimeters);
    expect(fromGraph.associations).toBe(fromArm.associations);
    // Three queries, one page each at this size, per batch of subscriptions.
    expect(graph.graphRequests).toBe(GRAPH_QUERIES.length * Math.ceil(subscriptionsOf(resources).length / SUBSCRIPTION_BATCH));
  });

  it("pages with skip tokens and keeps the same resources at any page size", async () => {
    const whole = await readResourceGraphEstate({ subscriptions: subscriptionsOf(resources) }, liveOptions(emulator, { policy }));
    const from = emulator.operations.length;
    const paged = await readResourceGraphEstate({ subscriptions: subscriptionsOf(resources) }, graphOptions(emulator, { policy, pageRows: 2 }));
    expect(paged.resources.map((r) => idKey(r.id)).sort()).toEqual(whole.resources.map((r) => idKey(r.id)).sort());
    expect(paged.graphRequests).toBeGreaterThan(GRAPH_QUERIES.length);
    expect(graphPosts(emulator, from)).toHaveLength(paged.graphRequests);
  });
});

describe("Resource Graph scope, batches and quota", () => {
  const { resources } = fixtureResources("contoso.json");
  const subscriptions = subscriptionsOf(resources);
  let emulator: ArmEmulator;

  beforeAll(async () => {
    emulator = await startEmulator(withAncestors(resources), { managementGroups: { "mg-contoso": subscriptions }, resourceGraphQuota: { queries: 4, windowMs: 1_000 } });
  });

  it("reads a management group like its subscriptions", async () => {
    await new Promise((r) => setTimeout(r, 1_000));
    const byGroup = await readResourceGraphEstate({ managementGroup: "mg-contoso" }, liveOptions(emulator, { policy: CONTOSO_POLICY }));
    await new Promise((r) => setTimeout(r, 1_000));
    const bySubscription = await readResourceGraphEstate({ subscriptions }, liveOptions(emulator, { policy: CONTOSO_POLICY }));
    expect(byGroup.resources.map((r) => idKey(r.id)).sort()).toEqual(bySubscription.resources.map((r) => idKey(r.id)).sort());
    expect(byGroup.subscriptions).toEqual(subscriptions.map((s) => s.toLowerCase()).sort());
  });

  it("splits subscriptions into batches", async () => {
    await new Promise((r) => setTimeout(r, 1_000));
    const from = emulator.operations.length;
    const both = [SUB, OTHER_SUB];
    const read = await readResourceGraphEstate({ subscriptions: both }, graphOptions(emulator, { policy: CONTOSO_POLICY, batchSize: 1 }));
    expect(read.graphRequests).toBe(GRAPH_QUERIES.length * 2);
    expect(graphPosts(emulator, from)).toHaveLength(GRAPH_QUERIES.length * 2);
  });

  it("waits for the quota to reset instead of failing, and reports the waits", async () => {
    await new Promise((r) => setTimeout(r, 1_000));
    const waits: number[] = [];
    const started = Date.now();
    const read = await readResourceGraphEstate({ subscriptions }, graphOptions(emulator, { policy: CONTOSO_POLICY, pageRows: 5, onQuotaWait: (ms: number) => waits.push(ms) }));
    expect(read.graphRequests).toBeGreaterThan(4);
    expect(read.quotaWaits).toBeGreaterThan(0);
    expect(waits).toHaveLength(read.quotaWaits);
    // It waited before the query the quota had no room for: no 429 was needed.
    expect(read.throttled).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});

describe("Resource Graph quota shared by two readers", () => {
  it("a 429 is waited out (Retry-After) and counted as a quota wait", async () => {
    const { resources } = fixtureResources("contoso.json");
    const emulator = await startEmulator(withAncestors(resources), { resourceGraphQuota: { queries: 3, windowMs: 1_000 } });
    const read = () => readResourceGraphEstate({ subscriptions: subscriptionsOf(resources) }, graphOptions(emulator, { policy: CONTOSO_POLICY, pageRows: 10 }));
    const [a, b] = await Promise.all([read(), read()]);
    // Each reader knows only its own answers' quota headers: the other's queries make it meet 429s.
    expect(a.throttled + b.throttled).toBeGreaterThan(0);
    expect(a.quotaWaits).toBeGreaterThanOrEqual(a.throttled);
    expect(a.resources.map((r) => idKey(r.id)).sort()).toEqual(b.resources.map((r) => idKey(r.id)).sort());
    expect(emulator.operations.filter((o) => o.status === 429 && o.errorCode === "RateLimiting").length).toBe(a.throttled + b.throttled);
  });
});

describe("the emulator's Resource Graph endpoint", () => {
  let emulator: ArmEmulator;
  let client: ResourceGraphClient;
  const text = queryText(GRAPH_QUERIES[0]!);

  beforeAll(async () => {
    emulator = await startEmulator(withAncestors(fixtureResources("contoso.json").resources), { resourceGraphQuota: { queries: 2, windowMs: 60_000 } });
    client = new ResourceGraphClient(emulator.credential(), { endpoint: emulator.endpoint, tlsOptions: { ca: emulator.caCertificate }, retryOptions: { maxRetries: 0 } });
  });

  it("answers a query with rows, quota headers, and 429 with Retry-After once the quota is spent", async () => {
    const headers: Array<Record<string, string | undefined>> = [];
    const onResponse = (r: { headers: { get(name: string): string | undefined } }) =>
      headers.push({ remaining: r.headers.get("x-ms-user-quota-remaining"), resets: r.headers.get("x-ms-user-quota-resets-after"), retry: r.headers.get("retry-after") });
    const first = await client.resources({ subscriptions: [SUB], query: text, options: { top: 3 } }, { onResponse });
    expect(first.count).toBe(3);
    expect(first.totalRecords).toBeGreaterThan(3);
    expect(first.skipToken).toBeTruthy();
    expect(first.resultTruncated).toBe("false");
    expect(first.data.every((row: { type: string }) => row.type === row.type.toLowerCase())).toBe(true);
    const second = await client.resources({ subscriptions: [SUB], query: text, options: { skipToken: first.skipToken! } }, { onResponse });
    expect(second.data[0].id).not.toBe(first.data[0].id);
    const spent = await client.resources({ subscriptions: [SUB], query: text }, { onResponse }).catch((e: unknown) => e);
    expect((spent as { statusCode?: number }).statusCode).toBe(429);
    expect((spent as { details: { error: { code: string } } }).details.error.code).toBe("RateLimiting");
    expect(headers.map((h) => h.remaining)).toEqual(["1", "0", "0"]);
    expect(headers.every((h) => parseResetsAfter(h.resets) !== undefined)).toBe(true);
    expect(Number(headers[2]!.retry)).toBeGreaterThan(0);
  });

  it("without subscriptions or management groups, queries the tenant: every subscription held", async () => {
    const own = new ResourceGraphClient(emulator.credential({ objectId: "00000000-0000-0000-0000-0000000000aa" }), { endpoint: emulator.endpoint, tlsOptions: { ca: emulator.caCertificate }, retryOptions: { maxRetries: 0 } });
    const perimeters = queryText({ label: "perimeters", table: "resources", types: [T.perimeter] });
    const tenant = await own.resources({ query: perimeters, options: { top: 1000 } });
    const one = await own.resources({ subscriptions: [SUB], query: perimeters, options: { top: 1000 } });
    const held = fixtureResources("contoso.json").resources.filter((r) => r.type.toLowerCase() === T.perimeter);
    expect(tenant.totalRecords).toBe(held.length);
    expect(one.totalRecords).toBe(held.filter((r) => r.id.includes(SUB)).length);
    // The emulator's quota here is 2 queries a minute per caller: a third caller for the third query.
    const third = new ResourceGraphClient(emulator.credential({ objectId: "00000000-0000-0000-0000-0000000000ab" }), { endpoint: emulator.endpoint, tlsOptions: { ca: emulator.caCertificate }, retryOptions: { maxRetries: 0 } });
    const none = await third.resources({ subscriptions: ["99999999-9999-9999-9999-999999999999"], query: perimeters });
    expect([tenant.totalRecords > 0, none.totalRecords]).toEqual([true, 0]);
  });

  it("rejects a query it does not serve with Resource Graph's error body", async () => {
    const queries = ["resources | summarize count() by type", text.replace("properties", "propertiez"), text.replace("resources", "securityresources")];
    for (const [i, query] of queries.entries()) {
      // A caller of its own each: the first test spent the default caller's quota.
      const other = new ResourceGraphClient(emulator.credential({ objectId: `00000000-0000-0000-0000-00000000000${i}` }), {
        endpoint: emulator.endpoint,
        tlsOptions: { ca: emulator.caCertificate },
        retryOptions: { maxRetries: 0 },
      });
      const error = (await other.resources({ query }).catch((e: unknown) => e)) as { statusCode?: number; details: { error: { code: string; details: Array<{ code: string }> } } };
      expect(error.statusCode, query).toBe(400);
      const body = error.details;
      expect(body.error.code).toBe("BadRequest");
      expect(body.error.details[0]?.code).toBe("InvalidQuery");
    }
  });
});

describe("rows and the quota headers", () => {
  it("a row becomes the ARM envelope without Resource Graph's own columns or empty values", () => {
    const row = { id: "/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/a", name: "a", type: "microsoft.storage/storageaccounts", kind: "", location: "westeurope", resourceGroup: "r", subscriptionId: "s", tenantId: "t", sku: null, properties: { x: 1 } };
    expect(resourceOfRow(row)).toEqual({ id: row.id, name: "a", type: row.type, location: "westeurope", properties: { x: 1 } });
    expect(resourceOfRow({ name: "no id" })).toBeUndefined();
  });

  it("resets-after reads back what the emulator writes", () => {
    for (const ms of [0, 999, 5_000, 3_723_000]) expect(parseResetsAfter(formatResetsAfter(ms))).toBe(Math.ceil(ms / 1000) * 1000);
    expect(parseResetsAfter("1.00:00:01.5")).toBe(86_401_500);
    expect(parseResetsAfter("soon")).toBeUndefined();
  });

  it("names what Resource Graph does not hold", () => {
    const types = NOT_IN_RESOURCE_GRAPH.map((n) => n.type);
    for (const t of [T.storageNspConfiguration, T.fileShare, T.managementPolicy, T.inventoryPolicy, T.diagnosticSetting]) expect(types).toContain(t);
  });
});
