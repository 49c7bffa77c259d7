/**
 * Before a revert is written, the rules look at the state it would leave: a revert whose result a
 * rule set to `revert` flags where the current state is not flagged is not written (it would trade
 * one finding for another, e.g. restoring Enforced on an account someone moved to Learning because
 * SFTP broke under enforcement). The plan becomes a skip with the reason; the finding's alert stays.
 */
import { idKey } from "../model/armId.js";
import { Estate } from "../model/estate.js";
import type { ArmResource } from "../model/resource.js";
import type { Policy } from "../policy/policy.js";
import { evaluatePerimeter } from "../rules/engine.js";
import type { Finding } from "../rules/types.js";
import type { RevertPlan } from "./planner.js";

export interface RevertCheckContext {
  /** The perimeter's resources as evaluated now. */
  current: readonly ArmResource[];
  /** The findings the evaluation already has for them (not evaluated again). */
  currentFindings: readonly Finding[];
  perimeterId: string;
  policy: Policy;
  now: Date;
  /** The state the rules comparing with "before" see (last known good bodies). */
  previous?: Estate;
}

const keyOf = (f: Finding) => `${f.ruleId}|${idKey(f.resourceId)}|${idKey(f.associationId ?? "")}`;

/** Whether a plan writes (a revert with an operation and a target): only those are vetted. */
export function isRevertWrite(plan: RevertPlan): boolean {
  return plan.action.type === "revert" && plan.action.operation !== "none" && !!plan.targetId;
}

export function vetRevertPlans(plans: readonly RevertPlan[], ctx: RevertCheckContext): RevertPlan[] {
  const writes = plans.filter(isRevertWrite);
  if (writes.length === 0) return [...plans];
  const revertRules = new Set(Object.entries(ctx.policy.rules).filter(([, r]) => r.action === "revert").map(([id]) => id));
  const blocking = (findings: readonly Finding[]) => findings.filter((f) => revertRules.has(f.ruleId) && !f.exempted);
  const findingsOf = (resources: readonly ArmResource[]): Finding[] => {
    const estate = new Estate(resources);
    const perimeter = estate.get(ctx.perimeterId);
    if (!perimeter) return [];
    return blocking(evaluatePerimeter(estate, perimeter, { policy: ctx.policy, now: ctx.now, ...(ctx.previous ? { previous: ctx.previous } : {}) }));
  };
  const before = new Set(blocking(ctx.currentFindings).map(keyOf));
  return plans.map((plan) => {
    if (!writes.includes(plan)) return plan;
    const target = idKey(plan.targetId!);
    const after = ctx.current.filter((r) => idKey(r.id) !== target && !idKey(r.id).startsWith(`${target}/`));
    if (plan.action.operation === "restore" && plan.body) after.push(plan.body);
    const member = (plan.body?.properties?.["privateLinkResource"] as { id?: string } | undefined)?.id;
    const related = new Set([target, ...(member ? [idKey(member)] : [])]);
    const findingsAfter = findingsOf(after);
    // A revert must resolve what it reverts: one that would leave its own finding in place (restoring
    // a body the target already has, say) writes nothing useful.
    if (plan.finding && findingsAfter.some((f) => keyOf(f) === keyOf(plan.finding!))) {
      return skipped(plan, `not reverted: the ${plan.action.operation} of ${plan.targetId!.split("/").pop()} would not resolve ${plan.action.ruleId}`);
    }
    const introduced = findingsAfter.filter(
      (f) => !before.has(keyOf(f)) && f.ruleId !== plan.action.ruleId && (related.has(idKey(f.resourceId)) || related.has(idKey(f.associationId ?? ""))),
    );
    if (introduced.length === 0) {
      const memberSeen = member ? ctx.current.find((r) => idKey(r.id) === idKey(member)) : undefined;
      return memberSeen ? { ...plan, basis: [memberSeen] } : plan;
    }
    const rules = [...new Set(introduced.map((f) => f.ruleId))].join(", ");
    return skipped(plan, `not reverted: the ${plan.action.operation} of ${plan.targetId!.split("/").pop()} would raise ${rules} (rules set to revert); fix that first or revert by hand`);
  });
}

/** The plan as a skip: without a target or a body, so that no executor can write it. */
function skipped(plan: RevertPlan, reason: string): RevertPlan {
  const { targetId: _target, body: _body, current: _current, basis: _basis, ...rest } = plan;
  return { ...rest, action: { ...plan.action, operation: "none", status: "skipped", reason } };
}
