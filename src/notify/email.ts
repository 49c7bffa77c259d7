/**
 * Email bodies (HTML and plain text) carrying the same content as the Teams card: the same sections
 * in the same order, from the same AlertItem. Every value is escaped; backticks become <code>.
 */
import {
  callerLabel,
  changeLabel,
  headline,
  nameOf,
  portalLinks,
  portalUrl,
  resourceGroupOf,
  restoredLines,
  revertedFacts,
  SEVERITY_LABEL,
  UNDO_ADVICE,
  severityCounts,
  sortItems,
  type AlertItem,
  type AlertPayload,
} from "./model.js";
import type { Severity } from "../rules/types.js";

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const SEVERITY_COLOUR: Record<Severity, string> = { critical: "#a4262c", high: "#d13438", medium: "#c19c00", low: "#0078d4", info: "#605e5c" };
const RESOLVED_COLOUR = "#107c10";

export function renderEmail(payload: AlertPayload, portalBase: string): RenderedEmail {
  const subject = `[NSP Guardrail] ${headline(payload)}`;
  if (payload.kind === "digest") return { subject, html: digestHtml(payload, portalBase), text: digestText(payload, portalBase) };
  if (payload.kind === "reverted") return { subject, html: page(subject, revertedHtml(payload, portalBase)), text: revertedText(payload, portalBase) };
  const item = payload.items[0]!;
  return { subject, html: page(subject, itemHtml(item, payload, portalBase)), text: itemText(item, payload, portalBase) };
}

export function escapeHtml(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Escaped text with `code` spans. */
function prose(value: string): string {
  return escapeHtml(value).replace(/`([^`]+)`/g, "<code>$1</code>");
}

function link(url: string, label: string): string {
  return `<a href="${escapeHtml(url)}">${escapeHtml(label)}</a>`;
}

function page(title: string, body: string): string {
  return [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title></head>`,
    '<body style="font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#201f1e;max-width:760px">',
    body,
    '<p style="color:#605e5c;font-size:12px">Sent by NSP Guardrail.</p>',
    "</body></html>",
  ].join("\n");
}

function factRows(item: AlertItem): Array<[string, string]> {
  const rows: Array<[string, string | undefined]> = [
    ["Severity", SEVERITY_LABEL[item.severity]],
    ["Change", changeLabel(item)],
    ["Rule", `${item.ruleId} (${item.category})`],
    ["Resource", nameOf(item.resourceId)],
    ["Resource group", resourceGroupOf(item.resourceId)],
    ["Perimeter", item.perimeterId ? nameOf(item.perimeterId) : undefined],
    ["Profile", item.profileId ? nameOf(item.profileId) : undefined],
    ["Association", item.associationId ? nameOf(item.associationId) : undefined],
    ["Changed by", callerLabel(item)],
    ["Event", item.eventId],
    ["Guardrail action", item.guardrail.text],
  ];
  return rows.filter((r): r is [string, string] => Boolean(r[1]));
}

function sourcesOf(item: AlertItem): Array<{ title: string; url: string }> {
  return item.sources.length ? item.sources : [{ title: "Rule documentation", url: item.docUrl }];
}

