import { describe, expect, it } from "vitest";
import { MemoryStateStore } from "../../src/state/memoryStateStore.js";
import { MAX_DIRTY_CHANGES } from "../../src/state/stateStore.js";
import type { ArmResource } from "../../src/model/resource.js";
import { parsePolicy } from "../../src/policy/policy.js";
import { RULE_IDS } from "../../src/rules/catalog/index.js";
import { accessRule, association, backupVault, blobBackupInstance, cmkEncryption, fileShare, keyVault, perimeter, profile, storageAccount, SUB, virtualMachine } from "../helpers/builders.js";
import { startPipeline } from "../helpers/pipelineHarness.js";

const ALICE = { objectId: "0000000a-0000-0000-0000-000000000001", name: "alice@contoso.example" };

function estate() {
  const nsp = perimeter("nsp-data");
  const prof = profile(nsp, "default");
  const ipRule = accessRule(prof, "offices", { direction: "Inbound", addressPrefixes: ["203.0.113.0/24"] });
  const accounts = ["stalpha", "stbeta", "stgamma"].map((n) => storageAccount(n));
  const assocs = accounts.map((a) => association(nsp, `assoc-${a.name}`, a.id, { profile: prof, accessMode: "Enforced" }));
  const nfsAccount = storageAccount("stnfsnew");
  const keysNsp = perimeter("nsp-keys");
  const keysProfile = profile(keysNsp, "keys");
  const vault = keyVault("kv-keys");
  const vaultAssoc = association(keysNsp, "assoc-kv", vault.id, { profile: keysProfile, accessMode: "Enforced" });
  const cmkAccount = storageAccount("stcmk", { encryption: cmkEncryption("kv-keys") });
  const cmkAssoc = association(nsp, "assoc-stcmk", cmkAccount.id, { profile: prof, accessMode: "Enforced" });
  const outside = storageAccount("stoutside");
  const resources: ArmResource[] = [nsp, prof, ipRule, ...accounts, ...assocs, nfsAccount, fileShare(nfsAccount, "hpc", "NFS"), keysNsp, keysProfile, vault, vaultAssoc, cmkAccount, cmkAssoc, outside];
  return { nsp, prof, ipRule, accounts, assocs, nfsAccount, keysNsp, keysProfile, vault, cmkAccount, outside, resources };
}

const withProps = (r: ArmResource, props: Record<string, unknown>): ArmResource => ({ ...r, properties: { ...r.properties, ...props } });

