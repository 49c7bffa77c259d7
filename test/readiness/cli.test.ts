import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";
import { ACCOUNT, ASSOC_ACCOUNT, ASSOC_VAULT, estateResources, monthOfRows, row } from "./fixture.js";

const dir = mkdtempSync(join(tmpdir(), "nspg-readiness-"));
const snapshot = join(dir, "estate.json");
writeFileSync(snapshot, JSON.stringify({ resources: estateResources() }));
// Dated from now: the command's window ends at the current time.
const rows = monthOfRows(new Date());
const jsonLines = join(dir, "nsp.jsonl");
writeFileSync(jsonLines, rows.map((r) => JSON.stringify(r)).join("\n"));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("nsp-guardrail readiness", () => {
  it("prints the contract's JSON and exits 1 when an association breaks", () => {
    const r = cli(["readiness", "--snapshot", snapshot, "--logs", jsonLines, "--format", "json"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual(["version", "window", "associations", "notes"]);
    expect(report.version).toBe(1);
    const account = report.associations.find((a: { associationId: string }) => a.associationId === ASSOC_ACCOUNT);
    expect(Object.keys(account)).toEqual(expect.arrayContaining(["associationId", "resourceId", "perimeterId", "profileId", "accessMode", "verdict", "wouldBreak", "proposedRules"]));
    expect(account.verdict).toBe("breaks");
    expect(Object.keys(account.wouldBreak[0])).toEqual(
      expect.arrayContaining(["direction", "operations", "requests", "firstSeen", "lastSeen", "fix", "reason"]),
    );
    expect(Object.keys(account.proposedRules[0])).toEqual(expect.arrayContaining(["profileId", "direction", "addressPrefixes", "subscriptions", "fullyQualifiedDomainNames", "covers"]));
  });

  it("exits 0 when the named association is ready; markdown output", () => {
    const logs = write("ready.json", JSON.stringify([row("NspPublicInboundResourceRulesAllowed", ACCOUNT, { SourceIpAddress: "203.0.113.4" }, new Date(Date.now() - 86_400_000).toISOString())]));
    const r = cli(["readiness", "--snapshot", snapshot, "--logs", logs, "--association", ASSOC_ACCOUNT, "--format", "markdown"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("| stdata | Learning | ready | 0 |");
    expect(r.status).toBe(0);
  });

  it("--since narrows the window: older records are noted and the association has no data", () => {
    const old = write("old.json", JSON.stringify([row("NspPublicInboundResourceRulesAllowed", ACCOUNT, { SourceIpAddress: "198.51.100.1" }, new Date(Date.now() - 5 * 86_400_000).toISOString())]));
    const r = cli(["readiness", "--snapshot", snapshot, "--logs", old, "--since", "2d", "--association", ASSOC_ACCOUNT, "--format", "json"]);
    const report = JSON.parse(r.stdout);
    expect(report.associations[0]).toMatchObject({ verdict: "no-data", reason: "the log file(s) hold no record inside the window (1 record(s) in all)" });
    expect(report.notes).toEqual(["1 of 1 log record(s) fall outside the window (--since 2d) and were not assessed"]);
    expect(r.status).toBe(1);
  });

  it("the policy's readiness.maxPrefixLength shapes the proposals", () => {
    const policy = write("policy.yaml", "readiness:\n  maxPrefixLength: 28\n");
    const r = cli(["readiness", "--snapshot", snapshot, "--logs", jsonLines, "--association", ASSOC_ACCOUNT, ASSOC_VAULT, "--policy", policy, "--format", "json"]);
    // The profile's proposal gathers both associations' callers: the vault's 198.51.100.2 joins the partner's /29.
    expect(JSON.parse(r.stdout).associations[0].proposedRules[0].addressPrefixes).toEqual(["192.0.2.77/32", "198.18.0.9/32", "198.51.100.0/29", "198.51.100.30/32"]);
  });

  it.each([
    [["--logs", "missing.json"], "missing.json: cannot read log file: ENOENT"],
    [["--logs", "BAD"], "bad.json: [0].Category: unknown NSP access-log category \"NspNope\""],
    [["--logs", "LOGS", "--since", "soon"], "--since soon: expected a positive duration"],
    [["--logs", "LOGS", "--association", "/subscriptions/x/nope"], "--association /subscriptions/x/nope: no such resource association in the estate"],
    [["--logs", "LOGS", "--policy", "BADPOLICY"], "bad-policy.yaml: readiness.maxPrefixLength: "],
    [[], "readiness: give either --logs FILE... or --workspace ID (one of them)"],
  ])("bad input %j exits 2 with a clear message", (args, message) => {
    const bad = write("bad.json", JSON.stringify([row("NspNope", ACCOUNT)]));
    const badPolicy = write("bad-policy.yaml", "readiness:\n  maxPrefixLength: 40\n");
    const resolved = args.map((a) => (a === "BAD" ? bad : a === "LOGS" ? jsonLines : a === "BADPOLICY" ? badPolicy : a === "missing.json" ? join(dir, a) : a));
    const r = cli(["readiness", "--snapshot", snapshot, ...resolved]);
    expect(r.stderr).toContain(message);
    expect(r.status).toBe(2);
  });

  it("exits 3 when Log Analytics is unreachable", () => {
    const r = cli(["readiness", "--snapshot", snapshot, "--workspace", "00000000-0000-0000-0000-000000000000", "--logs-endpoint", "https://127.0.0.1:9/v1"], {
      env: { NSPG_LOGS_TOKEN: "test-token" },
    });
    expect(r.stderr).toMatch(/Log Analytics workspace 00000000-0000-0000-0000-000000000000: query failed/);
    expect(r.status).toBe(3);
  });
});
