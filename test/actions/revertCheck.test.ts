/** Reverts vetted by the rules before they are written (src/actions/revertCheck.ts). */
import { describe, expect, it } from "vitest";
import type { RevertPlan } from "../../src/actions/planner.js";
import { vetRevertPlans } from "../../src/actions/revertCheck.js";
import { Estate } from "../../src/model/estate.js";
import { parsePolicy } from "../../src/policy/policy.js";
import { RULE_IDS } from "../../src/rules/catalog/index.js";
import { evaluatePerimeter } from "../../src/rules/engine.js";
import { accessRule, perimeter, profile } from "../helpers/builders.js";

const policy = parsePolicy(JSON.stringify({ dryRun: false, rules: { "accessrule-broad-inbound": { action: "revert" } } }), "policy", RULE_IDS);
const nsp = perimeter("nsp-vet");
const prof = profile(nsp, "default");
const good = accessRule(prof, "offices", { direction: "Inbound", addressPrefixes: ["203.0.113.0/24"] });
const open = accessRule(prof, "offices", { direction: "Inbound", addressPrefixes: ["203.0.113.0/24", "0.0.0.0/0"] });
const now = new Date("2026-11-28T10:00:00Z");

function vet(body: typeof good) {
  const current = [nsp, prof, open];
  const findings = evaluatePerimeter(new Estate(current), nsp, { policy, now });
  const finding = findings.find((f) => f.ruleId === "accessrule-broad-inbound")!;
  const plan: RevertPlan = {
    action: { type: "revert", ruleId: finding.ruleId, resourceId: finding.resourceId, operation: "restore", status: "planned", reason: "would restore offices" },
    finding: { ...finding, status: "new" },
    targetId: open.id,
    body,
    current: open,
  };
  return vetRevertPlans([plan], { current, currentFindings: findings, perimeterId: nsp.id, policy, now })[0]!;
}

describe("vetting a revert with the rules", () => {
  it("lets through a restore that resolves its finding", () => {
    const out = vet(good);
    expect(out.action).toMatchObject({ operation: "restore", status: "planned" });
    expect(out.targetId).toBe(open.id);
  });

  it("turns a restore that would leave its own finding into a skip without a target", () => {
    const out = vet(open);
    expect(out.action).toMatchObject({ operation: "none", status: "skipped" });
    expect(out.action.reason).toMatch(/would not resolve accessrule-broad-inbound/);
    expect(out.targetId).toBeUndefined();
    expect(out.body).toBeUndefined();
  });
});
