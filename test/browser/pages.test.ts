/**
 * What a person sees: the HTML report and the demo page in headless Chromium. Screenshots of both are
 * saved (the README shows the copies in docs/screenshots).
 */
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { runDemo } from "../../src/demo/demo.js";
import { launchChromium } from "../helpers/browser.js";
import { cli, ROOT } from "../helpers/cli.js";

// Each run saves its screenshots with the test results; UPDATE_SCREENSHOTS=1 refreshes the README's copies.
const shots = process.env.UPDATE_SCREENSHOTS === "1" ? join(ROOT, "docs", "screenshots") : join(ROOT, "test-results", "screenshots");
mkdirSync(shots, { recursive: true });
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => browser?.close());

describe("in headless Chromium", () => {
  it("the HTML report shows each perimeter's picture and the findings, and its filters work", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "nspg-html-")), "contoso.html");
    const r = cli(["scan", "--snapshot", join(ROOT, "test", "fixtures", "estates", "contoso.json"), "--format", "html", "--output", out, "--fail-on", "none"]);
    expect(r.status).toBe(0);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(out).href);
    expect(await page.locator("svg.perimeter-svg").count()).toBe(4);
    expect(await page.locator("svg.perimeter-svg[data-perimeter*='nsp-prod-data']").count()).toBe(1);
    const rows = page.locator("#findings-table tr.finding");
    const total = await rows.count();
    expect(total).toBeGreaterThan(30);
    expect(await page.locator("g.member[data-member$='sthpcscratch']").getAttribute("data-severity")).toBe("critical");
    // The filters run (the page's own script, under its CSP): hide critical findings.
    await page.locator("input[type=checkbox][value=critical]").uncheck();
    const visible = await page.locator("#findings-table tr.finding:visible").count();
    expect(visible).toBeLessThan(total);
    expect(await page.locator("#findings-table tr.finding[data-severity=critical]:visible").count()).toBe(0);
    await page.locator("input[type=checkbox][value=critical]").check();
    // The counts agree: the heading, the rows and the filter's count.
    expect(await page.locator("#findings h2").textContent()).toBe(`Findings (${total})`);
    expect(await page.locator("#filter-count").textContent()).toBe(`Showing ${total} of ${total}`);
    // One legend for every picture.
    expect(await page.locator(".legend").count()).toBe(1);
    expect(await page.locator("svg.perimeter-svg .legend").count()).toBe(0);
    // The 190-prefix profile shows its rule; the broad rules are flagged; borders follow the worst finding inside.
    expect(await page.locator("g.access-rule[data-address-prefixes='190']").count()).toBe(1);
    expect(await page.locator("g.access-rule[data-broad=true]").count()).toBeGreaterThan(0);
    expect(await page.locator("svg.perimeter-svg[data-perimeter*='nsp-analytics'] rect.perimeter-border").getAttribute("class")).toBe("perimeter-border sev-critical");
    // The CMK arrow from stpayroll reaches nsp-keys; its box links to nsp-keys's picture.
    const arrow = page.locator("svg.perimeter-svg[data-perimeter*='nsp-prod-data'] g.arrow[data-kind=cmk][data-from$='stpayroll']");
    expect(await arrow.getAttribute("data-target")).toMatch(/nsp-keys$/);
    // A member box is a link to its finding: clicking it shows the row, even when the filters hid it.
    await page.locator("input[type=checkbox][value=critical]").uncheck();
    await page.locator("g.member[data-member$='sthpcscratch'] a.member-link").click();
    const hash = await page.evaluate("location.hash");
    expect(hash).toMatch(/^#finding-\d+$/);
    const row = page.locator(`tr${hash}`);
    expect(await row.getAttribute("data-rule")).toBe("storage-nfs");
    await expect.poll(() => row.isVisible()).toBe(true);
    const box = await row.boundingBox();
    expect(box!.y).toBeGreaterThanOrEqual(0);
    expect(box!.y).toBeLessThan(1000);
    expect(await page.locator("input[type=checkbox][value=critical]").isChecked()).toBe(true);
    expect(await page.locator("#filter-count").textContent()).toBe(`Showing ${total} of ${total}`);
    await page.evaluate("window.scrollTo(0, 0)");
    await page.screenshot({ path: join(shots, "report.png"), fullPage: false });
    await page.locator("svg.perimeter-svg[data-perimeter*='nsp-analytics']").screenshot({ path: join(shots, "report-access-rules.png") });
    await page.locator("svg.perimeter-svg[data-perimeter*='nsp-prod-data']").screenshot({ path: join(shots, "report-arrows.png") });
    expect(errors).toEqual([]);
  });

  it("the demo page shows the perimeter map, the Teams cards as Teams renders them, and the inbox", async () => {
    let release!: () => void;
    const keepUntil = new Promise<void>((r) => (release = r));
    const lines: string[] = [];
    let seen: { cards: number; svgs: number; mails: number; texts: string; open: number; summaries: string[]; inboxTop: number; inboxAfterClick: number; readiness?: number; bicep?: number } | undefined;
    const result = await runDemo({
      write: (l) => lines.push(l),
      keep: true,
      keepUntil,
      onPage: async (url) => {
        try {
          const page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
          await page.goto(url);
          await page.waitForSelector("body[data-loaded=true]", { timeout: 20_000 });
          const report = page.frameLocator("iframe.report");
          const inboxTop = (await page.locator("#inbox-section").boundingBox())!.y;
          // The inbox is one click away, from the top of the page.
          await page.locator("#jump a[href='#inbox-section']").click();
          const inboxAfterClick = (await page.locator("#inbox-section").boundingBox())!.y;
          seen = {
            cards: await page.locator("#cards .ac-adaptiveCard").count(),
            svgs: await report.locator("svg.perimeter-svg").count(),
            mails: await page.locator("#inbox details.mail").count(),
            texts: ((await page.locator("#cards").textContent()) ?? "").slice(0, 20_000),
            open: await page.locator("#cards details.card[open]").count(),
            summaries: await page.locator("#cards details.card > summary").allTextContents(),
            inboxTop,
            inboxAfterClick,
          };
          // The cards' Markdown is rendered (links), as Teams does.
          expect(await page.locator("#cards a[href^='https://learn.microsoft.com/']").count()).toBeGreaterThan(0);
          await page.evaluate("window.scrollTo(0, 0)");
          await page.screenshot({ path: join(shots, "demo.png"), fullPage: false });
          // A card opens on a click on its summary.
          await page.locator("#cards details.card > summary").first().click();
          expect(await page.locator("#cards details.card[open]").count()).toBe(1);
          expect(await page.locator("#cards details.card[open] .ac-adaptiveCard").isVisible()).toBe(true);
          // The readiness view: nsp-finance's associations, the callers that would break, the proposals.
          const readiness = page.frameLocator("iframe.readiness");
          await readiness.locator("#readiness article").first().waitFor({ timeout: 20_000 });
          seen.readiness = await readiness.locator("#readiness article[data-verdict=breaks]").count();
          seen.bicep = await readiness.locator("#readiness pre.bicep").count();
          const view = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
          await view.goto(new URL("/readiness", url).href);
          await view.locator("article[data-association$='assoc-stfinance']").scrollIntoViewIfNeeded();
          await view.screenshot({ path: join(shots, "readiness.png"), fullPage: false });
          await view.close();
        } finally {
          release();
        }
      },
    });
    expect(result.exitCode).toBe(0);
    expect(lines.some((l) => l.startsWith("The demo page is at http://127.0.0.1:") || l.includes("The demo page is at http://127.0.0.1:"))).toBe(true);
    expect(seen).toBeDefined();
    // Contoso's four perimeters and nsp-finance, the perimeter in Transition of the readiness step.
    expect(seen!.svgs).toBe(5);
    expect(seen!.readiness).toBe(2);
    expect(seen!.bicep).toBe(2);
    expect(seen!.cards).toBe(result.teamsAlerts.length);
    expect(seen!.cards).toBeGreaterThan(5);
    expect(seen!.mails).toBe(result.emailAlerts.length);
    // Cards are collapsed to one line each, so the inbox is near the top; the link brings it into view.
    expect(seen!.open).toBe(0);
    expect(seen!.summaries).toHaveLength(seen!.cards);
    for (const summary of seen!.summaries) expect(summary.trim().length).toBeGreaterThan(10);
    expect(seen!.inboxTop).toBeLessThan(3 * 1100);
    expect(seen!.inboxAfterClick).toBeGreaterThanOrEqual(0);
    expect(seen!.inboxAfterClick).toBeLessThan(100);
    // The renderer drew the cards' texts: the rules' titles and the resources.
    expect(seen!.texts).toContain("NFS on a storage account in a perimeter");
    expect(seen!.texts).toContain("stgenomics");
  }, 90_000);
});
