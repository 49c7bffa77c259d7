/** `scan` and `export` with `--management-group`: Resource Graph at management-group scope, ARM for the rest. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { idKey } from "../../src/model/armId.js";
import { cliAsync, ROOT } from "../helpers/cli.js";
import { startEmulator } from "../helpers/emulator.js";
import { fixtureResources, subscriptionsOf, withAncestors } from "../inventory/liveSupport.js";

const contosoFile = join(ROOT, "test", "fixtures", "estates", "contoso.json");
const policyFile = join(ROOT, "test", "fixtures", "estates", "contoso.policy.yaml");

function comparable(json: string): string[] {
  const report = JSON.parse(json) as { findings: Array<{ ruleId: string; resourceId: string; severity: string; perimeterId?: string; exempted: boolean }> };
  return report.findings.map((f) => `${f.ruleId} ${idKey(f.resourceId)} ${f.severity} ${idKey(f.perimeterId ?? "")} ${f.exempted}`).sort();
}

describe("scan and export --management-group", { timeout: 120_000 }, async () => {
  const { resources } = fixtureResources("contoso.json");
  const emulator = await startEmulator(withAncestors(resources), { managementGroups: { "mg-contoso": subscriptionsOf(resources) }, resourceGraphQuota: false });
  const dir = mkdtempSync(join(tmpdir(), "nspg-mg-"));
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, emulator.caCertificate);
  const env = { NSPG_ARM_ENDPOINT: emulator.endpoint, NSPG_ARM_CA_FILE: caFile, NSPG_ARM_TOKEN: emulator.token() };

  it("scan gives exactly the findings of scan --snapshot on the same estate", async () => {
    const live = await cliAsync(["scan", "--management-group", "mg-contoso", "--policy", policyFile, "--format", "json", "--fail-on", "none"], { env });
    expect(live.stderr).toBe("");
    expect(live.status).toBe(0);
    const snapshot = await cliAsync(["scan", "--snapshot", contosoFile, "--policy", policyFile, "--format", "json", "--fail-on", "none"]);
    expect(comparable(live.stdout)).toEqual(comparable(snapshot.stdout));
    expect(JSON.parse(live.stdout).source).toEqual({ managementGroup: "mg-contoso" });
    expect(emulator.operations.some((o) => o.method === "POST" && /Microsoft\.ResourceGraph/i.test(o.path))).toBe(true);
  });

  it("export writes a snapshot that scans the same", async () => {
    const out = join(dir, "exported.json");
    const r = await cliAsync(["export", "--management-group", "mg-contoso", "--output", out], { env });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^exported \d+ resource\(s\) in \d+ Resource Graph and \d+ ARM call\(s\) \(0 quota wait\(s\)\)/);
    JSON.parse(readFileSync(out, "utf8"));
    const again = await cliAsync(["scan", "--snapshot", out, "--format", "json", "--fail-on", "none"]);
    const snapshot = await cliAsync(["scan", "--snapshot", contosoFile, "--format", "json", "--fail-on", "none"]);
    expect(again.status).toBe(0);
    expect(comparable(again.stdout)).toEqual(comparable(snapshot.stdout));
  });

  it("refuses --subscription with --management-group (exit 2)", async () => {
    const scan = await cliAsync(["scan", "--management-group", "mg-contoso", "--subscription", subscriptionsOf(resources)[0]!], { env });
    expect(scan.status).toBe(2);
    expect(scan.stderr).toMatch(/scan: give either --snapshot FILE or --subscription ID\.\.\. or --management-group ID/);
    const exp = await cliAsync(["export"], { env });
    expect(exp.status).toBe(2);
    expect(exp.stderr).toMatch(/export: give either --subscription ID\.\.\. or --management-group ID/);
  });
});