function itemHtml(item: AlertItem, payload: AlertPayload, portalBase: string): string {
  const resolved = item.change === "resolved";
  const colour = resolved ? RESOLVED_COLOUR : SEVERITY_COLOUR[item.severity];
  const kicker = resolved ? `RESOLVED · was ${SEVERITY_LABEL[item.severity]}` : `${SEVERITY_LABEL[item.severity].toUpperCase()} · ${changeLabel(item)}`;
  const parts: string[] = [
    `<div style="border-left:6px solid ${colour};padding:8px 12px;background:#f3f2f1">`,
    `<div style="color:${colour};font-weight:bold;font-size:12px">${escapeHtml(kicker)} · NSP Guardrail</div>`,
    `<h1 style="font-size:20px;margin:4px 0">${escapeHtml(item.title)}</h1>`,
    "</div>",
  ];
  if (resolved) {
    const rows: Array<[string, string]> = [
      ["Rule", item.ruleId],
      ["Resource", nameOf(item.resourceId)],
      ...(resourceGroupOf(item.resourceId) ? [["Resource group", resourceGroupOf(item.resourceId)!] as [string, string]] : []),
      ...(item.perimeterId ? [["Perimeter", nameOf(item.perimeterId)] as [string, string]] : []),
      ["Resolved at", item.detectedAt],
    ];
    parts.push(factTable(rows));
    parts.push(`<h2 style="font-size:15px">What was flagged</h2><p>${prose(item.message)}</p>`);
    parts.push("<p>The configuration no longer triggers this rule; no action is needed.</p>");
  } else {
    parts.push(factTable(factRows(item)));
    parts.push(`<h2 style="font-size:15px">Why flagged</h2><p>${prose(item.message)}</p>`);
    parts.push(`<h2 style="font-size:15px">Why it matters</h2><p>${prose(item.explanation || "See the rule documentation.")}</p>`);
    parts.push(`<h2 style="font-size:15px">How to fix</h2><p>${prose(item.remediation)}</p>`);
    parts.push(`<h2 style="font-size:15px">Documentation</h2><ul>${sourcesOf(item).map((s) => `<li>${link(s.url, s.title)}</li>`).join("")}</ul>`);
    parts.push(`<h2 style="font-size:15px">Exempt it (if this is intended)</h2>`);
    parts.push(`<pre style="background:#f3f2f1;padding:8px;font-size:12px;white-space:pre-wrap">${escapeHtml(item.exemption.yaml)}</pre>`);
    parts.push(`<p style="font-size:12px">Or tag the resource: <code>${escapeHtml(item.exemption.tag)}</code></p>`);
  }
  parts.push(`<h2 style="font-size:15px">Resource id</h2><p><code>${escapeHtml(item.resourceId)}</code></p>`);
  parts.push(`<h2 style="font-size:15px">Azure portal</h2><ul>${portalLinks(portalBase, item).map((l) => `<li>${link(l.url, l.title)}</li>`).join("")}</ul>`);
  if (!resolved && payload.dryRun && item.guardrail.outcome !== "revert-planned") parts.push("<p>The guardrail runs in dry run: nothing is reverted.</p>");
  return parts.join("\n");
}

const REVERTED_COLOUR = RESOLVED_COLOUR;

/** One change the guardrail undid, as the Teams card tells it. */
function revertedHtml(payload: AlertPayload, portalBase: string): string {
  const [item, ...settled] = payload.items as [AlertItem, ...AlertItem[]];
  const revert = item.revert!;
  const parts: string[] = [
    `<div style="border-left:6px solid ${REVERTED_COLOUR};padding:8px 12px;background:#f3f2f1">`,
    `<div style="color:${REVERTED_COLOUR};font-weight:bold;font-size:12px">${escapeHtml(`REVERTED · ${SEVERITY_LABEL[item.severity]}`)} · NSP Guardrail</div>`,
    `<h1 style="font-size:20px;margin:4px 0">${escapeHtml(item.title)}</h1>`,
    "</div>",
    factTable(revertedFacts(item)),
    `<h2 style="font-size:15px">What changed</h2><p>${prose(item.message)}</p>`,
    `<h2 style="font-size:15px">What the guardrail restored on ${escapeHtml(nameOf(revert.targetId))}</h2>`,
    `<pre style="background:#f3f2f1;padding:8px;font-size:12px;white-space:pre-wrap">${escapeHtml(restoredLines(revert).join("\n"))}</pre>`,
  ];
  if (settled.length) parts.push(`<h2 style="font-size:15px">Also settled by this revert</h2><ul>${settled.map((s) => `<li>${escapeHtml(s.ruleId)}: ${prose(s.message)}</li>`).join("")}</ul>`);
  parts.push(`<h2 style="font-size:15px">Why it matters</h2><p>${prose(item.explanation || "See the rule documentation.")}</p>`);
  parts.push(`<h2 style="font-size:15px">Undo</h2><pre style="background:#f3f2f1;padding:8px;font-size:12px">${escapeHtml(revert.undo)}</pre>`);
  parts.push(`<p style="font-size:12px">${escapeHtml(UNDO_ADVICE)}</p>`);
  parts.push(`<pre style="background:#f3f2f1;padding:8px;font-size:12px;white-space:pre-wrap">${escapeHtml(item.exemption.yaml)}</pre>`);
  parts.push(`<h2 style="font-size:15px">Documentation</h2><ul>${sourcesOf(item).map((s) => `<li>${link(s.url, s.title)}</li>`).join("")}</ul>`);
  parts.push(`<h2 style="font-size:15px">Resource id</h2><p><code>${escapeHtml(item.resourceId)}</code></p>`);
  parts.push(`<h2 style="font-size:15px">Azure portal</h2><ul>${portalLinks(portalBase, item).map((l) => `<li>${link(l.url, l.title)}</li>`).join("")}</ul>`);
  return parts.join("\n");
}

