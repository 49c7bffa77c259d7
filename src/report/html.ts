import { createHash } from "node:crypto";
import { idKey } from "../model/armId.js";
import type { AccessMode, AssociationRecord, EstateReader } from "../model/estate.js";
import type { ArmResource } from "../model/resource.js";
import { docUrl, SEVERITIES, severityRank, type Finding, type RuleMeta, type Severity } from "../rules/types.js";
import { shortName, type ScanReport } from "./scanReport.js";
import { azCommand, azLinkCommand, bicepSnippet } from "../readiness/proposalText.js";
import type { ReadinessReport, WouldBreak } from "../readiness/readiness.js";

/**
 * A self-contained HTML report (issue 8 §2): one file with no external resources, a picture (inline
 * SVG) of each perimeter with its profiles and members coloured by worst finding, the findings table
 * with filters (a small inline script; without it every row stays visible), exemptions with their
 * reasons, and links to the rule docs on learn.microsoft.com.
 */

const PROFILE_TYPE = "microsoft.network/networksecurityperimeters/profiles";

/** What a node of the picture is coloured by: its worst finding that is not exempted. */
export type NodeStatus = Severity | "none" | "exempted";
export const NODE_STATUSES: readonly NodeStatus[] = [...SEVERITIES, "none", "exempted"];

const FILL: Record<NodeStatus, { fill: string; text: string; label: string }> = {
  critical: { fill: "#8b0000", text: "#ffffff", label: "critical" },
  high: { fill: "#d32f2f", text: "#ffffff", label: "high" },
  medium: { fill: "#f57c00", text: "#000000", label: "medium" },
  low: { fill: "#fdd835", text: "#000000", label: "low" },
  info: { fill: "#64b5f6", text: "#000000", label: "info" },
  none: { fill: "#2e7d32", text: "#ffffff", label: "no findings" },
  exempted: { fill: "#9e9e9e", text: "#000000", label: "exempted only" },
};

/** Escapes text for HTML (and inline SVG) content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
const esc = escapeHtml;

/** Shortens a label to `max` characters (before escaping, so that no entity is cut). */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join("")}…`;
}

/** An https link, or the plain text when the URL is anything else (no `javascript:` from data). */
function link(url: string | undefined, text: string, attrs = ""): string {
  if (!url || !/^https:\/\//i.test(url)) return esc(text);
  return `<a href="${esc(url)}"${attrs} rel="noopener noreferrer">${esc(text)}</a>`;
}

function portalUrl(id: string): string | undefined {
  return /^\/subscriptions\//i.test(id) ? `https://portal.azure.com/#@/resource${encodeURI(id)}` : undefined;
}

function worst(findings: readonly Finding[]): NodeStatus {
  const active = findings.filter((f) => !f.exempted);
  if (active.length === 0) return findings.length > 0 ? "exempted" : "none";
  return active.reduce((w, f) => (severityRank(f.severity) > severityRank(w) ? f.severity : w), active[0]!.severity);
}

function countLabel(findings: readonly Finding[]): string {
  const active = findings.filter((f) => !f.exempted).length;
  const exempted = findings.length - active;
  return `${active} finding${active === 1 ? "" : "s"}${exempted ? `, ${exempted} exempted` : ""}`;
}

// --- the picture -------------------------------------------------------------------------------

const PAD = 16;
const COL_W = 210;
const GAP = 12;
const NODE_H = 36;
const TOP = 48;
const PROFILE_HEAD = 34;
const LEGEND_W = 650;

interface Column {
  id: string;
  name: string;
  findings: Finding[];
  members: { record: AssociationRecord; findings: Finding[] }[];
}

function dash(mode: AccessMode): string {
  return mode === "Enforced" ? "" : ` stroke-dasharray="5 3"`;
}

