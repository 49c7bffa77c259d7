import { describe, expect, it } from "vitest";
import type { ArmResource } from "../../src/model/resource.js";
import { association, OTHER_SUB, perimeter, profile, recase, storageAccount, SUB } from "../helpers/builders.js";
import { findingsOf, ruleTester } from "../helpers/ruleTester.js";

/** A perimeter with `associations` storage members and `profiles` profiles (at least one). */
function perimeterOfSize(associations: number, profiles = 1, name = "nsp1"): { nsp: ArmResource; resources: ArmResource[] } {
  const nsp = perimeter(name);
  const profs = Array.from({ length: Math.max(profiles, 1) }, (_, i) => profile(nsp, `profile${i}`));
  const assocs = Array.from({ length: associations }, (_, i) =>
    association(nsp, `assoc${i}`, storageAccount(`st${i}`).id, { profile: profs[0]!, accessMode: "Enforced" }),
  );
  return { nsp, resources: [nsp, ...profs, ...assocs] };
}

/** `count` perimeters in `sub`; every other one re-cased as Resource Graph emits ids. */
function perimeters(count: number, sub = SUB, prefix = "nsp"): ArmResource[] {
  return Array.from({ length: count }, (_, i) => {
    const nsp = perimeter(`${prefix}${i}`, { sub });
    return i % 2 ? { ...nsp, id: recase(nsp.id), type: "microsoft.network/networksecurityperimeters" } : nsp;
  });
}

const manyAssociations = perimeterOfSize(1001);
const manyProfiles = perimeterOfSize(0, 201);
const both = perimeterOfSize(1001, 201);
const crowdedSubscription = perimeters(101);

ruleTester("perimeter-limits", {
  fires: [
    {
      name: "1001 associations",
      resources: manyAssociations.resources,
      expect: [{ resourceId: manyAssociations.nsp.id, severity: "medium", messageIncludes: "1001 resource associations (limit 1000)" }],
    },
    {
      name: "201 profiles",
      resources: manyProfiles.resources,
      expect: [{ resourceId: manyProfiles.nsp.id, severity: "medium", messageIncludes: "201 profiles (limit 200)" }],
    },
    {
      name: "both limits exceeded: one finding naming both",
      resources: both.resources,
      expect: [{ resourceId: both.nsp.id, severity: "medium", messageIncludes: "1001 resource associations (limit 1000) and 201 profiles" }],
    },
    {
      name: "101 perimeters in a subscription (half re-cased): exactly one finding on the subscription",
      resources: crowdedSubscription,
      expect: [{ resourceId: `/subscriptions/${SUB}`, severity: "medium", messageIncludes: "101 network security perimeters (limit 100)" }],
    },
  ],
  passes: [
    { name: "exactly 1000 associations", resources: perimeterOfSize(1000).resources },
    { name: "exactly 200 profiles", resources: perimeterOfSize(0, 200).resources },
    { name: "exactly 100 perimeters in a subscription", resources: perimeters(100) },
    { name: "101 perimeters spread over two subscriptions", resources: [...perimeters(60), ...perimeters(41, OTHER_SUB, "other")] },
  ],
});

describe("perimeter-limits subscription finding", () => {
  it("carries no perimeter id", () => {
    const findings = findingsOf("perimeter-limits", { name: "101 perimeters", resources: crowdedSubscription });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.perimeterId).toBeUndefined();
  });
});
