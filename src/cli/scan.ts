import { basename } from "node:path";
import { InputError } from "../model/errors.js";
import { DEFAULT_SNAPSHOT_LIMIT_BYTES, loadSnapshotSource } from "../inventory/snapshot.js";
import type { LiveProgress } from "../inventory/liveInventory.js";
import { Estate } from "../model/estate.js";
import { DEFAULT_POLICY, loadPolicyFile, type Policy } from "../policy/policy.js";
import { ALL_RULES, RULE_IDS } from "../rules/catalog/index.js";
import { enabledRules, evaluateEstate } from "../rules/engine.js";
import { atLeast, type Severity } from "../rules/types.js";
import { formatHtml } from "../report/html.js";
import { formatMarkdown } from "../report/markdown.js";
import type { EstateReader } from "../model/estate.js";
import { buildScanReport, formatJson, type ScanReport } from "../report/scanReport.js";
import { assessCompleteness, type EstateOrigin } from "../report/completeness.js";
import { formatSarif } from "../report/sarif.js";
import { formatTable } from "../report/table.js";
import { emit } from "./output.js";
import { TOOL_NAME } from "../version.js";
import { detail, note } from "./log.js";

import { FAIL_ON, type ScanFormat } from "./formats.js";
export { FAIL_ON, SCAN_FORMATS, type ScanFormat } from "./formats.js";

export interface ScanOptions {
  snapshot?: string;
  subscription?: string[];
  /** `--management-group`: read through Resource Graph (graphRead.ts). */
  managementGroup?: string;
  policy?: string;
  format?: ScanFormat;
  failOn: (typeof FAIL_ON)[number];
  output?: string;
  maxSnapshotBytes?: number;
  /** `--fail-on-incomplete` / `--no-fail-on-incomplete`; undefined: on when the CI environment variable is set. */
  failOnIncomplete?: boolean;
  /** `--allow-empty`: a scope with no perimeter is a clean scan, not an error. */
  allowEmpty?: boolean;
  armEndpoint?: string;
  /** `--cloud`: AzureCloud, AzureUSGovernment or AzureChinaCloud. */
  cloud?: string;
}

