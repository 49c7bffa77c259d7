/**
 * Adaptive Cards (schema 1.5) for Teams, in the `message`/`attachments` envelope that both Teams
 * Workflows webhooks and legacy incoming webhooks accept. Only elements and properties of the 1.5
 * schema are used (no `msteams` extension), so a card validates against the official schema.
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
import { stripControl } from "../report/escape.js";

export const ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive";
export const ADAPTIVE_CARD_VERSION = "1.5";

/** Teams rejects messages over about 28 KB; a digest stops adding entries well before. */
const DIGEST_BUDGET_BYTES = 20_000;

type Json = Record<string, unknown>;

export interface TeamsMessage {
  type: "message";
  attachments: Array<{ contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE; contentUrl: null; content: Json }>;
}

export function teamsMessage(card: Json): TeamsMessage {
  return { type: "message", attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: card }] };
}

/** The card for a payload: one finding, a resolution notice, or a digest. */
export function renderCard(payload: AlertPayload, portalBase: string): Json {
  if (payload.kind === "digest") return digestCard(payload, portalBase);
  if (payload.kind === "reverted") return revertedCard(payload, portalBase);
  const item = payload.items[0]!;
  return item.change === "resolved" ? resolvedCard(payload, item, portalBase) : findingCard(payload, item, portalBase);
}

function severityStyle(severity: Severity): { container: string; color: string } {
  if (severity === "critical" || severity === "high") return { container: "attention", color: "attention" };
  if (severity === "medium") return { container: "warning", color: "warning" };
  return { container: "accent", color: "accent" };
}

export function text(value: string, extra: Json = {}): Json {
  return { type: "TextBlock", text: value, wrap: true, ...extra };
}

export function sectionTitle(value: string): Json {
  return text(value, { weight: "bolder", separator: true, spacing: "medium" });
}

export function card(fallbackText: string, body: Json[], actions: Json[]): Json {
  return {
    type: "AdaptiveCard",
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    version: ADAPTIVE_CARD_VERSION,
    fallbackText,
    body,
    ...(actions.length ? { actions } : {}),
  };
}

export function header(kicker: string, title: string, style: { container: string; color: string }): Json {
  return {
    type: "Container",
    style: style.container,
    bleed: true,
    items: [text(kicker, { weight: "bolder", size: "small", color: style.color, spacing: "none" }), text(title, { style: "heading", size: "large", weight: "bolder" })],
  };
}

/** Markdown link text must not contain brackets. */
/**
 * Text from ARM (messages quoting tag values) for a TextBlock, whose Markdown renders `[text](url)`
 * as a link: control characters stripped and the `](` of a link split, so no link can be formed.
 */
export function armText(value: string): string {
  return stripControl(value).replace(/\]\s*\(/g, "] (");
}

function linkText(value: string): string {
  return value.replace(/[[\]]/g, "");
}

function facts(item: AlertItem): Json {
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
  return { type: "FactSet", facts: rows.filter(([, v]) => v).map(([title, value]) => ({ title, value })) };
}

/** Monospace lines, indentation kept (hosts collapse leading spaces). */
export function codeBlock(code: string): Json {
  return {
    type: "Container",
    style: "emphasis",
    items: code.split("\n").map((line, i) =>
      text(line.replace(/^ +/, (spaces) => "\u00a0".repeat(spaces.length)) || "\u00a0", { fontType: "monospace", size: "small", spacing: i === 0 ? "default" : "none" }),
    ),
  };
}

function docLinks(item: AlertItem): string {
  const sources = item.sources.length ? item.sources : [{ title: "Rule documentation", url: item.docUrl }];
  return sources.map((s) => `- [${linkText(s.title)}](${s.url})`).join("\n");
}

function findingCard(payload: AlertPayload, item: AlertItem, portalBase: string): Json {
  const style = severityStyle(item.severity);
  const kicker = `${SEVERITY_LABEL[item.severity].toUpperCase()} · ${changeLabel(item)} · NSP Guardrail`;
  const body: Json[] = [
    header(kicker, item.title, style),
    facts(item),
    sectionTitle("Why flagged"),
    text(armText(item.message)),
    sectionTitle("Why it matters"),
    text(item.explanation || "See the rule documentation."),
    sectionTitle("How to fix"),
    text(item.remediation),
    sectionTitle("Documentation"),
    text(docLinks(item)),
    sectionTitle("Exempt it (if this is intended)"),
    codeBlock(item.exemption.yaml),
    text(`Or tag the resource: ${item.exemption.tag}`, { isSubtle: true, size: "small" }),
    sectionTitle("Resource id"),
    text(item.resourceId, { fontType: "monospace", size: "small" }),
  ];
  if (payload.dryRun && item.guardrail.outcome !== "revert-planned") {
    body.push(text("The guardrail runs in dry run: nothing is reverted.", { isSubtle: true, size: "small", separator: true }));
  }
  const actions: Json[] = [
    ...portalLinks(portalBase, item).map((l) => ({ type: "Action.OpenUrl", title: l.title, url: l.url })),
    { type: "Action.OpenUrl", title: "Rule documentation", url: item.docUrl },
  ];
  return card(headline(payload), body, actions);
}

