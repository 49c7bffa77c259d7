/** Renders a readiness report as JSON, a terminal table, Markdown, HTML or SARIF. */
import { lastSegment } from "../model/armId.js";
import { escapeHtml, READINESS_STYLE, readinessSection, sha256 } from "../report/html.js";
import { cell } from "../report/markdown.js";
import { TOOL_NAME, TOOL_URI, VERSION } from "../version.js";
import { azCommand, azLinkCommand } from "./proposalText.js";
import type { AssociationReadiness, ProposedRule, ReadinessReport, WouldBreak } from "./readiness.js";

export { azCommand, azLinkCommand, bicepSnippet, proposedRuleName } from "./proposalText.js";

export const READINESS_FORMATS = ["table", "json", "markdown", "html", "sarif"] as const;
export type ReadinessFormat = (typeof READINESS_FORMATS)[number];

function caller(w: WouldBreak): string {
  if (w.direction === "Outbound") return `→ ${w.destinationFqdn ?? "(no FQDN)"}`;
  const parts = [w.sourceIpAddress, w.sourceSubscriptionId ? `sub ${w.sourceSubscriptionId}` : undefined, w.sourceAppId ? `app ${w.sourceAppId}` : undefined];
  if (w.sourceResourceId) parts.push(lastSegment(w.sourceResourceId));
  return parts.filter(Boolean).join(", ") || "(unknown caller)";
}

function ruleText(r: ProposedRule): string {
  const elements = [...r.addressPrefixes, ...r.subscriptions.map((s) => `/subscriptions/${s}`), ...r.fullyQualifiedDomainNames];
  return `${r.direction} ${elements.join(", ")} (covers ${r.covers}${r.origin === "provisioning-issue" ? ", suggested by Azure" : ""})`;
}

export function formatReadinessTable(report: ReadinessReport): string {
  const lines = [`readiness: window ${report.window.from} – ${report.window.to}, ${report.associations.length} association(s)`];
  for (const a of report.associations) {
    lines.push("", `${a.verdict.toUpperCase().padEnd(7)} ${lastSegment(a.resourceId)} (${a.accessMode}) in ${lastSegment(a.perimeterId)}/${a.profileId ? lastSegment(a.profileId) : "(no profile)"}`);
    if (a.reason) lines.push(`        ${a.reason}`);
    for (const w of a.wouldBreak) {
      lines.push(`        ${w.direction.padEnd(8)} ${caller(w)}  ${w.requests} req, ${w.operations.slice(0, 3).join(" ") || "-"}  fix: ${w.fix}  (${w.reason})`);
    }
    for (const r of a.proposedRules) lines.push(`        propose ${ruleText(r)}`);
    for (const l of a.proposedLinks) lines.push(`        propose link to perimeter ${l.remotePerimeterId ? lastSegment(l.remotePerimeterId) : l.remotePerimeterGuid} (covers ${l.covers})`);
    for (const p of a.proposedAssociations) lines.push(`        associate ${p.resourceId} (${p.reason})`);
  }
  for (const note of report.notes) lines.push("", `note: ${note}`);
  return `${lines.join("\n")}\n`;
}

export function formatReadinessMarkdown(report: ReadinessReport): string {
  const out = [`# Enforcement readiness`, "", `Window: ${report.window.from} – ${report.window.to}`, ""];
  out.push("| Resource | Mode | Verdict | Would break | Proposed rules |", "|---|---|---|---|---|");
  for (const a of report.associations) {
    out.push(`| ${cell(lastSegment(a.resourceId))} | ${a.accessMode} | ${a.verdict} | ${a.wouldBreak.length} | ${a.proposedRules.length} |`);
  }
  for (const a of report.associations) {
    out.push("", `## ${cell(lastSegment(a.resourceId))}: ${a.verdict}`, "", `Association \`${a.associationId}\``);
    if (a.reason) out.push("", a.reason);
    if (a.wouldBreak.length > 0) {
      out.push("", "| Direction | Caller | Requests | Operations | Fix | Reason |", "|---|---|---|---|---|---|");
      for (const w of a.wouldBreak) out.push(`| ${w.direction} | ${cell(caller(w))} | ${w.requests} | ${cell(w.operations.join(", "))} | ${w.fix} | ${cell(w.reason)} |`);
    }
    if (a.proposedRules.length > 0 || a.proposedLinks.length > 0) {
      out.push("", "Proposed rules:", "", "```sh");
      a.proposedRules.forEach((r, i) => out.push(azCommand(r, i)));
      a.proposedLinks.forEach((l) => out.push(azLinkCommand(l)));
      out.push("```");
    }
    for (const p of a.proposedAssociations) out.push("", `Associate \`${p.resourceId}\`: ${cell(p.reason)}`);
  }
  for (const note of report.notes) out.push("", `> ${note}`);
  return `${out.join("\n")}\n`;
}

/** A self-contained page: the same readiness section as the scan report's (report/html.ts). */
export function formatReadinessHtml(report: ReadinessReport): string {
  const csp = `default-src 'none'; style-src ${sha256(READINESS_STYLE)}; base-uri 'none'; form-action 'none'`;
  return [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">`,
    "<title>Enforcement readiness</title>",
    `<style>${READINESS_STYLE}</style></head>`,
    "<body><h1>Enforcement readiness</h1>",
    readinessSection(report),
    "</body></html>",
    "",
  ].join("\n");
}

const SARIF_RULES = [
  { id: "readiness-breaks", text: "Enforcing this association would deny callers seen in its access logs", level: "error" },
  { id: "readiness-no-data", text: "The access logs hold nothing to judge this association's readiness on", level: "warning" },
] as const;

export function formatReadinessSarif(report: ReadinessReport): string {
  const results = report.associations
    .filter((a: AssociationReadiness) => a.verdict !== "ready")
    .map((a) => ({
      ruleId: a.verdict === "breaks" ? "readiness-breaks" : "readiness-no-data",
      level: a.verdict === "breaks" ? "error" : "warning",
      message: {
        text:
          a.verdict === "breaks"
            ? `${a.wouldBreak.length} caller(s) of ${lastSegment(a.resourceId)} would be denied once Enforced; ${a.proposedRules.length} rule(s) proposed.`
            : `No readiness data for ${lastSegment(a.resourceId)}: ${a.reason ?? "no record"}.`,
      },
      locations: [{ logicalLocations: [{ fullyQualifiedName: a.associationId, kind: "resource" }] }],
      partialFingerprints: { associationId: a.associationId.toLowerCase() },
    }));
  const sarif = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: TOOL_NAME, version: VERSION, informationUri: TOOL_URI, rules: SARIF_RULES.map((r) => ({ id: r.id, shortDescription: { text: r.text }, defaultConfiguration: { level: r.level } })) } },
        results,
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

export function renderReadiness(report: ReadinessReport, format: ReadinessFormat): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(report, null, 2)}\n`;
    case "table":
      return formatReadinessTable(report);
    case "markdown":
      return formatReadinessMarkdown(report);
    case "html":
      return formatReadinessHtml(report);
    case "sarif":
      return formatReadinessSarif(report);
  }
}