function legend(y: number): string {
  const out: string[] = [`<g class="legend" transform="translate(${PAD} ${y})">`];
  NODE_STATUSES.forEach((s, i) => {
    const x = i * 92;
    out.push(
      `<rect x="${x}" y="0" width="14" height="14" fill="${FILL[s].fill}" stroke="#333"/>`,
      `<text x="${x + 18}" y="11" class="legend-label">${esc(FILL[s].label)}</text>`,
    );
  });
  out.push(
    `<rect x="0" y="22" width="28" height="14" fill="#fff" stroke="#333" stroke-width="2"/>`,
    `<text x="34" y="33" class="legend-label">Enforced</text>`,
    `<rect x="110" y="22" width="28" height="14" fill="#fff" stroke="#333" stroke-width="2" stroke-dasharray="5 3"/>`,
    `<text x="144" y="33" class="legend-label">Learning / Audit (not enforced)</text>`,
    `</g>`,
  );
  return out.join("");
}

function perimeterSvg(perimeter: ArmResource, index: number, estate: EstateReader, findings: readonly Finding[]): string {
  const pKey = idKey(perimeter.id);
  const inPerimeter = findings.filter((f) => f.perimeterId !== undefined && idKey(f.perimeterId) === pKey);
  const records = estate.associationsOfPerimeter(perimeter.id);
  const profiles = estate.descendants(perimeter.id, PROFILE_TYPE);

  const columns: Column[] = profiles.map((p) => ({ id: p.id, name: p.name ?? shortName(p.id), findings: [], members: [] }));
  const byKey = new Map(columns.map((c) => [idKey(c.id), c]));
  let orphan: Column | undefined;
  const memberKeys = new Set<string>();
  for (const record of records) {
    let column = record.profileId ? byKey.get(idKey(record.profileId)) : undefined;
    if (!column) {
      orphan ??= { id: "", name: "(no profile)", findings: [], members: [] };
      column = orphan;
    }
    const assocKey = idKey(record.id);
    const mine = inPerimeter.filter(
      (f) => (record.memberKey !== "" && idKey(f.resourceId) === record.memberKey) || (f.associationId !== undefined && idKey(f.associationId) === assocKey),
    );
    if (record.memberKey) memberKeys.add(record.memberKey);
    memberKeys.add(assocKey);
    column.members.push({ record, findings: mine });
  }
  if (orphan) columns.push(orphan);
  // Profile-level findings: the profile itself and its access rules, not its members.
  for (const column of columns) {
    if (!column.id) continue;
    const key = idKey(column.id);
    column.findings = inPerimeter.filter(
      (f) => f.profileId !== undefined && idKey(f.profileId) === key && !memberKeys.has(idKey(f.resourceId)) && !(f.associationId && memberKeys.has(idKey(f.associationId))),
    );
  }
  const own = inPerimeter.filter((f) => idKey(f.resourceId) === pKey);
  const status = worst(own);

  const rows = Math.max(1, ...columns.map((c) => c.members.length));
  const profileH = PROFILE_HEAD + rows * (NODE_H + GAP);
  const contentW = PAD * 2 + Math.max(1, columns.length) * (COL_W + GAP) - GAP;
  const width = Math.max(contentW, PAD * 2 + LEGEND_W);
  const boxH = TOP + profileH + PAD;
  const height = boxH + 16 + 40;
  const name = perimeter.name ?? shortName(perimeter.id);
  const pid = `perimeter-${index + 1}`;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="perimeter-svg" id="${pid}-svg" data-perimeter="${esc(perimeter.id)}" ` +
      `width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${pid}-svg-title">`,
    `<title id="${pid}-svg-title">${esc(`Perimeter ${perimeter.id}: ${profiles.length} profile(s), ${records.length} member(s), ${countLabel(inPerimeter)}`)}</title>`,
    `<g class="perimeter" id="${pid}-box" data-perimeter="${esc(perimeter.id)}" data-severity="${status}">`,
    `<title>${esc(`${perimeter.id}\n${countLabel(own)} on the perimeter itself; ${countLabel(inPerimeter)} in all`)}</title>`,
    `<rect x="1" y="1" width="${width - 2}" height="${boxH}" rx="10" fill="#f5f7fa" stroke="${status === "none" ? "#455a64" : FILL[status].fill}" stroke-width="2"/>`,
    `<text x="${PAD}" y="${PAD + 14}" class="perimeter-label">${esc(truncate(name, 60))}</text>`,
    `</g>`,
  ];
  if (columns.length === 0) {
    out.push(`<text x="${PAD}" y="${TOP + 20}" class="empty-label">(no profiles, no members)</text>`);
  }
  columns.forEach((column, ci) => {
    const x = PAD + ci * (COL_W + GAP);
    const cStatus = worst(column.findings);
    const cid = `${pid}-profile-${ci + 1}`;
    out.push(
      `<g class="profile" id="${cid}" data-profile="${esc(column.id)}" data-severity="${cStatus}">`,
      `<title>${esc(`${column.id || "Associations without a known profile"}\n${column.members.length} member(s); ${countLabel(column.findings)} on the profile and its access rules`)}</title>`,
      `<rect x="${x}" y="${TOP}" width="${COL_W}" height="${profileH}" rx="6" fill="#ffffff" stroke="#607d8b"${column.id ? "" : ` stroke-dasharray="2 2"`}/>`,
      `<rect x="${x}" y="${TOP}" width="${COL_W}" height="${PROFILE_HEAD - 8}" rx="6" fill="${FILL[cStatus].fill}"/>`,
      `<text x="${x + 8}" y="${TOP + 17}" class="profile-label" fill="${FILL[cStatus].text}">${esc(truncate(column.name, 28))}</text>`,
      `</g>`,
    );
    column.members.forEach(({ record, findings: mf }, mi) => {
      const y = TOP + PROFILE_HEAD + mi * (NODE_H + GAP);
      const mStatus = worst(mf);
      const memberId = record.memberId || record.id;
      const label = record.member?.name ?? (record.memberId ? shortName(record.memberId) : shortName(record.id));
      out.push(
        `<g class="member" id="${cid}-member-${mi + 1}" data-member="${esc(memberId)}" data-association="${esc(record.id)}" ` +
          `data-severity="${mStatus}" data-access-mode="${record.mode}" data-findings="${mf.filter((f) => !f.exempted).length}">`,
        `<title>${esc(`${memberId}\nAccess mode: ${record.mode}\n${countLabel(mf)}`)}</title>`,
        `<rect x="${x + 8}" y="${y}" width="${COL_W - 16}" height="${NODE_H}" rx="4" fill="${FILL[mStatus].fill}" stroke="#222" stroke-width="2"${dash(record.mode)}/>`,
        `<text x="${x + 16}" y="${y + 15}" class="member-label" fill="${FILL[mStatus].text}">${esc(truncate(label, 26))}</text>`,
        `<text x="${x + 16}" y="${y + 29}" class="member-sub" fill="${FILL[mStatus].text}">${esc(`${record.mode} · ${countLabel(mf)}`)}</text>`,
        `</g>`,
      );
    });
  });
  out.push(legend(boxH + 16), `</svg>`);
  return out.join("\n");
}

