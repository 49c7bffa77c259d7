/** The revert ledger port: the same contract in memory and on Azure Tables + Blobs (a real Azurite). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ArmResource } from "../../src/model/resource.js";
import { isRevertId, MemoryRevertLedger, newRevertId, TableRevertLedger, type RevertLedger, type RevertRecord } from "../../src/state/revertLedger.js";
import { startAzurite, type AzuriteInstance } from "../helpers/azurite.js";
import { accessRule, association, perimeter, profile, storageAccount } from "../helpers/builders.js";

const nsp = perimeter("nsp-ledger");
const otherNsp = perimeter("nsp-other");
const prof = profile(nsp, "default");
const assoc = association(nsp, "assoc-a", storageAccount("sta").id, { profile: prof, accessMode: "Enforced" });
const rule = accessRule(prof, "many", { direction: "Inbound", addressPrefixes: Array.from({ length: 6000 }, (_, i) => `198.${(i >> 8) & 255}.${i & 255}.0/24`) });

function record(overrides: Partial<RevertRecord> & { at: Date }): RevertRecord {
  const { at, ...rest } = overrides;
  return {
    revertId: newRevertId("revert", at),
    kind: "revert",
    time: at.toISOString(),
    updatedAt: at.toISOString(),
    perimeterId: nsp.id,
    ruleId: "storage-enforcement-downgrade",
    resourceId: storageAccount("sta").id,
    targetId: assoc.id,
    operation: "restore",
    status: "applied",
    reason: "restored assoc-a",
    cause: { eventId: "evt-1", caller: { objectId: "0000000a-0000-0000-0000-000000000001" } },
    before: { ...assoc, properties: { ...assoc.properties, accessMode: "Learning" }, etag: 'W/"before"' },
    after: assoc,
    ifMatch: 'W/"before"',
    resultVersion: "2026-11-22T08:00:01.000Z#0123456789abcdef",
    author: { by: "alice@contoso.example", byType: "User", at: "2026-11-22T07:59:00.000Z" },
    attempts: 1,
    retryPending: false,
    ...rest,
  };
}

function contract(name: string, make: () => Promise<RevertLedger>) {
  describe(`${name} revert ledger`, () => {
    let ledger: RevertLedger;
    beforeAll(async () => {
      ledger = await make();
    });

    it("hands out at most max write slots per sliding window, to concurrent callers too, idempotently per revert", async () => {
      const now = new Date("2026-11-28T10:00:00Z");
      const ids = Array.from({ length: 6 }, (_, i) => newRevertId("revert", new Date(now.getTime() + i)));
      const answers = await Promise.all(ids.map((id) => ledger.reserveWriteSlot(id, now, 2, 3_600_000)));
      expect(answers.filter((a) => a.granted)).toHaveLength(2); // before: each instance counted only its own reads
      const winner = ids[answers.findIndex((a) => a.granted)]!;
      expect((await ledger.reserveWriteSlot(winner, now, 2, 3_600_000)).granted).toBe(true); // a retry keeps its slot
      const refused = await ledger.reserveWriteSlot(newRevertId("revert", now), new Date(now.getTime() + 60_000), 2, 3_600_000);
      expect(refused).toMatchObject({ granted: false, taken: 2 });
      expect(refused.freesAt!.getTime()).toBe(now.getTime() + 3_600_000);
      const later = await ledger.reserveWriteSlot(newRevertId("revert", now), new Date(now.getTime() + 3_600_001), 2, 3_600_000);
      expect(later).toMatchObject({ granted: true, taken: 1 });
      expect((await ledger.reserveWriteSlot(newRevertId("revert", now), new Date(now.getTime() + 3_600_002), 0, 3_600_000)).granted).toBe(false);
    });

    it("keeps a record with its bodies, and replaces it by id", async () => {
      const r = record({ at: new Date("2026-11-22T08:00:00.000Z") });
      await ledger.put(r);
      expect(await ledger.get(r.revertId)).toEqual(r);
      const updated: RevertRecord = { ...r, status: "applied", undoneBy: "un-20261122T090000000Z-00000000", updatedAt: "2026-11-22T09:00:00.000Z" };
      await ledger.put(updated);
      expect(await ledger.get(r.revertId)).toEqual(updated);
      expect(await ledger.get("rv-20000101T000000000Z-deadbeef")).toBeUndefined();
    });

    it("stores bodies beyond a table property's size (an access rule with 6000 prefixes)", async () => {
      const r = record({ at: new Date("2026-11-22T08:01:00.000Z"), targetId: rule.id, before: rule as ArmResource, after: undefined, operation: "delete" });
      delete r.after;
      expect(JSON.stringify(rule).length).toBeGreaterThan(64 * 1024);
      await ledger.put(r);
      const back = await ledger.get(r.revertId);
      expect(back?.before).toEqual(rule);
      expect(back).not.toHaveProperty("after");
    });

    it("lists by perimeter, target, kind, statuses, time and pending retry, oldest first, without bodies", async () => {
      const base = Date.parse("2026-11-23T10:00:00.000Z");
      const at = (minutes: number) => new Date(base + minutes * 60_000);
      const a = record({ at: at(0), status: "applied" });
      const b = record({ at: at(10), status: "failed", retryPending: true });
      const c = record({ at: at(20), status: "skipped", perimeterId: otherNsp.id, targetId: `${otherNsp.id}/resourceAssociations/x` });
      // An undo made between two reverts: lists interleave both kinds by creation time.
      const d = record({ at: at(5), kind: "undo", revertId: newRevertId("undo", at(5)), undoOf: a.revertId, status: "applied" });
      for (const r of [d, c, b, a]) await ledger.put(r);
      const ids = async (q: Parameters<RevertLedger["list"]>[0]) => (await ledger.list(q)).map((r) => r.revertId);
      const since = at(-1);
      expect(await ids({ since })).toEqual([a, d, b, c].map((r) => r.revertId));
      expect(await ids({ since, perimeterId: otherNsp.id.toUpperCase() })).toEqual([c.revertId]);
      expect(await ids({ since, targetId: assoc.id.toLowerCase() })).toEqual([a, d, b].map((r) => r.revertId));
      expect(await ids({ since, kind: "undo" })).toEqual([d.revertId]);
      expect(await ids({ since, statuses: ["applied", "skipped"], kind: "revert" })).toEqual([a.revertId, c.revertId]);
      expect(await ids({ since, statuses: [] })).toEqual([]);
      expect(await ids({ retryPending: true })).toEqual([b.revertId]);
      expect(await ids({ since: at(8) })).toEqual([b.revertId, c.revertId]);
      expect(await ids({ createdSince: at(1) })).toEqual([d.revertId, b.revertId, c.revertId]);
      expect(await ids({ createdSince: at(5), kind: "undo" })).toEqual([d.revertId]);
      // Updated later than created: found by `since`, not by `createdSince`.
      await ledger.put({ ...a, undoneBy: d.revertId, updatedAt: at(40).toISOString() });
      expect(await ids({ since: at(35) })).toEqual([a.revertId]);
      expect(await ids({ createdSince: at(35) })).toEqual([]);
      const [summary] = await ledger.list({ since, retryPending: true });
      expect(summary).not.toHaveProperty("before");
      expect(summary).toMatchObject({ status: "failed", cause: { eventId: "evt-1", caller: { objectId: "0000000a-0000-0000-0000-000000000001" } }, attempts: 1 });
    });
  });
}

describe("revert ids", () => {
  it("are sortable by time and recognisable", () => {
    const a = newRevertId("revert", new Date("2026-11-22T08:00:00.000Z"));
    const b = newRevertId("revert", new Date("2026-11-22T08:00:00.001Z"));
    expect(a < b).toBe(true);
    expect(a).toMatch(/^rv-20261122T080000000Z-[0-9a-f]{8}$/);
    expect(isRevertId(a) && isRevertId(newRevertId("undo"))).toBe(true);
    expect(isRevertId("rv-1")).toBe(false);
  });
});

contract("memory", async () => new MemoryRevertLedger());

let azurite: AzuriteInstance | undefined;
afterAll(async () => azurite?.stop());
contract("Azure Tables + Blobs (Azurite)", async () => {
  azurite = await startAzurite();
  const ledger = TableRevertLedger.fromConnectionString(azurite.connectionString, { prefix: "ledgertest" });
  await ledger.init();
  await ledger.init(); // idempotent
  return ledger;
});
