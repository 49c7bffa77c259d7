/** The Contoso fixture's HTML report as the report tests read it: the sandbox account's tag may exempt it from storage-sftp. */
import { join } from "node:path";
import { loadSnapshotFile } from "../../src/inventory/snapshot.js";
import type { Estate } from "../../src/model/estate.js";
import { parsePolicy } from "../../src/policy/policy.js";
import { ALL_RULES, RULE_IDS } from "../../src/rules/catalog/index.js";
import { evaluateEstate } from "../../src/rules/engine.js";
import { formatHtml } from "../../src/report/html.js";
import { buildScanReport, type ScanReport } from "../../src/report/scanReport.js";
import { NOW } from "./builders.js";
import { ROOT } from "./cli.js";

export async function contosoReport(): Promise<{ estate: Estate; report: ScanReport; html: string }> {
  const estate = await loadSnapshotFile(join(ROOT, "test", "fixtures", "estates", "contoso.json"));
  const policy = parsePolicy("tagExemptions: { allow: [storage-sftp] }", "policy.yaml", RULE_IDS);
  const report = buildScanReport(evaluateEstate(estate, { now: NOW, policy }), { snapshot: "contoso.json" }, NOW);
  return { estate, report, html: formatHtml(report, estate, ALL_RULES.map((r) => r.meta)) };
}
