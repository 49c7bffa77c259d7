/**
 * The StateStore contract, run against both adapters: the in-memory one and the Azure Tables + Blobs
 * one on a real Azurite. The pipeline's unit tests use the memory adapter, so whatever this file asks of
 * one it asks of the other.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ArmResource } from "../../src/model/resource.js";
import { MemoryStateStore } from "../../src/state/memoryStateStore.js";
import {
  ConcurrencyError,
  type DirtyMarker,
  type PerimeterCache,
  type StateStore,
  type StoredFinding,
} from "../../src/state/stateStore.js";
import { TableStateStore } from "../../src/state/tableStateStore.js";
import { startAzurite, type AzuriteInstance } from "../helpers/azurite.js";

/** A store under test with a clock the test moves (for event expiry). */
interface StoreUnderTest {
  store: StateStore;
  clock: { now: number; advance(ms: number): void };
}

type StoreFactory = (clock: () => number) => Promise<StateStore>;

const SUBSCRIPTION = "/subscriptions/00000000-0000-0000-0000-000000000001";
const RG = `${SUBSCRIPTION}/resourceGroups/rg-nsp`;
const PERIMETER = `${RG}/providers/Microsoft.Network/networkSecurityPerimeters/nsp-prod`;
const OTHER_PERIMETER = `${RG}/providers/Microsoft.Network/networkSecurityPerimeters/nsp-dev`;

function storageAccountId(name: string): string {
  return `${RG}/providers/Microsoft.Storage/storageAccounts/${name}`;
}

/** The same ARM id as ARM's casing varies: upper-cased segments and a trailing slash. */
function differentlyCased(id: string): string {
  return `${id.toUpperCase().replace("/PROVIDERS/", "/providers/")}/`;
}

function finding(index: number, perimeterId = PERIMETER): StoredFinding {
  const resourceId = storageAccountId(`account${index}`);
  return {
    key: `storage-sftp|${resourceId.toLowerCase()}|${perimeterId.toLowerCase()}|`,
    finding: {
      ruleId: "storage-sftp",
      title: "SFTP enabled on a storage account in a perimeter",
      severity: "high",
      category: "unsupported",
      resourceId,
      perimeterId,
      associationId: `${perimeterId}/resourceAssociations/assoc-${index}`,
      message: `isSftpEnabled is true on account${index} (association in Enforced mode)`,
      docUrl: "https://learn.microsoft.com/azure/storage/common/storage-network-security-perimeter#limitations",
      remediation: "Disable SFTP on the account or take it out of the perimeter.",
      exempted: false,
      action: "alert",
    },
    status: "open",
    firstSeen: "2026-01-01T00:00:00.000Z",
    lastSeen: "2026-01-02T00:00:00.000Z",
  };
}

function perimeterCache(perimeterId: string, resourceCount: number, propertyBytes = 64): PerimeterCache {
  const resources: ArmResource[] = [];
  for (let i = 0; i < resourceCount; i++) {
    resources.push({
      id: storageAccountId(`account${i}`),
      type: "Microsoft.Storage/storageAccounts",
      name: `account${i}`,
      location: "westeurope",
      properties: { isSftpEnabled: i % 2 === 0, note: "x".repeat(propertyBytes), "ünïcode": "√ ✓ 漢字" },
    });
  }
  return { perimeterId, reconciledAt: "2026-01-01T00:00:00.000Z", resources };
}

function dirtyMarker(perimeterId: string, eventIds: string[]): DirtyMarker {
  return {
    perimeterId,
    changes: eventIds.map((eventId) => ({
      resourceId: storageAccountId("account1"),
      deleted: false,
      eventId,
      eventType: "Microsoft.Resources.ResourceWriteSuccess",
      caller: { objectId: "11111111-1111-1111-1111-111111111111" },
    })),
    since: "2026-01-01T00:00:00.000Z",
  };
}

/** Runs the writes at once; expects exactly one to succeed and the others to fail with ConcurrencyError. */
async function expectExactlyOneWinner(writes: Array<Promise<unknown>>): Promise<number> {
  const results = await Promise.allSettled(writes);
  const winners = results.flatMap((result, index) => (result.status === "fulfilled" ? [index] : []));
  for (const result of results) {
    if (result.status === "rejected") expect(result.reason).toBeInstanceOf(ConcurrencyError);
  }
  expect(winners).toHaveLength(1);
  return winners[0]!;
}

