import { marked } from "marked";
import { describe, expect, it } from "vitest";
import { formatReplayTable } from "../../src/cli/replay.js";
import { Estate } from "../../src/model/estate.js";
import { parsePolicy } from "../../src/policy/policy.js";
import { escapeHtml, markdownCode, markdownText, terminalText } from "../../src/report/escape.js";
import { formatMarkdown } from "../../src/report/markdown.js";
import { buildScanReport } from "../../src/report/scanReport.js";
import { formatTable } from "../../src/report/table.js";
import { RULE_IDS } from "../../src/rules/catalog/index.js";
import { evaluateEstate } from "../../src/rules/engine.js";
import type { ReplayResult } from "../../src/replay/replay.js";
import { fileShare, NOW, storageInPerimeter } from "../helpers/builders.js";

/** What anyone allowed to tag a resource can write. */
const HOSTILE_REASON =
  "ok ![pixel](https://tracker.example/p.png) [sign in again](https://phish.example/login) " +
  "<img src=x onerror=alert(1)> <a href='https://phish.example'>portal</a> **urgent** `code` | cell break\n# heading " +
  "https://bare.example/x \x1b]0;owned\x07\x1b[2J\x1b[31mred\u202Egnp.exe\x00";

function hostileReport() {
  const nfs = storageInPerimeter("stnfs");
  const account = { ...nfs.account, tags: { "nsp-guardrail-exempt": "storage-nfs", "nsp-guardrail-exempt-reason": HOSTILE_REASON } };
  const estate = new Estate([...nfs.resources.map((r) => (r === nfs.account ? account : r)), fileShare(nfs.account, "data", "NFS")]);
  const policy = parsePolicy("tagExemptions: { allow: [storage-nfs] }", "policy.yaml", RULE_IDS);
  return buildScanReport(evaluateEstate(estate, { policy, now: NOW }), { snapshot: "estate.json" }, NOW);
}

describe("Markdown output of hostile tag values", () => {
  const markdown = formatMarkdown(hostileReport());
  const html = marked.parse(markdown, { async: false, gfm: true });

  it("renders no image, link, HTML or heading from the tag, only text", () => {
    // The report's own links are the rule docs on learn.microsoft.com.
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) expect(href).toMatch(/^https:\/\/learn\.microsoft\.com\//);
    expect(html).not.toMatch(/<img|<strong>urgent|<h1>heading/);
    expect(html).toContain("![pixel](https://tracker.example/p.png)".replace(/&/g, "&amp;"));
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });

  it("keeps every table row a row: the tag cannot end a cell", () => {
    const exemptedRows = markdown.split("\n").filter((l) => l.includes("sign in again"));
    expect(exemptedRows.length).toBeGreaterThan(0);
    for (const row of exemptedRows) expect(row.split(/(?<!\\)\|/).length).toBeLessThanOrEqual(7 + 1);
    expect(markdown).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\u202e]/);
  });
});

describe("terminal output of hostile tag values", () => {
  it("strips escape sequences and bidi overrides from the scan table", () => {
    const table = formatTable(hostileReport(), { colour: false });
    expect(table).toContain("sign in again");
    expect(table).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
  });

  it("strips them from the replay table", () => {
    const none = { openFindings: 0, bySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 } };
    const result = {
      summary: { start: none, end: none, events: 1, new: 0, resolved: 0, severityChanged: 0, reverts: { applied: 0, planned: 0, skipped: 0, failed: 0 }, alerts: 1 },
      decisions: [
        {
          eventId: "e1",
          eventType: "Microsoft.Resources.ResourceWriteSuccess",
          subject: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st\x1b]0;owned\x07",
          affectedPerimeters: [],
          findings: [],
          actions: [{ type: "alert", ruleId: "storage-nfs", resourceId: "x", operation: "none", status: "planned", reason: "reason \x1b[2J\x9b31m" }],
        },
      ],
      findings: [],
    } as unknown as ReplayResult;
    const text = formatReplayTable(result);
    expect(text).toContain("st]0;owned");
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
  });
});

describe("escaping helpers", () => {
  it("terminalText drops control characters and turns line breaks into spaces", () => {
    expect(terminalText("a\x1b[31mb\nc\td\u202Ee")).toBe("a[31mb c de");
  });
  it("markdownText escapes Markdown punctuation and HTML", () => {
    expect(markdownText("[a](b) <i> & *c*")).toBe("\\[a\\]\\(b\\) &lt;i&gt; &amp; \\*c\\*");
  });
  it("escapeHtml leaves no tag, entity or attribute boundary", () => {
    expect(escapeHtml(`<img src=x onerror="a('1')"> &amp;`)).toBe("&lt;img src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt; &amp;amp;");
  });
  it("markdownCode picks a fence the value cannot close", () => {
    expect(markdownCode("st1")).toBe("`st1`");
    expect(markdownCode("a``b")).toBe("```a``b```");
    expect(marked.parseInline(markdownCode("x` <img src=y>"), { async: false })).toBe("<code>x` &lt;img src=y&gt;</code>");
  });
});
