/**
 * `nsp-guardrail coverage`: per subscription and onboarded type, the resources protected by a
 * perimeter in Enforced mode, in transition (Learning or Audit; past the grace days or not) and in no
 * perimeter, with the lists: evidence for CIS Microsoft Azure Foundations Benchmark v5 control 7.16
 * ("Ensure Network Security Perimeter is used to secure Azure PaaS resources"). Live scopes are read
 * through Resource Graph, which holds every resource of the scope in one query per 1,000 rows.
 */
import { basename } from "node:path";
import { coverageOf } from "../coverage/coverage.js";
import { InputError } from "../model/errors.js";
import { Estate, type EstateReader } from "../model/estate.js";
import { readPlanFor } from "../inventory/readPlan.js";
import { DEFAULT_SNAPSHOT_LIMIT_BYTES, loadSnapshotFile } from "../inventory/snapshot.js";
import { renderCoverage, type CoverageFormat } from "../report/coverageReport.js";
import { graphScope, readThroughResourceGraph } from "./graphRead.js";
import { emit } from "./output.js";
import { loadPolicyOption } from "./scan.js";

export interface CoverageCliOptions {
  snapshot?: string;
  subscription?: string[];
  managementGroup?: string;
  format?: CoverageFormat;
  output?: string;
  policy?: string;
  armEndpoint?: string;
  cloud?: string;
  maxSnapshotBytes?: number;
}

export async function runCoverage(options: CoverageCliOptions): Promise<number> {
  const subscriptions = options.subscription ?? [];
  const sources = [options.snapshot !== undefined, subscriptions.length > 0, options.managementGroup !== undefined].filter(Boolean).length;
  if (sources !== 1) throw new InputError("coverage: give one of --snapshot FILE, --subscription ID... or --management-group ID");
  const policy = await loadPolicyOption(options.policy);
  let estate: EstateReader;
  let source: Record<string, unknown>;
  if (options.snapshot) {
    estate = await loadSnapshotFile(options.snapshot, { maxBytes: options.maxSnapshotBytes ?? DEFAULT_SNAPSHOT_LIMIT_BYTES });
    source = { snapshot: basename(options.snapshot) };
  } else {
    // Perimeters, profiles and associations only: coverage reads no rule input.
    const read = await readThroughResourceGraph(graphScope(subscriptions, options.managementGroup), {
      policy,
      plan: readPlanFor([]),
      ...(options.armEndpoint ? { armEndpoint: options.armEndpoint } : {}),
      ...(options.cloud ? { cloud: options.cloud } : {}),
    });
    estate = new Estate(read.resources);
    source = options.managementGroup ? { managementGroup: options.managementGroup } : { subscriptions };
  }
  const report = coverageOf(estate, { policy, now: new Date(), source });
  const terminal = !options.output && process.stdout.isTTY === true;
  await emit(renderCoverage(report, options.format ?? (terminal ? "table" : "json")), options.output);
  return 0;
}
