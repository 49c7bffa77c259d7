import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import type AjvDraft04 from "ajv-draft-04";
import { describe, expect, it } from "vitest";
import { Estate } from "../../src/model/estate.js";
import { parsePolicy } from "../../src/policy/policy.js";
import { ALL_RULES, RULE_IDS } from "../../src/rules/catalog/index.js";
import { evaluateEstate } from "../../src/rules/engine.js";
import { buildScanReport } from "../../src/report/scanReport.js";
import { formatSarif } from "../../src/report/sarif.js";
import { assessCompleteness } from "../../src/report/completeness.js";
import { fileShare, NOW, storageInPerimeter } from "../helpers/builders.js";
import { cli } from "../helpers/cli.js";

// The official SARIF 2.1.0 schema (draft-04), as shipped by Microsoft's SARIF test matchers.
const require = createRequire(import.meta.url);
const Ajv = (require("ajv-draft-04") as { default: typeof AjvDraft04.default }).default;
const schemaPath = require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false });
const validate = ajv.compile(schema);

function assertValid(log: unknown) {
  const ok = validate(log);
  expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 5), null, 2)).toEqual([]);
  expect(ok).toBe(true);
}

describe("SARIF output", () => {
  it("the schema rejects an invalid log (the validator is live)", () => {
    expect(validate({ version: "2.1.0", runs: [{ tool: { driver: {} } }] })).toBe(false);
  });

  it("validates against the SARIF 2.1.0 schema from the CLI, one result per finding", () => {
    const r = cli(["scan", "--snapshot", "test/fixtures/estates/contoso.json", "--format", "sarif", "--fail-on", "none"]);
    expect(r.status).toBe(0);
    const log = JSON.parse(r.stdout);
    assertValid(log);
    const json = JSON.parse(cli(["scan", "--snapshot", "test/fixtures/estates/contoso.json", "--format", "json", "--fail-on", "none"]).stdout);
    const run = log.runs[0];
    expect(run.results).toHaveLength(json.findings.length);
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining(RULE_IDS as string[]));
    for (const result of run.results) {
      expect(run.tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
      expect(result.locations[0].logicalLocations[0].fullyQualifiedName).toMatch(/^\/subscriptions\//i);
      expect(result.locations[0].physicalLocation.artifactLocation.uri).toBe("contoso.json");
    }
  });

  it("maps severities to levels and exemptions to suppressions", () => {
    const nfs = storageInPerimeter("stnfs");
    const learning = storageInPerimeter("stlearn", { accessMode: "Learning", nspName: "nsp2", properties: { publicNetworkAccess: "Enabled" } });
    const estate = new Estate([...nfs.resources, fileShare(nfs.account, "d", "NFS"), ...learning.resources]);
    const policy = parsePolicy(
      `exemptions: [ { rule: storage-transition-mode, resource: "**/stlearn", reason: "migration window until May" } ]`,
      "p.yaml",
      RULE_IDS,
    );
    const report = buildScanReport(evaluateEstate(estate, { policy, now: NOW }), { snapshot: "estate.json" }, NOW);
    const log = JSON.parse(formatSarif(report, ALL_RULES.map((r) => r.meta)));
    assertValid(log);
    const results = log.runs[0].results as Array<{ ruleId: string; level: string; suppressions?: Array<{ justification: string }> }>;
    expect(results.find((r) => r.ruleId === "storage-nfs")?.level).toBe("error");
    const transition = results.find((r) => r.ruleId === "storage-transition-mode");
    expect(transition?.level).toBe("warning");
    expect(transition?.suppressions?.[0]?.justification).toBe("migration window until May");
  });

  it("reports the checks not evaluated as tool execution notifications, still valid SARIF", () => {
    const nfs = storageInPerimeter("stnfs");
    const estate = new Estate(nfs.resources);
    const completeness = assessCompleteness(estate, ALL_RULES, { kind: "snapshot", file: "estate.json", resourceGraph: false });
    const report = buildScanReport(evaluateEstate(estate, { now: NOW }), { snapshot: "estate.json" }, NOW, completeness);
    const log = JSON.parse(formatSarif(report, ALL_RULES.map((r) => r.meta)));
    assertValid(log);
    const invocation = log.runs[0].invocations[0];
    expect(invocation.toolExecutionNotifications).toHaveLength(completeness.notEvaluated.length);
    const nfsNote = invocation.toolExecutionNotifications.find((n: { associatedRule: { id: string } }) => n.associatedRule.id === "storage-nfs");
    expect(nfsNote).toMatchObject({
      level: "warning",
      message: { text: "storage-nfs on stnfs: no file shares of the storage account in the snapshot" },
      locations: [{ logicalLocations: [{ fullyQualifiedName: nfs.account.id, kind: "resource" }] }],
    });
    expect(log.runs[0].tool.driver.rules[nfsNote.associatedRule.index].id).toBe("storage-nfs");
    expect(invocation.properties.notEvaluated).toBe(completeness.notEvaluated.length);
  });
});
