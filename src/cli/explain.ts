/** `nsp-guardrail rules explain ID`: a rule's page for the terminal, from its metadata (as docs/rules/ID.md). */
import { InputError } from "../model/errors.js";
import { didYouMean } from "../model/suggest.js";
import { ALL_RULES, RULE_IDS } from "../rules/catalog/index.js";
import { revertText } from "../rules/docs.js";
import { docUrl, SOURCES, type RuleMeta } from "../rules/types.js";

/** Markdown's inline code ticks read as quotes in a terminal. */
function plain(text: string): string {
  return text.replace(/`([^`]*)`/g, "'$1'");
}

function wrap(text: string, width: number, indent = "  "): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}

export function renderRuleExplanation(meta: RuleMeta, width = 100): string {
  const section = (title: string, text: string) => ["", title.toUpperCase(), ...wrap(plain(text), width)];
  return `${[
    `${meta.id}: ${meta.title}`,
    `  category ${meta.category}, severity ${meta.severity}${meta.needsPreviousState ? "; raised by the event pipeline and replay only (needs the state before the change)" : ""}`,
    ...section("Severity", meta.severityLogic),
    ...section("Resource", meta.resource),
    ...section("Why the rule exists", meta.explanation),
    ...section("Remediation", meta.remediation),
    ...section("What revert does", `${revertText(meta)} Every revert is compare-then-write, vetted by the rules first, recorded in the ledger and undoable ('nsp-guardrail undo').`),
    "",
    "WHAT IT READS",
    ...meta.reads.map((t) => `  ${t}`),
    "",
    "SOURCES",
    ...meta.sources.map((s) => `  ${SOURCES[s.doc].title}, "${s.section}"\n    ${docUrl(s)}`),
    "",
    "POLICY",
    `  rules: { ${meta.id}: { action: off|alert|revert, severity: critical|high|medium|low|info } }`,
    `  exemptions: [ { rule: ${meta.id}, resource: "/subscriptions/*/resourceGroups/my-rg/**", reason: "why, for the auditor" } ]`,
  ].join("\n")}\n`;
}

/** The page of rule `id`; an unknown id is a usage error with the closest known one. */
export function explainRule(id: string, width?: number): string {
  const rule = ALL_RULES.find((r) => r.meta.id === id.trim().toLowerCase());
  if (!rule) throw new InputError(`rules explain: ${JSON.stringify(id)}: unknown rule id${didYouMean(id, RULE_IDS)} (nsp-guardrail rules lists them)`);
  return renderRuleExplanation(rule.meta, width);
}