describe("event pipeline over the emulator", () => {
  it("flipping an association from Enforced to Learning raises the downgrade and transition findings as new", async () => {
    const e = estate();
    const h = await startPipeline(e.resources);
    await h.pipeline.reconcile();
    expect(await h.openFindings()).not.toContain(expect.stringContaining("storage-transition-mode"));
    h.emulator.put(withProps(e.assocs[0]!, { accessMode: "Learning" }), ALICE);
    const decisions = await h.settle();
    expect(decisions).toHaveLength(1);
    expect(decisions[0]!.perimeterId).toBe(e.nsp.id);
    const fresh = decisions[0]!.findings.filter((f) => f.status === "new").map((f) => `${f.ruleId} ${f.resourceId.split("/").pop()} ${f.severity}`);
    // The account's publicNetworkAccess is SecuredByPerimeter: Learning stays perimeter-only inbound, so transition-mode is low (rules.md Revision 2).
    expect(fresh.sort()).toEqual(["storage-enforcement-downgrade stalpha high", "storage-transition-mode stalpha low"]);
    expect(decisions[0]!.actions.filter((a) => a.type === "alert").map((a) => a.ruleId).sort()).toEqual(["storage-enforcement-downgrade", "storage-transition-mode"]);
    // Restoring Enforced resolves them.
    h.emulator.put(withProps(e.assocs[0]!, { accessMode: "Enforced" }), ALICE);
    const after = await h.settle();
    expect(after[0]!.findings.filter((f) => f.status === "resolved").map((f) => f.ruleId).sort()).toEqual(["storage-enforcement-downgrade", "storage-transition-mode"]);
  });

  it("SFTP enabled on a member: one evaluation that re-reads only the changed account", async () => {
    const e = estate();
    const h = await startPipeline(e.resources);
    await h.pipeline.reconcile();
    const before = h.emulator.operations.length;
    h.emulator.put(withProps(e.accounts[1]!, { isSftpEnabled: true }), ALICE);
    const decisions = await h.settle();
    const calls = h.emulator.operations.slice(before);
    expect(calls.map((c) => `${c.method} ${c.path.split("/").pop()}`)).toEqual(["GET stbeta"]);
    expect(decisions.flatMap((d) => d.findings.filter((f) => f.status === "new").map((f) => f.ruleId))).toEqual(["storage-sftp"]);
    const revert = decisions[0]!.actions.find((a) => a.type === "revert");
    expect(revert).toBeUndefined(); // default policy: alert only
  });

  it("a new association of an NFS account in Enforced mode reads the member and raises storage-nfs (critical)", async () => {
    const e = estate();
    const h = await startPipeline(e.resources);
    await h.pipeline.reconcile();
    const before = h.emulator.operations.length;
    h.emulator.put(association(e.nsp, "assoc-stnfsnew", e.nfsAccount.id, { profile: e.prof, accessMode: "Enforced" }), ALICE);
    const decisions = await h.settle();
    const nfs = decisions.flatMap((d) => d.findings).find((f) => f.ruleId === "storage-nfs");
    expect(nfs).toMatchObject({ status: "new", severity: "critical", resourceId: e.nfsAccount.id });
    const reads = h.emulator.operations.slice(before).filter((o) => o.method === "GET");
    expect(reads.length).toBeLessThanOrEqual(8); // routing read of the association, its re-read, and the member bundle (≤ 6)
  });

  it("plans a revert in dry run for a revert-enabled rule caused by an association change, and skips exempt principals", async () => {
    const e = estate();
    const policy = parsePolicy("rules: { storage-enforcement-downgrade: { action: revert } }\nexemptPrincipals: [0000000b-0000-0000-0000-00000000000b]", "p.yaml", RULE_IDS);
    const h = await startPipeline(e.resources, { policy });
    await h.pipeline.reconcile();
    h.emulator.put(withProps(e.assocs[0]!, { accessMode: "Audit" }), ALICE);
    const [decision] = await h.settle();
    const revert = decision!.actions.find((a) => a.type === "revert")!;
    expect(revert).toMatchObject({ ruleId: "storage-enforcement-downgrade", operation: "restore", status: "planned" });
    expect(revert.reason).toMatch(/^dry run: would restore assoc-stalpha/);
    h.emulator.put(withProps(e.assocs[1]!, { accessMode: "Learning" }), { objectId: "0000000b-0000-0000-0000-00000000000b" });
    const [second] = await h.settle();
    expect(second!.actions.find((a) => a.type === "revert")).toMatchObject({ status: "skipped", reason: expect.stringMatching(/exempt principal/) });
  });

  it("a rule change in the vault's perimeter re-evaluates the perimeter whose account uses the vault for CMK", async () => {
    const e = estate();
    const h = await startPipeline(e.resources);
    await h.pipeline.reconcile();
    expect(await h.openFindings()).toContain(`storage-cmk-key-vault ${e.cmkAccount.id.toLowerCase()} critical`);
    // Allow the account's subscription into the vault's profile: the CMK finding clears.
    h.emulator.put(accessRule(e.keysProfile, "allow-data-subscription", { direction: "Inbound", subscriptions: [SUB] }), ALICE);
    const decisions = await h.settle();
    expect(decisions.map((d) => d.perimeterId).sort()).toEqual([e.nsp.id, e.keysNsp.id].sort());
    expect(decisions.flatMap((d) => d.findings).find((f) => f.ruleId === "storage-cmk-key-vault")?.status).toBe("resolved");
  });

  it("a new VM whose disk lives on a member reaches that member's perimeter through the disk's host", async () => {
    const e = estate();
    const h = await startPipeline(e.resources);
    await h.pipeline.reconcile();
    h.emulator.put(virtualMachine("vm-new", "https://stalpha.blob.core.windows.net/vhds/os.vhd"), ALICE);
    const decisions = await h.settle();
    expect(decisions.map((d) => d.perimeterId)).toEqual([e.nsp.id]);
    expect(decisions[0]!.findings.filter((f) => f.status === "new").map((f) => `${f.ruleId} ${f.resourceId.split("/").pop()}`)).toEqual([
      "storage-unmanaged-disks stalpha",
    ]);
  });

  it("a new backup instance naming its member only by dataSourceInfo.resourceUri reaches that member's perimeter", async () => {
    // The estate index always read `resourceUri`; event routing's dependency targets did not (the relations registry is now their one source).
    const e = estate();
    const h = await startPipeline([...e.resources, backupVault()]);
    await h.pipeline.reconcile();
    const alpha = e.accounts[0]!;
    const instance = blobBackupInstance(alpha, "vaulted");
    const { resourceID: _id, ...info } = instance.properties!["dataSourceInfo"] as Record<string, unknown>;
    h.emulator.put({ ...instance, properties: { ...instance.properties, dataSourceInfo: { ...info, resourceUri: alpha.id } } }, ALICE);
    const decisions = await h.settle();
    expect(decisions.map((d) => d.perimeterId)).toEqual([e.nsp.id]);
    expect(decisions[0]!.findings.filter((f) => f.status === "new").map((f) => `${f.ruleId} ${f.resourceId.split("/").pop()}`)).toEqual(["storage-azure-backup stalpha"]);
  });

  it("deleting an association resolves its member's findings", async () => {
    const e = estate();
    const h = await startPipeline(e.resources);
    await h.pipeline.reconcile();
    expect(await h.openFindings()).toContain(`storage-cmk-key-vault ${e.cmkAccount.id.toLowerCase()} critical`);
    h.emulator.delete(`${e.nsp.id}/resourceAssociations/assoc-stcmk`, ALICE);
    await h.settle();
    expect(await h.openFindings()).not.toContain(`storage-cmk-key-vault ${e.cmkAccount.id.toLowerCase()} critical`);
  });

  it("events for resources nothing watches, or outside every perimeter, cause no ARM call", async () => {
    // The deployed event filter keeps the disk's event away from the pipeline; the account outside every perimeter reaches it.
    const e = estate();
    const h = await startPipeline(e.resources);
    await h.pipeline.reconcile();
    const before = h.emulator.operations.length;
    h.emulator.put({ id: `/subscriptions/${SUB}/resourceGroups/rg-vms/providers/Microsoft.Compute/disks/disk1`, type: "Microsoft.Compute/disks", location: "westeurope", properties: { diskSizeGB: 128 } }, ALICE);
    h.emulator.put(withProps(e.outside, { isSftpEnabled: true }), ALICE);
    const decisions = await h.settle();
    expect(decisions).toEqual([]);
    // The emulator logged only the two writes themselves, no reads by the guardrail.
    expect(h.emulator.operations.slice(before)).toEqual([]);
    expect(h.events.filteredOut.map((f) => f.event.subject)).toEqual([expect.stringMatching(/\/disks\/disk1$/)]);
    expect(h.outcomes.map((o) => o.outcome)).toEqual(["ignored"]);
  });

  it("a burst of 500 events on one perimeter yields one evaluation per debounce window", async () => {
    const e = estate();
    let now = 0;
    const h = await startPipeline(e.resources, { debounceMs: 5000, clock: () => now });
    await h.pipeline.reconcile();
    for (let i = 0; i < 500; i++) {
      h.emulator.put(accessRule(e.prof, `burst-${i % 50}`, { direction: "Inbound", addressPrefixes: [`198.51.100.${i % 250}/32`] }), ALICE);
    }
    await h.events.drain();
    expect(h.queue.sent.filter((m) => m.perimeterId === e.nsp.id)).toHaveLength(1);
    expect(h.queue.take()).toEqual([]); // still inside the window
    now += 5000;
    const due = h.queue.take();
    expect(due).toHaveLength(1);
    const decision = await h.pipeline.evaluateMessage(due[0]);
    expect(decision?.perimeterId).toBe(e.nsp.id);
    const marker = await h.store.getDirty(e.nsp.id);
    expect(marker.value).toBeUndefined();
    // The 50 distinct rules were each read once, not 500 times.
    expect(h.emulator.operations.filter((o) => o.method === "GET" && /\/accessRules\/burst-/.test(o.path))).toHaveLength(50);
  });

  // Before: each event appended to the marker and rewrote it whole: n events, O(n²) bytes.
  it("a burst over more resources than a marker records overflows to one full re-read, writing no more markers", async () => {
    const e = estate();
    const store = new MemoryStateStore();
    let markerWrites = 0;
    let largest = 0;
    const putDirty = store.putDirty.bind(store);
    store.putDirty = async (marker, etag) => {
      markerWrites++;
      largest = Math.max(largest, marker.changes.length);
      return putDirty(marker, etag);
    };
    const h = await startPipeline(e.resources, { store, debounceMs: 5000, clock: () => 0 });
    await h.pipeline.reconcile();
    const distinct = MAX_DIRTY_CHANGES * 2;
    for (let i = 0; i < 1_000; i++) {
      h.emulator.put(accessRule(e.prof, `wave-${i % distinct}`, { direction: "Inbound", addressPrefixes: [`198.51.100.${i % 250}/32`] }), ALICE);
    }
    await h.events.drain();
    expect(largest).toBe(MAX_DIRTY_CHANGES);
    expect(markerWrites).toBeLessThanOrEqual(MAX_DIRTY_CHANGES + 1);
    expect((await store.getDirty(e.nsp.id)).value).toMatchObject({ overflow: true, queuedUntil: expect.any(String) });
    const due = h.queue.take(true);
    expect(due).toHaveLength(1);
    await h.pipeline.evaluateMessage(due[0]);
    // The full re-read saw every rule of the burst.
    const cache = await store.getPerimeterCache(e.nsp.id);
    expect(cache.value!.resources.filter((r) => /\/accessRules\/wave-/.test(r.id))).toHaveLength(distinct);
    expect((await store.getDirty(e.nsp.id)).value).toBeUndefined();
  });

  it("parks malformed events and evaluation messages with their reason", async () => {
    const e = estate();
    const h = await startPipeline(e.resources);
    const outcome = await h.pipeline.handleEvent({ id: "x", eventType: "Microsoft.Resources.ResourceWriteSuccess", subject: "not-an-id", eventTime: new Date().toISOString(), dataVersion: "2", metadataVersion: "1", topic: `/subscriptions/${SUB}`, data: {} });
    expect(outcome).toMatchObject({ outcome: "parked" });
    expect(await h.pipeline.evaluateMessage("{not json")).toBeUndefined();
    expect(await h.pipeline.evaluateMessage({ perimeterId: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x` })).toBeUndefined();
    const parked = (h.poison as unknown as { parked: Array<{ reason: string }> }).parked.map((p) => p.reason);
    expect(parked).toEqual([
      "event: subject: not an ARM resource id",
      "evaluation message: (root): not valid JSON",
      "evaluation message: perimeterId: not a network security perimeter id",
    ]);
  });
});

describe("at-least-once, unordered delivery", () => {
  async function run(faults: { dropRate?: number; duplicateRate?: number; reorderWindow?: number }, reconcileAtEnd = false) {
    const e = estate();
    const h = await startPipeline(e.resources);
    await h.pipeline.reconcile();
    let seed = 42;
    h.events.setFaults({ ...faults, random: () => ((seed = (seed * 16807) % 2147483647) / 2147483647) });
    h.emulator.put(withProps(e.assocs[0]!, { accessMode: "Learning" }), ALICE);
    h.emulator.put(withProps(e.accounts[1]!, { isSftpEnabled: true }), ALICE);
    h.emulator.put(accessRule(e.prof, "open", { direction: "Inbound", addressPrefixes: ["0.0.0.0/0"] }), ALICE);
    h.emulator.put(association(e.nsp, "assoc-stnfsnew", e.nfsAccount.id, { profile: e.prof, accessMode: "Enforced" }), ALICE);
    h.emulator.put(withProps(e.accounts[2]!, { isSftpEnabled: true }), ALICE);
    h.emulator.put(withProps(e.accounts[2]!, { isSftpEnabled: false }), ALICE);
    await h.settle();
    if (reconcileAtEnd) await h.pipeline.reconcile();
    return h.openFindings();
  }

  it("duplicated, reordered and dropped events (repaired by reconcile) give the same final findings", async () => {
    const clean = await run({});
    expect(clean.some((l) => l.startsWith("storage-nfs "))).toBe(true);
    expect(clean.some((l) => l.startsWith("accessrule-broad-inbound "))).toBe(true);
    expect(await run({ duplicateRate: 1 })).toEqual(clean);
    expect(await run({ reorderWindow: 6 })).toEqual(clean);
    const dropped = await run({ dropRate: 0.5 });
    expect(dropped).not.toEqual(clean); // some changes were missed...
    expect(await run({ dropRate: 0.5 }, true)).toEqual(clean); // ...and reconcile repairs them
  });
});
