import { Window } from "happy-dom";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Estate, type EstateReader } from "../../src/model/estate.js";
import { ALL_RULES } from "../../src/rules/catalog/index.js";
import { SEVERITIES, type Finding } from "../../src/rules/types.js";
import { escapeHtml, formatHtml } from "../../src/report/html.js";
import { truncate } from "../../src/report/perimeterPicture.js";
import { buildScanReport, type ScanReport } from "../../src/report/scanReport.js";
import { NOW, storageInPerimeter } from "../helpers/builders.js";
import { contosoReport } from "../helpers/contosoReport.js";

const RULES = ALL_RULES.map((r) => r.meta);
const windows: Window[] = [];

function parse(html: string, script = false): Window {
  const window = new Window({
    settings: script ? { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true } : {},
  });
  windows.push(window);
  window.document.write(html);
  return window;
}

afterEach(async () => {
  for (const w of windows.splice(0)) await w.happyDOM.close();
});

let estate: Estate;
let report: ScanReport;
let html: string;

beforeAll(async () => {
  // The sandbox account's tag may exempt it from storage-sftp: the report shows an exempted finding.
  ({ estate, report, html } = await contosoReport());
});

const memberNode = (doc: Window["document"], name: string) => {
  const nodes = [...doc.querySelectorAll("g.member")].filter((g) => /[^/]+$/.exec(g.getAttribute("data-member") ?? "")?.[0] === name);
  expect(nodes, `member ${name}`).toHaveLength(1);
  return nodes[0]!;
};