// --- the tables --------------------------------------------------------------------------------

function ruleCell(f: Finding): string {
  return `${link(f.docUrl, f.ruleId, ` class="rule-doc" title="${esc(f.title)}"`)}`;
}

function resourceCell(id: string): string {
  const name = shortName(id) || id;
  return `<span class="resource" title="${esc(id)}">${link(portalUrl(id), name, ` class="portal"`)}</span>`;
}

function rowAttrs(f: Finding): string {
  return (
    `class="finding sev-${f.severity}" data-rule="${esc(f.ruleId)}" data-severity="${f.severity}" data-exempted="${f.exempted}" ` +
    `data-resource="${esc(f.resourceId)}" data-perimeter="${esc(f.perimeterId ?? "")}"`
  );
}

function findingsTable(findings: readonly Finding[]): string {
  if (findings.length === 0) return `<p id="no-findings">No findings.</p>`;
  const rows = findings.map(
    (f) =>
      `<tr ${rowAttrs(f)}><td><span class="badge sev-${f.severity}">${f.severity}</span></td><td>${ruleCell(f)}</td>` +
      `<td>${resourceCell(f.resourceId)}</td><td title="${esc(f.perimeterId ?? "")}">${esc(shortName(f.perimeterId))}</td>` +
      `<td class="message">${esc(f.message)}</td><td class="remediation">${esc(f.remediation)}</td></tr>`,
  );
  return [
    `<table id="findings-table" class="findings">`,
    `<thead><tr><th scope="col">Severity</th><th scope="col">Rule</th><th scope="col">Resource</th><th scope="col">Perimeter</th><th scope="col">Why flagged</th><th scope="col">Fix</th></tr></thead>`,
    `<tbody>`,
    ...rows,
    `</tbody></table>`,
  ].join("\n");
}

