import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { idKey } from "../../src/model/armId.js";
import { Estate } from "../../src/model/estate.js";
import type { ArmResource } from "../../src/model/resource.js";
import { perimeterClosure } from "../../src/pipeline/closure.js";
import { SUB } from "../helpers/builders.js";
import { cliAsync, ROOT } from "../helpers/cli.js";
import { startEmulator } from "../helpers/emulator.js";

const dir = mkdtempSync(join(tmpdir(), "nspg-live-"));
const contosoFile = join(ROOT, "test", "fixtures", "estates", "contoso.json");
const contoso = JSON.parse(readFileSync(contosoFile, "utf8")).resources;

function comparable(json: string): string[] {
  const report = JSON.parse(json) as { findings: Array<{ ruleId: string; resourceId: string; severity: string; perimeterId?: string; exempted: boolean }> };
  return report.findings.map((f) => `${f.ruleId} ${idKey(f.resourceId)} ${f.severity} ${idKey(f.perimeterId ?? "")} ${f.exempted}`).sort();
}

describe("scan --subscription and export against the ARM emulator", async () => {
  const emulator = await startEmulator(contoso);
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, emulator.caCertificate);
  const env = { NSPG_ARM_ENDPOINT: emulator.endpoint, NSPG_ARM_CA_FILE: caFile, NSPG_ARM_TOKEN: emulator.token() };

  it("gives exactly the findings of scan --snapshot on the same estate", async () => {
    const live = await cliAsync(["scan", "--subscription", SUB, "--format", "json", "--fail-on", "none"], { env });
    expect(live.status).toBe(0);
    const snapshot = await cliAsync(["scan", "--snapshot", contosoFile, "--format", "json", "--fail-on", "none"]);
    expect(comparable(live.stdout)).toEqual(comparable(snapshot.stdout));
    // The rule about resources outside any perimeter is evaluated on the live read too: the read lists
    // every resource of the associable types in the subscription, and finds the locked-down one.
    expect(comparable(live.stdout).filter((line) => line.startsWith("member-secured-unassociated ")).length).toBeGreaterThan(0);
    const notEvaluated = (JSON.parse(live.stdout) as { notEvaluated: Array<{ ruleId: string; resourceId: string }> }).notEvaluated;
    expect(notEvaluated).toEqual([]);
    expect(live.stderr).not.toMatch(/not evaluated/);
    expect(JSON.parse(live.stdout).source).toEqual({ subscriptions: [SUB] });
  });

  it("--arm-endpoint overrides NSPG_ARM_ENDPOINT", async () => {
    const r = await cliAsync(["scan", "--subscription", SUB, "--arm-endpoint", emulator.endpoint, "--format", "json", "--fail-on", "none"], {
      env: { ...env, NSPG_ARM_ENDPOINT: "https://127.0.0.1:1" },
    });
    expect(r.status).toBe(0);
  });

  it("export writes a snapshot that scans the same", async () => {
    const out = join(dir, "exported.json");
    const r = await cliAsync(["export", "--subscription", SUB, "--output", out], { env });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^exported \d+ resource\(s\) in \d+ ARM call\(s\)/);
    const exported = JSON.parse(readFileSync(out, "utf8")).resources as ArmResource[];
    const original = new Map<string, ArmResource>(contoso.map((x: ArmResource) => [idKey(x.id), x]));
    const readOnly = (r: ArmResource) => {
      const { etag: _e, systemData: _s, ...rest } = r;
      return { ...rest, properties: { ...(r.properties ?? {}), provisioningState: undefined } };
    };
    for (const resource of exported) {
      const seeded = original.get(idKey(resource.id));
      if (!seeded) {
        // ARM computes these; they are not in a snapshot unless the seed declared them.
        expect(resource.type.toLowerCase(), resource.id).toMatch(/\/networksecurityperimeterconfigurations$/);
        continue;
      }
      if (/\/networksecurityperimeterconfigurations$/i.test(resource.type)) {
        // Computed by ARM from the associations; the seed's declared provisioning issues are kept.
        expect(resource.properties?.["provisioningIssues"]).toEqual(seeded.properties?.["provisioningIssues"]);
      } else expect(readOnly(resource), resource.id).toEqual(readOnly(seeded));
    }
    // Everything the rules read of the estate is exported.
    const estate = new Estate(contoso);
    const exportedIds = new Set(exported.map((r) => idKey(r.id)));
    for (const perimeter of estate.perimeters()) {
      for (const resource of perimeterClosure(estate, perimeter).resources) expect(exportedIds.has(idKey(resource.id)), resource.id).toBe(true);
    }
    // The snapshot declares what the read covered: nothing is missing, in CI too.
    expect(JSON.parse(readFileSync(out, "utf8")).inputs).toEqual(expect.arrayContaining(["microsoft.storage/storageaccounts/fileservices/shares", "microsoft.insights/diagnosticsettings"]));
    const again = await cliAsync(["scan", "--snapshot", out, "--format", "json", "--fail-on", "none"], { env: { CI: "true" } });
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout).notEvaluated).toEqual([]);
    const snapshot = await cliAsync(["scan", "--snapshot", contosoFile, "--format", "json", "--fail-on", "none"]);
    expect(comparable(again.stdout)).toEqual(comparable(snapshot.stdout));
  });

  it("a subscription with no perimeter is exit 2 with one line, unless --allow-empty", async () => {
    const other = "22222222-2222-2222-2222-222222222222";
    const r = await cliAsync(["scan", "--subscription", other, "--format", "json"], { env });
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toEqual([
      `nsp-guardrail: scan: subscription(s) ${other}: no network security perimeter found: check the subscription ids and the identity's access (--allow-empty accepts an empty scope)`,
    ]);
    expect(r.status).toBe(2);
    const allowed = await cliAsync(["scan", "--subscription", other, "--format", "json", "--allow-empty"], { env });
    expect(allowed.status).toBe(0);
    expect(JSON.parse(allowed.stdout).summary.perimeters).toBe(0);
  });

  it("ends with exit 3 and one line when ARM keeps failing", async () => {
    emulator.faults.add({ path: "**/networkSecurityPerimeters", kind: "error", status: 503 });
    try {
      const r = await cliAsync(["scan", "--subscription", SUB, "--format", "json"], { env });
      expect(r.status).toBe(3);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/^nsp-guardrail: ARM call failed: .*HTTP 503/);
    } finally {
      emulator.faults.clear();
    }
  });

  it("ends with exit 3 when the credential is refused", async () => {
    const r = await cliAsync(["scan", "--subscription", SUB], { env: { ...env, NSPG_ARM_TOKEN: "not-a-token" } });
    expect(r.status).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^nsp-guardrail: .*401/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});
