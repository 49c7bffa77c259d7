import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fileShare, storageInPerimeter } from "../helpers/builders.js";
import { cli, ROOT } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "nspg-cli-"));
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const nfs = storageInPerimeter("stnfs");
const estate = file("estate.json", JSON.stringify({ resources: [...nfs.resources, fileShare(nfs.account, "data", "NFS")] }));
const clean = storageInPerimeter("stclean");
const cleanEstate = file("clean.json", JSON.stringify(clean.resources));

describe("nsp-guardrail scan --snapshot", () => {
  it("prints the scan JSON and exits 1 when a finding reaches --fail-on (default high)", () => {
    const r = cli(["scan", "--snapshot", estate, "--format", "json"]);
    // The estate holds no diagnostic settings, backup items...: one warning says so, nothing else.
    expect(r.stderr).toMatch(/^nsp-guardrail: warning: \d+ check\(s\) not evaluated: estate\.json holds no [^\n]*\n$/);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ version: 1, summary: { perimeters: 1, associations: 1 } });
    expect(typeof report.generatedAt).toBe("string");
    const nfsFinding = report.findings.find((f: { ruleId: string }) => f.ruleId === "storage-nfs");
    expect(nfsFinding).toMatchObject({
      severity: "critical",
      category: "unsupported",
      resourceId: nfs.account.id,
      perimeterId: nfs.nsp.id,
      profileId: nfs.profile.id,
      associationId: nfs.association.id,
      exempted: false,
    });
    for (const key of ["message", "docUrl", "remediation"]) expect(nfsFinding[key]).toEqual(expect.any(String));
    expect(report.summary.findings.critical).toBeGreaterThanOrEqual(1);
  });

  it("exits 0 when nothing reaches --fail-on, and with --fail-on none", () => {
    expect(cli(["scan", "--snapshot", estate, "--format", "json", "--fail-on", "none"]).status).toBe(0);
    const r = cli(["scan", "--snapshot", cleanEstate, "--format", "json", "--fail-on", "critical"]);
    expect(r.status).toBe(0);
  });

  it("does not count exempted findings toward --fail-on", () => {
    const policy = file(
      "exempt-all.yaml",
      `exemptions:\n  - rule: "*"\n    resource: "/subscriptions/**"\n    reason: "accepted for this test estate"\n`,
    );
    const r = cli(["scan", "--snapshot", estate, "--policy", policy, "--format", "json", "--fail-on", "info"]);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.findings.every((f: { exempted: boolean; exemptionReason: string }) => f.exempted && f.exemptionReason === "accepted for this test estate")).toBe(true);
    expect(report.summary.exempted).toBe(report.findings.length);
  });

  it("writes --output to a file and nothing to stdout", () => {
    const out = join(dir, "report.md");
    const r = cli(["scan", "--snapshot", estate, "--format", "markdown", "--output", out, "--fail-on", "none"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("");
    const md = readFileSync(out, "utf8");
    expect(md).toContain("# NSP Guardrail scan");
    expect(md).toContain("storage-nfs");
  });

  it("writes a self-contained HTML report with a picture of each perimeter", () => {
    const out = join(dir, "report.html");
    const r = cli(["scan", "--snapshot", join(ROOT, "test", "fixtures", "estates", "contoso.json"), "--format", "html", "--output", out, "--fail-on", "none"]);
    expect(r.status).toBe(0);
    const html = readFileSync(out, "utf8");
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html.match(/<svg[^>]*class="perimeter-svg"/g)).toHaveLength(4);
    expect(html).not.toMatch(/<script[^>]+src=/);
  });

  it("renders a table naming rule, resource and perimeter", () => {
    const r = cli(["scan", "--snapshot", estate, "--format", "table"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/CRITICAL\s+storage-nfs\s+stnfs \(nsp1\)/);
    expect(r.stdout).toMatch(/1 perimeter\(s\), 1 association\(s\): \d+ finding\(s\)/);
  });
});