describe("HTML report", () => {
  it("is a valid HTML5 page", () => {
    expect(html.startsWith("<!DOCTYPE html>\n<html lang=\"en\">")).toBe(true);
    const doc = parse(html).document;
    expect(doc.documentElement.getAttribute("lang")).toBe("en");
    expect(doc.querySelector("meta[charset]")?.getAttribute("charset")).toBe("utf-8");
    expect(doc.querySelector("meta[name=viewport]")?.getAttribute("content")).toContain("width=device-width");
    expect(doc.title).toContain("NSP Guardrail scan");
    // Ids are unique.
    const ids = [...doc.querySelectorAll("[id]")].map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("is self-contained: no external resources, only doc and portal links", () => {
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<script[^>]*\bsrc=/i);
    expect(html).not.toMatch(/<img\b/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).not.toMatch(/\bsrc=/i);
    const urls = [...html.matchAll(/\b(?:href|src)="([^"]*)"/gi)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThan(0);
    const doc = parse(html).document;
    // Outside links go to the docs and the portal; the others are anchors of this page.
    for (const url of urls) {
      if (url.startsWith("#")) expect(doc.getElementById(url.slice(1)), url).not.toBeNull();
      else expect(url).toMatch(/^https:\/\/(learn\.microsoft\.com|portal\.azure\.com)\//);
    }
    expect(urls.some((u) => u.startsWith("#"))).toBe(true);
    expect(doc.querySelectorAll("script[src], link, img, iframe, object, embed")).toHaveLength(0);
    expect(doc.querySelectorAll("script")).toHaveLength(1);
    // The content security policy allows nothing from outside.
    const csp = doc.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute("content") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/https?:/);
  });

  it("has a summary header with counts by severity, the source and generatedAt", () => {
    const doc = parse(html).document;
    for (const s of SEVERITIES) {
      expect(doc.querySelector(`#summary li[data-severity=${s}] strong`)?.textContent).toBe(String(report.summary.findings[s]));
    }
    expect(doc.querySelector("#summary li[data-severity=exempted] strong")?.textContent).toBe(String(report.summary.exempted));
    expect(doc.getElementById("summary-source")?.textContent).toContain("contoso.json");
    expect(doc.getElementById("summary-generated")?.getAttribute("datetime")).toBe(NOW.toISOString());
    expect(doc.getElementById("summary-perimeters")?.textContent).toBe("4");
  });

  it("draws one SVG per perimeter with its profiles and members, under one legend", () => {
    const doc = parse(html).document;
    expect(doc.querySelectorAll(".legend")).toHaveLength(1);
    expect(doc.querySelectorAll("svg.perimeter-svg .legend")).toHaveLength(0);
    const svgs = [...doc.querySelectorAll("svg.perimeter-svg")];
    expect(svgs).toHaveLength(4);
    expect(svgs.map((s) => s.getAttribute("data-perimeter")!.split("/").pop()).sort()).toEqual(
      estate.perimeters().map((p) => p.name).sort(),
    );
    for (const svg of svgs) {
      const id = svg.getAttribute("data-perimeter")!;
      expect(svg.querySelectorAll("g.member")).toHaveLength(estate.associationsOfPerimeter(id).length);
      expect(svg.querySelectorAll("g.profile[data-profile]:not([data-profile=''])").length).toBe(
        estate.descendants(id, "microsoft.network/networksecurityperimeters/profiles").length,
      );
      // Every member sits inside the SVG and has a tooltip naming it.
      for (const g of svg.querySelectorAll("g.member")) {
        expect(g.querySelector("title")?.textContent).toContain(g.getAttribute("data-member")!);
        expect(g.querySelector("title")?.textContent).toMatch(/\d+ findings?/);
      }
    }
    expect(doc.querySelectorAll("g.member").length).toBe(report.summary.associations);
  });

  it("colours members by their worst finding that is not exempted", () => {
    const doc = parse(html).document;
    const sev = (name: string) => memberNode(doc, name).getAttribute("data-severity");
    expect(sev("sthpcscratch")).toBe("critical");
    expect(sev("stwebassets")).toBe("none");
    // Its storage-sftp finding is exempted by tag; the tag-exemption notice about it is not.
    expect(sev("stsandbox")).toBe("info");
    expect(sev("staibatch")).toBe("high");
    const fill = (name: string) => memberNode(doc, name).querySelector("rect")?.getAttribute("fill");
    expect(fill("sthpcscratch")).toBe("#8b0000");
    expect(fill("stwebassets")).toBe("#2e7d32");
    expect(fill("stsandbox")).toBe("#64b5f6");
    // Every member's data-severity agrees with the report.
    for (const g of doc.querySelectorAll("g.member")) {
      const id = g.getAttribute("data-member")!.toLowerCase();
      const perimeter = g.closest("svg")!.getAttribute("data-perimeter")!.toLowerCase();
      const mine = report.findings.filter((f) => f.resourceId.toLowerCase() === id && f.perimeterId?.toLowerCase() === perimeter);
      const active = mine.filter((f) => !f.exempted);
      const expected = active.length ? SEVERITIES.find((s) => active.some((f) => f.severity === s)) : mine.length ? "exempted" : "none";
      expect(g.getAttribute("data-severity"), id).toBe(expected);
    }
  });

  it("shows the access mode: solid border when enforced, dashed otherwise", () => {
    const doc = parse(html).document;
    const modes = new Set<string>();
    for (const g of doc.querySelectorAll("g.member")) {
      const mode = g.getAttribute("data-access-mode")!;
      modes.add(mode);
      const dashed = g.querySelector("rect")!.hasAttribute("stroke-dasharray");
      expect(dashed, g.getAttribute("data-member")!).toBe(mode !== "Enforced");
      expect(g.textContent).toContain(mode);
    }
    expect(modes.has("Enforced")).toBe(true);
    expect(modes.has("Learning")).toBe(true);
  });

  it("lists every finding: active ones in the table, exempted ones apart with their reasons", () => {
    const doc = parse(html).document;
    const active = report.findings.filter((f) => !f.exempted);
    const exempted = report.findings.filter((f) => f.exempted);
    const rows = [...doc.querySelectorAll("#findings-table tbody tr")];
    expect(rows).toHaveLength(active.length);
    expect(doc.querySelectorAll("tr.finding")).toHaveLength(report.findings.length);
    rows.forEach((row, i) => {
      const f = active[i]!;
      expect(row.getAttribute("data-rule")).toBe(f.ruleId);
      expect(row.getAttribute("data-severity")).toBe(f.severity);
      expect(row.getAttribute("data-exempted")).toBe("false");
      const a = row.querySelector("a.rule-doc")!;
      expect(a.getAttribute("href")).toBe(f.docUrl);
      expect(a.getAttribute("href")).toMatch(/^https:\/\/learn\.microsoft\.com\//);
      expect(row.querySelector(".message")?.textContent).toBe(f.message);
      expect(row.querySelector(".remediation")?.textContent).toBe(f.remediation);
    });
    const exRows = [...doc.querySelectorAll("#exempted-table tbody tr")];
    expect(exRows).toHaveLength(exempted.length);
    expect(exempted.length).toBeGreaterThan(0);
    exRows.forEach((row, i) => {
      expect(row.getAttribute("data-exempted")).toBe("true");
      expect(row.querySelector(".reason")?.textContent).toBe(exempted[i]!.exemptionReason);
    });
    // Rule docs: each rule that fired is described with its doc links.
    for (const id of new Set(report.findings.map((f) => f.ruleId))) {
      expect(doc.querySelector(`#rules dt[data-rule="${id}"]`), id).not.toBeNull();
    }
  });

  it("without the script, every row is visible and the inert controls are hidden", () => {
    const doc = parse(html).document;
    expect(doc.getElementById("filters")?.hasAttribute("hidden")).toBe(true);
    expect([...doc.querySelectorAll("tr.finding")].filter((r) => r.hasAttribute("hidden"))).toHaveLength(0);
  });

  it("the filter script hides rows by severity, rule and free text", () => {
    const window = parse(html, true);
    const doc = window.document;
    const form = doc.getElementById("filters")!;
    expect(form.hasAttribute("hidden")).toBe(false);
    // The filters work on the findings table; the exempted ones are apart, as the headings count them.
    const rows = [...doc.querySelectorAll("#findings-table tr.finding")];
    const active = report.findings.filter((f) => !f.exempted);
    const visible = () => rows.filter((r) => !r.hasAttribute("hidden"));
    expect(visible()).toHaveLength(active.length);
    expect(doc.getElementById("filter-count")?.textContent).toBe(`Showing ${active.length} of ${active.length}`);

    const critical = doc.getElementById("filter-severity-critical") as unknown as { checked: boolean; dispatchEvent(e: unknown): boolean };
    critical.checked = false;
    critical.dispatchEvent(new window.Event("change", { bubbles: true }));
    expect(visible()).toHaveLength(active.filter((f) => f.severity !== "critical").length);
    expect(visible().every((r) => r.getAttribute("data-severity") !== "critical")).toBe(true);
    critical.checked = true;
    critical.dispatchEvent(new window.Event("change", { bubbles: true }));
    expect(visible()).toHaveLength(rows.length);

    const select = doc.getElementById("filter-rule") as unknown as { value: string; dispatchEvent(e: unknown): boolean };
    select.value = "storage-nfs";
    select.dispatchEvent(new window.Event("change", { bubbles: true }));
    expect(visible().length).toBe(active.filter((f) => f.ruleId === "storage-nfs").length);
    expect(visible().length).toBeGreaterThan(0);
    select.value = "";
    select.dispatchEvent(new window.Event("change", { bubbles: true }));

    const search = doc.getElementById("filter-text") as unknown as { value: string; dispatchEvent(e: unknown): boolean };
    search.value = "STHPCSCRATCH";
    search.dispatchEvent(new window.Event("input", { bubbles: true }));
    expect(visible().length).toBe(active.filter((f) => /sthpcscratch/i.test(f.resourceId + f.message)).length);
    expect(visible().length).toBeGreaterThan(0);
  });

  it("the headings, the tables and the filter count agree", () => {
    const window = parse(html, true);
    const doc = window.document;
    const active = report.findings.filter((f) => !f.exempted).length;
    const exempted = report.findings.length - active;
    expect(exempted).toBeGreaterThan(0);
    expect(doc.querySelector("#findings h2")?.textContent).toBe(`Findings (${active})`);
    expect(doc.querySelectorAll("#findings-table tbody tr")).toHaveLength(active);
    expect(doc.getElementById("filter-count")?.textContent).toBe(`Showing ${active} of ${active}`);
    expect(doc.querySelector("#exempted h2")?.textContent).toBe(`Exempted (${exempted})`);
    expect(doc.querySelectorAll("#exempted-table tbody tr")).toHaveLength(exempted);
    const summed = SEVERITIES.reduce((n, sev) => n + Number(doc.querySelector(`#summary li[data-severity=${sev}] strong`)?.textContent), 0);
    expect(summed).toBe(active);
  });

  it("escapes ids, names, messages and reasons", () => {
    const evil = "<script>alert(1)</script>";
    const app = storageInPerimeter("stevil");
    const account = { ...app.account, name: evil };
    const estate2 = new Estate([app.nsp, app.profile, account, app.association]);
    const base: Finding = {
      ruleId: "storage-nfs",
      title: `T "&'<>`,
      severity: "critical",
      category: "unsupported",
      resourceId: `${app.account.id}/${evil}`,
      perimeterId: app.nsp.id,
      message: `m "&'<> ${evil}`,
      docUrl: "javascript:alert(1)",
      remediation: `r "&'<>`,
      exempted: false,
      action: "alert",
    };
    const findings: Finding[] = [
      base,
      { ...base, resourceId: app.account.id, docUrl: "https://learn.microsoft.com/x?a=1&b=2", message: `plain "&'<>` },
      { ...base, exempted: true, exemptionReason: `because "&'<> ${evil}` },
    ];
    const r: ScanReport = {
      ...buildScanReport({ perimeters: 1, associations: 1, findings }, { snapshot: `${evil}.json` }, NOW),
    };
    const out = formatHtml(r, estate2 as EstateReader, RULES);
    expect(out).not.toContain(evil);
    expect(out).not.toContain("javascript:");
    expect(out).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(out).toContain("m &quot;&amp;&#39;&lt;&gt;");
    expect(out).toContain('href="https://learn.microsoft.com/x?a=1&amp;b=2"');
    const doc = parse(out).document;
    expect(doc.querySelectorAll("script")).toHaveLength(1);
    const rows = [...doc.querySelectorAll("#findings-table tbody tr")];
    expect(rows[0]!.querySelector(".message")?.textContent).toBe(base.message);
    expect(rows[0]!.getAttribute("data-resource")).toBe(base.resourceId);
    expect(rows[0]!.querySelector("a.rule-doc")).toBeNull();
    expect(rows[1]!.querySelector(".message")?.textContent).toBe(`plain "&'<>`);
    expect(doc.querySelector("#exempted-table .reason")?.textContent).toBe(`because "&'<> ${evil}`);
    expect(doc.getElementById("summary-source")?.textContent).toBe(`snapshot ${evil}.json`);
    // The member's label is the (truncated) evil name, as text.
    const g = doc.querySelector("g.member")!;
    expect(g.getAttribute("data-severity")).toBe("critical");
    expect(g.querySelector(".member-label")?.textContent).toBe(truncate(evil, 30));
  });

  it("truncates long labels and escapes every special character", () => {
    expect(truncate("short", 10)).toBe("short");
    expect(truncate("a-very-long-storage-account-name", 10)).toBe("a-very-lo…");
    expect(escapeHtml(`"&'<>`)).toBe("&quot;&amp;&#39;&lt;&gt;");
    const doc = parse(html).document;
    for (const t of doc.querySelectorAll("g.member .member-label")) expect([...t.textContent].length).toBeLessThanOrEqual(30);
  });

  it("renders an empty estate", () => {
    const empty = new Estate();
    const r = buildScanReport({ perimeters: 0, associations: 0, findings: [] }, { subscriptions: ["sub-1"] }, NOW);
    const doc = parse(formatHtml(r, empty, RULES)).document;
    expect(doc.querySelectorAll("svg")).toHaveLength(0);
    expect(doc.getElementById("no-findings")).not.toBeNull();
    expect(doc.getElementById("summary-source")?.textContent).toBe("subscription(s) sub-1");
  });
});