function revertedText(payload: AlertPayload, portalBase: string): string {
  const [item, ...settled] = payload.items as [AlertItem, ...AlertItem[]];
  const revert = item.revert!;
  const lines: string[] = [`REVERTED · ${SEVERITY_LABEL[item.severity]} · NSP Guardrail`, item.title, ""];
  for (const [k, v] of revertedFacts(item)) lines.push(`${k}: ${v}`);
  lines.push("", "What changed", item.message, "", `What the guardrail restored on ${nameOf(revert.targetId)}`, ...restoredLines(revert).map((l) => `  ${l}`));
  if (settled.length) lines.push("", "Also settled by this revert", ...settled.map((s) => `- ${s.ruleId}: ${s.message}`));
  lines.push("", "Why it matters", item.explanation || "See the rule documentation.", "", "Undo", `  ${revert.undo}`, UNDO_ADVICE, item.exemption.yaml);
  lines.push("", "Documentation", ...sourcesOf(item).map((s) => `- ${s.title}: ${s.url}`));
  lines.push("", "Resource id", item.resourceId, "", "Azure portal", ...portalLinks(portalBase, item).map((l) => `- ${l.title}: ${l.url}`));
  return `${lines.join("\n")}\n`;
}

function factTable(rows: Array<[string, string]>): string {
  const cells = rows
    .map(([k, v]) => `<tr><th style="text-align:left;padding:2px 12px 2px 0;vertical-align:top">${escapeHtml(k)}</th><td style="padding:2px 0">${prose(v)}</td></tr>`)
    .join("");
  return `<table style="border-collapse:collapse;margin:8px 0">${cells}</table>`;
}

function itemText(item: AlertItem, payload: AlertPayload, portalBase: string): string {
  const lines: string[] = [];
  const resolved = item.change === "resolved";
  lines.push(resolved ? `RESOLVED · was ${SEVERITY_LABEL[item.severity]} · NSP Guardrail` : `${SEVERITY_LABEL[item.severity].toUpperCase()} · ${changeLabel(item)} · NSP Guardrail`);
  lines.push(item.title, "");
  if (resolved) {
    lines.push(`Rule: ${item.ruleId}`, `Resource: ${nameOf(item.resourceId)}`);
    if (resourceGroupOf(item.resourceId)) lines.push(`Resource group: ${resourceGroupOf(item.resourceId)}`);
    if (item.perimeterId) lines.push(`Perimeter: ${nameOf(item.perimeterId)}`);
    lines.push(`Resolved at: ${item.detectedAt}`, "", "What was flagged", item.message, "", "The configuration no longer triggers this rule; no action is needed.");
  } else {
    for (const [k, v] of factRows(item)) lines.push(`${k}: ${v}`);
    lines.push("", "Why flagged", item.message, "", "Why it matters", item.explanation || "See the rule documentation.", "", "How to fix", item.remediation, "");
    lines.push("Documentation", ...sourcesOf(item).map((s) => `- ${s.title}: ${s.url}`), "");
    lines.push("Exempt it (if this is intended)", item.exemption.yaml, `Or tag the resource: ${item.exemption.tag}`);
  }
  lines.push("", "Resource id", item.resourceId, "", "Azure portal", ...portalLinks(portalBase, item).map((l) => `- ${l.title}: ${l.url}`));
  if (!resolved && payload.dryRun && item.guardrail.outcome !== "revert-planned") lines.push("", "The guardrail runs in dry run: nothing is reverted.");
  return `${lines.join("\n")}\n`;
}

