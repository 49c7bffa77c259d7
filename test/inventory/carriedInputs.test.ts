/**
 * Both readers leave exactly the carried owners' inputs (src/inventory/ownerInputs.ts) to the
 * reconcile: a read with every owner carried, plus those owners' inputs from a full read, is the full
 * read again, and no call went to what was carried.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { idKey } from "../../src/model/armId.js";
import { Estate } from "../../src/model/estate.js";
import type { ArmResource } from "../../src/model/resource.js";
import { propString } from "../../src/model/resource.js";
import { T } from "../../src/model/resourceTypes.js";
import { DEFAULT_POLICY, parsePolicy } from "../../src/policy/policy.js";
import { RULE_IDS } from "../../src/rules/catalog/index.js";
import { evaluateEstate } from "../../src/rules/engine.js";
import { LiveArmReader } from "../../src/inventory/liveArmReader.js";
import { OWNER_INPUT_TYPES } from "../../src/inventory/ownerInputs.js";
import { readResourceGraphEstate } from "../../src/inventory/resourceGraphReader.js";
import { NOT_IN_RESOURCE_GRAPH } from "../../src/inventory/resourceGraphQueries.js";
import type { ReadCarry } from "../../src/pipeline/ports.js";
import type { ArmEmulator } from "../../src/emulator/server.js";
import { NOW } from "../helpers/builders.js";
import { startEmulator } from "../helpers/emulator.js";
import { comparable, ESTATES_DIR, FIXTURE_FILES, fixtureResources, liveOptions, subscriptionsOf, withAncestors } from "./liveSupport.js";

const CONTOSO_POLICY = parsePolicy(readFileSync(join(ESTATES_DIR, "contoso.policy.yaml"), "utf8"), "contoso.policy.yaml", RULE_IDS);

/** Whether a resource is one of an owner's inputs: an owner input type, under the owner's id. */
const isInputOf = (resource: ArmResource, ownerKey: string) => OWNER_INPUT_TYPES.has(resource.type.toLowerCase()) && idKey(resource.id).startsWith(`${ownerKey}/`);

/** Every owner of a read: its perimeters and the members its associations name that it holds. */
function ownersOfRead(resources: readonly ArmResource[]): Set<string> {
  const held = new Set(resources.map((r) => idKey(r.id)));
  const owners = new Set<string>();
  for (const r of resources) {
    const type = r.type.toLowerCase();
    if (type === T.perimeter) owners.add(idKey(r.id));
    const member = type === T.association ? propString(r, "privateLinkResource", "id") : undefined;
    if (member && held.has(idKey(member))) owners.add(idKey(member));
  }
  return owners;
}

function carryAll(full: readonly ArmResource[]): ReadCarry {
  return {
    owners: ownersOfRead(full),
    associationSystemData: new Map(full.filter((r) => r.type.toLowerCase() === T.association && r.systemData).map((r) => [idKey(r.id), r.systemData])),
  };
}

/** The carried read completed with the owners' inputs from the full read, as the reconcile does. */
function completed(carried: readonly ArmResource[], full: readonly ArmResource[], owners: ReadonlySet<string>): ArmResource[] {
  const ids = new Set(carried.map((r) => idKey(r.id)));
  return [...carried, ...full.filter((r) => !ids.has(idKey(r.id)) && [...owners].some((o) => isInputOf(r, o)))];
}

const idsOf = (resources: readonly ArmResource[]) => resources.map((r) => idKey(r.id)).sort();
const inputsUnder = (resources: readonly ArmResource[], owners: ReadonlySet<string>) => resources.filter((r) => [...owners].some((o) => isInputOf(r, o)));

it("every owner input type is one Resource Graph does not hold", () => {
  const notHeld = new Set(NOT_IN_RESOURCE_GRAPH.map((row) => row.type));
  for (const type of OWNER_INPUT_TYPES) expect(notHeld.has(type), type).toBe(true);
});

describe.each(FIXTURE_FILES)("carried owners on %s", (file) => {
  const { resources } = fixtureResources(file);
  const policy = file === "contoso.json" ? CONTOSO_POLICY : DEFAULT_POLICY;
  const subscriptions = subscriptionsOf(resources);
  let emulator: ArmEmulator;

  beforeAll(async () => {
    emulator = await startEmulator(withAncestors(resources), { resourceGraphQuota: false });
  });

  it("ARM path: the carried read plus the carried inputs is the full read, and reads none of them", async () => {
    const reader = new LiveArmReader({ ...liveOptions(emulator, { policy }), subscriptionIds: subscriptions });
    const full = await reader.readSubscriptions(subscriptions);
    const carry = carryAll(full);
    const carried = await reader.readSubscriptions(subscriptions, carry);
    expect(inputsUnder(carried, carry.owners)).toEqual([]);
    const whole = completed(carried, full, carry.owners);
    expect(idsOf(whole)).toEqual(idsOf(full));
    expect(comparable(evaluateEstate(new Estate(whole), { policy, now: NOW }).findings)).toEqual(comparable(evaluateEstate(new Estate(full), { policy, now: NOW }).findings));
  });

  it("Resource Graph path: the same, and no association is read again for its age", async () => {
    const full = await readResourceGraphEstate({ subscriptions }, liveOptions(emulator, { policy }));
    const carry = carryAll(full.resources);
    const carried = await readResourceGraphEstate({ subscriptions }, { ...liveOptions(emulator, { policy }), carry });
    expect(inputsUnder(carried.resources, carry.owners)).toEqual([]);
    const whole = completed(carried.resources, full.resources, carry.owners);
    expect(idsOf(whole)).toEqual(idsOf(full.resources));
    expect(comparable(evaluateEstate(new Estate(whole), { policy, now: NOW }).findings)).toEqual(comparable(evaluateEstate(new Estate(full.resources), { policy, now: NOW }).findings));
    for (const type of OWNER_INPUT_TYPES) expect(carried.armCallsByType[type], type).toBeUndefined();
    expect(carried.armCallsByType[T.association]).toBeUndefined();
    expect(carried.armCalls).toBeLessThanOrEqual(full.armCalls);
  });
});
