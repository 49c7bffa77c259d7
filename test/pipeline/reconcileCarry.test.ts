/**
 * The reconcile carries over, from the perimeter caches, what Resource Graph does not hold (file
 * shares, NSP configurations, diagnostic settings, ...: src/inventory/ownerInputs.ts) and re-reads it
 * from ARM only when due (src/pipeline/carryOver.ts), through Resource Graph and through ARM alike.
 * The whole pipeline against the emulator: a pass 30 minutes after the first reads far less and
 * records the same findings; a change whose event the pipeline handled stays seen; a change no event
 * told of is seen once its member is due again (the horizon), at once without a horizon.
 */
import { NetworkManagementClient } from "@azure/arm-network";
import { StorageManagementClient } from "@azure/arm-storage";
import { describe, expect, it } from "vitest";
import { OWNER_ACTIONS } from "../../src/emulator/authorization.js";
import type { ArmEmulator, OperationLogEntry } from "../../src/emulator/server.js";
import { idKey, parseArmId } from "../../src/model/armId.js";
import type { ArmResource } from "../../src/model/resource.js";
import { T } from "../../src/model/resourceTypes.js";
import { OWNER_INPUT_TYPES } from "../../src/inventory/ownerInputs.js";
import { DEFAULT_POLICY } from "../../src/policy/policy.js";
import { ResourceGraphReconcileReader } from "../../src/inventory/reconcileReader.js";
import { DEFAULT_REREAD_HORIZON_MS, SETTLE_MS } from "../../src/pipeline/carryOver.js";
import { NOW } from "../helpers/builders.js";
import { clientOptions } from "../helpers/emulator.js";
import { startPipeline } from "../helpers/pipelineHarness.js";
import type { StateStore } from "../../src/state/stateStore.js";
import { fixtureResources, liveOptions, subscriptionsOf, withAncestors } from "../inventory/liveSupport.js";

const MINUTE = 60_000;

/** A clock the test moves between passes. */
function clock(start: Date = NOW) {
  let at = start.getTime();
  return {
    now: () => new Date(at),
    advance(ms: number) {
      at += ms;
    },
  };
}

interface Setup {
  /** Read through Resource Graph (ResourceGraphReconcileReader); otherwise through ARM (LiveArmReader.readSubscriptions). */
  graph: boolean;
  rereadHorizonMs?: number;
  /** The pipeline clock's start (default NOW); the emulator stamps `systemData` with the real time. */
  start?: Date;
}

async function contoso({ graph, rereadHorizonMs, start }: Setup) {
  const { resources } = fixtureResources("contoso.json");
  const time = clock(start);
  let scope: ResourceGraphReconcileReader | undefined;
  const harness = await startPipeline(withAncestors(resources), {
    emulator: { resourceGraphQuota: false },
    now: time.now,
    ...(graph ? { scope: (emulator: ArmEmulator) => (scope = new ResourceGraphReconcileReader({ subscriptionIds: subscriptionsOf(resources) }, liveOptions(emulator, { policy: DEFAULT_POLICY }))) } : {}),
    ...(rereadHorizonMs !== undefined ? { rereadHorizonMs } : {}),
  });
  const { emulator, arm, pipeline } = harness;

  /** One reconcile pass, with the emulator operations and reader calls it made. */
  async function pass() {
    const from = emulator.operations.length;
    const armCallsBefore = arm.calls;
    const decisions = await pipeline.reconcile();
    const operations = emulator.operations.slice(from);
    return { decisions, operations, calls: scope ? scope.lastRead!.calls : arm.calls - armCallsBefore, armCallsByType: scope?.lastRead?.armCallsByType };
  }

  return { ...harness, scope, resources, time, pass };
}

