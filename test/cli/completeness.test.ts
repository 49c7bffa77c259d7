/**
 * Scans say what they could not check (contracts.md, Revision 2): the CLI as a subprocess, on the
 * Contoso estate stripped of the children Resource Graph does not hold, on Resource Graph output, and
 * on empty scopes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { T } from "../../src/model/resourceTypes.js";
import { cli, ROOT } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "nspg-completeness-"));
const fixtures = join(ROOT, "test", "fixtures", "estates");
const contoso = JSON.parse(readFileSync(join(fixtures, "contoso.json"), "utf8")) as { resources: Array<{ id: string; type: string }> };

/** What the README's Resource Graph query cannot return: file shares, backup items, File Sync endpoints, account policies, diagnostic settings. */
const NOT_IN_RESOURCE_GRAPH = new Set<string>([
  T.fileShare,
  T.protectedItem,
  T.backupInstance,
  T.syncCloudEndpoint,
  T.objectReplicationPolicy,
  T.managementPolicy,
  T.inventoryPolicy,
  T.diagnosticSetting,
]);
const stripped = join(dir, "stripped.json");
writeFileSync(stripped, JSON.stringify({ resources: contoso.resources.filter((r) => !NOT_IN_RESOURCE_GRAPH.has(r.type.toLowerCase())) }));

interface Report {
  findings: Array<{ ruleId: string; resourceId: string; severity: string }>;
  notEvaluated: Array<{ ruleId: string; resourceId: string; missing: string }>;
  summary: { notEvaluated: number };
  completeness?: { missingInputs: string[]; advice: string };
}
const key = (x: { ruleId: string; resourceId: string }) => `${x.ruleId} ${x.resourceId.toLowerCase()}`;
const scan = (file: string, args: string[] = [], env: Record<string, string> = {}) => cli(["scan", "--snapshot", file, "--format", "json", "--fail-on", "none", ...args], { env });

