/**
 * The "not evaluated" part of every finding list format: the checks a scan could not make because
 * the estate lacks a rule's declared input (src/report/completeness.ts). Each format shows it in its
 * own way; each is a no-op when every check was made.
 */
import { escapeHtml } from "./html.js";
import { markdownCode, markdownText, terminalText } from "./escape.js";
import { notEvaluatedLines, shortName, sourcePhrase, type ScanReport } from "./scanReport.js";

type Report = Pick<ScanReport, "source" | "notEvaluated" | "completeness">;

/** Entries grouped by what is missing: each input once, with the rules and resources that lack it. */
export function groupByMissing(report: Report): Array<{ missing: string; ruleIds: string[]; resourceIds: string[] }> {
  const groups = new Map<string, { missing: string; ruleIds: string[]; resourceIds: string[] }>();
  for (const e of report.notEvaluated) {
    let group = groups.get(e.missing);
    if (!group) groups.set(e.missing, (group = { missing: e.missing, ruleIds: [], resourceIds: [] }));
    if (!group.ruleIds.includes(e.ruleId)) group.ruleIds.push(e.ruleId);
    if (!group.resourceIds.includes(e.resourceId)) group.resourceIds.push(e.resourceId);
  }
  return [...groups.values()];
}

/** Terminal: a heading, one line per missing input (the rules and resources that lack it), then the advice. */
export function notEvaluatedTable(report: Report): string[] {
  if (report.notEvaluated.length === 0) return [];
  const source = sourcePhrase(report);
  return [
    "",
    `NOT EVALUATED: ${report.notEvaluated.length} check(s) lack their input in ${source}`,
    ...groupByMissing(report).map((g) => {
      const what = g.missing.startsWith("the ") ? `${g.missing} is not in ${source}` : `no ${g.missing} in ${source}`;
      return terminalText(`  ${g.ruleIds.join(", ")} on ${g.resourceIds.map(shortName).join(", ")}: ${what}`);
    }),
    ...(report.completeness ? [`  ${terminalText(report.completeness.advice)}`] : []),
    "",
  ];
}

/** Markdown: a section with a table (missing input, the rules and resources lacking it) and the advice. */
export function notEvaluatedMarkdown(report: Report): string[] {
  if (report.notEvaluated.length === 0) return [];
  return [
    `## Not evaluated (${report.notEvaluated.length})`,
    "",
    `These checks were not made: ${markdownText(sourcePhrase(report))} lacks the input the rule reads.` +
      (report.completeness ? ` ${markdownText(report.completeness.advice)}` : ""),
    "",
    "| Missing input | Rules | Resources |",
    "|---|---|---|",
    ...groupByMissing(report).map(
      (g) => `| ${markdownText(g.missing)} | ${g.ruleIds.map((id) => markdownCode(id)).join(", ")} | ${g.resourceIds.map((id) => markdownCode(shortName(id))).join(", ")} |`,
    ),
    "",
  ];
}

/**
 * SARIF: one `toolExecutionNotifications` entry per check (SARIF 2.1.0 §3.20.21: "notifications
 * describing the runtime environment ... and conditions that affect the analysis"), naming the rule
 * as `associatedRule` and the resource as a logical location.
 */
export function notEvaluatedSarif(report: Report, ruleIndex: ReadonlyMap<string, number>): Record<string, unknown> {
  if (report.notEvaluated.length === 0) return {};
  const lines = notEvaluatedLines(report);
  return {
    toolExecutionNotifications: report.notEvaluated.map((e, i) => ({
      level: "warning",
      message: { text: lines[i] },
      descriptor: { id: "not-evaluated" },
      associatedRule: { id: e.ruleId, ...(ruleIndex.has(e.ruleId) ? { index: ruleIndex.get(e.ruleId) } : {}) },
      locations: [{ logicalLocations: [{ fullyQualifiedName: e.resourceId, name: shortName(e.resourceId), kind: "resource" }] }],
      properties: { missing: e.missing, ...(e.perimeterId ? { perimeterId: e.perimeterId } : {}) },
    })),
    properties: { notEvaluated: report.notEvaluated.length, ...(report.completeness ? { advice: report.completeness.advice } : {}) },
  };
}

/** HTML: a section with a table and the advice. */
export function notEvaluatedHtml(report: Report): string {
  if (report.notEvaluated.length === 0) return "";
  const rows = report.notEvaluated
    .map((e) => `<tr><td><code>${escapeHtml(e.ruleId)}</code></td><td title="${escapeHtml(e.resourceId)}">${escapeHtml(shortName(e.resourceId))}</td><td>${escapeHtml(e.missing)}</td></tr>`)
    .join("\n");
  return [
    `<section id="not-evaluated"><h2>Not evaluated (${report.notEvaluated.length})</h2>`,
    `<p>These checks were not made: ${escapeHtml(sourcePhrase(report))} lacks the input the rule reads.${report.completeness ? ` ${escapeHtml(report.completeness.advice)}` : ""}</p>`,
    `<table><thead><tr><th>Rule</th><th>Resource</th><th>Missing input</th></tr></thead><tbody>`,
    rows,
    `</tbody></table>`,
    `</section>`,
  ].join("\n");
}
