/**
 * The live inventory against the ARM emulator: the same findings as the snapshot, and only the
 * calls the enabled rules need.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { idKey, parseArmId } from "../../src/model/armId.js";
import { Estate } from "../../src/model/estate.js";
import { propString } from "../../src/model/resource.js";
import { T } from "../../src/model/resourceTypes.js";
import { DEFAULT_POLICY, parsePolicy, type Policy } from "../../src/policy/policy.js";
import { RULE_IDS } from "../../src/rules/catalog/index.js";
import { evaluateEstate } from "../../src/rules/engine.js";
import { estateFromSnapshot, formatSnapshot, parseSnapshot } from "../../src/inventory/snapshot.js";
import { readLiveEstate, type LiveEstate, type LiveProgress } from "../../src/inventory/liveInventory.js";
import { readPlanForPolicy } from "../../src/inventory/readPlan.js";
import type { ArmEmulator, OperationLogEntry } from "../../src/emulator/server.js";
import { NOW } from "../helpers/builders.js";
import { startEmulator } from "../helpers/emulator.js";
import { comparable, ESTATES_DIR, FIXTURE_FILES, fixturePolicyFile, fixtureResources, liveOptions, subscriptionsOf, typeRead, withAncestors } from "./liveSupport.js";


function policyWithOff(ruleIds: readonly string[], base: Policy = DEFAULT_POLICY): Policy {
  return { ...base, rules: { ...base.rules, ...Object.fromEntries(ruleIds.map((id) => [id, { action: "off" as const }])) } };
}

/** Reads the whole emulator estate live, returning the result and the operations it caused. */
async function readAll(emulator: ArmEmulator, subscriptions: string[], policy: Policy = DEFAULT_POLICY, extra = {}) {
  const from = emulator.operations.length;
  const live = await readLiveEstate(subscriptions, liveOptions(emulator, { policy, ...extra }));
  return { live, operations: emulator.operations.slice(from) };
}

/** Fixture estates with nothing to report (the others must report something, or the comparison proves little). */
const NOTHING_TO_REPORT = new Set(["clean.json", "guardrail-own.json"]);

describe.each(FIXTURE_FILES)("live inventory of %s", (file) => {
  const { doc, resources } = fixtureResources(file);
  const policyFile = fixturePolicyFile(file);
  const policy = policyFile ? parsePolicy(readFileSync(policyFile, "utf8"), policyFile, RULE_IDS) : DEFAULT_POLICY;
  let emulator: ArmEmulator;
  let live: LiveEstate;

  beforeAll(async () => {
    emulator = await startEmulator(withAncestors(resources));
    live = await readLiveEstate(subscriptionsOf(resources), liveOptions(emulator, { policy }));
  });

  it("gives exactly the findings of the snapshot", () => {
    const fromSnapshot = evaluateEstate(estateFromSnapshot(doc, file), { policy, now: NOW });
    const fromLive = evaluateEstate(new Estate(live.resources), { policy, now: NOW });
    expect(fromSnapshot.findings.length > 0).toBe(!NOTHING_TO_REPORT.has(file));
    expect(comparable(fromLive.findings)).toEqual(comparable(fromSnapshot.findings));
    expect(fromLive.perimeters).toBe(fromSnapshot.perimeters);
    expect(fromLive.associations).toBe(fromSnapshot.associations);
  });

  it("exports as a snapshot that scans the same", () => {
    const exported = parseSnapshot(formatSnapshot(live.resources), "live.json");
    expect(exported).toHaveLength(live.resources.length);
    const direct = evaluateEstate(new Estate(live.resources), { policy, now: NOW });
    const reloaded = evaluateEstate(new Estate(exported), { policy, now: NOW });
    expect(comparable(reloaded.findings)).toEqual(comparable(direct.findings));
  });

  it("keeps resources exactly as ARM's GET returns them", () => {
    const stored = new Map(emulator.resources().map((r) => [idKey(r.id), r]));
    let compared = 0;
    for (const resource of live.resources) {
      const original = stored.get(idKey(resource.id));
      // NSP configurations are computed by the resource provider, not stored as seeded.
      if (!original || resource.type.toLowerCase().endsWith("/networksecurityperimeterconfigurations")) continue;
      expect(resource).toEqual(original);
      compared++;
    }
    expect(compared).toBeGreaterThan(resources.length / 2);
    // Not the SDK's flattened models: ARM's `properties` envelope is there.
    expect(live.resources.every((r) => r.properties === undefined || typeof r.properties === "object")).toBe(true);
  });
});