function exemptedTable(findings: readonly Finding[]): string {
  if (findings.length === 0) return `<p id="no-exempted">No exempted findings.</p>`;
  const rows = findings.map(
    (f) =>
      `<tr ${rowAttrs(f)}><td><span class="badge sev-${f.severity}">${f.severity}</span></td><td>${ruleCell(f)}</td>` +
      `<td>${resourceCell(f.resourceId)}</td><td title="${esc(f.perimeterId ?? "")}">${esc(shortName(f.perimeterId))}</td>` +
      `<td class="reason">${esc(f.exemptionReason ?? "")}</td><td class="message">${esc(f.message)}</td></tr>`,
  );
  return [
    `<table id="exempted-table" class="findings">`,
    `<thead><tr><th scope="col">Severity</th><th scope="col">Rule</th><th scope="col">Resource</th><th scope="col">Perimeter</th><th scope="col">Exemption reason</th><th scope="col">Why it would be flagged</th></tr></thead>`,
    `<tbody>`,
    ...rows,
    `</tbody></table>`,
  ].join("\n");
}

function filterForm(findings: readonly Finding[]): string {
  const rules = [...new Set(findings.map((f) => f.ruleId))].sort();
  return [
    // Hidden until the script runs: without it the controls would do nothing, and every row stays visible.
    `<form id="filters" class="filters" hidden>`,
    `<fieldset><legend>Severity</legend>`,
    ...SEVERITIES.map(
      (s) => `<label><input type="checkbox" name="severity" value="${s}" id="filter-severity-${s}" checked> ${s}</label>`,
    ),
    `</fieldset>`,
    `<label for="filter-rule">Rule</label> <select id="filter-rule" name="rule"><option value="">All rules</option>`,
    ...rules.map((r) => `<option value="${esc(r)}">${esc(r)}</option>`),
    `</select>`,
    `<label for="filter-text">Search</label> <input type="search" id="filter-text" name="q" placeholder="resource, message…">`,
    `<output id="filter-count" for="filter-rule filter-text" aria-live="polite"></output>`,
    `</form>`,
    `<noscript><p>Filters need JavaScript; every finding is listed below.</p></noscript>`,
  ].join("\n");
}

/** The filter script: reads only the page's own controls and data attributes, never user data. */
export const FILTER_SCRIPT = `(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) return;
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.finding"));
  var count = document.getElementById("filter-count");
  function apply() {
    var sevs = {};
    Array.prototype.forEach.call(form.querySelectorAll("input[name=severity]"), function (box) { sevs[box.value] = box.checked; });
    var rule = form.querySelector("#filter-rule").value;
    var q = form.querySelector("#filter-text").value.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (row) {
      var ok = sevs[row.getAttribute("data-severity")] !== false &&
        (!rule || row.getAttribute("data-rule") === rule) &&
        (!q || (row.textContent + " " + row.getAttribute("data-resource")).toLowerCase().indexOf(q) !== -1);
      row.hidden = !ok;
      if (ok) shown++;
    });
    if (count) count.textContent = "Showing " + shown + " of " + rows.length;
  }
  form.addEventListener("change", apply);
  form.addEventListener("input", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  form.hidden = false;
  apply();
})();`;

