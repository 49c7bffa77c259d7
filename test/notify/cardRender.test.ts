// @vitest-environment happy-dom
/**
 * The card rendered to HTML by the official `adaptivecards` renderer (the one Adaptive Card hosts
 * build on), in a DOM provided by happy-dom: it parses without warnings about unknown elements and
 * every part of the alert shows up in the rendered text and links.
 */
import * as AC from "adaptivecards";
import { describe, expect, it } from "vitest";
import { renderCard } from "../../src/notify/card.js";
import { prepareAlerts, type AlertPayload } from "../../src/notify/model.js";
import { ALICE, accountId, changeOf, Evaluations, finding, NSP_ID, policyWith } from "./support.js";

const NOW = new Date("2026-11-22T08:00:00Z");

/** The DOM happy-dom installs (the project compiles without the DOM lib, so it is typed here by use). */
const dom = globalThis as unknown as { document: { body: { appendChild(node: unknown): void } } };
type Rendered = NonNullable<ReturnType<AC.AdaptiveCard["render"]>>;

function render(card: Record<string, unknown>): { element: Rendered; warnings: string[] } {
  const adaptive = new AC.AdaptiveCard();
  // The renderer's markdown hook: links as anchors, the rest as text (what hosts do with a markdown library).
  AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
    const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    result.outputHtml = escaped.replace(/\[([^\]]+)\]\(([^)]+)\)/g, '<a href="$2">$1</a>').replace(/\n/g, "<br>");
    result.didProcess = true;
  };
  const context = new AC.SerializationContext();
  adaptive.parse(card, context);
  const warnings: string[] = [];
  for (let i = 0; i < context.eventCount; i++) warnings.push(context.getEventAt(i).message);
  const element = adaptive.render();
  if (!element) throw new Error("the renderer produced nothing");
  dom.document.body.appendChild(element);
  return { element, warnings };
}

function payload(kind: "single" | "digest", count = 1): AlertPayload {
  const policy = policyWith({ dryRun: true, rules: { "storage-sftp": { action: "revert" } } });
  const evaluations = new Evaluations(policy);
  const names = Array.from({ length: count }, (_, i) => (i === 0 ? "stbeta" : `stacct${i}`));
  const { decision, plans } = evaluations.evaluate(
    names.map((n) => finding("storage-sftp", n, { action: "revert" })),
    NOW,
    names.map((n) => changeOf(n)),
  );
  const items = prepareAlerts(decision, plans, { dryRun: true, now: NOW }).alerts.map((a) => a.item);
  return { version: 1, kind, perimeterId: NSP_ID, dryRun: true, items, createdAt: NOW.toISOString() };
}

describe("card rendered by the adaptivecards renderer", () => {
  it("a finding card renders every section", () => {
    const { element, warnings } = render(renderCard(payload("single"), "https://portal.azure.com"));
    expect(warnings).toEqual([]);
    const text = element.textContent ?? "";
    for (const piece of [
      "HIGH · New finding · NSP Guardrail",
      "SFTP enabled on a storage account in a perimeter",
      "stbeta",
      "nsp-data",
      `object id ${ALICE.objectId}`,
      "Why flagged",
      "stbeta has isSftpEnabled=true",
      "Why it matters",
      "does not support SSH File Transfer Protocol",
      "How to fix",
      "Move SFTP clients to HTTPS",
      "Revert planned, not applied (dry run)",
      "Exempt it (if this is intended)",
      "exemptions:",
      "rule: storage-sftp",
      "Open stbeta in the Azure portal",
      "Rule documentation",
    ]) {
      expect(text, piece).toContain(piece);
    }
    const links = [...element.querySelectorAll("a")].map((a) => a.getAttribute("href"));
    expect(links).toContain("https://learn.microsoft.com/azure/storage/common/storage-network-security-perimeter#limitations");
    // The action buttons exist (OpenUrl actions render as buttons).
    const buttons = [...element.querySelectorAll("button")].map((b) => b.textContent ?? "");
    expect(buttons.some((b) => b.includes("Open stbeta in the Azure portal"))).toBe(true);
    expect(element.outerHTML).not.toContain("undefined");
    // The warning check is live: an element the renderer does not know is reported.
    expect(render({ type: "AdaptiveCard", version: "1.5", body: [{ type: "Marquee", text: "x" }] }).warnings.length).toBeGreaterThan(0);
  });

  it("a digest renders each finding with its portal link", () => {
    const { element, warnings } = render(renderCard(payload("digest", 8), "https://portal.azure.com"));
    expect(warnings).toEqual([]);
    const text = element.textContent ?? "";
    expect(text).toContain("8 alerts (8 high)");
    for (let i = 1; i < 8; i++) expect(text).toContain(`stacct${i}`);
    const links = [...element.querySelectorAll("a")].map((a) => a.getAttribute("href"));
    expect(links).toContain(`https://portal.azure.com/#@/resource${accountId("stacct3")}`);
  });
});
