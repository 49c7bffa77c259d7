/**
 * What the daily readiness check posts (src/readiness/daily.ts): an association became ready to be
 * enforced, or still breaks after `transitionGraceDays`. Rendered as an Adaptive Card 1.5 in the
 * style of the finding cards (card.ts) and as an email; queued through the same outbox.
 */
import { azCommand, azLinkCommand, bicepSnippet } from "../readiness/proposalText.js";
import type { AssociationReadiness, WouldBreak } from "../readiness/readiness.js";
import { armText, card, codeBlock, header, sectionTitle, text } from "./card.js";
import { escapeHtml, type RenderedEmail } from "./email.js";
import { nameOf, portalUrl, type AlertPayload } from "./model.js";

/** Breaking callers a notice lists (the rest are counted): a card stays well under Teams' size limit. */
export const NOTICE_MAX_CALLERS = 10;

export interface ReadinessNotice {
  version: 1;
  kind: "readiness";
  /** `ready`: enforcing would deny no caller seen; `overdue`: still breaks after the grace days. */
  change: "ready" | "overdue";
  associationId: string;
  resourceId: string;
  perimeterId: string;
  profileId: string;
  accessMode: string;
  graceDays: number;
  /** Days since the association was created (`systemData.createdAt`), when known. */
  ageDays?: number;
  window: { from: string; to: string };
  wouldBreak: WouldBreak[];
  /** All breaking callers, `wouldBreak` holding the busiest NOTICE_MAX_CALLERS. */
  wouldBreakTotal: number;
  azCommands: string[];
  bicep: string;
  createdAt: string;
}

/** What the outbox holds and the channels send. */
export type OutboxPayload = AlertPayload | ReadinessNotice;

export function isReadinessNotice(payload: OutboxPayload): payload is ReadinessNotice {
  return (payload as { kind?: unknown }).kind === "readiness";
}

export function readinessNotice(
  a: AssociationReadiness,
  change: ReadinessNotice["change"],
  context: { graceDays: number; ageDays: number | undefined; window: { from: string; to: string }; now: Date },
): ReadinessNotice {
  const rules = a.proposedRules;
  return {
    version: 1,
    kind: "readiness",
    change,
    associationId: a.associationId,
    resourceId: a.resourceId,
    perimeterId: a.perimeterId,
    profileId: a.profileId,
    accessMode: a.accessMode,
    graceDays: context.graceDays,
    ...(context.ageDays !== undefined ? { ageDays: context.ageDays } : {}),
    window: context.window,
    wouldBreak: a.wouldBreak.slice(0, NOTICE_MAX_CALLERS),
    wouldBreakTotal: a.wouldBreak.length,
    azCommands: [...rules.map((r, i) => azCommand(r, i)), ...a.proposedLinks.map(azLinkCommand)],
    bicep: bicepSnippet(rules, a.proposedLinks),
    createdAt: context.now.toISOString(),
  };
}

export function readinessHeadline(n: ReadinessNotice): string {
  return n.change === "ready"
    ? `Ready to enforce: ${nameOf(n.resourceId)} (${n.accessMode}) would lose no caller seen in its access logs`
    : `Still not ready after ${n.graceDays} days: enforcing ${nameOf(n.resourceId)} would deny ${n.wouldBreakTotal} caller(s)`;
}

function callerText(w: WouldBreak): string {
  if (w.direction === "Outbound") return `→ ${w.destinationFqdn ?? "(no FQDN)"}`;
  return [w.sourceIpAddress, w.sourceSubscriptionId ? `subscription ${w.sourceSubscriptionId}` : undefined, w.sourceResourceId ? nameOf(w.sourceResourceId) : undefined].filter(Boolean).join(", ") || "(unknown caller)";
}

function facts(n: ReadinessNotice): { title: string; value: string }[] {
  const rows: Array<[string, string | undefined]> = [
    ["Resource", nameOf(n.resourceId)],
    ["Perimeter", nameOf(n.perimeterId)],
    ["Profile", n.profileId ? nameOf(n.profileId) : undefined],
    ["Association", nameOf(n.associationId)],
    ["Access mode", n.accessMode],
    ["In Transition for", n.ageDays !== undefined ? `${n.ageDays} days (grace period ${n.graceDays})` : `unknown (grace period ${n.graceDays} days)`],
    ["Logs window", `${n.window.from} – ${n.window.to}`],
  ];
  return rows.filter((r): r is [string, string] => r[1] !== undefined).map(([title, value]) => ({ title, value }));
}

