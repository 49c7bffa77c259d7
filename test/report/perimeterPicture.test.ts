import { Window } from "happy-dom";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Estate } from "../../src/model/estate.js";
import type { ArmResource } from "../../src/model/resource.js";
import { parsePolicy } from "../../src/policy/policy.js";
import { ALL_RULES, RULE_IDS } from "../../src/rules/catalog/index.js";
import { evaluateEstate } from "../../src/rules/engine.js";
import { SEVERITIES, type Finding } from "../../src/rules/types.js";
import { formatHtml } from "../../src/report/html.js";
import { countsLabel, describePerimeter } from "../../src/report/perimeterPicture.js";
import { buildScanReport, type ScanReport } from "../../src/report/scanReport.js";
import {
  accessRule,
  association,
  cmkEncryption,
  diagnosticSetting,
  keyVault,
  logAnalyticsWorkspace,
  NOW,
  perimeter,
  profile,
  storageAccount,
} from "../helpers/builders.js";
import { perimeterLink, perimeterLinkReference } from "../helpers/builders-services.js";
import { contosoReport } from "../helpers/contosoReport.js";

const RULES = ALL_RULES.map((r) => r.meta);
const windows: Window[] = [];
type Doc = Window["document"];
type El = ReturnType<Doc["querySelector"]> & object;

function parse(html: string): Doc {
  const window = new Window();
  windows.push(window);
  window.document.write(html);
  return window.document;
}

afterEach(async () => {
  for (const w of windows.splice(0)) await w.happyDOM.close();
});

const key = (id: string | null | undefined) => (id ?? "").toLowerCase();
const tail = (id: string | null | undefined) => (id ?? "").split("/").pop()!;

/** The worst active finding's severity, "exempted" when only exempted ones, "none" without any: computed here, apart from the code. */
function expectedStatus(findings: readonly Finding[]): string {
  const active = findings.filter((f) => !f.exempted);
  if (active.length) return SEVERITIES.find((s) => active.some((f) => f.severity === s))!;
  return findings.length ? "exempted" : "none";
}

function scan(estate: Estate, policyYaml = "{}"): { report: ScanReport; doc: Doc } {
  const policy = parsePolicy(policyYaml, "policy.yaml", RULE_IDS);
  const report = buildScanReport(evaluateEstate(estate, { now: NOW, policy }), { snapshot: "test.json" }, NOW);
  return { report, doc: parse(formatHtml(report, estate, RULES)) };
}

const svgOf = (doc: Doc, perimeterName: string): El => {
  const svgs = [...doc.querySelectorAll("svg.perimeter-svg")].filter((s) => tail(s.getAttribute("data-perimeter")) === perimeterName);
  expect(svgs, perimeterName).toHaveLength(1);
  return svgs[0]!;
};

