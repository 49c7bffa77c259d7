import { createHash } from "node:crypto";
import { idKey } from "../model/armId.js";
import type { EstateReader } from "../model/estate.js";
import { docUrl, SEVERITIES, type Finding, type RuleMeta } from "../rules/types.js";
import { escapeHtml } from "./escape.js";
import { describePerimeter, drawPerimeter, pictureLegend } from "./perimeterPicture.js";
import { shortName, type ScanReport } from "./scanReport.js";
import { notEvaluatedHtml } from "./notEvaluatedSection.js";
import { azCommand, azLinkCommand, bicepSnippet } from "../readiness/proposalText.js";
import type { ReadinessReport, WouldBreak } from "../readiness/readiness.js";

/**
 * A self-contained HTML report (issue 8 §2): one file with no external resources, a picture (inline
 * SVG) of each perimeter with its profiles and members coloured by worst finding, the findings table
 * with filters (a small inline script; without it every row stays visible), exemptions with their
 * reasons, and links to the rule docs on learn.microsoft.com.
 */

export { escapeHtml } from "./escape.js";
const esc = escapeHtml;

/** An https link, or the plain text when the URL is anything else (no `javascript:` from data). */
function link(url: string | undefined, text: string, attrs = ""): string {
  if (!url || !/^https:\/\//i.test(url)) return esc(text);
  return `<a href="${esc(url)}"${attrs} rel="noopener noreferrer">${esc(text)}</a>`;
}

function portalUrl(id: string): string | undefined {
  return /^\/subscriptions\//i.test(id) ? `https://portal.azure.com/#@/resource${encodeURI(id)}` : undefined;
}

// --- the tables --------------------------------------------------------------------------------

function ruleCell(f: Finding): string {
  return `${link(f.docUrl, f.ruleId, ` class="rule-doc" title="${esc(f.title)}"`)}`;
}

function resourceCell(id: string): string {
  const name = shortName(id) || id;
  return `<span class="resource" title="${esc(id)}">${link(portalUrl(id), name, ` class="portal"`)}</span>`;
}

/** Each finding's row anchor, in report order: what the pictures link to. */
type Anchors = ReadonlyMap<Finding, string>;

function rowAttrs(f: Finding, anchors: Anchors): string {
  return (
    `id="${anchors.get(f)}" class="finding sev-${f.severity}" data-rule="${esc(f.ruleId)}" data-severity="${f.severity}" data-exempted="${f.exempted}" ` +
    `data-resource="${esc(f.resourceId)}" data-perimeter="${esc(f.perimeterId ?? "")}"`
  );
}

function findingsTable(findings: readonly Finding[], anchors: Anchors): string {
  if (findings.length === 0) return `<p id="no-findings">No findings.</p>`;
  const rows = findings.map(
    (f) =>
      `<tr ${rowAttrs(f, anchors)}><td><span class="badge sev-${f.severity}">${f.severity}</span></td><td>${ruleCell(f)}</td>` +
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

function exemptedTable(findings: readonly Finding[], anchors: Anchors): string {
  if (findings.length === 0) return `<p id="no-exempted">No exempted findings.</p>`;
  const rows = findings.map(
    (f) =>
      `<tr ${rowAttrs(f, anchors)}><td><span class="badge sev-${f.severity}">${f.severity}</span></td><td>${ruleCell(f)}</td>` +
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
  // The findings table only: the exempted ones are counted apart, as in the section headings.
  var rows = Array.prototype.slice.call(document.querySelectorAll("#findings-table tr.finding"));
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
  // A picture's link to a row the filters hide clears the filters, so that the link always lands.
  function reveal() {
    var target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    if (!target || !target.hidden || rows.indexOf(target) === -1) return;
    form.reset();
    apply();
    target.scrollIntoView();
  }
  form.addEventListener("change", apply);
  form.addEventListener("input", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  window.addEventListener("hashchange", reveal);
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
.empty-label, .members-head, .more-rules { font-size: 11px; fill: #333; }
.access-summary { font-size: 11px; fill: #1b1b1b; }
.rule-label { font-size: 11px; font-weight: 600; }
.rule-sub { font-size: 10px; }
.target-label { font-size: 12px; font-weight: 600; fill: #1b1b1b; }
.target-sub { font-size: 10px; fill: #333; }
.legend { border-bottom: 1px solid #ddd; padding-bottom: .25rem; font-size: .85rem; }
.legend-items { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; list-style: none; padding: 0; margin: .25rem 0; }
.legend-items li { display: flex; align-items: center; gap: .35rem; }
.legend-hint { margin: .25rem 0; color: #555; }
svg a:hover rect, svg a:focus rect { stroke: #0d47a1; stroke-width: 3; }
tr.finding { scroll-margin-top: 3rem; }
tr.finding:target { outline: 3px solid #0d47a1; }
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
  const anchors: Anchors = new Map(report.findings.map((f, i) => [f, `finding-${i + 1}`]));
  const figureOf = new Map(perimeters.map((p, i) => [idKey(p.id), `perimeter-${i + 1}`]));
  const drawOptions = (i: number) => ({
    idPrefix: `perimeter-${i + 1}`,
    anchorOf: (f: Finding) => anchors.get(f),
    perimeterAnchor: (id: string) => figureOf.get(idKey(id)),
  });
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
    perimeters.length === 0 ? `<p>No perimeters.</p>` : pictureLegend(),
    ...perimeters.map((p, i) => {
      const picture = describePerimeter(p, estate, report.findings);
      return (
        `<figure class="perimeter-figure sev-${picture.status}" id="perimeter-${i + 1}" data-perimeter="${esc(p.id)}" data-severity="${picture.status}">\n` +
        `${drawPerimeter(picture, drawOptions(i))}\n<figcaption>${esc(picture.name)}</figcaption></figure>`
      );
    }),
    `</section>`,
    readiness ? readinessSection(readiness) : "",
    `<section id="findings"><h2>Findings (${active.length})</h2>`,
    filterForm(active),
    findingsTable(active, anchors),
    `</section>`,
    notEvaluatedHtml(report),
    `<section id="exempted"><h2>Exempted (${exempted.length})</h2>`,
    exemptedTable(exempted, anchors),
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
