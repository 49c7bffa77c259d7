/**
 * The Resource Graph path reads the age (systemData.createdAt) of associations not in Enforced mode
 * from ARM, per perimeter by whichever takes fewer requests: a GET of each, or the perimeter's
 * associations listed at `$top` 20. Findings stay those of the ARM path either way.
 */
import { describe, expect, it } from "vitest";
import { generateEstate } from "../../bench/estateGenerator.js";
import { Estate } from "../../src/model/estate.js";
import type { ArmResource } from "../../src/model/resource.js";
import { T } from "../../src/model/resourceTypes.js";
import { DEFAULT_POLICY } from "../../src/policy/policy.js";
import { evaluateEstate } from "../../src/rules/engine.js";
import { readLiveEstate } from "../../src/inventory/liveInventory.js";
import { NSP_LIST_TOP, readResourceGraphEstate } from "../../src/inventory/resourceGraphReader.js";
import { NOW } from "../helpers/builders.js";
import { startEmulator } from "../helpers/emulator.js";
import { comparable, liveOptions, subscriptionsOf, withAncestors } from "./liveSupport.js";

/** One perimeter of `members` storage members, the first `learning` of them in Learning mode. */
function perimeterWith(members: number, learning: number): ArmResource[] {
  let seen = 0;
  return generateEstate({ accounts: members, perimeters: 1 }).map((r) => {
    if (r.type !== "Microsoft.Network/networkSecurityPerimeters/resourceAssociations") return r;
    const accessMode = seen++ < learning ? "Learning" : "Enforced";
    return { ...r, properties: { ...r.properties, accessMode }, systemData: { ...r.systemData, createdAt: `2026-0${1 + (seen % 9)}-01T00:00:00Z` } };
  });
}

async function bothPaths(resources: ArmResource[]) {
  const emulator = await startEmulator(withAncestors(resources), { resourceGraphQuota: false });
  try {
    const subscriptions = subscriptionsOf(resources);
    const arm = await readLiveEstate(subscriptions, liveOptions(emulator, { policy: DEFAULT_POLICY }));
    const from = emulator.operations.length;
    const graph = await readResourceGraphEstate({ subscriptions }, liveOptions(emulator, { policy: DEFAULT_POLICY }));
    const associationReads = emulator.operations.slice(from).filter((o) => o.method === "GET" && /\/resourceAssociations/i.test(o.path));
    const findings = (resources: ArmResource[]) => comparable(evaluateEstate(new Estate(resources), { policy: DEFAULT_POLICY, now: NOW }).findings);
    return { arm, graph, associationReads, armFindings: findings(arm.resources), graphFindings: findings(graph.resources) };
  } finally {
    await emulator.close();
  }
}

describe("ages of associations not in Enforced mode on the Resource Graph path", { timeout: 60_000 }, () => {
  it("lists the perimeter's associations when that takes fewer requests than a GET of each", async () => {
    // 45 associations: 3 pages of 20 against 7 GETs.
    const { graph, associationReads, armFindings, graphFindings } = await bothPaths(perimeterWith(45, 7));
    expect(Math.ceil(45 / NSP_LIST_TOP)).toBe(3);
    expect(graph.armCallsByType[T.association]).toBe(3);
    expect(associationReads).toHaveLength(3);
    expect(associationReads.every((o) => /\/resourceAssociations$/i.test(o.path))).toBe(true);
    const learning = graph.resources.filter((r) => r.type.toLowerCase() === T.association && (r.properties?.["accessMode"] as string) === "Learning");
    expect(learning).toHaveLength(7);
    expect(learning.every((r) => typeof r.systemData?.createdAt === "string")).toBe(true);
    expect(graphFindings.some((f) => f.startsWith("storage-transition-mode"))).toBe(true);
    expect(graphFindings).toEqual(armFindings);
  });

  it("GETs each one when there are fewer of them than list pages", async () => {
    const { graph, associationReads, armFindings, graphFindings } = await bothPaths(perimeterWith(45, 2));
    expect(graph.armCallsByType[T.association]).toBe(2);
    expect(associationReads).toHaveLength(2);
    expect(associationReads.every((o) => /\/resourceAssociations\/[^/]+$/i.test(o.path))).toBe(true);
    expect(graphFindings).toEqual(armFindings);
  });
});
