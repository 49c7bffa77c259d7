/** `simulate` in the bench: many seeded heavy-fault runs over the Contoso estate with the demo policy. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadSnapshotFile } from "../src/inventory/snapshot.js";
import { parsePolicy } from "../src/policy/policy.js";
import { RULE_IDS } from "../src/rules/catalog/index.js";
import { simulate, type SimulationResult } from "../src/simulate/simulate.js";

export async function measureSimulation(runs: number, seed = 1): Promise<SimulationResult> {
  const root = new URL("../../", import.meta.url);
  const estate = await loadSnapshotFile(fileURLToPath(new URL("demo/estate.json", root)));
  const policyFile = fileURLToPath(new URL("demo/policy.yaml", root));
  const policy = parsePolicy(readFileSync(policyFile, "utf8"), "demo/policy.yaml", RULE_IDS);
  return simulate(estate.resources, { policy, runs, seed, faults: "heavy" });
}