function sorted(values: readonly string[]): string[] {
  return [...values].sort();
}

function describeStateStore(name: string, factory: StoreFactory): void {
  describe(`StateStore contract: ${name}`, () => {
    async function setUp(): Promise<StoreUnderTest> {
      const clock = {
        now: Date.parse("2026-03-01T12:00:00.000Z"),
        advance(ms: number) {
          clock.now += ms;
        },
      };
      return { store: await factory(() => clock.now), clock };
    }

    describe("findings", () => {
      it("reads an unknown perimeter as no findings and no ETag", async () => {
        const { store } = await setUp();
        expect(await store.getFindings(PERIMETER)).toEqual({ value: [], etag: undefined });
      });

      it("creates, reads back and replaces with the ETag it read", async () => {
        const { store } = await setUp();
        const findings = [finding(1), finding(2)];
        const created = await store.putFindings(PERIMETER, findings, undefined);
        const read = await store.getFindings(PERIMETER);
        expect(read).toEqual({ value: findings, etag: created });

        const resolved: StoredFinding = { ...finding(1), status: "resolved", resolvedAt: "2026-01-03T00:00:00.000Z" };
        const replaced = await store.putFindings(PERIMETER, [resolved], created);
        expect(replaced).not.toBe(created);
        expect(await store.getFindings(PERIMETER)).toEqual({ value: [resolved], etag: replaced });
      });

      it("refuses a create over existing findings, a stale ETag and an ETag for findings that do not exist", async () => {
        const { store } = await setUp();
        const first = await store.putFindings(PERIMETER, [finding(1)], undefined);
        await expect(store.putFindings(PERIMETER, [finding(2)], undefined)).rejects.toBeInstanceOf(ConcurrencyError);
        await store.putFindings(PERIMETER, [finding(3)], first);
        await expect(store.putFindings(PERIMETER, [finding(4)], first)).rejects.toBeInstanceOf(ConcurrencyError);
        await expect(store.putFindings(OTHER_PERIMETER, [finding(5)], first)).rejects.toBeInstanceOf(ConcurrencyError);
        expect((await store.getFindings(PERIMETER)).value).toEqual([finding(3)]);
        expect((await store.getFindings(OTHER_PERIMETER)).value).toEqual([]);
      });

      it("keys perimeters case-insensitively and ignores a trailing slash", async () => {
        const { store } = await setUp();
        const etag = await store.putFindings(PERIMETER, [finding(1)], undefined);
        expect(await store.getFindings(differentlyCased(PERIMETER))).toEqual({ value: [finding(1)], etag });
        await store.putFindings(differentlyCased(PERIMETER), [finding(2)], etag);
        expect((await store.getFindings(PERIMETER)).value).toEqual([finding(2)]);
      });

      it("keeps an empty list as a version of its own (the ETag flow does not reset)", async () => {
        const { store } = await setUp();
        const etag = await store.putFindings(PERIMETER, [], undefined);
        expect(await store.getFindings(PERIMETER)).toEqual({ value: [], etag });
        await expect(store.putFindings(PERIMETER, [finding(1)], undefined)).rejects.toBeInstanceOf(ConcurrencyError);
      });

      it("lets exactly one of two writers with the same ETag win", async () => {
        const { store } = await setUp();
        await expectExactlyOneWinner([
          store.putFindings(PERIMETER, [finding(1)], undefined),
          store.putFindings(PERIMETER, [finding(2)], undefined),
        ]);
        const { etag } = await store.getFindings(PERIMETER);
        const winner = await expectExactlyOneWinner([
          store.putFindings(PERIMETER, [finding(3)], etag),
          store.putFindings(PERIMETER, [finding(4)], etag),
        ]);
        expect((await store.getFindings(PERIMETER)).value).toEqual([finding(winner === 0 ? 3 : 4)]);
      });

      it("loses no update when several instances read, modify and retry at once", async () => {
        const { store } = await setUp();
        const writers = 8;
        const append = async (index: number) => {
          for (let attempt = 0; attempt < 100; attempt++) {
            const { value, etag } = await store.getFindings(PERIMETER);
            try {
              return await store.putFindings(PERIMETER, [...value, finding(index)], etag);
            } catch (error) {
              if (!(error instanceof ConcurrencyError)) throw error;
            }
          }
          throw new Error("gave up");
        };
        await Promise.all(Array.from({ length: writers }, (_, index) => append(index)));
        const keys = (await store.getFindings(PERIMETER)).value.map((stored) => stored.finding.resourceId);
        expect(sorted(keys)).toEqual(sorted(Array.from({ length: writers }, (_, index) => storageAccountId(`account${index}`))));
      });

      it("stores 3,000 findings of one perimeter", async () => {
        const { store } = await setUp();
        const many = Array.from({ length: 3_000 }, (_, index) => finding(index));
        const etag = await store.putFindings(PERIMETER, many, undefined);
        const read = await store.getFindings(PERIMETER);
        expect(read.etag).toBe(etag);
        expect(read.value).toHaveLength(3_000);
        expect(read.value).toEqual(many);
        await store.putFindings(PERIMETER, many.slice(1), etag);
        expect((await store.getFindings(PERIMETER)).value).toHaveLength(2_999);
      });

      it("does not share objects with the caller", async () => {
        const { store } = await setUp();
        const written = [finding(1)];
        await store.putFindings(PERIMETER, written, undefined);
        written[0]!.status = "resolved";
        const read = await store.getFindings(PERIMETER);
        read.value[0]!.lastSeen = "changed";
        expect((await store.getFindings(PERIMETER)).value).toEqual([finding(1)]);
      });
    });

    describe("perimeter cache", () => {
      it("reads an unknown perimeter as undefined with no ETag", async () => {
        const { store } = await setUp();
        expect(await store.getPerimeterCache(PERIMETER)).toEqual({ value: undefined, etag: undefined });
      });

      it("creates, replaces with the ETag it read, and refuses stale or blind writes", async () => {
        const { store } = await setUp();
        const first = perimeterCache(PERIMETER, 3);
        const created = await store.putPerimeterCache(first, undefined);
        expect(await store.getPerimeterCache(differentlyCased(PERIMETER))).toEqual({ value: first, etag: created });
        await expect(store.putPerimeterCache(first, undefined)).rejects.toBeInstanceOf(ConcurrencyError);

        const second = { ...perimeterCache(PERIMETER, 4), reconciledAt: undefined };
        const replaced = await store.putPerimeterCache(second, created);
        await expect(store.putPerimeterCache(first, created)).rejects.toBeInstanceOf(ConcurrencyError);
        const read = await store.getPerimeterCache(PERIMETER);
        expect(read.etag).toBe(replaced);
        // `undefined` fields do not survive storage (JSON), in either adapter.
        expect(read.value).toEqual({ perimeterId: PERIMETER, resources: second.resources });
      });

      it("lets exactly one of two writers with the same ETag win", async () => {
        const { store } = await setUp();
        const etag = await store.putPerimeterCache(perimeterCache(PERIMETER, 1), undefined);
        await expectExactlyOneWinner([
          store.putPerimeterCache(perimeterCache(PERIMETER, 2), etag),
          store.putPerimeterCache(perimeterCache(PERIMETER, 3), etag),
        ]);
      });

      it("deletes a cache conditionally: a newer cache stays", async () => {
        const { store } = await setUp();
        const first = await store.putPerimeterCache(perimeterCache(PERIMETER, 1), undefined);
        const second = await store.putPerimeterCache(perimeterCache(PERIMETER, 2), first);
        await expect(store.deletePerimeterCache(PERIMETER, first)).rejects.toBeInstanceOf(ConcurrencyError);
        expect((await store.getPerimeterCache(PERIMETER)).etag).toBe(second);
        await store.deletePerimeterCache(differentlyCased(PERIMETER), second);
        expect(await store.getPerimeterCache(PERIMETER)).toEqual({ value: undefined, etag: undefined });
      });

      it("lists cached perimeters with their ids as written and forgets deleted ones", async () => {
        const { store } = await setUp();
        expect(await store.listCachedPerimeters()).toEqual([]);
        await store.putPerimeterCache(perimeterCache(PERIMETER, 1), undefined);
        await store.putPerimeterCache(perimeterCache(OTHER_PERIMETER, 1), undefined);
        expect(sorted(await store.listCachedPerimeters())).toEqual(sorted([PERIMETER, OTHER_PERIMETER]));

        await store.deletePerimeterCache(differentlyCased(OTHER_PERIMETER));
        await store.deletePerimeterCache(OTHER_PERIMETER); // already gone: no error
        expect(await store.listCachedPerimeters()).toEqual([PERIMETER]);
        expect(await store.getPerimeterCache(OTHER_PERIMETER)).toEqual({ value: undefined, etag: undefined });
        // Deleted means "does not exist": the next write is a create.
        await store.putPerimeterCache(perimeterCache(OTHER_PERIMETER, 2), undefined);
      });

      it("stores a 5 MB perimeter cache", async () => {
        const { store } = await setUp();
        const large = perimeterCache(PERIMETER, 2_500, 1_900);
        expect(JSON.stringify(large).length).toBeGreaterThan(5_000_000);
        const etag = await store.putPerimeterCache(large, undefined);
        const read = await store.getPerimeterCache(PERIMETER);
        expect(read.etag).toBe(etag);
        expect(read.value).toEqual(large);
        await store.putPerimeterCache({ ...large, resources: large.resources.slice(1) }, etag);
        expect((await store.getPerimeterCache(PERIMETER)).value?.resources).toHaveLength(2_499);
      });
    });

    describe("last known good bodies", () => {
      const association: ArmResource = {
        id: `${PERIMETER}/resourceAssociations/assoc-1`,
        type: "Microsoft.Network/networkSecurityPerimeters/resourceAssociations",
        name: "assoc-1",
        properties: { accessMode: "Enforced", privateLinkResource: { id: storageAccountId("account1") } },
      };

      // They live in the perimeter cache (one conditional write with the closure they belong to).
      const cacheWith = (lastKnownGood: ArmResource[]) => ({ perimeterId: PERIMETER, reconciledAt: undefined, resources: [], lastKnownGood });

      it("stores, overwrites and reads them with the perimeter cache, case-insensitively", async () => {
        const { store } = await setUp();
        expect((await store.getPerimeterCache(PERIMETER)).value?.lastKnownGood).toBeUndefined();
        const first = await store.putPerimeterCache(cacheWith([association]), undefined);
        expect((await store.getPerimeterCache(differentlyCased(PERIMETER))).value?.lastKnownGood).toEqual([association]);

        const learning = { ...association, properties: { ...association.properties, accessMode: "Learning" } };
        await store.putPerimeterCache(cacheWith([learning]), first);
        expect((await store.getPerimeterCache(PERIMETER)).value?.lastKnownGood).toEqual([learning]);

        await store.deletePerimeterCache(differentlyCased(PERIMETER));
        expect((await store.getPerimeterCache(PERIMETER)).value).toBeUndefined();
      });

      it("stores a body larger than a table property", async () => {
        const { store } = await setUp();
        const addressPrefixes = Array.from({ length: 5_000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.0/24`);
        const rule: ArmResource = {
          id: `${PERIMETER}/profiles/default/accessRules/allow-many`,
          type: "Microsoft.Network/networkSecurityPerimeters/profiles/accessRules",
          properties: { direction: "Inbound", addressPrefixes },
        };
        await store.putPerimeterCache(cacheWith([rule]), undefined);
        expect((await store.getPerimeterCache(PERIMETER)).value?.lastKnownGood).toEqual([rule]);
      });
    });

    describe("reverse index", () => {
      const a = storageAccountId("a");
      const b = storageAccountId("b");
      const c = storageAccountId("c");

      it("knows nothing of an unknown resource", async () => {
        const { store } = await setUp();
        expect(await store.getPerimetersOf(a)).toEqual([]);
      });

      it("maps a resource to every perimeter it concerns, case-insensitively, with the perimeter ids as given", async () => {
        const { store } = await setUp();
        await store.setIndexForPerimeter(PERIMETER, [a, b]);
        await store.setIndexForPerimeter(OTHER_PERIMETER, [differentlyCased(b), c]);
        expect(await store.getPerimetersOf(a)).toEqual([PERIMETER]);
        expect(sorted(await store.getPerimetersOf(differentlyCased(b)))).toEqual(sorted([PERIMETER, OTHER_PERIMETER]));
        expect(await store.getPerimetersOf(c.toLowerCase())).toEqual([OTHER_PERIMETER]);
      });

      it("replaces a perimeter's entries and leaves other perimeters' alone", async () => {
        const { store } = await setUp();
        await store.setIndexForPerimeter(PERIMETER, [a, b]);
        await store.setIndexForPerimeter(OTHER_PERIMETER, [b, c]);

        await store.setIndexForPerimeter(differentlyCased(PERIMETER), [c]);
        expect(await store.getPerimetersOf(a)).toEqual([]);
        expect(await store.getPerimetersOf(b)).toEqual([OTHER_PERIMETER]);
        expect(await store.getPerimetersOf(c)).toHaveLength(2);

        await store.setIndexForPerimeter(PERIMETER, []);
        expect(await store.getPerimetersOf(c)).toEqual([OTHER_PERIMETER]);
        expect(await store.getPerimetersOf(b)).toEqual([OTHER_PERIMETER]);
      });

      it("treats differently cased duplicates in the input as one resource", async () => {
        const { store } = await setUp();
        await store.setIndexForPerimeter(PERIMETER, [a, differentlyCased(a), a.toLowerCase()]);
        expect(await store.getPerimetersOf(a)).toEqual([PERIMETER]);
        await store.setIndexForPerimeter(PERIMETER, [b]);
        expect(await store.getPerimetersOf(a)).toEqual([]);
      });

      it("replaces a large set with an overlapping one", async () => {
        const { store } = await setUp();
        const first = Array.from({ length: 250 }, (_, i) => storageAccountId(`member${i}`));
        const second = Array.from({ length: 250 }, (_, i) => storageAccountId(`member${i + 150}`));
        await store.setIndexForPerimeter(PERIMETER, first);
        await store.setIndexForPerimeter(OTHER_PERIMETER, [first[0]!]);
        await store.setIndexForPerimeter(PERIMETER, second);

        for (const id of [first[0]!, first[149]!]) expect(await store.getPerimetersOf(id)).toEqual(id === first[0] ? [OTHER_PERIMETER] : []);
        for (const id of [second[0]!, first[249]!, second[249]!]) expect(await store.getPerimetersOf(id)).toEqual([PERIMETER]);
      });

      it("ends with exactly one of two concurrent replacements of the same perimeter", async () => {
        const { store } = await setUp();
        const setOne = Array.from({ length: 120 }, (_, i) => storageAccountId(`one${i}`));
        const setTwo = Array.from({ length: 120 }, (_, i) => storageAccountId(`two${i}`));
        await store.setIndexForPerimeter(PERIMETER, [a]);
        await Promise.all([store.setIndexForPerimeter(PERIMETER, setOne), store.setIndexForPerimeter(PERIMETER, setTwo)]);

        const inOne = await Promise.all(setOne.map((id) => store.getPerimetersOf(id)));
        const inTwo = await Promise.all(setTwo.map((id) => store.getPerimetersOf(id)));
        const oneIndexed = inOne.every((perimeters) => perimeters.length === 1);
        const oneAbsent = inOne.every((perimeters) => perimeters.length === 0);
        const twoIndexed = inTwo.every((perimeters) => perimeters.length === 1);
        const twoAbsent = inTwo.every((perimeters) => perimeters.length === 0);
        expect((oneIndexed && twoAbsent) || (twoIndexed && oneAbsent)).toBe(true);
        expect(await store.getPerimetersOf(a)).toEqual([]);
      });

      it("remembers that the index is warm", async () => {
        const { store } = await setUp();
        expect(await store.isIndexWarm()).toBe(false);
        await store.markIndexWarm();
        await store.markIndexWarm();
        expect(await store.isIndexWarm()).toBe(true);
      });
    });

    describe("processed events", () => {
      it("tells whether an id is recorded without recording it", async () => {
        const { store, clock } = await setUp();
        expect(await store.isEventProcessed("event-9", 60_000)).toBe(false);
        expect(await store.isEventProcessed("event-9", 60_000)).toBe(false); // asking records nothing
        expect(await store.markEventProcessed("event-9", 60_000)).toBe(true);
        expect(await store.isEventProcessed("event-9", 60_000)).toBe(true);
        clock.advance(60_000);
        expect(await store.isEventProcessed("event-9", 60_000)).toBe(false);
      });

      it("is true the first time and false for a duplicate", async () => {
        const { store } = await setUp();
        expect(await store.markEventProcessed("event-1", 60_000)).toBe(true);
        expect(await store.markEventProcessed("event-1", 60_000)).toBe(false);
        expect(await store.markEventProcessed("event-2", 60_000)).toBe(true);
      });

      it("compares ids exactly and accepts characters table keys forbid", async () => {
        const { store } = await setUp();
        const odd = "a/b\\c#d?e\tf'g";
        expect(await store.markEventProcessed(odd, 60_000)).toBe(true);
        expect(await store.markEventProcessed(odd, 60_000)).toBe(false);
        expect(await store.markEventProcessed("EVENT-1", 60_000)).toBe(true);
        expect(await store.markEventProcessed("event-1", 60_000)).toBe(true);
      });

      it("forgets an id once its time to live has passed", async () => {
        const { store, clock } = await setUp();
        expect(await store.markEventProcessed("event-1", 60_000)).toBe(true);
        clock.advance(59_999);
        expect(await store.markEventProcessed("event-1", 60_000)).toBe(false);
        clock.advance(1);
        // Expired: recorded again, with a new time to live counted from now.
        expect(await store.markEventProcessed("event-1", 60_000)).toBe(true);
        clock.advance(30_000);
        expect(await store.markEventProcessed("event-1", 60_000)).toBe(false);
      });

      it("finds a duplicate recorded the day before, within its time to live", async () => {
        const { store, clock } = await setUp();
        clock.advance(11 * 3_600_000 + 59 * 60_000); // 23:59 UTC
        expect(await store.markEventProcessed("event-1", 3_600_000)).toBe(true);
        clock.advance(2 * 60_000); // 00:01 the next day
        expect(await store.markEventProcessed("event-1", 3_600_000)).toBe(false);
        expect(await store.eventDays()).toEqual(["20260301"]);
        clock.advance(3_600_000);
        expect(await store.markEventProcessed("event-1", 3_600_000)).toBe(true);
      });

      // Before: one row per event id ever seen, purged 100 at a time by scanning the whole table.
      it("keeps the ids of the last ttl + 1 days at most, dropping a day whole", async () => {
        const { store, clock } = await setUp();
        const day = 86_400_000;
        for (let d = 0; d < 6; d++) {
          for (let i = 0; i < 3; i++) expect(await store.markEventProcessed(`d${d}-e${i}`, day)).toBe(true);
          clock.advance(day);
        }
        await store.markEventProcessed("last", day);
        await store.purgeExpiredEvents();
        const days = await store.eventDays();
        expect(days.length).toBeLessThanOrEqual(3);
        expect(days[days.length - 1]).toBe("20260307");
        // The ids within the time to live are still known.
        expect(await store.markEventProcessed("last", day)).toBe(false);
      });

      it("lets exactly one of several concurrent deliveries through, also once expired", async () => {
        const { store, clock } = await setUp();
        const deliver = () => Promise.all(Array.from({ length: 10 }, () => store.markEventProcessed("event-1", 1_000)));
        expect((await deliver()).filter(Boolean)).toHaveLength(1);
        clock.advance(5_000);
        expect((await deliver()).filter(Boolean)).toHaveLength(1);
      });
    });

    describe("dirty markers", () => {
      it("creates only when absent, replaces with the ETag it read and deletes with it", async () => {
        const { store } = await setUp();
        expect(await store.getDirty(PERIMETER)).toEqual({ value: undefined, etag: undefined });
        const created = await store.putDirty(dirtyMarker(PERIMETER, ["e1"]), undefined);
        expect(await store.getDirty(differentlyCased(PERIMETER))).toEqual({ value: dirtyMarker(PERIMETER, ["e1"]), etag: created });
        await expect(store.putDirty(dirtyMarker(PERIMETER, ["e2"]), undefined)).rejects.toBeInstanceOf(ConcurrencyError);

        const queued = { ...dirtyMarker(PERIMETER, ["e1", "e2"]), queuedUntil: "2026-01-01T00:10:05.000Z" };
        const replaced = await store.putDirty(queued, created);
        await expect(store.putDirty(dirtyMarker(PERIMETER, ["e3"]), created)).rejects.toBeInstanceOf(ConcurrencyError);
        await expect(store.deleteDirty(PERIMETER, created)).rejects.toBeInstanceOf(ConcurrencyError);
        expect(await store.getDirty(PERIMETER)).toEqual({ value: queued, etag: replaced });

        await store.deleteDirty(PERIMETER, replaced);
        expect(await store.getDirty(PERIMETER)).toEqual({ value: undefined, etag: undefined });
        await expect(store.deleteDirty(PERIMETER, replaced)).rejects.toBeInstanceOf(ConcurrencyError);
        await expect(store.putDirty(dirtyMarker(PERIMETER, ["e4"]), replaced)).rejects.toBeInstanceOf(ConcurrencyError);
        await store.putDirty(dirtyMarker(PERIMETER, ["e4"]), undefined);
      });

      it("lets exactly one of two writers win, creating or updating", async () => {
        const { store } = await setUp();
        await expectExactlyOneWinner([
          store.putDirty(dirtyMarker(PERIMETER, ["a"]), undefined),
          store.putDirty(dirtyMarker(PERIMETER, ["b"]), undefined),
        ]);
        const { etag } = await store.getDirty(PERIMETER);
        await expectExactlyOneWinner([
          store.putDirty(dirtyMarker(PERIMETER, ["c"]), etag),
          store.deleteDirty(PERIMETER, etag!),
        ]);
      });

      it("holds a burst of a thousand changes", async () => {
        const { store } = await setUp();
        const burst = dirtyMarker(PERIMETER, Array.from({ length: 1_000 }, (_, i) => `event-${i}`));
        const etag = await store.putDirty(burst, undefined);
        expect(await store.getDirty(PERIMETER)).toEqual({ value: burst, etag });
      });
    });

    describe("readiness verdicts", () => {
      const ASSOCIATION = `${PERIMETER}/resourceAssociations/assoc-1`;
      const memory = (state: "ready" | "breaks" | "overdue" | "no-data", since: string) => ({ associationId: ASSOCIATION, state, since, checkedAt: since });

      it("creates only when absent and replaces with the ETag it read; one of two writers wins", async () => {
        const { store } = await setUp();
        expect(await store.getReadinessMemory(ASSOCIATION)).toEqual({ value: undefined, etag: undefined });
        const created = await store.putReadinessMemory(memory("breaks", "2026-03-01T06:00:00.000Z"), undefined);
        expect(await store.getReadinessMemory(differentlyCased(ASSOCIATION))).toEqual({ value: memory("breaks", "2026-03-01T06:00:00.000Z"), etag: created });
        await expect(store.putReadinessMemory(memory("ready", "2026-03-02T06:00:00.000Z"), undefined)).rejects.toBeInstanceOf(ConcurrencyError);
        const replaced = await store.putReadinessMemory(memory("ready", "2026-03-02T06:00:00.000Z"), created);
        await expect(store.putReadinessMemory(memory("overdue", "2026-03-03T06:00:00.000Z"), created)).rejects.toBeInstanceOf(ConcurrencyError);
        expect(await store.getReadinessMemory(ASSOCIATION)).toEqual({ value: memory("ready", "2026-03-02T06:00:00.000Z"), etag: replaced });
        await expectExactlyOneWinner([
          store.putReadinessMemory(memory("breaks", "2026-03-04T06:00:00.000Z"), replaced),
          store.putReadinessMemory(memory("no-data", "2026-03-04T06:00:00.000Z"), replaced),
        ]);
      });
    });
  });
}

describeStateStore("MemoryStateStore", async (clock) => {
  const store = new MemoryStateStore({ clock });
  await store.init();
  return store;
});

describe("on Azurite", () => {
  let azurite: AzuriteInstance | undefined;
  let storeCount = 0;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(() => azurite?.stop());

  // A prefix per test: fresh tables and container, so tests cannot see each other's state.
  describeStateStore("TableStateStore", async (clock) => {
    if (!azurite) throw new Error("Azurite did not start");
    const store = TableStateStore.fromConnectionString(azurite.connectionString, { prefix: `t${++storeCount}x${process.pid}`, clock });
    await store.init();
    return store;
  });
});
