import { SEVERITIES, type Finding, type Severity } from "../rules/types.js";

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
  };
  findings: Finding[];
}

export function buildScanReport(
  result: { perimeters: number; associations: number; findings: Finding[] },
  source: ScanReport["source"],
  now: Date,
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
    summary: { perimeters: result.perimeters, associations: result.associations, findings: counts, exempted },
    findings: result.findings,
  };
}

/** Last path segment of an ARM id: the name people recognise. */
export function shortName(id: string | undefined): string {
  if (!id) return "";
  return id.replace(/\/+$/, "").split("/").pop() ?? id;
}

export function formatJson(report: ScanReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