describe("scan: checks not evaluated for lack of input", () => {
  const full = JSON.parse(scan(join(fixtures, "contoso.json")).stdout) as Report;
  const partial = scan(stripped);
  const report = JSON.parse(partial.stdout) as Report;

  it("names every check the stripped snapshot loses (11, one a critical storage-nfs), and the false findings' inputs", () => {
    const before = new Set(full.findings.map(key));
    const after = new Set(report.findings.map(key));
    const lost = full.findings.filter((f) => !after.has(key(f)));
    // 11 under the seed rules; Revision 2 turned storage-lifecycle-management and storage-blob-inventory
    // off by default (their limitations left the docs), so 9 of them remain under the default policy.
    expect(lost).toHaveLength(9);
    expect(lost.find((f) => f.ruleId === "storage-nfs")).toMatchObject({ severity: "critical", resourceId: expect.stringMatching(/sthpcscratch$/) });
    const notEvaluated = new Set(report.notEvaluated.map(key));
    for (const f of lost) expect(notEvaluated.has(key(f)), key(f)).toBe(true);
    // The stripped snapshot adds findings made without their input (no diagnostic setting read): those checks are listed too.
    const added = report.findings.filter((f) => !before.has(key(f)));
    // (Three under the seed rules; nsp-keys already has a low perimeter-no-access-logs in the full estate under Revision 2.)
    expect(added.map((f) => f.ruleId)).toEqual(["perimeter-no-access-logs", "perimeter-no-access-logs"]);
    for (const f of added) expect(notEvaluated.has(key(f)), key(f)).toBe(true);
    expect(report.notEvaluated.find((e) => e.ruleId === "storage-nfs" && /sthpcscratch$/.test(e.resourceId))?.missing).toBe("file shares of the storage account");
    expect(report.summary.notEvaluated).toBe(report.notEvaluated.length);
    // Lifecycle and inventory policies are read by rules off by default (Revision 2): not missing under the default policy.
    const offByDefault = new Set<string>([T.managementPolicy, T.inventoryPolicy]);
    expect(report.completeness?.missingInputs).toEqual(expect.arrayContaining([...NOT_IN_RESOURCE_GRAPH].filter((t) => !offByDefault.has(t))));
    expect(partial.stderr).toMatch(/^nsp-guardrail: warning: \d+ check\(s\) not evaluated: stripped\.json holds no file shares of storage accounts, .*nsp-guardrail export/);
  });

  it("exits 1 under CI=true, 0 with --no-fail-on-incomplete; --fail-on-incomplete fails outside CI", () => {
    expect(partial.status).toBe(0);
    const ci = scan(stripped, [], { CI: "true" });
    expect(ci.status).toBe(1);
    expect(ci.stderr).toMatch(/ Exit 1: --fail-on-incomplete is on because CI is set; --no-fail-on-incomplete reports them without failing\.\n$/);
    expect(scan(stripped, ["--no-fail-on-incomplete"], { CI: "true" }).status).toBe(0);
    expect(scan(stripped, ["--fail-on-incomplete"]).status).toBe(1);
    expect(scan(stripped, [], { CI: "false" }).status).toBe(0);
  });

  it("a snapshot written by export declares its inputs: nothing is missing when it read them", () => {
    const declared = join(dir, "declared.json");
    const types = [...new Set(contoso.resources.map((r) => r.type.toLowerCase()))];
    const allRead = [...types, T.keyVaultNspConfiguration, T.cognitiveNspConfiguration, T.backupPolicy, T.accessRule, T.link, T.linkReference];
    writeFileSync(declared, JSON.stringify({ inputs: allRead, resources: contoso.resources }));
    const r = scan(declared, [], { CI: "true" });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).notEvaluated).toEqual([]);
    expect(r.stderr).toBe("");
    // Declared but not read: the checks that need it are listed even though the type is present elsewhere.
    const partialInputs = join(dir, "partial-inputs.json");
    writeFileSync(partialInputs, JSON.stringify({ inputs: allRead.filter((t) => t !== T.fileShare), resources: contoso.resources }));
    const partialReport = JSON.parse(scan(partialInputs).stdout) as Report;
    expect(new Set(partialReport.notEvaluated.map((e) => e.ruleId))).toEqual(new Set(["storage-nfs", "storage-smb-access"]));
    const bad = cli(["scan", "--snapshot", file("bad-inputs.json", JSON.stringify({ inputs: ["shares"], resources: [] }))]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe("nsp-guardrail: bad-inputs.json: inputs[0]: not a resource type (expected Namespace/type)");
  });

  it("recognises Resource Graph output and says what to add", () => {
    const r = scan(join(fixtures, "fabrikam-resource-graph.json"), [], { CI: "true" });
    expect(r.status).toBe(1);
    const rg = JSON.parse(r.stdout) as Report;
    expect(rg.notEvaluated.length).toBeGreaterThan(0);
    expect(rg.completeness?.advice).toMatch(/^fabrikam-resource-graph\.json is Resource Graph output, which does not hold .*: write the snapshot with `nsp-guardrail export --subscription ID\.\.\.`/);
  });

  it("every format shows the not-evaluated part", () => {
    const table = cli(["scan", "--snapshot", stripped, "--format", "table", "--fail-on", "none"]);
    expect(table.stdout).toMatch(/NOT EVALUATED: \d+ check\(s\) lack their input in the snapshot/);
    expect(table.stdout).toMatch(/storage-nfs, storage-smb-access on sthpcscratch, [^\n]*: no file shares of the storage account in the snapshot/);
    expect(table.stdout).toMatch(/\d+ not evaluated\n$/);
    const md = cli(["scan", "--snapshot", stripped, "--format", "markdown", "--fail-on", "none"]).stdout;
    expect(md).toMatch(/## Not evaluated \(\d+\)/);
    expect(md).toMatch(/\| file shares of the storage account \| `storage-nfs`, `storage-smb-access` \| `sthpcscratch`/);
    const html = cli(["scan", "--snapshot", stripped, "--format", "html", "--fail-on", "none"]).stdout;
    expect(html).toMatch(/<section id="not-evaluated"><h2>Not evaluated \(\d+\)<\/h2>/);
    expect(html).toContain("<td><code>storage-nfs</code></td>");
    const sarif = JSON.parse(cli(["scan", "--snapshot", stripped, "--format", "sarif", "--fail-on", "none"]).stdout);
    const notes = sarif.runs[0].invocations[0].toolExecutionNotifications as Array<{ associatedRule: { id: string }; message: { text: string } }>;
    expect(notes).toHaveLength(report.notEvaluated.length);
    expect(notes.map((n) => n.message.text)).toContain("storage-nfs on sthpcscratch: no file shares of the storage account in the snapshot");
  });

  it("--output prints one summary line on stderr naming the file, the counts and why the exit code", () => {
    const out = join(dir, "nsp.sarif");
    const r = cli(["scan", "--snapshot", stripped, "--format", "sarif", "--output", out, "--no-fail-on-incomplete"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n");
    expect(lines.at(-1)).toBe(`wrote nsp.sarif: ${report.findings.length} findings, ${report.notEvaluated.length} not evaluated; exit 1 (≥ high)`);
    const ci = cli(["scan", "--snapshot", stripped, "--format", "sarif", "--output", out, "--fail-on", "none"], { env: { CI: "1" } });
    expect(ci.stderr.trim().split("\n").at(-1)).toBe(`wrote nsp.sarif: ${report.findings.length} findings, ${report.notEvaluated.length} not evaluated; exit 1 (incomplete input)`);
    const quiet = cli(["scan", "--snapshot", stripped, "--format", "sarif", "--output", out, "--quiet"]);
    expect(quiet.status).toBe(1);
    expect(quiet.stderr).toBe("");
  });
});

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe("scan: an empty scope is an error unless --allow-empty", () => {
  it.each([
    ["an empty array", "[]"],
    ["Resource Graph output with no row", JSON.stringify({ data: [], count: 0, skip_token: null })],
  ])("%s: exit 2, one line, nothing on stdout", (_name, content) => {
    const path = file("empty.json", content);
    const r = cli(["scan", "--snapshot", path, "--format", "json"]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toEqual([
      "nsp-guardrail: scan: empty.json: no network security perimeter found: check the file (--allow-empty accepts an empty scope)",
    ]);
    const allowed = cli(["scan", "--snapshot", path, "--format", "json", "--allow-empty"]);
    expect(allowed.status).toBe(0);
    expect(JSON.parse(allowed.stdout).summary.perimeters).toBe(0);
  });

  it("a subscription that is not a subscription id is a usage error before any ARM call", () => {
    const r = cli(["scan", "--subscription", "contoso", "--arm-endpoint", "https://127.0.0.1:1"]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toEqual([
      'nsp-guardrail: --subscription "contoso": not a subscription id (expected a GUID such as 00000000-0000-0000-0000-000000000000)',
    ]);
  });
});
