import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ArmResource } from "../../src/model/resource.js";
import { cliAsync } from "../helpers/cli.js";
import { startEmulator } from "../helpers/emulator.js";
import { ASSOC_ACCOUNT, estateResources, monthOfRows, SUB } from "./fixture.js";

function withoutUndeclaredSuggestions(resource: ArmResource): ArmResource {
  if (!resource.type.toLowerCase().startsWith("microsoft.storage/") || !Array.isArray(resource.properties?.["provisioningIssues"])) return resource;
  const issues = (resource.properties!["provisioningIssues"] as Array<{ properties?: Record<string, unknown> }>).map((issue) => {
    const { suggestedAccessRules: _rules, suggestedResourceIds: _ids, ...declared } = issue.properties ?? {};
    return { ...issue, properties: declared };
  });
  return { ...resource, properties: { ...resource.properties, provisioningIssues: issues } };
}

const dir = mkdtempSync(join(tmpdir(), "nspg-readiness-live-"));

describe("readiness --subscription against the ARM emulator", async () => {
  const resources = estateResources();
  // The storage spec (2026-09-01) declares no suggestedAccessRules/suggestedResourceIds on its provisioning
  // issues (the common NSP types do): ARM, and so the emulator, serves the storage ones without them.
  const emulator = await startEmulator(resources.map(withoutUndeclaredSuggestions));
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, emulator.caCertificate);
  const env = { NSPG_ARM_ENDPOINT: emulator.endpoint, NSPG_ARM_CA_FILE: caFile, NSPG_ARM_TOKEN: emulator.token() };
  const logs = join(dir, "nsp.json");
  writeFileSync(logs, JSON.stringify(monthOfRows(new Date())));
  const snapshot = join(dir, "estate.json");
  writeFileSync(snapshot, JSON.stringify({ resources }));

  it("finds the same breaking callers as from the snapshot", async () => {
    const args = ["--logs", logs, "--association", ASSOC_ACCOUNT, "--format", "json"];
    const live = await cliAsync(["readiness", "--subscription", SUB, ...args], { env });
    expect(live.stderr).toBe("");
    expect(live.status).toBe(1);
    const fromSnapshot = await cliAsync(["readiness", "--snapshot", snapshot, ...args]);
    const callers = (out: string) => (JSON.parse(out).associations[0].wouldBreak as { fix: string; sourceIpAddress?: string }[]).map((w) => `${w.fix} ${w.sourceIpAddress ?? ""}`).sort();
    expect(callers(live.stdout)).toEqual(callers(fromSnapshot.stdout));
    expect(callers(live.stdout)).toHaveLength(10);
  });
});
