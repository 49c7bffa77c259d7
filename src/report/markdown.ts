import { SEVERITIES } from "../rules/types.js";
import { shortName, type ScanReport } from "./scanReport.js";

/** Escapes text for a Markdown table cell. */
export function cell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** A Markdown report for pull-request comments and job summaries. */
export function formatMarkdown(report: ScanReport): string {
  const s = report.summary;
  const lines: string[] = [
    "# NSP Guardrail scan",
    "",
    `Scanned ${s.perimeters} perimeter(s) and ${s.associations} association(s) at ${report.generatedAt}` +
      (report.source.snapshot ? ` from \`${report.source.snapshot}\`` : "") +
      (report.source.subscriptions ? ` in subscription(s) ${report.source.subscriptions.map((x) => `\`${x}\``).join(", ")}` : "") +
      ".",
    "",
    "| Severity | Findings |",
    "|---|---|",
    ...SEVERITIES.map((sev) => `| ${sev} | ${s.findings[sev]} |`),
    `| exempted | ${s.exempted} |`,
    "",
  ];
  const active = report.findings.filter((f) => !f.exempted);
  if (active.length === 0) lines.push("No findings.", "");
  else {
    lines.push("## Findings", "", "| Severity | Rule | Resource | Perimeter | Why flagged | Fix |", "|---|---|---|---|---|---|");
    for (const f of active) {
      lines.push(
        `| ${f.severity} | [\`${f.ruleId}\`](${f.docUrl}) | \`${cell(shortName(f.resourceId))}\` | ${cell(shortName(f.perimeterId))} | ${cell(f.message)} | ${cell(f.remediation)} |`,
      );
    }
    lines.push("");
  }
  const exempted = report.findings.filter((f) => f.exempted);
  if (exempted.length > 0) {
    lines.push("## Exempted", "", "| Rule | Resource | Reason |", "|---|---|---|");
    for (const f of exempted) lines.push(`| \`${f.ruleId}\` | \`${cell(shortName(f.resourceId))}\` | ${cell(f.exemptionReason ?? "")} |`);
    lines.push("");
  }
  return lines.join("\n");
}
