/**
 * `coverage`: per subscription and onboarded type, protected / transition / unprotected, from a
 * snapshot and live through Resource Graph (subscriptions or a management group).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { coverageOf, type CoverageReport } from "../../src/coverage/coverage.js";
import { Estate } from "../../src/model/estate.js";
import type { ArmResource } from "../../src/model/resource.js";
import { DEFAULT_POLICY } from "../../src/policy/policy.js";
import { formatCoverageHtml, formatCoverageMarkdown, formatCoverageTable } from "../../src/report/coverageReport.js";
import { association, keyVault, NOW, OTHER_SUB, perimeter, profile, storageAccount, SUB } from "../helpers/builders.js";
import { armResource } from "../helpers/builders-association.js";
import { cliAsync, ROOT } from "../helpers/cli.js";
import { startEmulator } from "../helpers/emulator.js";
import { withAncestors } from "../inventory/liveSupport.js";

const DAY = 86_400_000;

/** Storage in SUB: enforced, learning 52 days, learning 2 days, in none, learning + enforced; vaults in OTHER_SUB: audit of unknown age, in none; a web app (onboarded by policy only). */
function estate(now: Date): ArmResource[] {
  const daysAgo = (d: number) => new Date(now.getTime() - d * DAY).toISOString();
  const nsp = perimeter("nsp1");
  const prof = profile(nsp);
  const nsp2 = perimeter("nsp2", { sub: OTHER_SUB });
  const prof2 = profile(nsp2);
  const enforced = storageAccount("stenforced");
  const old = storageAccount("stlearningold");
  const recent = storageAccount("stlearningnew");
  const none = storageAccount("stnone");
  const both = storageAccount("stboth");
  const audited = keyVault("kvaudit", { sub: OTHER_SUB });
  const bare = keyVault("kvnone", { sub: OTHER_SUB });
  const { systemData: _none, ...auditUnknownAge } = association(nsp2, "a-kvaudit", audited.id, { profile: prof2, accessMode: "Audit" });
  return [
    nsp, prof, nsp2, prof2, enforced, old, recent, none, both, audited, bare,
    association(nsp, "a-enforced", enforced.id, { profile: prof, accessMode: "Enforced" }),
    association(nsp, "a-old", old.id, { profile: prof, accessMode: "Learning", createdAt: daysAgo(52) }),
    association(nsp, "a-new", recent.id, { profile: prof, createdAt: daysAgo(2) }),
    association(nsp, "a-both-learning", both.id, { profile: prof, accessMode: "Learning", createdAt: daysAgo(90) }),
    association(nsp2, "a-both-enforced", both.id, { profile: prof2, accessMode: "Enforced" }),
    auditUnknownAge as ArmResource,
    armResource("Microsoft.Web/sites", "app1", {}, "rg-web", { location: "westeurope" }),
  ];
}

const POLICY = { ...DEFAULT_POLICY, onboardedTypes: ["Microsoft.Web/sites"] };

function counts(report: CoverageReport) {
  return report.subscriptions.map((s) => ({
    subscriptionId: s.subscriptionId,
    types: s.types.map((t) => [t.type, t.total, t.protected, t.transition, t.transitionPastGrace, t.unprotected].join(" ")),
  }));
}

const EXPECTED = [
  { subscriptionId: SUB, types: ["microsoft.storage/storageaccounts 5 2 2 1 1", "microsoft.web/sites 1 0 0 0 1"] },
  { subscriptionId: OTHER_SUB, types: ["microsoft.keyvault/vaults 2 0 1 1 1"] },
];