describe("perimeter pictures of the Contoso estate", () => {
  let estate: Estate;
  let report: ScanReport;
  let doc: Doc;
  let html: string;
  beforeAll(async () => {
    // The sandbox account's tag may exempt it from storage-sftp: the report shows an exempted finding.
    ({ estate, report, html } = await contosoReport());
  });
  // Each test parses its own page: the windows are closed after each.
  beforeEach(() => {
    doc = parse(html);
  });

  it("each profile lists its access rules with their direction and counts: no empty box for a 190-prefix profile", () => {
    const bulk = [...doc.querySelectorAll("g.profile")].find((g) => tail(g.getAttribute("data-profile")) === "partners-bulk")!;
    expect(bulk).toBeDefined();
    expect(bulk.getAttribute("data-access-rules")).toBe("1");
    expect(bulk.querySelector(".access-summary[data-direction=Inbound]")?.textContent).toBe("Inbound: 190 prefixes");
    const rule = doc.querySelector(`g.access-rule[data-rule-id$="/partner-egress-ips"]`)!;
    expect(rule.getAttribute("data-direction")).toBe("Inbound");
    expect(rule.getAttribute("data-address-prefixes")).toBe("190");
    expect(rule.querySelector(".rule-sub")?.textContent).toContain("190 prefixes");

    // Every access rule of the estate is in its profile's box, with the counts of its resource.
    const rules = estate.resources.filter((r) => r.type.toLowerCase().endsWith("/accessrules"));
    expect(rules.length).toBeGreaterThan(5);
    for (const r of rules) {
      const g = [...doc.querySelectorAll("g.access-rule")].find((n) => key(n.getAttribute("data-rule-id")) === key(r.id));
      expect(g, r.id).toBeDefined();
      const p = r.properties as { direction: string; addressPrefixes?: string[]; subscriptions?: unknown[]; fullyQualifiedDomainNames?: string[] };
      expect(g!.getAttribute("data-direction")).toBe(p.direction);
      expect(g!.getAttribute("data-address-prefixes")).toBe(String(p.addressPrefixes?.length ?? 0));
      expect(g!.getAttribute("data-subscriptions")).toBe(String(p.subscriptions?.length ?? 0));
      expect(g!.getAttribute("data-fqdns")).toBe(String(p.fullyQualifiedDomainNames?.length ?? 0));
      expect(key(g!.closest("g.profile")?.getAttribute("data-profile"))).toBe(key(r.id.replace(/\/accessRules\/[^/]+$/i, "")));
    }
    // The profile's totals add its rules up by direction.
    const analytics = [...doc.querySelectorAll("g.profile")].find((g) => tail(g.getAttribute("data-profile")) === "analytics")!;
    expect(analytics.querySelector(".access-summary[data-direction=Inbound]")?.textContent).toBe("Inbound: 5 prefixes · 1 subscription");
    expect(analytics.querySelector(".access-summary[data-direction=Outbound]")?.textContent).toBe("Outbound: 1 FQDN");
  });

  it("highlights the access rules that accessrule-broad-inbound names, and colours each rule by the findings naming it", () => {
    const broadIds = new Set(report.findings.filter((f) => f.ruleId === "accessrule-broad-inbound" && !f.exempted).map((f) => key(f.resourceId)));
    expect(broadIds.size).toBeGreaterThan(0);
    const rules = [...doc.querySelectorAll("g.access-rule")];
    for (const g of rules) {
      const id = key(g.getAttribute("data-rule-id"));
      expect(g.getAttribute("data-broad"), id).toBe(String(broadIds.has(id)));
      expect(g.classList.contains("broad"), id).toBe(broadIds.has(id));
      const naming = report.findings.filter((f) => key(f.resourceId) === id);
      expect(g.getAttribute("data-severity"), id).toBe(expectedStatus(naming));
      // The tooltip names the rules that fired on it.
      for (const f of naming) expect(g.querySelector("title")?.textContent, id).toContain(f.ruleId);
    }
    expect(rules.filter((g) => g.getAttribute("data-broad") === "true").map((g) => tail(g.getAttribute("data-rule-id"))).sort()).toEqual(
      [...broadIds].map((id) => tail(id)).sort(),
    );
  });

  it("colours each perimeter's border by the worst finding inside, access rules' findings included", () => {
    for (const svg of doc.querySelectorAll("svg.perimeter-svg")) {
      const pid = key(svg.getAttribute("data-perimeter"));
      const inside = report.findings.filter((f) => key(f.perimeterId) === pid);
      const expected = expectedStatus(inside);
      const border = svg.querySelector("rect.perimeter-border")!;
      expect(border.getAttribute("class")).toBe(`perimeter-border sev-${expected}`);
      expect(svg.querySelector("g.perimeter")?.getAttribute("data-severity")).toBe(expected);
    }
    // nsp-analytics: its members are at worst high; its access rules make it critical.
    const analytics = svgOf(doc, "nsp-analytics");
    const members = [...analytics.querySelectorAll("g.member")].map((g) => g.getAttribute("data-severity"));
    expect(members).not.toContain("critical");
    expect(analytics.querySelector("rect.perimeter-border")?.getAttribute("class")).toBe("perimeter-border sev-critical");
  });

  it("links every member with findings to its worst finding's row, and names the rules in its tooltip", () => {
    let linked = 0;
    for (const g of doc.querySelectorAll("g.member")) {
      const member = key(g.getAttribute("data-member"));
      const association = key(g.getAttribute("data-association"));
      const perimeterId = key(g.closest("svg")?.getAttribute("data-perimeter"));
      const mine = report.findings.filter(
        (f) => key(f.perimeterId) === perimeterId && (key(f.resourceId) === member || key(f.associationId) === association),
      );
      const a = g.querySelector("a.member-link");
      if (mine.length === 0) {
        expect(a, member).toBeNull();
        continue;
      }
      linked++;
      const href = a?.getAttribute("href") ?? "";
      expect(href, member).toMatch(/^#finding-\d+$/);
      const row = doc.getElementById(href.slice(1));
      expect(row, href).not.toBeNull();
      expect(row!.classList.contains("finding")).toBe(true);
      // The row is one of the member's findings, its worst one.
      expect(mine.some((f) => f.ruleId === row!.getAttribute("data-rule") && key(f.resourceId) === key(row!.getAttribute("data-resource")))).toBe(true);
      const worst = expectedStatus(mine);
      if (worst !== "exempted") expect(row!.getAttribute("data-severity"), member).toBe(worst);
      const title = g.querySelector("title")?.textContent ?? "";
      for (const f of mine) expect(title, member).toContain(f.ruleId);
    }
    expect(linked).toBeGreaterThan(10);
    // sthpcscratch's link goes to its storage-nfs finding.
    const hpc = [...doc.querySelectorAll("g.member")].find((g) => tail(g.getAttribute("data-member")) === "sthpcscratch")!;
    const row = doc.getElementById(hpc.querySelector("a.member-link")!.getAttribute("href")!.slice(1))!;
    expect(row.getAttribute("data-rule")).toBe("storage-nfs");
  });

  it("draws an arrow to the perimeter of a CMK vault that lives in another perimeter, and none to a vault inside", () => {
    const prod = svgOf(doc, "nsp-prod-data");
    const nspKeys = estate.perimeters().find((p) => p.name === "nsp-keys")!;
    const cmk = [...prod.querySelectorAll("g.arrow[data-kind=cmk]")];
    const payroll = cmk.filter((a) => tail(a.getAttribute("data-from")) === "stpayroll");
    expect(payroll).toHaveLength(1);
    expect(key(payroll[0]!.getAttribute("data-target"))).toBe(key(nspKeys.id));
    expect(tail(payroll[0]!.getAttribute("data-via"))).toBe("kv-contoso-keys");
    expect(payroll[0]!.querySelector("title")?.textContent).toContain("kv-contoso-keys");
    // stledger's vault kv-contoso-data is a member of nsp-prod-data itself.
    expect(cmk.filter((a) => tail(a.getAttribute("data-from")) === "stledger")).toHaveLength(0);
    // The target box links to nsp-keys's own picture.
    const target = [...prod.querySelectorAll("g.target")].find((t) => key(t.getAttribute("data-target")) === key(nspKeys.id))!;
    const href = target.querySelector("a.target-link")?.getAttribute("href") ?? "";
    expect(key(doc.getElementById(href.slice(1))?.getAttribute("data-perimeter"))).toBe(key(nspKeys.id));
  });

  it("draws an arrow for logs sent outside the perimeter, and none for a destination inside", () => {
    const prod = svgOf(doc, "nsp-prod-data");
    const logs = [...prod.querySelectorAll("g.arrow[data-kind=logs]")];
    expect(logs).toHaveLength(1);
    expect(tail(logs[0]!.getAttribute("data-via"))).toBe("law-central");
    // law-central is in no perimeter: the arrow goes to "outside any perimeter".
    expect(logs[0]!.getAttribute("data-target")).toBe("");
    expect(prod.querySelector('g.target[data-target=""]')?.textContent).toContain("outside any perimeter");
    // nsp-keys logs to law-keys, its own member.
    expect(svgOf(doc, "nsp-keys").querySelectorAll("g.arrow[data-kind=logs]")).toHaveLength(0);
  });
});

describe("perimeter pictures of small estates", () => {
  it("draws links and link references to the remote perimeter, faded when not Approved", () => {
    const a = perimeter("nsp-a");
    const b = perimeter("nsp-b");
    const c = perimeter("nsp-c");
    const estate = new Estate([
      a,
      b,
      c,
      profile(a),
      profile(b),
      perimeterLink(a, "to-b", b, { status: "Approved" }),
      perimeterLink(a, "to-c", c, { status: "Pending" }),
      perimeterLinkReference(b, "from-a", a, { status: "Approved" }),
    ]);
    const { doc } = scan(estate);
    const arrowsOf = (name: string) => [...svgOf(doc, name).querySelectorAll("g.arrow[data-kind=link]")];
    const fromA = arrowsOf("nsp-a");
    expect(fromA.map((g) => [tail(g.getAttribute("data-target")), g.getAttribute("data-pending")]).sort()).toEqual([
      ["nsp-b", "false"],
      ["nsp-c", "true"],
    ]);
    expect(fromA.find((g) => g.getAttribute("data-pending") === "true")?.getAttribute("opacity")).not.toBeNull();
    expect(arrowsOf("nsp-b").map((g) => tail(g.getAttribute("data-target")))).toEqual(["nsp-a"]);
    expect(arrowsOf("nsp-c")).toHaveLength(0);
    // The link names what it goes through and its status.
    expect(fromA.map((g) => g.querySelector("title")?.textContent).join("\n")).toContain("to-c");
    expect(fromA.map((g) => g.querySelector("title")?.textContent).join("\n")).toContain("Pending");
  });

  it("points a CMK arrow at every other perimeter holding the vault, and at 'outside' for a vault in none", () => {
    const data = perimeter("nsp-data");
    const keys = perimeter("nsp-keys");
    const pData = profile(data);
    const pKeys = profile(keys);
    const vault = keyVault("kv-shared");
    const loose = keyVault("kv-loose");
    const inKeys = storageAccount("stinkeys", { encryption: cmkEncryption("kv-shared") });
    const outside = storageAccount("stoutside", { encryption: cmkEncryption("kv-loose") });
    const plain = storageAccount("stplain");
    const workspace = logAnalyticsWorkspace("law-keys");
    const estate = new Estate([
      data,
      keys,
      pData,
      pKeys,
      vault,
      loose,
      inKeys,
      outside,
      plain,
      workspace,
      association(data, "a1", inKeys.id, { profile: pData, accessMode: "Enforced" }),
      association(data, "a2", outside.id, { profile: pData, accessMode: "Learning" }),
      association(data, "a3", plain.id, { profile: pData, accessMode: "Enforced" }),
      association(keys, "k1", vault.id, { profile: pKeys, accessMode: "Enforced" }),
      association(keys, "k2", workspace.id, { profile: pKeys, accessMode: "Enforced" }),
      diagnosticSetting(data, "to-keys", { workspaceId: workspace.id, logs: [{ categoryGroup: "allLogs", enabled: true }] }),
    ]);
    const { doc } = scan(estate);
    const svg = svgOf(doc, "nsp-data");
    const arrows = [...svg.querySelectorAll("g.arrow")].map((g) => [g.getAttribute("data-kind"), tail(g.getAttribute("data-from")), tail(g.getAttribute("data-target"))]);
    expect(arrows.sort()).toEqual([
      ["cmk", "stinkeys", "nsp-keys"],
      ["cmk", "stoutside", ""],
      ["logs", "nsp-data", "nsp-keys"],
    ]);
    // One target box per destination perimeter, plus "outside".
    expect([...svg.querySelectorAll("g.target")].map((t) => tail(t.getAttribute("data-target"))).sort()).toEqual(["", "nsp-keys"]);
    // Each arrow ends inside the SVG (nothing drawn off the canvas).
    const height = Number(svg.getAttribute("height"));
    const width = Number(svg.getAttribute("width"));
    for (const line of svg.querySelectorAll("g.arrow polyline")) {
      for (const point of line.getAttribute("points")!.split(" ")) {
        const [x, y] = point.split(",").map(Number);
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(width);
        expect(y).toBeGreaterThanOrEqual(0);
        expect(y).toBeLessThanOrEqual(height);
      }
    }
  });

  it("shows the first rules of a large profile and counts the rest, flagged ones first", () => {
    const nsp = perimeter("nsp-big");
    const prof = profile(nsp);
    const rules = Array.from({ length: 12 }, (_, i) => accessRule(prof, `rule-${String(i).padStart(2, "0")}`, { direction: "Inbound", addressPrefixes: [`203.0.${i}.0/24`] }));
    rules.push(accessRule(prof, "zz-open", { direction: "Inbound", addressPrefixes: ["0.0.0.0/0"] }));
    const { doc, report } = scan(new Estate([nsp, prof, ...rules]));
    expect(report.findings.some((f) => f.ruleId === "accessrule-broad-inbound" && f.resourceId.endsWith("/zz-open"))).toBe(true);
    const g = doc.querySelector("g.profile")!;
    expect(g.getAttribute("data-access-rules")).toBe("13");
    const drawn = [...doc.querySelectorAll("g.access-rule")];
    expect(drawn.length).toBeLessThan(13);
    // The broad rule is drawn (first), whatever its place in the list.
    expect(tail(drawn[0]!.getAttribute("data-rule-id"))).toBe("zz-open");
    expect(drawn[0]!.getAttribute("data-broad")).toBe("true");
    expect(g.querySelector(".more-rules")?.textContent).toBe(`+${13 - drawn.length} more access rules`);
    expect(g.querySelector(".access-summary[data-direction=Inbound]")?.textContent).toBe("Inbound: 13 prefixes");
  });

  it("escapes names of access rules, links and targets", () => {
    const evil = `<img src=x onerror="alert(1)">`;
    const a = perimeter("nsp-a");
    const b = perimeter("nsp-b");
    const prof = profile(a);
    const rule = { ...accessRule(prof, "r1", { direction: "Inbound", addressPrefixes: ["10.0.0.0/8"] }), name: evil };
    const link = { ...perimeterLink(a, "l1", b, { status: evil }), name: evil };
    const html = formatHtml(buildScanReport({ perimeters: 2, associations: 0, findings: [] }, {}, NOW), new Estate([a, { ...b, name: evil }, prof, rule, link]), RULES);
    expect(html).not.toContain(evil);
    expect(html).not.toMatch(/<img/i);
    const doc = parse(html);
    expect(doc.querySelector("g.access-rule .rule-label")?.textContent).toContain("<img");
    expect(doc.querySelector("g.arrow title")?.textContent).toContain(evil);
  });

  it("summarises counts leaving out what is zero", () => {
    expect(countsLabel({ addressPrefixes: 190, subscriptions: 1, fullyQualifiedDomainNames: 0, serviceTags: 0 })).toBe("190 prefixes · 1 subscription");
    expect(countsLabel({ addressPrefixes: 1, subscriptions: 0, fullyQualifiedDomainNames: 2, serviceTags: 3 })).toBe("1 prefix · 2 FQDNs · 3 service tags");
    expect(countsLabel({ addressPrefixes: 0, subscriptions: 0, fullyQualifiedDomainNames: 0, serviceTags: 0 })).toBe("empty");
  });

  it("describes a perimeter without drawing it: the value behind the picture", () => {
    const nsp = perimeter("nsp-v");
    const prof = profile(nsp);
    const open = accessRule(prof, "open", { direction: "Inbound", addressPrefixes: ["0.0.0.0/0"] });
    const estate = new Estate([nsp, prof, open]);
    const { report } = scan(estate);
    const picture = describePerimeter(nsp, estate, report.findings);
    expect(picture.status).toBe("critical");
    expect(picture.profiles[0]!.rules[0]!.broad).toBe(true);
    expect(picture.profiles[0]!.status).toBe("critical");
    expect(picture.arrows).toEqual([]);
  });
});