const STYLE = `
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
body { margin: 0 auto; max-width: 1400px; padding: 1rem 1.5rem; color: #1b1b1b; background: #fff; }
h1 { margin-bottom: .25rem; }
.meta { color: #555; margin-top: 0; }
.counts { display: flex; flex-wrap: wrap; gap: .5rem; padding: 0; list-style: none; }
.counts li { padding: .35rem .7rem; border-radius: 4px; border: 1px solid #ccc; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: 3px; font-size: .85em; }
.sev-critical .badge, .badge.sev-critical, li.sev-critical { background: #8b0000; color: #fff; }
.badge.sev-high, li.sev-high { background: #d32f2f; color: #fff; }
.badge.sev-medium, li.sev-medium { background: #f57c00; color: #000; }
.badge.sev-low, li.sev-low { background: #fdd835; color: #000; }
.badge.sev-info, li.sev-info { background: #64b5f6; color: #000; }
li.exempted { background: #9e9e9e; color: #000; }
.perimeter-figure { margin: 1rem 0; overflow-x: auto; }
.perimeter-figure svg { max-width: 100%; height: auto; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.perimeter-label { font-size: 16px; font-weight: 600; fill: #1b1b1b; }
.profile-label { font-size: 13px; font-weight: 600; }
.member-label { font-size: 12px; font-weight: 600; }
.member-sub { font-size: 10px; }
.legend-label, .empty-label { font-size: 11px; fill: #333; }
.filters { display: flex; flex-wrap: wrap; align-items: center; gap: .75rem; margin: .5rem 0 1rem; }
.filters fieldset { border: 1px solid #ccc; padding: .25rem .5rem; }
table.findings { border-collapse: collapse; width: 100%; font-size: .9rem; }
table.findings th, table.findings td { border: 1px solid #ddd; padding: .35rem .5rem; text-align: left; vertical-align: top; }
table.findings thead th { background: #eef1f5; position: sticky; top: 0; }
tr[hidden] { display: none; }
.message, .remediation, .reason { overflow-wrap: anywhere; }
.resource { font-family: ui-monospace, SFMono-Regular, Consolas, monospace; }
dl.rules dt { font-weight: 600; margin-top: .5rem; }
`;