describe("bad input: exit 2, one clear line on stderr naming file and path, nothing on stdout", () => {
  const cases: Array<[string, string[], RegExp]> = [
    ["not JSON", ["--snapshot", file("broken.json", "{ not json")], /^nsp-guardrail: broken\.json: \(root\): not valid JSON/],
    ["wrong shape", ["--snapshot", file("shape.json", JSON.stringify({ items: [] }))], /^nsp-guardrail: shape\.json: \(root\): expected an array of ARM resources/],
    ["entry without id", ["--snapshot", file("noid.json", JSON.stringify({ resources: [nfs.nsp, { type: "Microsoft.Storage/storageAccounts" }] }))], /^nsp-guardrail: noid\.json: resources\[1\]\.id: missing$/],
    ["id that is not an ARM id", ["--snapshot", file("badid.json", JSON.stringify([{ id: "stnfs", type: "Microsoft.Storage/storageAccounts" }]))], /^nsp-guardrail: badid\.json: \[0\]\.id: not an ARM resource id$/],
    ["duplicate id", ["--snapshot", file("dup.json", JSON.stringify({ value: [nfs.account, nfs.account] }))], /^nsp-guardrail: dup\.json: value\[1\]\.id: duplicate id \(first at value\[0\]\)$/],
    ["over the size limit", ["--snapshot", estate, "--max-snapshot-bytes", "64"], /^nsp-guardrail: estate\.json: \(root\): snapshot is over the limit of 64 bytes \(--max-snapshot-bytes\)$/],
    // Before: exit 70 after reading /dev/zero until memory ran out (stat() says 0 bytes).
    ["a device with no end", ["--snapshot", "/dev/zero", "--max-snapshot-bytes", "1048576"], /^nsp-guardrail: zero: \(root\): snapshot is over the limit of 1048576 bytes \(--max-snapshot-bytes\)$/],
    ["missing file", ["--snapshot", join(dir, "nope.json")], /^nsp-guardrail: nope\.json: cannot read snapshot: ENOENT$/],
    ["bad policy value", ["--snapshot", estate, "--policy", file("policy.yaml", "rules:\n  storage-nfs: { action: delete }\n")], /^nsp-guardrail: policy\.yaml: rules\.storage-nfs\.action: expected off\|alert\|revert$/],
    ["unknown policy key", ["--snapshot", estate, "--policy", file("policy2.yaml", "dryrun: false\n")], /^nsp-guardrail: policy2\.yaml: dryrun: unknown key \(did you mean dryRun\?\)$/],
    ["neither --snapshot nor --subscription", [], /^nsp-guardrail: scan: give either --snapshot FILE or --subscription ID/],
    ["both --snapshot and --subscription", ["--snapshot", estate, "--subscription", "11111111-1111-1111-1111-111111111111"], /^nsp-guardrail: scan: give either --snapshot FILE or --subscription ID/],
    ["unknown format", ["--snapshot", estate, "--format", "xml"], /^nsp-guardrail: option '--format <format>' argument 'xml' is invalid\. expected table\|json\|sarif\|markdown\|html \(see --help\)$/],
    ["unknown option", ["--snapshot", estate, "--frobnicate"], /^nsp-guardrail: unknown option '--frobnicate' \(see --help\)$/],
  ];
  it.each(cases)("%s", (_name, args, pattern) => {
    const r = cli(["scan", ...args]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    // One line, commander's own errors included.
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

/** The rule ids of the contract (shared spec rules.md), in catalog order. */
const CONTRACT_RULE_IDS = [
  "storage-transition-mode", "storage-enforcement-downgrade", "storage-nfs", "storage-sftp", "storage-smb-access",
  "storage-shared-key-subscription-rule", "storage-object-replication", "storage-lifecycle-management",
  "storage-blob-inventory", "storage-azure-backup", "storage-file-sync", "storage-cmk-key-vault",
  "storage-trusted-services", "storage-firewall-bypassed", "storage-unmanaged-disks", "accessrule-broad-inbound",
  "accessrule-private-inbound", "accessrule-invalid-prefix", "accessrule-untrusted-subscription",
  "accessrule-outbound-wildcard", "profile-rule-limit", "perimeter-no-access-logs", "perimeter-logs-outside",
  "perimeter-limits", "association-unsupported-type", "association-preview-type", "association-provisioning-issues",
  "foundry-no-managed-identity", "foundry-cmk", "foundry-network-injection",
  // Revision 2, new rules in contract order.
  "association-transition-mode", "association-removed", "member-secured-unassociated", "accessrule-service-tag",
  "perimeter-link-review", "member-logs-outside", "keyvault-trusted-bypass", "eventhubs-geo-dr",
  "servicebus-geo-replication", "cosmos-cmk-incompatible", "sql-dedicated-pool", "foundry-local-auth",
];
/** Rules whose limitation left the current docs (rules.md Revision 2): off by default. */
const OFF_BY_DEFAULT = ["storage-lifecycle-management", "storage-blob-inventory", "foundry-cmk", "foundry-network-injection"];

describe("nsp-guardrail rules", () => {
  it("lists exactly the 42 rule ids of the contract, with metadata, dated sources and default actions", () => {
    const r = cli(["rules", "--format", "json"]);
    expect(r.status).toBe(0);
    const { rules } = JSON.parse(r.stdout);
    expect(rules.map((x: { id: string }) => x.id)).toEqual(CONTRACT_RULE_IDS);
    for (const rule of rules) {
      expect(rule.docUrl).toMatch(/^https:\/\/learn\.microsoft\.com\//);
      expect(rule.title).not.toMatch(/TODO/);
      for (const key of ["title", "category", "severity", "severityLogic", "explanation", "remediation"]) {
        expect(rule[key], `${rule.id}.${key}`).toEqual(expect.any(String));
        expect(rule[key].trim(), `${rule.id}.${key}`).not.toBe("");
      }
      expect(["unsupported", "risky", "hygiene"]).toContain(rule.category);
      expect(["critical", "high", "medium", "low", "info"]).toContain(rule.severity);
      for (const source of rule.sources) {
        expect(source.title, `${rule.id} source ${source.doc}`).toEqual(expect.any(String));
        expect(source.date, `${rule.id} source ${source.doc}`).toMatch(/^\d{4}-\d{2}(-\d{2})?$/);
        expect(source.url).toMatch(/^https:\/\/learn\.microsoft\.com\//);
      }
      expect(rule.defaultAction, rule.id).toBe(OFF_BY_DEFAULT.includes(rule.id) ? "off" : "alert");
      if (OFF_BY_DEFAULT.includes(rule.id)) expect(rule.retired, rule.id).toMatchObject({ listedIn: expect.any(String), absentFrom: expect.any(Array) });
    }
  });

  it("renders the catalog as a table and as Markdown", () => {
    const table = cli(["rules", "--format", "table"]);
    expect(table.status).toBe(0);
    expect(table.stdout.trim().split("\n")).toHaveLength(CONTRACT_RULE_IDS.length + 1);
    const md = cli(["rules", "--format", "markdown"]);
    expect(md.stdout).toContain("| [`storage-nfs`](docs/rules/storage-nfs.md) |");
  });
  it("documents every command in --help", () => {
    const r = cli(["--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/scan/);
    expect(r.stdout).toMatch(/rules/);
  });
});
