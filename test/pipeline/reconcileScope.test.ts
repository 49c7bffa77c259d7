/**
 * The reconcile reads through Resource Graph (ResourceGraphReconcileReader) and, with a management
 * group, watches the subscriptions under it as they are on each pass: the same findings as the ARM
 * path's reconcile, in far fewer calls, and a subscription placed under the group between two
 * passes is evaluated on the second.
 */
import { describe, expect, it } from "vitest";
import { tenantEstate } from "../../bench/tenantBench.js";
import { idKey, parseArmId } from "../../src/model/armId.js";
import type { ArmResource } from "../../src/model/resource.js";
import { T } from "../../src/model/resourceTypes.js";
import { DEFAULT_POLICY } from "../../src/policy/policy.js";
import { LiveArmReader } from "../../src/inventory/liveArmReader.js";
import { ResourceGraphReconcileReader } from "../../src/inventory/reconcileReader.js";
import { GuardrailPipeline } from "../../src/pipeline/pipeline.js";
import { InMemoryPoison, InProcessQueue } from "../../src/pipeline/inProcessQueue.js";
import type { WatchedScopeReader } from "../../src/pipeline/ports.js";
import { MemoryStateStore } from "../../src/state/memoryStateStore.js";
import type { ArmEmulator } from "../../src/emulator/server.js";
import { NOW } from "../helpers/builders.js";
import { startEmulator } from "../helpers/emulator.js";
import { fixtureResources, liveOptions, subscriptionsOf, withAncestors } from "../inventory/liveSupport.js";

function armReader(emulator: ArmEmulator, subscriptionIds: readonly string[] = []) {
  return new LiveArmReader({ ...liveOptions(emulator, { policy: DEFAULT_POLICY }), subscriptionIds });
}

function pipelineOver(arm: LiveArmReader, scope: WatchedScopeReader | undefined, subscriptionIds: readonly string[] = []) {
  const store = new MemoryStateStore();
  const pipeline = new GuardrailPipeline(
    { store, arm, ...(scope ? { scope } : {}), queue: new InProcessQueue(), poison: new InMemoryPoison(), policy: DEFAULT_POLICY },
    { debounceMs: 0, subscriptionIds, now: () => NOW },
  );
  return { store, pipeline };
}

async function openFindings(store: MemoryStateStore): Promise<string[]> {
  const lines: string[] = [];
  for (const perimeterId of await store.listCachedPerimeters()) {
    for (const f of (await store.getFindings(perimeterId)).value) if (f.status === "open") lines.push(`${f.finding.ruleId} ${idKey(f.finding.resourceId)} ${f.finding.severity}`);
  }
  return lines.sort();
}

const subscriptionOf = (id: string) => parseArmId(id).subscriptionId.toLowerCase();