/** One change the guardrail undid: what changed, by whom, what was restored, how to undo it. */
function revertedCard(payload: AlertPayload, portalBase: string): Json {
  const [item, ...settled] = payload.items as [AlertItem, ...AlertItem[]];
  const revert = item.revert!;
  const body: Json[] = [
    header(`REVERTED · ${SEVERITY_LABEL[item.severity]} · NSP Guardrail`, item.title, { container: "good", color: "good" }),
    { type: "FactSet", facts: revertedFacts(item).map(([title, value]) => ({ title, value })) },
    sectionTitle("What changed"),
    text(armText(item.message)),
    sectionTitle(`What the guardrail restored on ${nameOf(revert.targetId)}`),
    codeBlock(restoredLines(revert).join("\n")),
    ...(settled.length
      ? [sectionTitle("Also settled by this revert"), text(settled.map((s) => `- ${s.ruleId}: ${armText(s.message)}`).join("\n"))]
      : []),
    sectionTitle("Why it matters"),
    text(item.explanation || "See the rule documentation."),
    sectionTitle("Undo"),
    codeBlock(revert.undo),
    text(UNDO_ADVICE, { isSubtle: true, size: "small" }),
    codeBlock(item.exemption.yaml),
    sectionTitle("Documentation"),
    text(docLinks(item)),
    sectionTitle("Resource id"),
    text(item.resourceId, { fontType: "monospace", size: "small" }),
  ];
  const actions: Json[] = [
    ...portalLinks(portalBase, item).map((l) => ({ type: "Action.OpenUrl", title: l.title, url: l.url })),
    { type: "Action.OpenUrl", title: "Rule documentation", url: item.docUrl },
  ];
  return card(headline(payload), body, actions);
}

function resolvedCard(payload: AlertPayload, item: AlertItem, portalBase: string): Json {
  const body: Json[] = [
    header(`RESOLVED · was ${SEVERITY_LABEL[item.severity]} · NSP Guardrail`, item.title, { container: "good", color: "good" }),
    {
      type: "FactSet",
      facts: [
        { title: "Rule", value: item.ruleId },
        { title: "Resource", value: nameOf(item.resourceId) },
        ...(resourceGroupOf(item.resourceId) ? [{ title: "Resource group", value: resourceGroupOf(item.resourceId)! }] : []),
        ...(item.perimeterId ? [{ title: "Perimeter", value: nameOf(item.perimeterId) }] : []),
        { title: "Resolved at", value: item.detectedAt },
      ],
    },
    sectionTitle("What was flagged"),
    text(armText(item.message)),
    text("The configuration no longer triggers this rule; no action is needed.", { isSubtle: true }),
    sectionTitle("Resource id"),
    text(item.resourceId, { fontType: "monospace", size: "small" }),
  ];
  const actions = portalLinks(portalBase, item).map((l) => ({ type: "Action.OpenUrl", title: l.title, url: l.url }));
  return card(headline(payload), body, actions);
}

function digestEntry(item: AlertItem, portalBase: string): Json {
  const kicker =
    item.change === "resolved" ? `RESOLVED · ${item.ruleId}` : item.change === "reverted" ? `REVERTED · ${item.ruleId}` : `${SEVERITY_LABEL[item.severity].toUpperCase()} · ${changeLabel(item)} · ${item.ruleId}`;
  return {
    type: "Container",
    separator: true,
    items: [
      text(kicker, { weight: "bolder", size: "small", color: item.change === "resolved" ? "good" : severityStyle(item.severity).color }),
      text(`[${linkText(nameOf(item.resourceId))}](${portalUrl(portalBase, item.resourceId)}): ${armText(item.message)}`, { spacing: "none" }),
      ...(item.change === "resolved"
        ? []
        : [text(`${item.guardrail.text} Changed by: ${callerLabel(item)}.${item.revert ? ` Undo: ${item.revert.undo}.` : ""} [Rule documentation](${item.docUrl})`, { isSubtle: true, size: "small", spacing: "none" })]),
    ],
  };
}

function digestCard(payload: AlertPayload, portalBase: string): Json {
  const items = sortItems(payload.items);
  const raised = items.filter((i) => i.change !== "resolved");
  const resolved = items.length - raised.length;
  const summary = [raised.length ? `${raised.length} alert${raised.length === 1 ? "" : "s"} (${severityCounts(items)})` : "", resolved ? `${resolved} resolved` : ""]
    .filter(Boolean)
    .join("; ");
  const worst = raised[0]?.severity;
  const body: Json[] = [
    header(`DIGEST · ${summary} · NSP Guardrail`, `One evaluation of ${nameOf(payload.perimeterId)} raised ${items.length} alerts`, worst ? severityStyle(worst) : { container: "good", color: "good" }),
    text(`Perimeter: ${payload.perimeterId}`, { isSubtle: true, size: "small" }),
  ];
  let size = JSON.stringify(body).length;
  let shown = 0;
  for (const item of items) {
    const entry = digestEntry(item, portalBase);
    const entrySize = JSON.stringify(entry).length;
    if (size + entrySize > DIGEST_BUDGET_BYTES) break;
    body.push(entry);
    size += entrySize;
    shown++;
  }
  if (shown < items.length) {
    body.push(text(`…and ${items.length - shown} more. The email alerts and \`nsp-guardrail scan\` list every finding.`, { isSubtle: true, separator: true }));
  }
  if (payload.dryRun) body.push(text("The guardrail runs in dry run: nothing is reverted.", { isSubtle: true, size: "small", separator: true }));
  const actions = [{ type: "Action.OpenUrl", title: `Open perimeter ${nameOf(payload.perimeterId)} in the Azure portal`, url: portalUrl(portalBase, payload.perimeterId) }];
  return card(headline(payload), body, actions);
}
