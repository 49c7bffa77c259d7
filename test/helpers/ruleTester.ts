/**
 * Table tests for one rule, in the manner of ESLint's RuleTester: cases that must fire (asserting
 * rule id, resource id and severity) and near-misses that must not.
 */
import { describe, expect, it } from "vitest";
import { Estate } from "../../src/model/estate.js";
import type { ArmResource } from "../../src/model/resource.js";
import { evaluateEstate } from "../../src/rules/engine.js";
import { ALL_RULES } from "../../src/rules/catalog/index.js";
import { validatePolicy } from "../../src/policy/policy.js";
import type { Severity } from "../../src/rules/types.js";
import { NOW } from "./builders.js";

export interface ExpectedHit {
  resourceId: string;
  severity: Severity;
  /** Checked when given: the finding's perimeter id. */
  perimeterId?: string;
  /** Checked when given: a substring of the message (values seen). */
  messageIncludes?: string;
}

export interface RuleCase {
  name: string;
  resources: ArmResource[];
  /** Policy document (as a user would write it). */
  policy?: Record<string, unknown>;
  now?: Date;
  /** The estate before the change (event pipeline / replay only rules). */
  previous?: ArmResource[];
}

export interface FiringCase extends RuleCase {
  expect: ExpectedHit[];
}

export function findingsOf(ruleId: string, c: RuleCase) {
  const rule = ALL_RULES.find((r) => r.meta.id === ruleId);
  if (!rule) throw new Error(`no rule ${ruleId}`);
  // A rule that is off by default is turned on for its own table, unless the case's policy says otherwise.
  const doc = c.policy ?? {};
  const rules = { ...(rule.meta.defaultAction === "off" ? { [ruleId]: { action: "alert" } } : {}), ...((doc["rules"] as object | undefined) ?? {}) };
  const policy = validatePolicy({ ...doc, rules }, "test-policy", ALL_RULES.map((r) => r.meta.id));
  const result = evaluateEstate(new Estate(c.resources), {
    rules: [rule],
    policy,
    now: c.now ?? NOW,
    ...(c.previous ? { previous: new Estate(c.previous) } : {}),
  });
  return result.findings;
}

export function ruleTester(ruleId: string, table: { fires: FiringCase[]; passes: RuleCase[] }): void {
  describe(ruleId, () => {
    it("has at least two firing cases and two near-misses", () => {
      expect(table.fires.length).toBeGreaterThanOrEqual(2);
      expect(table.passes.length).toBeGreaterThanOrEqual(2);
    });
    const rule = ALL_RULES.find((r) => r.meta.id === ruleId);
    if (rule?.meta.defaultAction === "off") {
      it("is off under the default policy (its limitation left the current docs)", () => {
        const first = table.fires[0]!;
        const policy = validatePolicy({}, "default-policy", ALL_RULES.map((r) => r.meta.id));
        const findings = evaluateEstate(new Estate(first.resources), { policy, now: first.now ?? NOW }).findings;
        expect(findings.filter((f) => f.ruleId === ruleId)).toEqual([]);
        expect(rule.meta.retired, "an off-by-default rule names the doc that listed it and the newer one").toBeDefined();
      });
    }
    for (const c of table.fires) {
      it(`fires: ${c.name}`, () => {
        const findings = findingsOf(ruleId, c);
        expect(findings.filter((f) => f.ruleId === "engine-error")).toEqual([]);
        const got = findings.map((f) => ({ ruleId: f.ruleId, resourceId: f.resourceId, severity: f.severity }));
        const want = c.expect.map((e) => ({ ruleId, resourceId: e.resourceId, severity: e.severity }));
        expect(got).toHaveLength(want.length);
        expect(got).toEqual(expect.arrayContaining(want));
        for (const e of c.expect) {
          const f = findings.find((x) => x.resourceId === e.resourceId && x.severity === e.severity)!;
          if (e.perimeterId !== undefined) expect(f.perimeterId).toBe(e.perimeterId);
          if (e.messageIncludes !== undefined) expect(f.message).toContain(e.messageIncludes);
        }
      });
    }
    for (const c of table.passes) {
      it(`does not fire: ${c.name}`, () => {
        const findings = findingsOf(ruleId, c);
        expect(findings.map((f) => `${f.ruleId} ${f.resourceId}: ${f.message}`)).toEqual([]);
      });
    }
  });
}
