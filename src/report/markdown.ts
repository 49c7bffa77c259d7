import { SEVERITIES } from "../rules/types.js";
import { markdownCode, markdownText, stripControl } from "./escape.js";
import { shortName, type ScanReport } from "./scanReport.js";
import { notEvaluatedMarkdown } from "./notEvaluatedSection.js";

/** Escapes text for a Markdown table cell: no Markdown or HTML syntax, no control character. */
export function cell(text: string | undefined): string {
  return markdownText(text);
}

/** A link target: only https URLs, with the characters that would end the link percent-encoded. */
function markdownUrl(url: string): string {
  if (!/^https:\/\//i.test(url)) return "#";
  return stripControl(url).replace(/[()<> |\\`[\]]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

/** A Markdown report for pull-request comments and job summaries. */
export function formatMarkdown(report: ScanReport): string {
  const s = report.summary;
  const lines: string[] = [
    "# NSP Guardrail scan",
    "",
    `Scanned ${s.perimeters} perimeter(s) and ${s.associations} association(s) at ${report.generatedAt}` +
      (report.source.snapshot ? ` from ${markdownCode(report.source.snapshot)}` : "") +
      (report.source.subscriptions ? ` in subscription(s) ${report.source.subscriptions.map((x) => markdownCode(x)).join(", ")}` : "") +
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
        `| ${f.severity} | [${markdownCode(f.ruleId)}](${markdownUrl(f.docUrl)}) | ${markdownCode(shortName(f.resourceId))} | ${cell(shortName(f.perimeterId))} | ${cell(f.message)} | ${cell(f.remediation)} |`,
      );
    }
    lines.push("");
  }
  const exempted = report.findings.filter((f) => f.exempted);
  if (exempted.length > 0) {
    lines.push("## Exempted", "", "| Rule | Resource | Reason |", "|---|---|---|");
    for (const f of exempted) lines.push(`| ${markdownCode(f.ruleId)} | ${markdownCode(shortName(f.resourceId))} | ${cell(f.exemptionReason ?? "")} |`);
    lines.push("");
  }
  lines.push(...notEvaluatedMarkdown(report));
  return lines.join("\n");
}
