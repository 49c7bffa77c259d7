/**
 * Readiness on the demo's month of Transition-mode logs (nsp-finance): every breaking caller named,
 * the proposals proven by the access model to admit every fixable one, the unfixable ones listed with
 * their reasons; and the HTML report's readiness section.
 */
import { Window } from "happy-dom";
import { describe, expect, it } from "vitest";
import { loadDemoData } from "../../src/demo/demo.js";
import { DEMO_READINESS_PERIMETER, demoAccessLogs } from "../../src/demo/readinessLogs.js";
import { runReadinessQuery, validateSeedRows } from "../../src/emulator/logAnalytics.js";
import { Estate } from "../../src/model/estate.js";
import type { ArmResource } from "../../src/model/resource.js";
import { assessReadiness } from "../../src/readiness/readiness.js";
import { formatReadinessHtml } from "../../src/readiness/render.js";
import { summariesFromTable } from "../../src/readiness/workspace.js";
import { READINESS_RESULT_COLUMNS } from "../../src/emulator/logAnalytics.js";
import { formatHtml } from "../../src/report/html.js";
import { buildScanReport } from "../../src/report/scanReport.js";

const END = new Date("2026-11-28T06:00:00Z");
const window = { from: new Date(END.getTime() - 30 * 86_400_000), to: END };

async function month() {
  const data = await loadDemoData();
  const rows = validateSeedRows("demo", demoAccessLogs(END));
  // What the workspace answers to the project's query (the emulator's arithmetic), read as the CLI reads it.
  const table = { name: "PrimaryResult", columnDescriptors: READINESS_RESULT_COLUMNS.map((c) => ({ ...c })), rows: runReadinessQuery(rows, { from: window.from.getTime(), to: window.to.getTime() }).map((r) => r.map((v, i) => (READINESS_RESULT_COLUMNS[i]!.type === "dynamic" ? JSON.parse(v as string) : v))) };
  const summaries = summariesFromTable(table as never, "demo workspace");
  const resources = [...data.estate, ...data.readinessEstate];
  const associations = new Estate(resources).associationsOfPerimeter(DEMO_READINESS_PERIMETER).map((a) => a.id);
  return { resources, summaries, associations, report: assessReadiness(new Estate(resources), summaries, { window, associations }) };
}

describe("readiness on the demo's month of logs", () => {
  it("names every breaking caller, and the proposals admit every fixable one (the access model re-checks)", async () => {
    const { resources, summaries, associations, report } = await month();
    const finance = report.associations.find((a) => a.resourceId.endsWith("/stfinance"))!;
    expect(finance.verdict).toBe("breaks");
    const byFix = (fix: string) => finance.wouldBreak.filter((w) => w.fix === fix);
    expect(byFix("ip-rule").map((w) => w.sourceIpAddress).sort()).toEqual(["198.18.0.9", "198.51.100.65", "198.51.100.70", "198.51.100.81", "198.51.100.94"]);
    expect(byFix("subscription-rule").map((w) => w.sourceSubscriptionId)).toEqual(["33333333-3333-3333-3333-333333333333"]);
    expect(byFix("fqdn-rule").map((w) => w.destinationFqdn)).toEqual(["api.northwind-bank.example"]);
    // The unfixable ones, with their reasons.
    expect(byFix("none").map((w) => w.reason)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^service-endpoint traffic from 10\.30\.1\.4/), expect.stringMatching(/^SAS or Shared Key under a subscription rule/)]),
    );
    // Offices (admitted by the rule), denied scanners and private endpoint traffic are not breaks.
    const ips = finance.wouldBreak.map((w) => w.sourceIpAddress);
    for (const ip of ["203.0.113.10", "45.148.10.7", "10.40.0.5"]) expect(ips).not.toContain(ip);

    // Apply the proposals as access rules: only the unfixable callers remain.
    const profile = finance.profileId;
    const applied: ArmResource[] = finance.proposedRules.map((r, i) => ({
      id: `${profile}/accessRules/proposed-${i}`,
      type: "Microsoft.Network/networkSecurityPerimeters/profiles/accessRules",
      name: `proposed-${i}`,
      properties: { direction: r.direction, addressPrefixes: r.addressPrefixes, subscriptions: r.subscriptions.map((s) => ({ id: `/subscriptions/${s}` })), fullyQualifiedDomainNames: r.fullyQualifiedDomainNames },
    }));
    const after = assessReadiness(new Estate([...resources, ...applied]), summaries, { window, associations });
    for (const a of after.associations) expect(a.wouldBreak.every((w) => w.fix === "none"), a.resourceId).toBe(true);
    expect(after.associations.find((a) => a.resourceId.endsWith("/kv-finance"))!.verdict).toBe("ready");
  });

  it("the HTML report shows readiness per association: callers that would break, Bicep and az commands", async () => {
    const { resources, report } = await month();
    const estate = new Estate(resources);
    const scan = buildScanReport({ perimeters: estate.perimeters().length, associations: 0, findings: [] }, { snapshot: "demo" }, END);
    for (const html of [formatHtml(scan, estate, [], report), formatReadinessHtml(report)]) {
      const window = new Window();
      window.document.write(html);
      const doc = window.document;
      const article = doc.querySelector('#readiness article[data-association$="assoc-stfinance"]')!;
      expect(article.getAttribute("data-verdict")).toBe("breaks");
      expect(article.querySelectorAll("table.would-break tbody tr")).toHaveLength(9);
      expect(article.querySelector("pre.bicep")!.textContent).toContain("resource readinessInboundIps 'Microsoft.Network/networkSecurityPerimeters/profiles/accessRules@2025-05-01' = {");
      expect(article.querySelector("pre.bicep")!.textContent).toContain("'198.51.100.64/27'");
      expect(article.querySelector("pre.az")!.textContent).toContain('--fqdn "[\'api.northwind-bank.example\']"');
      // The section's style is allowed by the page's Content-Security-Policy (hash-based).
      const csp = doc.querySelector('meta[http-equiv="Content-Security-Policy"]')!.getAttribute("content")!;
      const styles = [...doc.querySelectorAll("style")].map((s) => s.textContent);
      const { createHash } = await import("node:crypto");
      for (const style of styles) expect(csp).toContain(`'sha256-${createHash("sha256").update(style, "utf8").digest("base64")}'`);
      await window.happyDOM.close();
    }
    // Without a readiness report, the scan report has no readiness section.
    expect(formatHtml(scan, estate, [])).not.toContain('id="readiness"');
  });
});