function digestSummary(payload: AlertPayload): string {
  const raised = payload.items.filter((i) => i.change !== "resolved").length;
  const resolved = payload.items.length - raised;
  return [raised ? `${raised} alert${raised === 1 ? "" : "s"} (${severityCounts(payload.items)})` : "", resolved ? `${resolved} resolved` : ""].filter(Boolean).join("; ");
}

function digestHtml(payload: AlertPayload, portalBase: string): string {
  const items = sortItems(payload.items);
  const title = `One evaluation of ${nameOf(payload.perimeterId)} raised ${items.length} alerts`;
  const parts = [
    `<div style="border-left:6px solid #605e5c;padding:8px 12px;background:#f3f2f1">`,
    `<div style="font-weight:bold;font-size:12px">DIGEST · ${escapeHtml(digestSummary(payload))} · NSP Guardrail</div>`,
    `<h1 style="font-size:20px;margin:4px 0">${escapeHtml(title)}</h1>`,
    `<div style="font-size:12px">Perimeter: <code>${escapeHtml(payload.perimeterId)}</code> · ${link(portalUrl(portalBase, payload.perimeterId), "open in the Azure portal")}</div>`,
    "</div>",
  ];
  for (const item of items) {
    const resolved = item.change === "resolved";
    const colour = resolved ? RESOLVED_COLOUR : SEVERITY_COLOUR[item.severity];
    const kicker = resolved ? `RESOLVED · ${item.ruleId}` : item.change === "reverted" ? `REVERTED · ${item.ruleId}` : `${SEVERITY_LABEL[item.severity].toUpperCase()} · ${changeLabel(item)} · ${item.ruleId}`;
    parts.push(`<div style="border-top:1px solid #edebe9;padding:6px 0">`);
    parts.push(`<div style="color:${colour};font-weight:bold;font-size:12px">${escapeHtml(kicker)}</div>`);
    parts.push(`<div>${link(portalUrl(portalBase, item.resourceId), nameOf(item.resourceId))}: ${prose(item.message)}</div>`);
    if (!resolved) {
      parts.push(`<div style="font-size:12px;color:#605e5c">${prose(item.guardrail.text)} Changed by: ${escapeHtml(callerLabel(item))}.${item.revert ? ` Undo: <code>${escapeHtml(item.revert.undo)}</code>.` : ""} ${link(item.docUrl, "Rule documentation")}</div>`);
    }
    parts.push("</div>");
  }
  if (payload.dryRun) parts.push("<p>The guardrail runs in dry run: nothing is reverted.</p>");
  return page(`[NSP Guardrail] ${headline(payload)}`, parts.join("\n"));
}

function digestText(payload: AlertPayload, portalBase: string): string {
  const items = sortItems(payload.items);
  const lines = [
    `DIGEST · ${digestSummary(payload)} · NSP Guardrail`,
    `One evaluation of ${nameOf(payload.perimeterId)} raised ${items.length} alerts`,
    `Perimeter: ${payload.perimeterId}`,
    `Azure portal: ${portalUrl(portalBase, payload.perimeterId)}`,
  ];
  for (const item of items) {
    const resolved = item.change === "resolved";
    lines.push("", resolved ? `RESOLVED · ${item.ruleId}` : item.change === "reverted" ? `REVERTED · ${item.ruleId}` : `${SEVERITY_LABEL[item.severity].toUpperCase()} · ${changeLabel(item)} · ${item.ruleId}`);
    lines.push(`${nameOf(item.resourceId)}: ${item.message}`, `  ${portalUrl(portalBase, item.resourceId)}`);
    if (!resolved) lines.push(`  ${item.guardrail.text} Changed by: ${callerLabel(item)}.${item.revert ? ` Undo: ${item.revert.undo}.` : ""} Rule documentation: ${item.docUrl}`);
  }
  if (payload.dryRun) lines.push("", "The guardrail runs in dry run: nothing is reverted.");
  return `${lines.join("\n")}\n`;
}