describe("the reconcile through Resource Graph", { timeout: 120_000 }, () => {
  it("records the findings of the ARM path's reconcile, reading the same perimeter resources in fewer calls", async () => {
    const { resources } = fixtureResources("contoso.json");
    const subscriptions = subscriptionsOf(resources);
    const emulator = await startEmulator(withAncestors(resources), { resourceGraphQuota: false });

    const byArm = armReader(emulator, subscriptions);
    const armPath = pipelineOver(byArm, undefined, subscriptions);
    const armDecisions = await armPath.pipeline.reconcile();
    const armCalls = byArm.calls;
    const armResources = await byArm.readSubscriptions(subscriptions);

    const graphArm = armReader(emulator);
    const watched: string[][] = [];
    const scope = new ResourceGraphReconcileReader({ subscriptionIds: subscriptions }, liveOptions(emulator, { policy: DEFAULT_POLICY }), (ids) => watched.push([...ids]));
    const graphPath = pipelineOver(graphArm, scope);
    const from = emulator.operations.length;
    const graphDecisions = await graphPath.pipeline.reconcile();

    expect(await openFindings(graphPath.store)).toEqual(await openFindings(armPath.store));
    expect((await openFindings(graphPath.store)).length).toBeGreaterThan(0);
    expect(graphDecisions.map((d) => idKey(d.perimeterId)).sort()).toEqual(armDecisions.map((d) => idKey(d.perimeterId)).sort());
    // Every resource of the ARM path's read is in the Resource Graph path's (which also holds the
    // onboarded resources outside perimeters, for coverage).
    const graphIds = new Set(scope.lastRead!.resources.map((r) => idKey(r.id)));
    expect(armResources.map((r) => idKey(r.id)).filter((id) => !graphIds.has(id))).toEqual([]);
    // The bulk read went through Resource Graph, the reconcile made no call through the ARM reader.
    expect(emulator.operations.slice(from).filter((o) => o.method === "POST" && /resourcegraph/i.test(o.path))).toHaveLength(scope.lastRead!.graphRequests);
    expect(graphArm.calls).toBe(0);
    expect(scope.lastRead!.calls).toBeLessThan(armCalls);
    expect(watched).toEqual([subscriptions]);
  });

  it("with a management group, a subscription placed under it between two passes is evaluated on the second, and its events are routed", async () => {
    const [first, second] = [tenantEstate(30, 2).filter((r) => subscriptionOf(r.id).endsWith("0")), tenantEstate(30, 2).filter((r) => subscriptionOf(r.id).endsWith("1"))];
    const [subA, subB] = [subscriptionOf(first[0]!.id), subscriptionOf(second[0]!.id)];
    const emulator = await startEmulator(withAncestors(first), { managementGroups: { "mg-tenant": [subA] }, resourceGraphQuota: false });
    const arm = armReader(emulator);
    const scope = new ResourceGraphReconcileReader({ subscriptionIds: [], managementGroupId: "mg-tenant" }, liveOptions(emulator, { policy: DEFAULT_POLICY }), (ids) => arm.watchSubscriptions(ids));
    const { store, pipeline } = pipelineOver(arm, scope);
    const perimeterOf = (resources: ArmResource[]) => resources.find((r) => r.type === "Microsoft.Network/networkSecurityPerimeters")!.id;

    const once = await pipeline.reconcile();
    expect((await store.listCachedPerimeters()).map(idKey)).toEqual([idKey(perimeterOf(first))]);
    expect(once.map((d) => idKey(d.perimeterId))).toContain(`/subscriptions/${subA}`);
    expect(once.map((d) => idKey(d.perimeterId))).not.toContain(`/subscriptions/${subB}`);

    // A subscription created under the group, with a perimeter: no setting changes.
    for (const resource of withAncestors(second)) emulator.store.set(structuredClone(resource));
    emulator.resourceGraph.placeSubscription("mg-tenant", subB);
    const twice = await pipeline.reconcile();
    expect((await store.listCachedPerimeters()).map(idKey).sort()).toEqual([idKey(perimeterOf(first)), idKey(perimeterOf(second))].sort());
    const evaluated = twice.map((d) => idKey(d.perimeterId));
    expect(evaluated).toContain(idKey(perimeterOf(second)));
    expect(evaluated).toContain(`/subscriptions/${subB}`);
    // Learning associations in the new subscription are found (the generated estate has one in 20).
    const newFindings = (await store.getFindings(perimeterOf(second))).value.filter((f) => f.status === "open").map((f) => f.finding.ruleId);
    expect(newFindings).toContain("storage-transition-mode");

    // An event from the new subscription is accepted and routed to its perimeter.
    const association = second.find((r) => r.type.toLowerCase() === T.association)!;
    const outcome = await pipeline.handleEvent({
      id: "evt-new-subscription",
      topic: `/subscriptions/${subB}`,
      subject: association.id,
      eventType: "Microsoft.Resources.ResourceWriteSuccess",
      eventTime: NOW.toISOString(),
      dataVersion: "2",
      metadataVersion: "1",
      data: { resourceUri: association.id, operationName: "Microsoft.Network/networkSecurityPerimeters/resourceAssociations/write", status: "Succeeded", subscriptionId: subB, tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47" },
    });
    expect(outcome).toMatchObject({ outcome: "routed", perimeterIds: [perimeterOf(second)] });
  });

  it("with a management group, a subscription moved out of it between two passes has its perimeters forgotten and their findings resolved", async () => {
    const generated = tenantEstate(30, 2);
    const [subA, subB] = [...new Set(generated.map((r) => subscriptionOf(r.id)))].sort();
    // An account in the second subscription that is secured by perimeter but in none: a finding about the subscription.
    const sample = generated.find((r) => r.type.toLowerCase() === T.storageAccount && subscriptionOf(r.id) === subB)!;
    const locked: ArmResource = { ...sample, id: sample.id.replace(/[^/]+$/, "stlockedout"), name: "stlockedout", properties: { ...sample.properties, publicNetworkAccess: "SecuredByPerimeter" } };
    const estate = [...generated, locked];
    const emulator = await startEmulator(withAncestors(estate), { managementGroups: { "mg-tenant": [subA!, subB!] }, resourceGraphQuota: false });
    const arm = armReader(emulator);
    const scope = new ResourceGraphReconcileReader({ subscriptionIds: [], managementGroupId: "mg-tenant" }, liveOptions(emulator, { policy: DEFAULT_POLICY }), (ids) => arm.watchSubscriptions(ids));
    const { store, pipeline } = pipelineOver(arm, scope);
    const perimeterIn = (sub: string) => estate.find((r) => r.type === "Microsoft.Network/networkSecurityPerimeters" && subscriptionOf(r.id) === sub)!.id;
    const openIn = async (perimeterId: string) => (await store.getFindings(perimeterId)).value.filter((f) => f.status === "open").length;

    await pipeline.reconcile();
    expect((await store.listCachedPerimeters()).map(idKey).sort()).toEqual([idKey(perimeterIn(subA!)), idKey(perimeterIn(subB!))].sort());
    expect(await openIn(perimeterIn(subB!))).toBeGreaterThan(0);
    const subscriptionFindings = async () => (await store.getFindings(`/subscriptions/${subB}`)).value.filter((f) => f.status === "open").map((f) => `${f.finding.ruleId} ${idKey(f.finding.resourceId)}`);
    expect(await subscriptionFindings()).toEqual([`member-secured-unassociated ${idKey(locked.id)}`]);

    emulator.resourceGraph.removeSubscription("mg-tenant", subB!);
    const next = await pipeline.reconcile();
    expect((await store.listCachedPerimeters()).map(idKey)).toEqual([idKey(perimeterIn(subA!))]);
    expect(await openIn(perimeterIn(subB!))).toBe(0);
    expect(await subscriptionFindings()).toEqual([]);
    expect(next.find((d) => idKey(d.perimeterId) === idKey(perimeterIn(subB!)))!.findings.every((f) => f.status === "resolved")).toBe(true);
    // Its perimeters no longer route events (the reverse index forgot them).
    const associationInB = estate.find((r) => r.type.toLowerCase() === T.association && subscriptionOf(r.id) === subB)!;
    const memberInB = (associationInB.properties!["privateLinkResource"] as { id: string }).id;
    expect(await store.getPerimetersOf(memberInB)).toEqual([]);
  });

  it("keeps a perimeter of an unwatched subscription that an event cached, and forgets one a reconcile cached when its subscription was watched", async () => {
    const estate = tenantEstate(30, 2);
    const [subA, subB] = [...new Set(estate.map((r) => subscriptionOf(r.id)))].sort();
    const emulator = await startEmulator(withAncestors(estate.filter((r) => subscriptionOf(r.id) === subA)), { resourceGraphQuota: false });
    const { store, pipeline } = pipelineOver(armReader(emulator, [subA!]), undefined, [subA!]);
    const inB = (name: string) => `/subscriptions/${subB}/resourceGroups/rg-nsp/providers/Microsoft.Network/networkSecurityPerimeters/${name}`;
    await store.putPerimeterCache({ perimeterId: inB("by-event"), reconciledAt: undefined, resources: [] }, undefined);
    await store.putPerimeterCache({ perimeterId: inB("by-reconcile"), reconciledAt: NOW.toISOString(), resources: [] }, undefined);
    await pipeline.reconcile();
    const cached = (await store.listCachedPerimeters()).map(idKey);
    expect(cached).toContain(idKey(inB("by-event")));
    expect(cached).not.toContain(idKey(inB("by-reconcile")));
  });

  it("a storage fault on one perimeter leaves that perimeter to the next pass, not the whole pass", async () => {
    const { resources } = fixtureResources("contoso.json");
    const subscriptions = subscriptionsOf(resources);
    const emulator = await startEmulator(withAncestors(resources), { resourceGraphQuota: false });
    const arm = armReader(emulator, subscriptions);
    const store = new MemoryStateStore();
    const perimeters = resources.filter((r) => r.type.toLowerCase() === T.perimeter).map((r) => r.id);
    const faulty = perimeters[0]!;
    let failing = true;
    const flaky = new Proxy(store, {
      get(target, name, receiver) {
        const member = Reflect.get(target, name, receiver) as unknown;
        if (name !== "putPerimeterCache" || typeof member !== "function") return typeof member === "function" ? member.bind(target) : member;
        return async (cache: { perimeterId: string }, etag: string | undefined) => {
          if (failing && idKey(cache.perimeterId) === idKey(faulty)) throw new Error("503 Service Unavailable (blob)");
          return (member as (c: unknown, e: string | undefined) => Promise<string>).call(target, cache, etag);
        };
      },
    });
    const pipeline = new GuardrailPipeline(
      { store: flaky, arm, queue: new InProcessQueue(), poison: new InMemoryPoison(), policy: DEFAULT_POLICY },
      { debounceMs: 0, subscriptionIds: subscriptions, now: () => NOW },
    );
    const first = await pipeline.reconcileReport();
    expect(first.failed.map(idKey)).toEqual([idKey(faulty)]);
    const cached = (await store.listCachedPerimeters()).map(idKey).sort();
    expect(cached).toEqual(perimeters.filter((p) => p !== faulty).map(idKey).sort());
    expect(first.decisions.map((d) => idKey(d.perimeterId))).not.toContain(idKey(faulty));
    failing = false;
    const second = await pipeline.reconcileReport();
    expect(second.failed).toEqual([]);
    expect((await store.listCachedPerimeters()).map(idKey)).toContain(idKey(faulty));
    expect(second.decisions.map((d) => idKey(d.perimeterId))).toContain(idKey(faulty));
  });

  it("an empty management group reconciles to nothing instead of failing", async () => {
    const emulator = await startEmulator([], { managementGroups: { "mg-empty": [] }, resourceGraphQuota: false });
    const scope = new ResourceGraphReconcileReader({ subscriptionIds: [], managementGroupId: "mg-empty" }, liveOptions(emulator, { policy: DEFAULT_POLICY }));
    const { pipeline } = pipelineOver(armReader(emulator), scope);
    expect(await pipeline.reconcile()).toEqual([]);
    expect(scope.lastRead!.resources).toEqual([]);
  });
});
