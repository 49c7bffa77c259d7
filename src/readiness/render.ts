/** Renders a readiness report as JSON, a terminal table, Markdown, HTML or SARIF. */
import { lastSegment } from "../model/armId.js";
import { escapeHtml } from "../report/html.js";
import { cell } from "../report/markdown.js";
import { TOOL_NAME, TOOL_URI, VERSION } from "../version.js";
import type { AssociationReadiness, ProposedRule, ReadinessReport, WouldBreak } from "./readiness.js";

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

function profileParts(profileId: string): { subscription: string; resourceGroup: string; perimeter: string; profile: string } {
  const m = /\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/networkSecurityPerimeters\/([^/]+)\/profiles\/([^/]+)/i.exec(profileId);
  return m
    ? { subscription: m[1]!, resourceGroup: m[2]!, perimeter: m[3]!, profile: m[4]! }
    : { subscription: "<subscription>", resourceGroup: "<resource-group>", perimeter: "<perimeter>", profile: "<profile>" };
}

/** Name of the `index`th proposed rule (access rule names: letters, digits, `_.-`, at most 80). */
export function proposedRuleName(r: ProposedRule, index: number): string {
  return `readiness-${r.direction.toLowerCase()}-${index + 1}`;
}

/**
 * The `az` command that creates a proposed rule (`az network perimeter profile access-rule create`,
 * arguments and value syntax as the command's own examples give them: Azure/aaz
 * Commands/network/perimeter/profile/access-rule/_create.md, and
 * https://learn.microsoft.com/azure/private-link/create-network-security-perimeter-cli).
 */
export function azCommand(r: ProposedRule, index: number): string {
  const p = profileParts(r.profileId);
  const what =
    r.addressPrefixes.length > 0
      ? `--address-prefixes "[${r.addressPrefixes.map((x) => `'${x}'`).join(", ")}]"`
      : r.subscriptions.length > 0
        ? `--subscriptions ${r.subscriptions.map((s, i) => `[${i}].id="/subscriptions/${s}"`).join(" ")}`
        : `--fqdn "[${r.fullyQualifiedDomainNames.map((f) => `'${f}'`).join(", ")}]"`;
  return `az network perimeter profile access-rule create --subscription ${p.subscription} -g ${p.resourceGroup} --perimeter-name ${p.perimeter} --profile-name ${p.profile} -n ${proposedRuleName(r, index)} --direction ${r.direction} ${what}`;
}

/** API version of the access rules the snippet writes (the one infra/modules/perimeter.bicep uses). */
const ACCESS_RULE_API = "2025-05-01";

/**
 * The proposed rules of one profile as a Bicep file to deploy to the perimeter's resource group
 * (`accessRules` properties as the Microsoft.Network REST spec names them: direction, addressPrefixes,
 * subscriptions[].id, fullyQualifiedDomainNames).
 */
export function bicepSnippet(rules: readonly ProposedRule[]): string {
  if (rules.length === 0) return "";
  const p = profileParts(rules[0]!.profileId);
  const list = (items: readonly string[]) => `[\n${items.map((i) => `      '${i}'`).join("\n")}\n    ]`;
  const lines = [
    `// Deploy to resource group ${p.resourceGroup} of subscription ${p.subscription}:`,
    `//   az deployment group create --subscription ${p.subscription} -g ${p.resourceGroup} --template-file readiness.bicep`,
    `resource profile 'Microsoft.Network/networkSecurityPerimeters/profiles@${ACCESS_RULE_API}' existing = {`,
    `  name: '${p.perimeter}/${p.profile}'`,
    `}`,
  ];
  rules.forEach((r, i) => {
    const name = proposedRuleName(r, i);
    const symbol = name.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase());
    lines.push("", `resource ${symbol} 'Microsoft.Network/networkSecurityPerimeters/profiles/accessRules@${ACCESS_RULE_API}' = {`, `  parent: profile`, `  name: '${name}'`, `  properties: {`, `    direction: '${r.direction}'`);
    if (r.addressPrefixes.length > 0) lines.push(`    addressPrefixes: ${list(r.addressPrefixes)}`);
    if (r.subscriptions.length > 0) lines.push(`    subscriptions: [\n${r.subscriptions.map((s) => `      { id: '/subscriptions/${s}' }`).join("\n")}\n    ]`);
    if (r.fullyQualifiedDomainNames.length > 0) lines.push(`    fullyQualifiedDomainNames: ${list(r.fullyQualifiedDomainNames)}`);
    lines.push(`  }`, `}`);
  });
  return `${lines.join("\n")}\n`;
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
    if (a.proposedRules.length > 0) {
      out.push("", "Proposed rules:", "", "```sh");
      a.proposedRules.forEach((r, i) => out.push(azCommand(r, i)));
      out.push("```");
    }
    for (const p of a.proposedAssociations) out.push("", `Associate \`${p.resourceId}\`: ${cell(p.reason)}`);
  }
  for (const note of report.notes) out.push("", `> ${note}`);
  return `${out.join("\n")}\n`;
}

export function formatReadinessHtml(report: ReadinessReport): string {
  const esc = escapeHtml;
  const rows = report.associations
    .map((a) => {
      const breaks = a.wouldBreak
        .map((w) => `<tr><td>${w.direction}</td><td>${esc(caller(w))}</td><td>${w.requests}</td><td>${esc(w.operations.join(", "))}</td><td>${w.fix}</td><td>${esc(w.reason)}</td></tr>`)
        .join("");
      const commands = a.proposedRules.map((r, i) => esc(azCommand(r, i))).join("\n");
      return `<section class="${a.verdict}"><h2>${esc(lastSegment(a.resourceId))}: ${a.verdict}</h2><p>${esc(a.associationId)} (${a.accessMode})</p>${a.reason ? `<p>${esc(a.reason)}</p>` : ""}${
        breaks ? `<table><tr><th>Direction</th><th>Caller</th><th>Requests</th><th>Operations</th><th>Fix</th><th>Reason</th></tr>${breaks}</table>` : ""
      }${commands ? `<pre>${commands}</pre>` : ""}</section>`;
    })
    .join("\n");
  const notes = report.notes.map((n) => `<p class="note">${esc(n)}</p>`).join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Enforcement readiness</title><style>body{font-family:sans-serif}section.breaks h2{color:#a00}section.ready h2{color:#070}section.no-data h2{color:#850}td,th{border:1px solid #ccc;padding:2px 6px}</style></head><body><h1>Enforcement readiness</h1><p>Window ${esc(report.window.from)} – ${esc(report.window.to)}</p>${rows}${notes}</body></html>\n`;
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
