import { SEVERITIES, type Severity } from "../rules/types.js";
import { terminalText } from "./escape.js";
import { shortName, type ScanReport } from "./scanReport.js";
import { notEvaluatedTable } from "./notEvaluatedSection.js";

const COLOURS: Record<Severity, string> = {
  critical: "\x1b[1;37;41m",
  high: "\x1b[31m",
  medium: "\x1b[33m",
  low: "\x1b[36m",
  info: "\x1b[37m",
};
const RESET = "\x1b[0m";
const DIM = "\x1b[2m";

export interface TableOptions {
  colour?: boolean;
  /** Terminal width; messages wrap to it. */
  width?: number;
}

function wrap(text: string, width: number, indent: string): string {
  if (width <= indent.length + 20) return indent + text;
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l) => indent + l).join("\n");
}

/** Human-readable scan output for a terminal: one block per finding, worst first, then a summary line. */
export function formatTable(report: ScanReport, options: TableOptions = {}): string {
  const colour = options.colour ?? false;
  const width = options.width ?? 120;
  const paint = (code: string, text: string) => (colour ? `${code}${text}${RESET}` : text);
  const out: string[] = [];
  const active = report.findings.filter((f) => !f.exempted);
  const exempted = report.findings.filter((f) => f.exempted);
  const sevWidth = Math.max(...SEVERITIES.map((s) => s.length));
  const ruleWidth = Math.max(4, ...report.findings.map((f) => f.ruleId.length));
  if (report.findings.length > 0) {
    out.push(paint(DIM, `${"SEVERITY".padEnd(sevWidth)}  ${"RULE".padEnd(ruleWidth)}  RESOURCE (PERIMETER)`));
  }
  for (const f of [...active, ...exempted]) {
    const sev = f.severity.toUpperCase().padEnd(sevWidth);
    // Names, reasons and messages come from ARM: no escape sequence reaches the terminal.
    const where = terminalText(f.perimeterId ? `${shortName(f.resourceId)} (${shortName(f.perimeterId)})` : shortName(f.resourceId));
    const tag = f.exempted ? paint(DIM, ` [exempted: ${terminalText(f.exemptionReason)}]`) : "";
    out.push(`${paint(COLOURS[f.severity], sev)}  ${terminalText(f.ruleId).padEnd(ruleWidth)}  ${where}${tag}`);
    out.push(wrap(terminalText(f.message), width, " ".repeat(sevWidth + 2)));
  }
  out.push(...notEvaluatedTable(report));
  const counts = SEVERITIES.filter((s) => report.summary.findings[s] > 0)
    .map((s) => `${report.summary.findings[s]} ${s}`)
    .join(", ");
  out.push(
    `${report.summary.perimeters} perimeter(s), ${report.summary.associations} association(s): ` +
      (active.length === 0 ? "no findings" : `${active.length} finding(s) (${counts})`) +
      (exempted.length ? `, ${exempted.length} exempted` : "") +
      (report.notEvaluated.length ? `, ${report.notEvaluated.length} not evaluated` : ""),
  );
  return `${out.join("\n")}\n`;
}
