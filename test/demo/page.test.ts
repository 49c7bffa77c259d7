/**
 * The demo page's server side: the collapsed line of each alert card, and what /api/state serves.
 * (The page itself is driven in Chromium by test/browser/pages.test.ts.)
 */
import { afterEach, describe, expect, it } from "vitest";
import { cardsOf, cardSummary, startDemoPage, type DemoPage } from "../../src/demo/page.js";
import { renderCard, teamsMessage } from "../../src/notify/card.js";
import { prepareAlerts, type AlertPayload } from "../../src/notify/model.js";
import { changeOf, Evaluations, finding, NSP_ID, policyWith } from "../notify/support.js";

const NOW = new Date("2026-11-22T08:00:00Z");

function payload(kind: "single" | "digest", names: string[]): AlertPayload {
  const evaluations = new Evaluations(policyWith({ dryRun: true }));
  const { decision, plans } = evaluations.evaluate(
    names.map((n) => finding("storage-sftp", n)),
    NOW,
    names.map((n) => changeOf(n)),
  );
  const items = prepareAlerts(decision, plans, { dryRun: true, now: NOW }).alerts.map((a) => a.item);
  return { version: 1, kind, perimeterId: NSP_ID, dryRun: true, items, createdAt: NOW.toISOString() };
}

let page: DemoPage | undefined;
afterEach(async () => {
  await page?.close();
  page = undefined;
});

describe("demo page", () => {
  it("sums a card up in one line: its kicker and title, without the product's name", () => {
    const card = renderCard(payload("single", ["stbeta"]), "https://portal.azure.com");
    expect(cardSummary(card)).toBe("HIGH · New finding: SFTP enabled on a storage account in a perimeter");
    const digest = renderCard(payload("digest", ["st1", "st2", "st3"]), "https://portal.azure.com");
    expect(cardSummary(digest)).toMatch(/^DIGEST · 3 alerts .*: One evaluation of .* raised 3 alerts$/);
  });

  it("falls back to the card's fallback text, then to a generic line", () => {
    expect(cardSummary({ type: "AdaptiveCard", fallbackText: "Plain text", body: [{ type: "TextBlock", text: "no heading" }] })).toBe("Plain text");
    expect(cardSummary({ type: "AdaptiveCard", body: [] })).toBe("Alert card");
    expect(cardSummary(null)).toBe("Alert card");
  });

  it("reads the cards out of Teams message bodies and skips what is not a card message", () => {
    const card = renderCard(payload("single", ["stbeta"]), "https://portal.azure.com");
    const cards = cardsOf([JSON.stringify(teamsMessage(card)), "not json", JSON.stringify({ text: "no attachments" })]);
    expect(cards).toEqual([{ summary: cardSummary(card), card }]);
  });

  it("serves the page with a link to the inbox at the top, and the cards with their summaries", async () => {
    const card = renderCard(payload("single", ["stbeta"]), "https://portal.azure.com");
    page = await startDemoPage({ report: () => "<!DOCTYPE html><title>r</title>", teamsBodies: () => [JSON.stringify(teamsMessage(card))], mails: () => [] });
    const html = await (await fetch(page.url)).text();
    const header = html.slice(html.indexOf("<header>"), html.indexOf("</header>"));
    expect(header).toContain('href="#inbox-section"');
    expect(html).toContain('<section id="inbox-section">');
    const state = (await (await fetch(new URL("/api/state", page.url))).json()) as { cards: Array<{ summary: string; card: unknown }> };
    expect(state.cards).toHaveLength(1);
    expect(state.cards[0]!.summary).toBe("HIGH · New finding: SFTP enabled on a storage account in a perimeter");
  });
});
