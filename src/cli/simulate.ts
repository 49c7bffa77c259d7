/** `nsp-guardrail simulate`: the guardrail's invariants under seeded faults, on the user's estate and policy. */
import { basename } from "node:path";
import { InputError } from "../model/errors.js";
import type { ArmResource } from "../model/resource.js";
import { T } from "../model/resourceTypes.js";
import { loadSnapshotFile } from "../inventory/snapshot.js";
import type { Policy } from "../policy/policy.js";
import { loadTimelineFile, type TimelineOperation } from "../replay/replay.js";
import { simulate, type SimulationResult } from "../simulate/simulate.js";
import type { FaultLevel } from "../simulate/schedule.js";
import { SIM_USERS, type SimOperation } from "../simulate/timeline.js";
import { emit } from "./output.js";
import { loadPolicyOption } from "./scan.js";

import type { SIMULATE_FORMATS } from "./formats.js";
export { FAULT_LEVELS, SIMULATE_FORMATS } from "./formats.js";

export interface SimulateCliOptions {
  snapshot: string;
  timeline?: string;
  policy?: string;
  seed?: number;
  runs?: number;
  faults?: FaultLevel;
  format?: (typeof SIMULATE_FORMATS)[number];
}

/** A replay timeline's operations as simulation steps: callers are users, or exempt when the policy says so. */
export function toSimOperations(timeline: readonly TimelineOperation[], policy: Policy): SimOperation[] {
  const exempt = new Set(policy.exemptPrincipals.map((p) => p.toLowerCase()));
  return timeline.map((op) => {
    const identity = op.caller ?? SIM_USERS[0]!;
    const caller = { kind: exempt.has(identity.objectId.toLowerCase()) ? ("exempt" as const) : ("user" as const), identity };
    return op.op === "put" ? { op: "put", resource: op.resource as ArmResource, caller } : { op: "delete", id: op.id, caller };
  });
}

export function formatSimulationTable(result: SimulationResult): string {
  const f = result.figures;
  const lines = [
    `simulate: ${result.runs} run(s), seed ${result.seed}, ${f.wallSeconds} s (${f.runsPerSecond} runs/s)`,
    `  events ${f.events}, evaluations ${f.evaluations}, guardrail writes ${f.guardrailWrites}, reverts skipped as "changed again" ${f.revertsSkippedChangedAgain}`,
    `  dead-lettered events ${f.deadLetteredEvents}, poisoned messages ${f.poisonedMessages}, alerts delivered ${f.alertsDelivered} (repeated after a crash: ${f.repeatedDeliveries})`,
    `  faults injected: ${Object.entries(result.faultsInjected).map(([k, v]) => `${k} ${v}`).join(", ") || "none"}`,
  ];
  if (result.violations.length === 0) lines.push("no invariant violated");
  for (const v of result.violations) lines.push(`VIOLATION ${v.invariant} (run ${v.run}, seed ${v.seed}): ${v.detail}`);
  return `${lines.join("\n")}\n`;
}

export async function runSimulate(options: SimulateCliOptions): Promise<number> {
  const policy = await loadPolicyOption(options.policy);
  const estate = await loadSnapshotFile(options.snapshot);
  if (!estate.resources.some((r) => r.type.toLowerCase() === T.perimeter)) {
    throw new InputError(`${basename(options.snapshot)}: (root): the estate holds no network security perimeter to simulate`);
  }
  const timeline = options.timeline ? toSimOperations(await loadTimelineFile(options.timeline), policy) : undefined;
  const result = await simulate(estate.resources, {
    policy,
    seed: options.seed ?? 1,
    runs: options.runs ?? 100,
    faults: options.faults ?? "default",
    ...(timeline ? { timeline } : {}),
    onRun: (run, violations) => {
      if (process.stderr.isTTY && (run + 1) % 10 === 0) process.stderr.write(`\rrun ${run + 1}/${options.runs ?? 100}${violations.length ? " (violation)" : ""}`);
    },
  });
  if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
  const format = options.format ?? (process.stdout.isTTY ? "table" : "json");
  await emit(format === "json" ? `${JSON.stringify(result, null, 2)}\n` : formatSimulationTable(result), undefined);
  return result.violations.length === 0 ? 0 : 1;
}
