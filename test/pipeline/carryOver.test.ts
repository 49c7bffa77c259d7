import { describe, expect, it } from "vitest";
import { CARRY_NOTHING, ownerInputTypesOf, ownersOf, ownersReadAt, ownerTimesAfterEvaluation, patchedOwnersReadAt, planCarryOver, SETTLE_MS, withCarriedInputs } from "../../src/pipeline/carryOver.js";
import { idKey } from "../../src/model/armId.js";
import type { ArmResource } from "../../src/model/resource.js";
import { T } from "../../src/model/resourceTypes.js";
import type { PerimeterCache } from "../../src/state/stateStore.js";

const HOUR = 3_600_000;
const HORIZON = 48 * HOUR;
/** The owner input types the plan of these tests reads. */
const TYPES = ownerInputTypesOf([T.perimeter, T.association, T.storageAccount, T.fileShare, T.link]);
const NOW = new Date("2026-11-20T12:00:00Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

const RG = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers";
const perimeterId = (n: number) => `${RG}/Microsoft.Network/networkSecurityPerimeters/nsp-${n}`;
const accountId = (n: number) => `${RG}/Microsoft.Storage/storageAccounts/st${n}`;

function perimeter(n: number): ArmResource {
  return { id: perimeterId(n), name: `nsp-${n}`, type: T.perimeter, properties: {} };
}
function account(n: number): ArmResource {
  return { id: accountId(n), name: `st${n}`, type: T.storageAccount, kind: "StorageV2", properties: {} };
}
function association(p: number, a: number, changedAt?: string): ArmResource {
  return {
    id: `${perimeterId(p)}/resourceAssociations/assoc-${a}`,
    name: `assoc-${a}`,
    type: T.association,
    properties: { privateLinkResource: { id: accountId(a) }, accessMode: "Learning" },
    ...(changedAt ? { systemData: { createdAt: changedAt, lastModifiedAt: changedAt } } : {}),
  };
}
function share(a: number, name: string): ArmResource {
  return { id: `${accountId(a)}/fileServices/default/shares/${name}`, name, type: T.fileShare, properties: { enabledProtocols: "NFS" } };
}
function link(p: number): ArmResource {
  return { id: `${perimeterId(p)}/links/to-remote`, name: "to-remote", type: T.link, properties: {} };
}

/** A perimeter with members 1..n, each with one share, read at the given times. */
function cacheOf(p: number, members: Array<{ n: number; readAt: string; changedAt?: string }>, reconciledAt = ago(30 * 60_000)): PerimeterCache {
  const resources = [perimeter(p), link(p), ...members.flatMap((m) => [association(p, m.n, m.changedAt), account(m.n), share(m.n, `share-${m.n}`)])];
  return {
    perimeterId: perimeterId(p),
    reconciledAt,
    resources,
    ownerInputTypes: TYPES,
    ownersReadAt: Object.fromEntries([[idKey(perimeterId(p)), ago(10 * 60_000)], ...members.map((m) => [idKey(accountId(m.n)), m.readAt])]),
  };
}

describe("planCarryOver: which owners' inputs a reconcile pass carries over", () => {
  it("carries nothing with a horizon of 0, and nothing without caches", () => {
    const caches = [cacheOf(1, [{ n: 1, readAt: ago(HOUR) }])];
    expect(planCarryOver(caches, NOW, 0, TYPES).owners.size).toBe(0);
    expect(planCarryOver([], NOW, HORIZON, TYPES)).toBe(CARRY_NOTHING);
  });

  it("carries an owner without a read time in no cache (an older cache, or an event path that never read it) only after it is read", () => {
    const cache = { ...cacheOf(1, [{ n: 1, readAt: ago(HOUR) }]), ownersReadAt: undefined };
    const plan = planCarryOver([cache], NOW, HORIZON, TYPES);
    expect(plan.owners.size).toBe(0);
    expect(plan.figures.owners).toBe(0);
  });

  it("re-reads an owner read more than the horizon ago, and carries one read within it", () => {
    const plan = planCarryOver([cacheOf(1, [{ n: 1, readAt: ago(HORIZON + 1) }, { n: 2, readAt: ago(HORIZON - HOUR) }])], NOW, HORIZON, TYPES);
    expect(plan.owners.has(idKey(accountId(1)))).toBe(false);
    expect(plan.owners.has(idKey(accountId(2)))).toBe(true);
  });

  it("re-reads, oldest first, the share of owners that keeps each within the horizon at the passes' pace", () => {
    // 96 members read evenly over the last 47.5 hours, the last pass 30 minutes ago: 1/96 of the 97 owners is 2 (ceil).
    const members = Array.from({ length: 96 }, (_, i) => ({ n: i + 1, readAt: ago((i + 1) * 30 * 60_000 - 60_000) }));
    const plan = planCarryOver([cacheOf(1, members)], NOW, HORIZON, TYPES);
    expect(plan.figures.owners).toBe(97);
    expect(plan.figures.due).toBe(Math.ceil((97 * 30 * 60_000) / HORIZON));
    // The two oldest: the members read 47.5 h and 47 h ago.
    expect(plan.owners.has(idKey(accountId(96)))).toBe(false);
    expect(plan.owners.has(idKey(accountId(95)))).toBe(false);
    expect(plan.owners.has(idKey(accountId(94)))).toBe(true);
    expect(plan.owners.has(idKey(perimeterId(1)))).toBe(true);
  });

  it("re-reads more when passes come further apart, everything when a whole horizon went by", () => {
    const members = Array.from({ length: 10 }, (_, i) => ({ n: i + 1, readAt: ago(HOUR + i) }));
    expect(planCarryOver([cacheOf(1, members, ago(24 * HOUR))], NOW, HORIZON, TYPES).figures.due).toBe(Math.ceil(11 / 2));
    expect(planCarryOver([cacheOf(1, members, ago(HORIZON))], NOW, HORIZON, TYPES).figures.carried).toBe(0);
  });

  it("re-reads a member whose association changed less than an hour before its inputs were read (NSP configurations follow it)", () => {
    const members = [
      { n: 1, readAt: ago(2 * HOUR), changedAt: ago(2 * HOUR + 10_000) }, // read 10 s after the change: due
      { n: 2, readAt: ago(2 * HOUR), changedAt: ago(2 * HOUR + SETTLE_MS + 1) }, // read more than an hour after: carried
      { n: 3, readAt: ago(2 * HOUR) }, // no systemData: carried
    ];
    const plan = planCarryOver([cacheOf(1, members, ago(60_000))], NOW, HORIZON, TYPES);
    expect(plan.owners.has(idKey(accountId(1)))).toBe(false);
    expect(plan.owners.has(idKey(accountId(2)))).toBe(true);
    expect(plan.owners.has(idKey(accountId(3)))).toBe(true);
  });

  it("takes each owner from the cache that read it last, with only that owner's inputs", () => {
    // The last pass just ended: no share is due, every owner read within the horizon is carried.
    const older = cacheOf(1, [{ n: 1, readAt: ago(5 * HOUR) }], NOW.toISOString());
    const newer = cacheOf(2, [{ n: 1, readAt: ago(HOUR) }], NOW.toISOString());
    newer.resources = newer.resources.map((r) => (r.type === T.fileShare ? share(1, "renamed") : r));
    const plan = planCarryOver([older, newer], NOW, HORIZON, TYPES);
    expect(plan.readAt.get(idKey(accountId(1)))).toBe(ago(HOUR));
    expect(plan.inputs.get(idKey(accountId(1)))!.map((r) => r.name)).toEqual(["renamed"]);
    // A perimeter's inputs are its links (and diagnostic settings), not its associations or members.
    expect(plan.inputs.get(idKey(perimeterId(1)))!.map((r) => r.type)).toEqual([T.link]);
  });

  it("carries nothing from a cache whose reads did not cover a type the plan now reads (a policy turned a rule on)", () => {
    const cache = { ...cacheOf(1, [{ n: 1, readAt: ago(HOUR) }], NOW.toISOString()), ownerInputTypes: ownerInputTypesOf([T.link]) };
    expect(planCarryOver([cache], NOW, HORIZON, TYPES).owners.size).toBe(0);
    // A plan that reads less is covered.
    expect(planCarryOver([cache], NOW, HORIZON, ownerInputTypesOf([T.link])).owners.size).toBe(2);
  });

  it("keeps the cached associations' systemData for the reader (Resource Graph's rows lack it)", () => {
    const plan = planCarryOver([cacheOf(1, [{ n: 1, readAt: ago(HOUR), changedAt: ago(10 * 24 * HOUR) }])], NOW, HORIZON, TYPES);
    expect(plan.associationSystemData.get(idKey(`${perimeterId(1)}/resourceAssociations/assoc-1`))).toEqual({ createdAt: ago(10 * 24 * HOUR), lastModifiedAt: ago(10 * 24 * HOUR) });
  });
});

describe("withCarriedInputs", () => {
  const plan = planCarryOver([cacheOf(1, [{ n: 1, readAt: ago(HOUR) }, { n: 2, readAt: ago(HOUR) }], NOW.toISOString())], NOW, HORIZON, TYPES);

  it("adds the carried inputs of owners the read still holds, and drops those of an owner gone from it", () => {
    const read = [perimeter(1), account(1), association(1, 1)];
    const ids = withCarriedInputs(read, plan).map((r) => r.name);
    expect(ids).toContain("share-1");
    expect(ids).toContain("to-remote");
    expect(ids).not.toContain("share-2");
  });

  it("lets the read win over a carried resource with the same id", () => {
    const fresh = { ...share(1, "share-1"), properties: { enabledProtocols: "SMB" } };
    const out = withCarriedInputs([perimeter(1), account(1), fresh], plan).filter((r) => r.name === "share-1");
    expect(out).toEqual([fresh]);
  });
});

describe("owners' read times in the caches a pass writes", () => {
  it("ownerInputTypesOf keeps the owner input types a plan reads, lower-cased and sorted", () => {
    expect(ownerInputTypesOf(["Microsoft.Network/networkSecurityPerimeters/links", T.storageAccount, T.fileShare])).toEqual([T.fileShare, T.link].sort());
  });

  const closure = [perimeter(1), association(1, 1), account(1), association(1, 2), account(2), association(1, 3)];

  it("owners: the perimeter and the members the closure holds", () => {
    expect(ownersOf(perimeterId(1), closure).sort()).toEqual([idKey(perimeterId(1)), idKey(accountId(1)), idKey(accountId(2))].sort());
  });

  it("a reconcile keeps the carried owners' times and stamps the others with its own", () => {
    const times = ownersReadAt(perimeterId(1), closure, { readAt: new Map([[idKey(accountId(1)), ago(7 * HOUR)]]) }, NOW.toISOString());
    expect(times).toEqual({ [idKey(perimeterId(1))]: NOW.toISOString(), [idKey(accountId(1))]: ago(7 * HOUR), [idKey(accountId(2))]: NOW.toISOString() });
  });

  it("an event's patch stamps the members it read whole, keeps the other times, and leaves an owner without a time without one", () => {
    const before = { [idKey(perimeterId(1))]: ago(3 * HOUR), [idKey(accountId(1))]: ago(4 * HOUR) };
    const times = patchedOwnersReadAt(perimeterId(1), closure, before, new Set([idKey(accountId(1))]), NOW.toISOString());
    expect(times).toEqual({ [idKey(perimeterId(1))]: ago(3 * HOUR), [idKey(accountId(1))]: NOW.toISOString() });
    // Times that covered fewer types than the plan reads now are dropped, not kept.
    const narrower = { perimeterId: perimeterId(1), reconciledAt: undefined, resources: [], ownersReadAt: before, ownerInputTypes: ownerInputTypesOf([T.link]) };
    expect(ownerTimesAfterEvaluation(perimeterId(1), closure, narrower, new Set([idKey(accountId(1))]), NOW.toISOString(), TYPES)).toEqual({
      ownersReadAt: { [idKey(accountId(1))]: NOW.toISOString() },
      ownerInputTypes: TYPES,
    });
    expect(ownerTimesAfterEvaluation(perimeterId(1), closure, { ...narrower, ownerInputTypes: TYPES }, new Set(), NOW.toISOString(), TYPES).ownersReadAt).toEqual(before);
    expect(patchedOwnersReadAt(perimeterId(1), closure, before, "all", NOW.toISOString())).toEqual({
      [idKey(perimeterId(1))]: NOW.toISOString(),
      [idKey(accountId(1))]: NOW.toISOString(),
      [idKey(accountId(2))]: NOW.toISOString(),
    });
  });
});