/** A CSP source for an inline style or script: its quoted sha256. */
export function sha256(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

function ruleDocs(findings: readonly Finding[], rules: readonly RuleMeta[]): string {
  const fired = new Set(findings.map((f) => f.ruleId));
  const metas = rules.filter((r) => fired.has(r.id));
  const known = new Set(metas.map((r) => r.id));
  const items: string[] = metas.map((r) => {
    const sources = r.sources.map((s) => `<li>${link(docUrl(s), `${s.section}`)}</li>`).join("");
    return (
      `<dt id="rule-${esc(r.id)}" data-rule="${esc(r.id)}">${esc(r.id)}: ${esc(r.title)} <span class="badge sev-${r.severity}">${r.severity}</span></dt>` +
      `<dd><p>${esc(r.explanation)}</p><p><strong>Fix:</strong> ${esc(r.remediation)}</p><ul class="sources">${sources}</ul></dd>`
    );
  });
  // Findings of rules outside the catalogue given (engine errors): their own doc link.
  for (const f of findings) {
    if (known.has(f.ruleId)) continue;
    known.add(f.ruleId);
    items.push(`<dt id="rule-${esc(f.ruleId)}" data-rule="${esc(f.ruleId)}">${esc(f.ruleId)}: ${esc(f.title)}</dt><dd>${link(f.docUrl, f.docUrl)}</dd>`);
  }
  if (items.length === 0) return `<p>No rule fired.</p>`;
  return `<dl class="rules">\n${items.join("\n")}\n</dl>`;
}

/** The scan report as one self-contained HTML5 page. */
/** The scan report; with `readiness`, a section of enforcement readiness per association after the perimeters. */
export function formatHtml(report: ScanReport, estate: EstateReader, rules: readonly RuleMeta[], readiness?: ReadinessReport): string {
  const s = report.summary;
  const active = report.findings.filter((f) => !f.exempted);
  const exempted = report.findings.filter((f) => f.exempted);
  const source = report.source.snapshot
    ? `snapshot ${report.source.snapshot}`
    : report.source.subscriptions
      ? `subscription(s) ${report.source.subscriptions.join(", ")}`
      : "unknown source";
  const perimeters = [...estate.perimeters()].sort((a, b) => idKey(a.id).localeCompare(idKey(b.id)));
  const csp = `default-src 'none'; style-src ${sha256(STYLE)}${readiness ? ` ${sha256(READINESS_STYLE)}` : ""}; script-src ${sha256(FILTER_SCRIPT)}; img-src data:; form-action 'none'; base-uri 'none'`;

  return [
    `<!DOCTYPE html>`,
    `<html lang="en">`,
    `<head>`,
    `<meta charset="utf-8">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">`,
    `<meta name="generator" content="nsp-guardrail">`,
    `<title>NSP Guardrail scan, ${esc(report.generatedAt)}</title>`,
    `<style>${STYLE}</style>`,
    readiness ? `<style>${READINESS_STYLE}</style>` : "",
    `</head>`,
    `<body>`,
    `<header id="summary">`,
    `<h1>NSP Guardrail scan</h1>`,
    `<p class="meta">Scanned <span id="summary-perimeters">${s.perimeters}</span> perimeter(s) and <span id="summary-associations">${s.associations}</span> association(s) ` +
      `from <span id="summary-source">${esc(source)}</span> at <time id="summary-generated" datetime="${esc(report.generatedAt)}">${esc(report.generatedAt)}</time>.</p>`,
    `<ul class="counts">`,
    ...SEVERITIES.map((sev) => `<li class="sev-${sev}" data-severity="${sev}">${sev}: <strong>${s.findings[sev]}</strong></li>`),
    `<li class="exempted" data-severity="exempted">exempted: <strong>${s.exempted}</strong></li>`,
    `</ul>`,
    `</header>`,
    `<main>`,
    `<section id="perimeters"><h2>Perimeters</h2>`,
    perimeters.length === 0 ? `<p>No perimeters.</p>` : "",
    ...perimeters.map(
      (p, i) =>
        `<figure class="perimeter-figure" id="perimeter-${i + 1}" data-perimeter="${esc(p.id)}">\n${perimeterSvg(p, i, estate, report.findings)}\n` +
        `<figcaption>${esc(p.name ?? shortName(p.id))}</figcaption></figure>`,
    ),
    `</section>`,
    readiness ? readinessSection(readiness) : "",
    `<section id="findings"><h2>Findings (${active.length})</h2>`,
    filterForm(report.findings),
    findingsTable(active),
    `</section>`,
    `<section id="exempted"><h2>Exempted (${exempted.length})</h2>`,
    exemptedTable(exempted),
    `</section>`,
    `<section id="rules"><h2>Rules</h2>`,
    ruleDocs(report.findings, rules),
    `</section>`,
    `</main>`,
    `<script>${FILTER_SCRIPT}</script>`,
    `</body>`,
    `</html>`,
    ``,
  ]
    .filter((line) => line !== "")
    .join("\n")
    .concat("\n");
}

// ---------------------------------------------------------------------------------------------
// Enforcement readiness per association (`readiness`, contracts.md revision 2): the callers that
// would break, and the proposed rules ready to apply as Bicep and as `az` commands.

export const READINESS_STYLE = `
#readiness article{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;margin:12px 0}
#readiness .verdict{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
#readiness .verdict-ready{background:#1a7f37}#readiness .verdict-breaks{background:#cf222e}#readiness .verdict-no-data{background:#9a6700}
#readiness table{border-collapse:collapse;font-size:13px}#readiness td,#readiness th{border:1px solid #d0d7de;padding:2px 6px;text-align:left;vertical-align:top}
#readiness pre{background:#f6f8fa;padding:8px;overflow-x:auto;font-size:12px}
`;

function callerLabel(w: WouldBreak): string {
  if (w.direction === "Outbound") return `→ ${w.destinationFqdn ?? "(no FQDN)"}`;
  const parts = [w.sourceIpAddress, w.sourceSubscriptionId ? `subscription ${w.sourceSubscriptionId}` : undefined, w.sourceAppId ? `app ${w.sourceAppId}` : undefined, w.sourceResourceId ? shortName(w.sourceResourceId) : undefined];
  return parts.filter(Boolean).join(", ") || "(unknown caller)";
}

/** The readiness section: one article per association (verdict, reason, breaking callers, proposals). */
export function readinessSection(report: ReadinessReport): string {
  const articles = report.associations.map((a, i) => {
    const rows = a.wouldBreak
      .map(
        (w) =>
          `<tr class="fix-${esc(w.fix)}"><td>${w.direction}</td><td>${esc(callerLabel(w))}</td><td>${w.requests}</td><td>${esc(w.operations.join(", "))}</td>` +
          `<td>${esc(w.firstSeen.slice(0, 10))} – ${esc(w.lastSeen.slice(0, 10))}</td><td>${esc(w.fix)}</td><td>${esc(w.reason)}</td></tr>`,
      )
      .join("\n");
    const table = rows
      ? `<table class="would-break"><thead><tr><th>Direction</th><th>Caller</th><th>Requests</th><th>Operations</th><th>Seen</th><th>Fix</th><th>Reason</th></tr></thead><tbody>\n${rows}\n</tbody></table>`
      : "";
    const proposals =
      a.proposedRules.length > 0 || a.proposedLinks.length > 0
        ? `<h4>Proposed rules, as Bicep</h4><pre class="bicep">${esc(bicepSnippet(a.proposedRules, a.proposedLinks))}</pre>` +
          `<h4>The same with the Azure CLI</h4><pre class="az">${esc([...a.proposedRules.map((r, n) => azCommand(r, n)), ...a.proposedLinks.map(azLinkCommand)].join("\n"))}</pre>`
        : "";
    const associate = a.proposedAssociations.map((p) => `<li>associate <code>${esc(p.resourceId)}</code>: ${esc(p.reason)}</li>`).join("");
    return [
      `<article id="readiness-${i + 1}" class="readiness-${a.verdict}" data-association="${esc(a.associationId)}" data-verdict="${a.verdict}">`,
      `<h3>${esc(shortName(a.resourceId))} <span class="verdict verdict-${a.verdict}">${a.verdict}</span></h3>`,
      `<p class="meta">${esc(a.accessMode)} in ${esc(shortName(a.perimeterId))}/${esc(a.profileId ? shortName(a.profileId) : "(no profile)")}: ${a.wouldBreak.length} caller(s) would be denied once Enforced.</p>`,
      a.reason ? `<p class="reason">${esc(a.reason)}</p>` : "",
      table,
      proposals,
      associate ? `<ul class="associate">${associate}</ul>` : "",
      `</article>`,
    ]
      .filter(Boolean)
      .join("\n");
  });
  const notes = report.notes.map((n) => `<p class="note">${esc(n)}</p>`).join("\n");
  return [
    `<section id="readiness"><h2>Enforcement readiness (${report.associations.length})</h2>`,
    `<p class="meta">Access logs from ${esc(report.window.from)} to ${esc(report.window.to)}, re-checked against each profile's access rules as they are now.</p>`,
    report.associations.length === 0 ? `<p>No association in Transition or Audit.</p>` : "",
    ...articles,
    notes,
    `</section>`,
  ]
    .filter(Boolean)
    .join("\n");
}