/** The Adaptive Card (1.5 elements only, as card.ts). */
export function readinessCard(n: ReadinessNotice, portalBase: string): Record<string, unknown> {
  const ready = n.change === "ready";
  const body: Record<string, unknown>[] = [
    header(ready ? "READY TO ENFORCE · NSP Guardrail" : `NOT READY AFTER ${n.graceDays} DAYS · NSP Guardrail`, readinessHeadline(n), ready ? { container: "good", color: "good" } : { container: "warning", color: "warning" }),
    { type: "FactSet", facts: facts(n) },
  ];
  if (ready) {
    body.push(text("No caller seen in the window would be denied once the association is Enforced. Switch it when convenient:"));
    body.push(codeBlock(`az network perimeter association create --subscription <subscription> -g <resource-group> --perimeter-name ${nameOf(n.perimeterId)} -n ${nameOf(n.associationId)} --access-mode Enforced --private-link-resource "{id:${n.resourceId}}" --profile "{id:${n.profileId}}"`));
  } else {
    body.push(sectionTitle(`Callers that would be denied (${n.wouldBreakTotal})`));
    for (const w of n.wouldBreak) {
      body.push(text(armText(`**${w.direction}** ${callerText(w)}: ${w.requests} request(s), fix: ${w.fix}. ${w.reason}`), { size: "small", spacing: "small" }));
    }
    if (n.wouldBreakTotal > n.wouldBreak.length) body.push(text(`…and ${n.wouldBreakTotal - n.wouldBreak.length} more: \`nsp-guardrail readiness\` lists them all.`, { isSubtle: true }));
    if (n.azCommands.length > 0) {
      body.push(sectionTitle("Proposed rules (Azure CLI)"));
      body.push(codeBlock(n.azCommands.join("\n")));
      body.push(sectionTitle("The same as Bicep"));
      body.push(codeBlock(n.bicep.trimEnd()));
    } else {
      body.push(text("No access rule can admit these callers: see each one's reason.", { isSubtle: true }));
    }
  }
  body.push(sectionTitle("Association id"), text(n.associationId, { fontType: "monospace", size: "small" }));
  const actions = [{ type: "Action.OpenUrl", title: `Open ${nameOf(n.perimeterId)} in the Azure portal`, url: portalUrl(portalBase, n.perimeterId) }];
  return card(readinessHeadline(n), body, actions);
}

export function readinessEmail(n: ReadinessNotice, portalBase: string): RenderedEmail {
  const subject = `[NSP Guardrail] ${readinessHeadline(n)}`;
  const factRows = facts(n).map((f) => `<tr><th align="left">${escapeHtml(f.title)}</th><td>${escapeHtml(f.value)}</td></tr>`).join("");
  const callers = n.wouldBreak.map((w) => `<li>${escapeHtml(`${w.direction} ${callerText(w)}: ${w.requests} request(s), fix: ${w.fix}. ${w.reason}`)}</li>`).join("");
  const html = [
    "<!DOCTYPE html>",
    `<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#201f1e;max-width:760px">',
    `<h2>${escapeHtml(readinessHeadline(n))}</h2>`,
    `<table>${factRows}</table>`,
    callers ? `<h3>Callers that would be denied (${n.wouldBreakTotal})</h3><ul>${callers}</ul>` : "",
    n.azCommands.length ? `<h3>Proposed rules (Azure CLI)</h3><pre>${escapeHtml(n.azCommands.join("\n"))}</pre><h3>The same as Bicep</h3><pre>${escapeHtml(n.bicep)}</pre>` : "",
    `<p><a href="${escapeHtml(portalUrl(portalBase, n.perimeterId))}">Open ${escapeHtml(nameOf(n.perimeterId))} in the Azure portal</a></p>`,
    '<p style="color:#605e5c;font-size:12px">Sent by NSP Guardrail.</p>',
    "</body></html>",
  ]
    .filter(Boolean)
    .join("\n");
  const text = [
    readinessHeadline(n),
    "",
    ...facts(n).map((f) => `${f.title}: ${f.value}`),
    ...(n.wouldBreak.length ? ["", `Callers that would be denied (${n.wouldBreakTotal}):`, ...n.wouldBreak.map((w) => `- ${w.direction} ${callerText(w)}: ${w.requests} request(s), fix: ${w.fix}. ${w.reason}`)] : []),
    ...(n.azCommands.length ? ["", "Proposed rules (Azure CLI):", ...n.azCommands, "", "The same as Bicep:", n.bicep] : []),
    "",
    portalUrl(portalBase, n.perimeterId),
  ].join("\n");
  return { subject, html, text };
}