/** A one-line progress indicator on stderr, only when stderr is a terminal. */
export function progressReporter(): ((p: LiveProgress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (p) => {
    const line = p.phase === "done" ? "" : `reading ARM: ${p.phase} ${p.done}/${p.total} (${p.requests} requests)`;
    process.stderr.write(`\r\x1b[2K${line}`);
  };
}

export async function loadPolicyOption(path: string | undefined): Promise<Policy> {
  return path ? loadPolicyFile(path, RULE_IDS) : DEFAULT_POLICY;
}

export function renderReport(report: ScanReport, format: ScanFormat, terminal: boolean, estate: EstateReader = new Estate()): string {
  switch (format) {
    case "json":
      return formatJson(report);
    case "sarif":
      return formatSarif(report, ALL_RULES.map((r) => r.meta));
    case "markdown":
      return formatMarkdown(report);
    case "html":
      return formatHtml(report, estate, ALL_RULES.map((r) => r.meta));
    case "table":
      return formatTable(report, { colour: terminal && !process.env.NO_COLOR, width: process.stdout.columns ?? 120 });
  }
}

/** Exit code of a scan: 1 when a finding that is not exempted reaches `--fail-on`, or when checks were not made and `failOnIncomplete`. */
export function scanExitCode(report: ScanReport, failOn: ScanOptions["failOn"], failOnIncomplete = false): 0 | 1 {
  return failingFindings(report, failOn) > 0 || (failOnIncomplete && report.notEvaluated.length > 0) ? 1 : 0;
}

/** Findings that are not exempted and reach `--fail-on`. */
function failingFindings(report: ScanReport, failOn: ScanOptions["failOn"]): number {
  if (failOn === "none") return 0;
  return report.findings.filter((f) => !f.exempted && atLeast(f.severity, failOn as Severity)).length;
}

/** `--fail-on-incomplete` when given, else on in CI (the CI variable set to anything but "", "0" or "false"). */
export function failOnIncompleteOf(option: boolean | undefined, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  if (option !== undefined) return option;
  const ci = env["CI"]?.trim().toLowerCase();
  return ci !== undefined && ci !== "" && ci !== "0" && ci !== "false";
}

/** The line `--output` prints on stderr: what was written and why the exit code is what it is. */
export function outputSummary(file: string, report: ScanReport, failOn: ScanOptions["failOn"], failOnIncomplete: boolean, code: number): string {
  const active = report.findings.filter((f) => !f.exempted).length;
  const failing = failingFindings(report, failOn);
  const reasons = [
    ...(failing > 0 ? [`≥ ${failOn}`] : []),
    ...(failOnIncomplete && report.notEvaluated.length > 0 ? ["incomplete input"] : []),
  ];
  const parts = [`${active} finding${active === 1 ? "" : "s"}`, ...(report.notEvaluated.length ? [`${report.notEvaluated.length} not evaluated`] : [])];
  return `wrote ${basename(file)}: ${parts.join(", ")}; exit ${code}${reasons.length ? ` (${reasons.join(", ")})` : ""}`;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Subscription ids as `--subscription` takes them: GUIDs, with or without `/subscriptions/`. */
export function checkSubscriptionIds(ids: readonly string[]): void {
  for (const id of ids) {
    const bare = id.trim().replace(/^\/?subscriptions\//i, "");
    if (!GUID.test(bare)) throw new InputError(`--subscription ${JSON.stringify(id)}: not a subscription id (expected a GUID such as 00000000-0000-0000-0000-000000000000)`);
  }
}

export async function runScan(options: ScanOptions): Promise<number> {
  const subscriptions = options.subscription ?? [];
  if ([options.snapshot !== undefined, subscriptions.length > 0, options.managementGroup !== undefined].filter(Boolean).length !== 1) {
    throw new InputError("scan: give either --snapshot FILE or --subscription ID... or --management-group ID (one of them)");
  }
  if (subscriptions.length > 0) checkSubscriptionIds(subscriptions);
  const policy = await loadPolicyOption(options.policy);
  const started = Date.now();
  let estate: Estate;
  let origin: EstateOrigin;
  if (options.snapshot) {
    const loaded = await loadSnapshotSource(options.snapshot, { maxBytes: options.maxSnapshotBytes ?? DEFAULT_SNAPSHOT_LIMIT_BYTES });
    estate = loaded.estate;
    origin = { kind: "snapshot", ...loaded.origin };
    detail(`read ${estate.resources.length} resource(s) from ${loaded.origin.file}${loaded.origin.resourceGraph ? " (Resource Graph output)" : ""}${loaded.origin.inputs ? `, which declares ${loaded.origin.inputs.length} input type(s)` : ""}`);
  } else if (options.managementGroup) {
    // --- management group: Resource Graph (graphRead.ts) ---
    const { readThroughResourceGraph } = await import("./graphRead.js");
    const read = await readThroughResourceGraph({ managementGroup: options.managementGroup }, { policy, ...(options.armEndpoint ? { armEndpoint: options.armEndpoint } : {}), ...(options.cloud ? { cloud: options.cloud } : {}) });
    estate = new Estate(read.resources);
    origin = { kind: "live", types: [...read.plan.types] };
    detail(`read ${read.resources.length} resource(s) in ${read.graphRequests} Resource Graph page(s) and ${read.armCalls} ARM call(s)`);
  } else {
    // The Azure SDK clients are loaded for live reads only: a snapshot scan needs none of them.
    const { readLiveEstate } = await import("../inventory/liveInventory.js");
    const onProgress = progressReporter();
    const live = await readLiveEstate(subscriptions, {
      policy,
      ...(options.armEndpoint ? { armEndpoint: options.armEndpoint } : {}),
      ...(options.cloud ? { cloud: options.cloud } : {}),
      ...(onProgress ? { onProgress } : {}),
    });
    estate = new Estate(live.resources);
    origin = { kind: "live", types: [...live.plan.types] };
    detail(`read ${live.resources.length} resource(s) in ${live.calls} ARM call(s) (${live.requests} request(s))`);
  }
  const scope = options.snapshot ? basename(options.snapshot) : options.managementGroup ? `management group ${options.managementGroup}` : `subscription(s) ${subscriptions.join(", ")}`;
  if (estate.perimeters().length === 0 && !options.allowEmpty) {
    throw new InputError(`scan: ${scope}: no network security perimeter found: check the ${options.snapshot ? "file" : "subscription ids and the identity's access"} (--allow-empty accepts an empty scope)`);
  }
  const now = new Date();
  const result = evaluateEstate(estate, { policy, now });
  const completeness = assessCompleteness(estate, enabledRules(policy, ALL_RULES), origin, policy.onboardedTypes);
  const source = options.snapshot ? { snapshot: basename(options.snapshot) } : options.managementGroup ? { managementGroup: options.managementGroup } : { subscriptions };
  const report = buildScanReport(result, source, now, completeness);
  detail(`evaluated ${enabledRules(policy, ALL_RULES).length} rule(s) over ${result.perimeters} perimeter(s) in ${Date.now() - started} ms`);
  const terminal = !options.output && process.stdout.isTTY === true;
  const format = options.format ?? (terminal ? "table" : "json");
  const failOnIncomplete = failOnIncompleteOf(options.failOnIncomplete);
  const code = scanExitCode(report, options.failOn, failOnIncomplete);
  await emit(renderReport(report, format, terminal, estate), options.output);
  if (report.completeness) {
    const failing = failOnIncomplete
      ? ` Exit 1: --fail-on-incomplete${options.failOnIncomplete === undefined ? " is on because CI is set" : ""}; --no-fail-on-incomplete reports them without failing.`
      : "";
    // The table shows what was not evaluated itself; other formats get one line on stderr beside it.
    if (format !== "table" || options.output) note(`${TOOL_NAME}: warning: ${report.notEvaluated.length} check(s) not evaluated: ${report.completeness.advice}${failing}`);
    else if (failing) note(`${TOOL_NAME}:${failing}`);
  }
  if (options.output) note(outputSummary(options.output, report, options.failOn, failOnIncomplete, code));
  return code;
}