const SUBSCRIPTION = "11111111-1111-1111-1111-111111111111";
const ACCOUNTS = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts`;
/** A storage account associated (Enforced) with nsp-prod-data, with no file share in the fixture. */
const DOCUMENTS = `${ACCOUNTS}/stdocuments`;
const NFS_SHARE = `${DOCUMENTS}/fileServices/default/shares/exports`;
/** The finding an NFS share on stdocuments raises (an Enforced association without a private endpoint). */
const DOCUMENTS_NFS = `storage-nfs ${idKey(DOCUMENTS)}`;
/** Someone allowed to create file shares (the guardrail's own identity only reads). */
const OWNER = { objectId: "0000000e-0000-0000-0000-00000000000e", name: "owner@contoso.example", role: OWNER_ACTIONS };

/** The owners (perimeters, associated members) whose inputs ARM reads and Resource Graph does not hold, as the fixture has them. */
function fixtureOwners(resources: readonly ArmResource[]): Map<string, Set<string>> {
  const held = new Set(resources.map((r) => idKey(r.id)));
  const byPerimeter = new Map<string, Set<string>>();
  for (const r of resources) if (r.type.toLowerCase() === T.perimeter) byPerimeter.set(idKey(r.id), new Set([idKey(r.id)]));
  for (const r of resources) {
    if (r.type.toLowerCase() !== T.association) continue;
    const member = (r.properties?.["privateLinkResource"] as { id?: string } | undefined)?.id;
    if (member && held.has(idKey(member))) byPerimeter.get(idKey(parseArmId(r.id).parentId!))!.add(idKey(member));
  }
  return byPerimeter;
}

/** Owners an ARM read of their inputs was made for in these operations (a GET of an owner input type under the owner). */
function ownersRead(operations: readonly OperationLogEntry[], owners: Iterable<string>): string[] {
  const inputReads = operations.filter((o) => o.method === "GET" && OWNER_INPUT_TYPES.has((o.operation ?? "").replace(/\/read$/i, "").toLowerCase()));
  return [...owners].filter((owner) => inputReads.some((o) => o.path.toLowerCase().startsWith(`${owner}/`))).sort();
}

/** Reads of one type's collection under one resource (`.../stdocuments/fileServices/default/shares`). */
function listsUnder(operations: readonly OperationLogEntry[], parentId: string, type: string): OperationLogEntry[] {
  return operations.filter((o) => o.method === "GET" && (o.operation ?? "").toLowerCase() === `${type}/read` && o.path.toLowerCase().startsWith(`${idKey(parentId)}/`));
}

/** Every cache's `ownersReadAt`, merged (an owner in two closures is read once a pass: its caches agree). */
async function readTimes(store: StateStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const id of await store.listCachedPerimeters()) {
    for (const [owner, at] of Object.entries((await store.getPerimeterCache(id)).value?.ownersReadAt ?? {})) out.set(owner, at);
  }
  return out;
}

/** The number of owners a pass `elapsedMs` after the previous one re-reads at the default horizon (carryOver.ts). */
const paceShare = (owners: number, elapsedMs: number) => Math.ceil((owners * elapsedMs) / DEFAULT_REREAD_HORIZON_MS);

async function expectCarryingSecondPass(graph: boolean) {
  const { pass, time, openFindings, store, resources } = await contoso({ graph });
  const expectedOwners = fixtureOwners(resources);
  const allOwners = new Set([...expectedOwners.values()].flatMap((s) => [...s]));
  const storageMembers = [...allOwners].filter((o) => /\/microsoft\.storage\/storageaccounts\/[^/]+$/.test(o));
  expect(storageMembers.length).toBeGreaterThan(10);

  const first = await pass();
  const firstAt = time.now().toISOString();
  const findings = await openFindings();
  // The first pass knows nothing to carry: it reads every owner's inputs from ARM.
  // (The ARM path lists Key Vaults per subscription and reads no input of its own for them.)
  const inputless = graph ? [] : [...allOwners].filter((o) => o.includes("/microsoft.keyvault/vaults/"));
  expect(ownersRead(first.operations, allOwners)).toEqual([...allOwners].filter((o) => !inputless.includes(o)).sort());
  for (const member of storageMembers) {
    expect(listsUnder(first.operations, member, T.fileShare), member).toHaveLength(1);
    expect(listsUnder(first.operations, member, T.storageNspConfiguration), member).toHaveLength(1);
  }
  // Each cache says when each of its owners' inputs were read: the perimeter and every member.
  for (const [perimeter, owners] of expectedOwners) {
    const cache = (await store.getPerimeterCache(perimeter)).value!;
    // Its own members, and those of other perimeters its closure holds (a CMK vault's association, say).
    expect(Object.keys(cache.ownersReadAt ?? {}), perimeter).toEqual(expect.arrayContaining([...owners]));
    expect(Object.keys(cache.ownersReadAt ?? {}).filter((o) => !allOwners.has(o)), perimeter).toEqual([]);
    expect(new Set(Object.values(cache.ownersReadAt ?? {}))).toEqual(new Set([firstAt]));
  }
  // Findings that stand on owner inputs (an NFS share, read per member): the carry must keep them.
  expect(findings).toContain(`storage-nfs ${idKey(`${ACCOUNTS}/sthpcscratch`)} critical`);

  time.advance(30 * MINUTE);
  const second = await pass();
  const secondAt = time.now().toISOString();
  const times = await readTimes(store);
  // Only the pace share (the oldest owner, here) is re-read; the others are carried with their first read time.
  const reread = [...times].filter(([, at]) => at === secondAt).map(([owner]) => owner);
  expect(reread).toHaveLength(paceShare(allOwners.size, 30 * MINUTE));
  expect([...times].filter(([, at]) => at !== secondAt).every(([, at]) => at === firstAt)).toBe(true);
  expect(times.size).toBe(allOwners.size);
  expect(ownersRead(second.operations, allOwners)).toEqual(reread.sort());
  expect(reading(second.operations, T.fileShare).length + reading(second.operations, T.storageNspConfiguration).length).toBeLessThanOrEqual(reread.length * 2);
  expect(second.calls).toBeLessThan(first.calls);
  expect(second.calls).toBeLessThanOrEqual(first.calls - (allOwners.size - reread.length));
  expect(await openFindings()).toEqual(findings);
  return { first, second };
}

/** Operations that read one (lower-case) type: `microsoft.storage/storageaccounts/fileservices/shares`. */
function reading(operations: readonly OperationLogEntry[], type: string): OperationLogEntry[] {
  return operations.filter((o) => o.method === "GET" && (o.operation ?? "").toLowerCase() === `${type}/read`);
}

describe("the reconcile carries over what Resource Graph does not hold", { timeout: 180_000 }, () => {
  it("through Resource Graph: a pass 30 minutes after the first reads the owners' inputs of the pace share only, and records the same findings", async () => {
    const { first, second } = await expectCarryingSecondPass(true);
    // No file share or NSP configuration list at all: the re-read owner is the oldest by key (an AI Services account).
    expect(second.armCallsByType?.[T.fileShare] ?? 0).toBe(0);
    expect(second.armCallsByType?.[T.storageNspConfiguration] ?? 0).toBe(0);
    expect(first.armCallsByType?.[T.fileShare]).toBeGreaterThan(10);
    expect(second.armCallsByType?.[T.diagnosticSetting] ?? 0).toBeLessThanOrEqual(1);
  });

  it("a file share created through ARM, its event handled, is reported by the event's evaluation and still by the carrying reconcile 30 minutes later", async () => {
    const { pass, time, openFindings, settle, outcomes, emulator, store } = await contoso({ graph: true });
    await pass();
    const firstAt = time.now().toISOString();
    expect((await openFindings()).filter((f) => f.startsWith(DOCUMENTS_NFS))).toEqual([]);

    time.advance(10 * MINUTE);
    const storage = new StorageManagementClient(emulator.credential(OWNER), SUBSCRIPTION, clientOptions(emulator));
    await storage.fileShares.create("rg-app", "stdocuments", "exports", { enabledProtocols: "NFS" });
    const decisions = await settle();
    expect(outcomes.map((o) => o.outcome)).toEqual(["routed"]);
    const raised = decisions.flatMap((d) => d.findings).filter((f) => f.ruleId === "storage-nfs" && idKey(f.resourceId) === idKey(DOCUMENTS));
    expect(raised.map((f) => f.status)).toEqual(["new"]);
    const afterEvent = await openFindings();
    expect(afterEvent.filter((f) => f.startsWith(DOCUMENTS_NFS))).toHaveLength(1);
    // The event's evaluation put the share in the cache and kept the member's read time (it read the share, not the member).
    const perimeter = (await store.getPerimetersOf(DOCUMENTS))[0]!;
    const cache = (await store.getPerimeterCache(perimeter)).value!;
    expect(cache.resources.map((r) => idKey(r.id))).toContain(idKey(NFS_SHARE));
    expect(cache.ownersReadAt?.[idKey(DOCUMENTS)]).toBe(firstAt);

    time.advance(20 * MINUTE);
    const second = await pass();
    // stdocuments' inputs were carried (its shares were not listed): the share came from the cache the event updated.
    expect(listsUnder(second.operations, DOCUMENTS, T.fileShare)).toEqual([]);
    expect((await readTimes(store)).get(idKey(DOCUMENTS))).toBe(firstAt);
    expect(await openFindings()).toEqual(afterEvent);
  });

  it("a file share no event told of (data plane, lost event) is not seen while its member's inputs are carried, by design, and is seen once the re-read horizon has passed", async () => {
    const { pass, time, openFindings, settle, outcomes, emulator, store } = await contoso({ graph: true });
    await pass();
    const firstAt = time.now().getTime();
    const before = await openFindings();

    writeWithoutEvent(emulator, nfsShare());
    expect(await settle()).toEqual([]);
    expect(outcomes).toEqual([]);

    time.advance(30 * MINUTE);
    const carrying = await pass();
    expect(listsUnder(carrying.operations, DOCUMENTS, T.fileShare)).toEqual([]);
    expect((await readTimes(store)).get(idKey(DOCUMENTS))).toBe(new Date(firstAt).toISOString());
    expect(await openFindings()).toEqual(before);

    time.advance(firstAt + DEFAULT_REREAD_HORIZON_MS + 1 - time.now().getTime());
    const due = await pass();
    expect(listsUnder(due.operations, DOCUMENTS, T.fileShare)).toHaveLength(1);
    expect((await readTimes(store)).get(idKey(DOCUMENTS))).toBe(time.now().toISOString());
    const seen = await openFindings();
    expect(seen.filter((f) => f.startsWith(DOCUMENTS_NFS))).toHaveLength(1);
    expect(seen.filter((f) => !f.startsWith(DOCUMENTS_NFS))).toEqual(before);
  });

  it("without a re-read horizon (0), a file share no event told of is seen on the very next pass", async () => {
    const { pass, time, openFindings, emulator, store } = await contoso({ graph: true, rereadHorizonMs: 0 });
    const first = await pass();
    const before = await openFindings();
    writeWithoutEvent(emulator, nfsShare());

    time.advance(30 * MINUTE);
    const next = await pass();
    expect(listsUnder(next.operations, DOCUMENTS, T.fileShare)).toHaveLength(1);
    // Nothing is carried: the second pass reads every owner's inputs again, as the first did.
    expect(next.armCallsByType?.[T.fileShare]).toBe(first.armCallsByType?.[T.fileShare]);
    expect(new Set((await readTimes(store)).values())).toEqual(new Set([time.now().toISOString()]));
    const seen = await openFindings();
    expect(seen.filter((f) => f.startsWith(DOCUMENTS_NFS))).toHaveLength(1);
    expect(seen.filter((f) => !f.startsWith(DOCUMENTS_NFS))).toEqual(before);
  });

  it("through ARM (no Resource Graph): a pass 30 minutes after the first reads the owners' inputs of the pace share only, and records the same findings", async () => {
    const { first, second } = await expectCarryingSecondPass(false);
    expect(reading(second.operations, T.fileShare)).toEqual([]);
    expect(reading(second.operations, T.storageNspConfiguration)).toEqual([]);
    expect(reading(first.operations, T.fileShare).length).toBeGreaterThan(10);
  });

  for (const graph of [true, false]) {
    it(`${graph ? "through Resource Graph" : "through ARM"}: a member associated through ARM (its event handled) has its inputs re-read by every pass until an hour after the change, then carried`, async () => {
      // The emulator stamps the association's systemData with the real time: the pipeline's clock starts there.
      const { pass, time, settle, outcomes, store, emulator, openFindings } = await contoso({ graph, start: new Date() });
      const genomics = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-research/providers/Microsoft.Storage/storageAccounts/stgenomics`;
      const perimeter = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-nsp/providers/Microsoft.Network/networkSecurityPerimeters/nsp-prod-data`;
      await pass();
      expect((await readTimes(store)).has(idKey(genomics))).toBe(false);

      time.advance(MINUTE);
      const network = new NetworkManagementClient(emulator.credential(OWNER), SUBSCRIPTION, clientOptions(emulator));
      const created = await network.networkSecurityPerimeterAssociations.createOrUpdate(
        "rg-nsp",
        "nsp-prod-data",
        "assoc-stgenomics",
        { privateLinkResource: { id: genomics }, profile: { id: `${perimeter}/profiles/prod-default` }, accessMode: "Enforced" },
        { updateIntervalInMs: 5 },
      );
      const changedAt = Date.parse(created.systemData!.lastModifiedAt!.toString());
      time.advance(MINUTE);
      await settle();
      expect(outcomes.map((o) => o.outcome)).toEqual(["routed"]);
      // The evaluation read the new member whole, its NFS share included.
      expect((await readTimes(store)).get(idKey(genomics))).toBe(time.now().toISOString());
      expect(await openFindings()).toContain(`storage-nfs ${idKey(genomics)} critical`);

      // Passes every 20 minutes: each read before changedAt + SETTLE_MS is not trusted, so the next pass reads again.
      const rereads: boolean[] = [];
      for (let n = 0; n < 6; n++) {
        time.advance(20 * MINUTE);
        const { operations } = await pass();
        const read = listsUnder(operations, genomics, T.storageNspConfiguration).length > 0;
        rereads.push(read);
        // The cache says so: the member's read time moves with each re-read only.
        expect((await readTimes(store)).get(idKey(genomics)) === time.now().toISOString(), `read time after the pass at +${22 + n * 20} min`).toBe(read);
      }
      // The change is stamped a few seconds after the start (the real time). The evaluation's read (+2 min) and the
      // passes' at +22 and +42 min came less than an hour after it, so the passes at +22, +42 and +62 min re-read the
      // member; the read at +62 min came more than an hour after it, so the later passes carry it.
      const passAt = (minutes: number) => time.now().getTime() - (122 - minutes) * MINUTE;
      expect(changedAt + SETTLE_MS).toBeGreaterThan(passAt(42));
      expect(changedAt + SETTLE_MS).toBeLessThan(passAt(62));
      expect(rereads.map((read, n) => `+${22 + n * 20} min: ${read ? "re-read" : "carried"}`)).toEqual(["+22 min: re-read", "+42 min: re-read", "+62 min: re-read", "+82 min: carried", "+102 min: carried", "+122 min: carried"]);
      expect(await openFindings()).toContain(`storage-nfs ${idKey(genomics)} critical`);
    });
  }

});

/** An NFS file share on stdocuments, as ARM would return it. */
function nfsShare(): ArmResource {
  return { id: NFS_SHARE, name: "exports", type: "Microsoft.Storage/storageAccounts/fileServices/shares", properties: { enabledProtocols: "NFS" } };
}

/** Writes straight into the emulator's store: no ARM request, so no event (a data-plane creation or a lost event). */
function writeWithoutEvent(emulator: ArmEmulator, resource: ArmResource): void {
  emulator.store.set(structuredClone(resource));
}
