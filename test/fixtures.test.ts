import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSnapshotFile } from "../src/inventory/snapshot.js";
import { parsePolicy } from "../src/policy/policy.js";
import { RULE_IDS } from "../src/rules/catalog/index.js";
import { evaluateEstate } from "../src/rules/engine.js";
import { NOW } from "./helpers/builders.js";
import { ROOT } from "./helpers/cli.js";
import { ESTATES, FIXTURE_POLICY, TIMELINES } from "./fixtures/estates.js";

const dir = join(ROOT, "test", "fixtures", "estates");
const update = process.env.UPDATE_FIXTURES === "1";
const stale = "stale: run `UPDATE_FIXTURES=1 npx vitest run test/fixtures.test.ts`, review and commit";

function checkOrWrite(file: string, text: string) {
  const path = join(dir, file);
  if (update) writeFileSync(path, text);
  expect(existsSync(path), `${file} missing: ${stale}`).toBe(true);
  expect(readFileSync(path, "utf8"), `${file} ${stale}`).toBe(text);
}

const load = (file: string) => loadSnapshotFile(join(dir, file));

/** A golden file's text: the counts and each finding by rule, severity and short names. */
function goldenText({ findings, perimeters, associations }: ReturnType<typeof evaluateEstate>): string {
  const summary = findings.map((f) => ({
    ruleId: f.ruleId,
    severity: f.severity,
    resource: f.resourceId.split("/").pop(),
    perimeter: f.perimeterId?.split("/").pop() ?? null,
    ...(f.exempted ? { exempted: f.exemptionReason } : {}),
  }));
  return `${JSON.stringify({ perimeters, associations, findings: summary }, null, 1)}\n`;
}
const policy = parsePolicy(FIXTURE_POLICY, "contoso.policy.yaml", RULE_IDS);

describe("fixture estates", () => {
  it.each(Object.keys(ESTATES))("%s is current with its builder", (file) => {
    checkOrWrite(file, `${JSON.stringify(ESTATES[file as keyof typeof ESTATES](), null, 1)}\n`);
  });

  it("contoso.policy.yaml is current", () => checkOrWrite("contoso.policy.yaml", FIXTURE_POLICY));

  it.each(Object.keys(TIMELINES))("timeline %s is current with its builder", (file) => {
    checkOrWrite(file, `${JSON.stringify(TIMELINES[file as keyof typeof TIMELINES](), null, 1)}\n`);
  });

  it("together, the fixtures exercise every rule", async () => {
    const contoso = await load("contoso.json");
    const runs = [
      evaluateEstate(contoso, { now: NOW }),
      evaluateEstate(contoso, { now: NOW, policy }),
      evaluateEstate(contoso, { now: NOW, previous: await load("contoso-before.json") }),
      evaluateEstate(await load("fabrikam-resource-graph.json"), { now: NOW }),
      evaluateEstate(await load("contoso-services.json"), { now: NOW, previous: await load("contoso-services-before.json") }),
    ];
    const fired = new Set(runs.flatMap((r) => r.findings.filter((f) => !f.exempted).map((f) => f.ruleId)));
    expect(RULE_IDS.filter((id) => !fired.has(id))).toEqual([]);
    expect(fired.has("engine-error")).toBe(false);
  });

  it("contoso gives exactly the reviewed findings", async () => {
    checkOrWrite("contoso.expected.json", goldenText(evaluateEstate(await load("contoso.json"), { now: NOW })));
  });

  it("contoso-services gives exactly the reviewed findings (with its before-state: a deleted association)", async () => {
    checkOrWrite("contoso-services.expected.json", goldenText(evaluateEstate(await load("contoso-services.json"), { now: NOW, previous: await load("contoso-services-before.json") })));
  });

  it("the demo's built-in estate is the Contoso fixture", () => {
    const demo = JSON.parse(readFileSync(join(ROOT, "demo", "estate.json"), "utf8"));
    const contoso = JSON.parse(readFileSync(join(dir, "contoso.json"), "utf8"));
    expect(demo.resources ?? demo).toEqual(contoso.resources);
  });

  it("the clean estate has no findings", async () => {
    const { findings, perimeters, associations } = evaluateEstate(await load("clean.json"), { now: NOW, policy });
    expect({ perimeters, associations }).toEqual({ perimeters: 1, associations: 3 });
    expect(findings.map((f) => `${f.ruleId}: ${f.message}`)).toEqual([]);
  });
});