describe("coverage of an estate", () => {
  const report = coverageOf(new Estate(estate(NOW)), { policy: POLICY, now: NOW, source: { snapshot: "x.json" } });

  it("counts protected, transition (past grace or not) and unprotected per subscription and type", () => {
    expect(counts(report)).toEqual(EXPECTED);
    expect(report.summary).toEqual({ resources: 8, protected: 2, transition: 3, transitionPastGrace: 2, unprotected: 3 });
    expect(report.control.id).toBe("7.16");
  });

  it("lists the resources of each state", () => {
    const storage = report.subscriptions[0]!.types[0]!;
    expect(storage.unprotectedIds).toEqual([expect.stringMatching(/\/stnone$/)]);
    expect(storage.protectedIds.map((id) => id.split("/").pop())).toEqual(["stboth", "stenforced"]);
    expect(storage.transitionResources.map((r) => [r.id.split("/").pop(), r.accessMode, r.ageDays, r.pastGrace])).toEqual([
      ["stlearningnew", "Learning", 2, false],
      ["stlearningold", "Learning", 52, true],
    ]);
    const vault = report.subscriptions[1]!.types[0]!.transitionResources[0]!;
    // No systemData: nothing shows the association is recent.
    expect([vault.accessMode, vault.ageDays, vault.pastGrace]).toEqual(["Audit", null, true]);
  });

  it("without the policy's extra types, only the onboarded ones count", () => {
    const plain = coverageOf(new Estate(estate(NOW)), { policy: DEFAULT_POLICY, now: NOW, source: {} });
    expect(plain.onboardedTypes).not.toContain("microsoft.web/sites");
    expect(plain.summary.resources).toBe(7);
  });

  it("renders a table, Markdown and a self-contained HTML page naming CIS 7.16", () => {
    expect(formatCoverageTable(report)).toMatch(/control 7\.16/);
    expect(formatCoverageTable(report)).toMatch(/stnone/);
    expect(formatCoverageMarkdown(report)).toMatch(/\| `11111111-1111-1111-1111-111111111111` \| `microsoft\.storage\/storageaccounts` \| 5 \| 2 \| 2 \| 1 \| 1 \|/);
    const html = formatCoverageHtml(report);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|src=/i);
    expect(html).toContain("Ensure Network Security Perimeter is used to secure Azure PaaS resources");
    expect(html).toContain("/stnone</code>");
  });

  it("escapes what ARM gives in the HTML page", () => {
    const evil = coverageOf(new Estate([armResource("Microsoft.Web/sites", "a<b>&\"c", {}, "rg-web")]), { policy: POLICY, now: NOW, source: {} });
    const html = formatCoverageHtml(evil);
    expect(html).toContain("a&lt;b&gt;&amp;&quot;c");
    expect(html).not.toContain("a<b>");
  });
});

describe("nsp-guardrail coverage", { timeout: 120_000 }, async () => {
  const resources = estate(new Date());
  const emulator = await startEmulator(withAncestors(resources), { managementGroups: { "mg-all": [SUB, OTHER_SUB] }, resourceGraphQuota: false });
  const dir = mkdtempSync(join(tmpdir(), "nspg-coverage-"));
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, emulator.caCertificate);
  const env = { NSPG_ARM_ENDPOINT: emulator.endpoint, NSPG_ARM_CA_FILE: caFile, NSPG_ARM_TOKEN: emulator.token() };
  const policyFile = join(dir, "policy.json");
  writeFileSync(policyFile, JSON.stringify({ onboardedTypes: ["Microsoft.Web/sites"] }));

  it("--management-group reads every subscription under it through Resource Graph", async () => {
    const r = await cliAsync(["coverage", "--management-group", "mg-all", "--policy", policyFile, "--format", "json"], { env });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as CoverageReport;
    expect(counts(report)).toEqual(EXPECTED);
    expect(report.source).toEqual({ managementGroup: "mg-all" });
    // Association ages came from ARM: Resource Graph gives no systemData.
    expect(report.subscriptions[0]!.types[0]!.transitionResources.map((t) => t.ageDays)).toEqual([2, 52]);
  });

  it("--subscription gives the same as the snapshot of the same estate", async () => {
    const snapshot = join(dir, "estate.json");
    writeFileSync(snapshot, JSON.stringify({ resources }));
    const live = await cliAsync(["coverage", "--subscription", SUB, OTHER_SUB, "--policy", policyFile, "--format", "json"], { env });
    const file = await cliAsync(["coverage", "--snapshot", snapshot, "--policy", policyFile, "--format", "json"]);
    expect(live.status).toBe(0);
    expect(counts(JSON.parse(live.stdout))).toEqual(counts(JSON.parse(file.stdout)));
  });

  it("writes the HTML page", async () => {
    const out = join(dir, "coverage.html");
    const r = await cliAsync(["coverage", "--management-group", "mg-all", "--format", "html", "--output", out], { env });
    expect(r.status).toBe(0);
    expect(readFileSync(out, "utf8")).toContain("control 7.16");
  });

  it("refuses zero or two scopes (exit 2)", async () => {
    for (const args of [[], ["--snapshot", join(ROOT, "test/fixtures/estates/clean.json"), "--management-group", "mg-all"]]) {
      const r = await cliAsync(["coverage", ...args], { env });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^nsp-guardrail: coverage: give one of --snapshot FILE, --subscription ID\.\.\. or --management-group ID/);
    }
  });

  it("an unknown management group is Resource Graph's refusal (exit 3)", async () => {
    const r = await cliAsync(["coverage", "--management-group", "mg-nope"], { env });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/HTTP 400 BadRequest/);
  });
});
