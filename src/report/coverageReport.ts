/**
 * The coverage report (src/coverage/coverage.ts) as JSON, a terminal table, Markdown, and a
 * self-contained HTML page: per subscription and type, protected / transition / unprotected, with
 * the lists. Resource ids come from ARM and are escaped for each output.
 */
import { COVERAGE_CONTROL, type CoverageCounts, type CoverageReport } from "../coverage/coverage.js";
import { markdownCode, markdownText, stripControl, terminalText } from "./escape.js";
import { escapeHtml } from "./html.js";

export const COVERAGE_FORMATS = ["table", "json", "markdown", "html"] as const;
export type CoverageFormat = (typeof COVERAGE_FORMATS)[number];

const CONTROL_LINE = `${COVERAGE_CONTROL.benchmark}, control ${COVERAGE_CONTROL.id}: "${COVERAGE_CONTROL.title}"`;

function percent(part: number, whole: number): string {
  return whole === 0 ? "-" : `${Math.round((part / whole) * 100)}%`;
}

function countsLine(c: CoverageCounts): string {
  return `${c.resources} resource(s): ${c.protected} protected (${percent(c.protected, c.resources)}), ${c.transition} in transition (${c.transitionPastGrace} past the grace days), ${c.unprotected} unprotected`;
}

export function formatCoverageJson(report: CoverageReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

export function formatCoverageTable(report: CoverageReport): string {
  const lines = [`Network Security Perimeter coverage (evidence for ${CONTROL_LINE})`, `Transition grace: ${report.transitionGraceDays} days`, countsLine(report.summary), ""];
  const header = ["subscription", "type", "total", "protected", "transition", "past grace", "unprotected"];
  const rows = report.subscriptions.flatMap((s) => s.types.map((t) => [s.subscriptionId, t.type, t.total, t.protected, t.transition, t.transitionPastGrace, t.unprotected].map(String)));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => terminalText(r[i]).length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i < 2 ? terminalText(c).padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  lines.push(line(header), ...rows.map(line));
  const unprotected = report.subscriptions.flatMap((s) => s.types.flatMap((t) => t.unprotectedIds));
  const pastGrace = report.subscriptions.flatMap((s) => s.types.flatMap((t) => t.transitionResources.filter((r) => r.pastGrace)));
  if (unprotected.length > 0) lines.push("", "Unprotected (in no perimeter):", ...unprotected.map((id) => `  ${terminalText(id)}`));
  if (pastGrace.length > 0) {
    lines.push("", `In transition past ${report.transitionGraceDays} days:`, ...pastGrace.map((r) => `  ${terminalText(r.id)} (${r.accessMode}, ${r.ageDays === null ? "age unknown" : `${r.ageDays} days`})`));
  }
  return `${lines.join("\n")}\n`;
}

export function formatCoverageMarkdown(report: CoverageReport): string {
  const out = [
    "# Network Security Perimeter coverage",
    "",
    `Evidence for ${markdownText(CONTROL_LINE)}. Transition grace: ${report.transitionGraceDays} days.`,
    "",
    `**${markdownText(countsLine(report.summary))}**`,
    "",
    "| Subscription | Type | Total | Protected | Transition | Past grace | Unprotected |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ...report.subscriptions.flatMap((s) =>
      s.types.map((t) => `| ${markdownCode(s.subscriptionId)} | ${markdownCode(t.type)} | ${t.total} | ${t.protected} | ${t.transition} | ${t.transitionPastGrace} | ${t.unprotected} |`),
    ),
  ];
  const unprotected = report.subscriptions.flatMap((s) => s.types.flatMap((t) => t.unprotectedIds));
  if (unprotected.length > 0) out.push("", "## Unprotected (in no perimeter)", "", ...unprotected.map((id) => `- ${markdownCode(id)}`));
  const transition = report.subscriptions.flatMap((s) => s.types.flatMap((t) => t.transitionResources));
  if (transition.length > 0) {
    out.push("", "## In transition", "", ...transition.map((r) => `- ${markdownCode(r.id)}: ${r.accessMode}, ${r.ageDays === null ? "age unknown" : `${r.ageDays} days`}${r.pastGrace ? " (past grace)" : ""}`));
  }
  return `${out.join("\n")}\n`;
}

const esc = (text: string) => escapeHtml(stripControl(text));

function idList(title: string, ids: readonly string[]): string {
  if (ids.length === 0) return "";
  return `<details><summary>${esc(title)} (${ids.length})</summary><ul>${ids.map((id) => `<li><code>${esc(id)}</code></li>`).join("")}</ul></details>`;
}

/** A self-contained page: no external resources, no script. */
export function formatCoverageHtml(report: CoverageReport): string {
  const sections = report.subscriptions.map((s) => {
    const rows = s.types
      .map(
        (t) =>
          `<tr><td><code>${esc(t.type)}</code></td><td class="n">${t.total}</td><td class="n ok">${t.protected}</td><td class="n warn">${t.transition}</td><td class="n warn">${t.transitionPastGrace}</td><td class="n bad">${t.unprotected}</td><td class="n">${percent(t.protected, t.total)}</td></tr>` +
          `<tr class="lists"><td colspan="7">${idList("unprotected", t.unprotectedIds)}${idList(
            "in transition",
            t.transitionResources.map((r) => `${r.id} (${r.accessMode}, ${r.ageDays === null ? "age unknown" : `${r.ageDays} days`}${r.pastGrace ? ", past grace" : ""})`),
          )}${idList("protected", t.protectedIds)}</td></tr>`,
      )
      .join("");
    return `<section><h2>Subscription <code>${esc(s.subscriptionId)}</code></h2><p>${esc(countsLine(s.summary))}</p>
<table><thead><tr><th>Type</th><th>Total</th><th>Protected</th><th>Transition</th><th>Past grace</th><th>Unprotected</th><th>Coverage</th></tr></thead><tbody>${rows}</tbody></table></section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Network Security Perimeter coverage</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b}table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}
td.n{text-align:right}td.ok{background:#e8f5e9}td.warn{background:#fff3e0}td.bad{background:#ffebee}tr.lists td{border-top:none;font-size:.9em}code{font-size:.9em}
</style></head><body>
<h1>Network Security Perimeter coverage</h1>
<p>Evidence for ${esc(CONTROL_LINE)}. Protected: associated in Enforced mode. Transition: associated in Learning (Transition) or Audit mode; past the grace of ${report.transitionGraceDays} days when the association is older, or of unknown age. Unprotected: in no perimeter.</p>
<p><strong>${esc(countsLine(report.summary))}</strong></p>
<p>Generated ${esc(report.generatedAt)}.</p>
${sections.join("\n") || "<p>No resource of an onboarded type in scope.</p>"}
</body></html>
`;
}

export function renderCoverage(report: CoverageReport, format: CoverageFormat): string {
  switch (format) {
    case "json":
      return formatCoverageJson(report);
    case "markdown":
      return formatCoverageMarkdown(report);
    case "html":
      return formatCoverageHtml(report);
    case "table":
      return formatCoverageTable(report);
  }
}