describe("calls against the Contoso estate", () => {
  const { resources } = fixtureResources("contoso.json");
  const subscriptions = subscriptionsOf(resources);
  const seeded = withAncestors(resources);
  const associated = new Map(
    resources
      .filter((r) => r.type.toLowerCase() === T.association)
      .map((r) => propString(r, "privateLinkResource", "id")!)
      .map((id) => [idKey(id), parseArmId(id).type.toLowerCase()] as const),
  );
  let emulator: ArmEmulator;

  beforeAll(async () => {
    emulator = await startEmulator(seeded);
  });

  /** Calls that only lead to a type the plan reads (a vault listed to reach its protected items). */
  const TRAVERSAL: Record<string, string> = {
    "microsoft.recoveryservices/vaults": T.protectedItem,
    "microsoft.recoveryservices/vaults/backupprotecteditems": T.protectedItem,
    "microsoft.resources/subscriptions/resources": T.backupInstance,
    "microsoft.storagesync/storagesyncservices": T.syncCloudEndpoint,
    "microsoft.storagesync/storagesyncservices/syncgroups": T.syncCloudEndpoint,
  };

  /** Every operation reads a type the plan holds, an associated member, or the way to a planned type. */
  function expectOnlyPlannedReads(operations: readonly OperationLogEntry[], policy: Policy): void {
    const plan = readPlanForPolicy(policy);
    const memberTypes = new Set(associated.values());
    for (const op of operations) {
      expect(op.method).toBe("GET");
      const type = typeRead(op.operation);
      const allowed = plan.has(type) || (plan.readAllMembers && memberTypes.has(type)) || (TRAVERSAL[type] !== undefined && plan.has(TRAVERSAL[type]));
      expect(allowed, `${op.path} reads ${type}, which no enabled rule reads`).toBe(true);
    }
  }

  /** Calls per storage account, from the operation log: the account GET and everything below it. */
  function callsPerStorageAccount(operations: readonly OperationLogEntry[]): Map<string, number> {
    const counts = new Map<string, number>();
    for (const op of operations) {
      const m = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Storage\/storageAccounts\/[^/]+)/i.exec(op.path);
      if (m) counts.set(idKey(m[1]!), (counts.get(idKey(m[1]!)) ?? 0) + 1);
    }
    return counts;
  }

  it("reads every associated storage account, in at most 6 calls each, and no other account", async () => {
    const { live, operations } = await readAll(emulator, subscriptions);
    const counts = callsPerStorageAccount(operations);
    const storageMembers = [...associated].filter(([, type]) => type === T.storageAccount).map(([key]) => key);
    expect([...counts.keys()].sort()).toEqual(storageMembers.sort());
    for (const [account, calls] of counts) expect(calls, account).toBeLessThanOrEqual(6);
    expect(live.callsByMemberType[T.storageAccount]).toMatchObject({ members: storageMembers.length });
    expect(live.callsByMemberType[T.storageAccount]!.maxCallsPerMember).toBeLessThanOrEqual(6);
    expectOnlyPlannedReads(operations, DEFAULT_POLICY);
    expect(operations).toHaveLength(live.attempts);
    expect(live.calls).toBe(live.requests);
    expect(live.peakConcurrency).toBeLessThanOrEqual(8);
  });

  it.each([
    [["storage-object-replication"], /\/objectReplicationPolicies$/i],
    [["storage-lifecycle-management"], /\/managementPolicies\//i],
    [["storage-blob-inventory"], /\/inventoryPolicies\//i],
    [["storage-nfs", "storage-smb-access"], /\/fileServices\/default\/shares$/i],
    [["association-provisioning-issues"], /\/networkSecurityPerimeterConfigurations$/i],
    [["storage-azure-backup"], /Microsoft\.(RecoveryServices|DataProtection)|\/resources$/i],
    [["storage-file-sync"], /Microsoft\.StorageSync/i],
    [["storage-unmanaged-disks"], /Microsoft\.Compute/i],
    [["storage-cmk-key-vault", "association-transition-mode", "member-secured-unassociated", "keyvault-trusted-bypass"], /\/providers\/Microsoft\.KeyVault\/vaults$/i],
    [["perimeter-no-access-logs", "perimeter-logs-outside", "member-logs-outside"], /diagnosticSettings/i],
    [["accessrule-broad-inbound", "accessrule-private-inbound", "accessrule-invalid-prefix", "accessrule-untrusted-subscription", "accessrule-outbound-wildcard", "profile-rule-limit", "storage-cmk-key-vault", "storage-file-sync", "storage-shared-key-subscription-rule", "storage-smb-access", "accessrule-service-tag"], /\/accessRules$/i],
  ])("with %j off, makes no call matching %s", async (off, forbidden) => {
    const policy = policyWithOff(off);
    const { operations } = await readAll(emulator, subscriptions, policy);
    expect(operations.length).toBeGreaterThan(0);
    expect(operations.filter((op) => forbidden.test(op.path)).map((op) => op.path)).toEqual([]);
    expectOnlyPlannedReads(operations, policy);
  });

  it("reads only the account itself when no rule reads a storage child", async () => {
    const storageChildReaders = ["storage-object-replication", "storage-lifecycle-management", "storage-blob-inventory", "storage-nfs", "storage-smb-access", "association-provisioning-issues", "member-logs-outside"];
    const { live, operations } = await readAll(emulator, subscriptions, policyWithOff(storageChildReaders));
    for (const [account, calls] of callsPerStorageAccount(operations)) expect(calls, account).toBe(1);
    expect(live.callsByMemberType[T.storageAccount]!.maxCallsPerMember).toBe(1);
  });

  it("reads only the perimeter skeleton when every rule is off but one perimeter rule", async () => {
    const policy = policyWithOff(RULE_IDS.filter((id) => id !== "perimeter-limits"));
    const { live, operations } = await readAll(emulator, subscriptions, policy);
    expect(new Set(operations.map((op) => typeRead(op.operation)))).toEqual(new Set([T.perimeter, T.profile, T.association]));
    expect(live.callsByMemberType).toEqual({});
  });

  it("reports progress through the phases, members counted once", async () => {
    const seen: LiveProgress[] = [];
    await readAll(emulator, subscriptions, DEFAULT_POLICY, { onProgress: (p: LiveProgress) => seen.push(p) });
    expect([...new Set(seen.map((p) => p.phase))]).toEqual(["perimeters", "members", "related", "done"]);
    const members = seen.filter((p) => p.phase === "members");
    expect(members.at(-1)).toMatchObject({ done: associated.size, total: associated.size });
    for (const p of seen) expect(p.done).toBeLessThanOrEqual(p.total || p.done);
  });

  it("keeps concurrency within the bound", async () => {
    emulator.faults.add({ path: "/subscriptions/**", kind: "latency", latencyMs: 20 });
    try {
      const { live } = await readAll(emulator, subscriptions, DEFAULT_POLICY, { concurrency: 3 });
      expect(live.peakConcurrency).toBe(3);
    } finally {
      emulator.faults.clear();
    }
  });
});

describe("paging", () => {
  const { resources } = fixtureResources("contoso.json");

  it("reads every page with a page size of 2", async () => {
    const small = await startEmulator(withAncestors(resources), { pageSize: 2 });
    const large = await startEmulator(withAncestors(resources));
    const paged = await readLiveEstate(subscriptionsOf(resources), liveOptions(small));
    const whole = await readLiveEstate(subscriptionsOf(resources), liveOptions(large));
    expect(paged.resources.map((r) => idKey(r.id)).sort()).toEqual(whole.resources.map((r) => idKey(r.id)).sort());
    // More requests than calls: pages after the first (which the TypeSpec clients fetch without options).
    expect(paged.requests).toBeGreaterThan(paged.calls);
    expect(paged.calls).toBe(whole.calls);
    expect(small.operations.filter((op) => op.path.endsWith("/networkSecurityPerimeters")).length).toBe(2);
  });
});
