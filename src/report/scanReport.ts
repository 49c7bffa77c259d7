import { SEVERITIES, type Finding, type Severity } from "../rules/types.js";
import { describeNotEvaluated, type Completeness, type NotEvaluated } from "./completeness.js";

/** The scan JSON of contracts.md §2, the one structure every output format renders. */
export interface ScanReport {
  version: 1;
  generatedAt: string;
  /** Where the estate came from: a snapshot file name or subscription ids. */
  source: { snapshot?: string; subscriptions?: string[]; managementGroup?: string };
  summary: {
    perimeters: number;
    associations: number;
    /** Findings by severity, exempted ones left out. */
    findings: Record<Severity, number>;
    exempted: number;
    /** Rule checks that could not be made for lack of input (`notEvaluated` entries). */
    notEvaluated: number;
  };
  findings: Finding[];
  /** Checks not made: a rule whose declared inputs the estate does not provide for that resource. */
  notEvaluated: NotEvaluated[];
  /** Present when `notEvaluated` is not empty: the input types missing and what to do about it. */
  completeness?: { missingInputs: string[]; advice: string };
}

export function buildScanReport(
  result: { perimeters: number; associations: number; findings: Finding[] },
  source: ScanReport["source"],
  now: Date,
  completeness?: Completeness,
): ScanReport {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let exempted = 0;
  for (const f of result.findings) {
    if (f.exempted) exempted++;
    else counts[f.severity]++;
  }
  return {
    version: 1,
    generatedAt: now.toISOString(),
    source,
    summary: { perimeters: result.perimeters, associations: result.associations, findings: counts, exempted, notEvaluated: completeness?.notEvaluated.length ?? 0 },
    findings: result.findings,
    notEvaluated: [...(completeness?.notEvaluated ?? [])],
    ...(completeness?.advice ? { completeness: { missingInputs: [...completeness.missingTypes], advice: completeness.advice } } : {}),
  };
}

/** Where the estate came from, as a phrase for "not in ...". */
export function sourcePhrase(report: Pick<ScanReport, "source">): string {
  return report.source.snapshot ? "the snapshot" : "what ARM returned";
}

/** The not-evaluated entries as lines people read ("storage-nfs on sthpcscratch: no file shares ... in the snapshot"). */
export function notEvaluatedLines(report: Pick<ScanReport, "source" | "notEvaluated">): string[] {
  return report.notEvaluated.map((entry) => describeNotEvaluated(entry, sourcePhrase(report)));
}

/** Last path segment of an ARM id: the name people recognise. */
export function shortName(id: string | undefined): string {
  if (!id) return "";
  return id.replace(/\/+$/, "").split("/").pop() ?? id;
}

export function formatJson(report: ScanReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
