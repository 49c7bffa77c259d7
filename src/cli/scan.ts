import { basename } from "node:path";
import { InputError } from "../model/errors.js";
import { DEFAULT_SNAPSHOT_LIMIT_BYTES, loadSnapshotFile } from "../inventory/snapshot.js";
import { readLiveEstate, type LiveProgress } from "../inventory/liveInventory.js";
import { Estate } from "../model/estate.js";
import { DEFAULT_POLICY, loadPolicyFile, type Policy } from "../policy/policy.js";
import { ALL_RULES, RULE_IDS } from "../rules/catalog/index.js";
import { evaluateEstate } from "../rules/engine.js";
import { atLeast, type Severity } from "../rules/types.js";
import { formatHtml } from "../report/html.js";
import { formatMarkdown } from "../report/markdown.js";
import type { EstateReader } from "../model/estate.js";
import { buildScanReport, formatJson, type ScanReport } from "../report/scanReport.js";
import { formatSarif } from "../report/sarif.js";
import { formatTable } from "../report/table.js";
import { emit } from "./output.js";

export const SCAN_FORMATS = ["table", "json", "sarif", "markdown", "html"] as const;
export type ScanFormat = (typeof SCAN_FORMATS)[number];
export const FAIL_ON = ["critical", "high", "medium", "low", "info", "none"] as const;

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

/** Exit code of a scan: 1 when a finding that is not exempted reaches `--fail-on`. */
export function scanExitCode(report: ScanReport, failOn: ScanOptions["failOn"]): 0 | 1 {
  if (failOn === "none") return 0;
  return report.findings.some((f) => !f.exempted && atLeast(f.severity, failOn as Severity)) ? 1 : 0;
}

export async function runScan(options: ScanOptions): Promise<number> {
  const subscriptions = options.subscription ?? [];
  if ([options.snapshot !== undefined, subscriptions.length > 0, options.managementGroup !== undefined].filter(Boolean).length !== 1) {
    throw new InputError("scan: give either --snapshot FILE or --subscription ID... or --management-group ID (one of them)");
  }
  const policy = await loadPolicyOption(options.policy);
  let estate: Estate;
  if (options.snapshot) {
    estate = await loadSnapshotFile(options.snapshot, { maxBytes: options.maxSnapshotBytes ?? DEFAULT_SNAPSHOT_LIMIT_BYTES });
  } else if (options.managementGroup) {
    // --- management group: Resource Graph (graphRead.ts) ---
    const { readThroughResourceGraph } = await import("./graphRead.js");
    const read = await readThroughResourceGraph({ managementGroup: options.managementGroup }, { policy, ...(options.armEndpoint ? { armEndpoint: options.armEndpoint } : {}), ...(options.cloud ? { cloud: options.cloud } : {}) });
    estate = new Estate(read.resources);
  } else {
    const onProgress = progressReporter();
    const live = await readLiveEstate(subscriptions, {
      policy,
      ...(options.armEndpoint ? { armEndpoint: options.armEndpoint } : {}),
    ...(options.cloud ? { cloud: options.cloud } : {}),
      ...(options.cloud ? { cloud: options.cloud } : {}),
      ...(onProgress ? { onProgress } : {}),
    });
    estate = new Estate(live.resources);
  }
  const now = new Date();
  const result = evaluateEstate(estate, { policy, now });
  const source = options.snapshot ? { snapshot: basename(options.snapshot) } : options.managementGroup ? { managementGroup: options.managementGroup } : { subscriptions };
  const report = buildScanReport(result, source, now);
  const terminal = !options.output && process.stdout.isTTY === true;
  const format = options.format ?? (terminal ? "table" : "json");
  await emit(renderReport(report, format, terminal, estate), options.output);
  return scanExitCode(report, options.failOn);
}
