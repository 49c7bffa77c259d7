/**
 * Decides what to do about decided findings (rules.md "Actions"): alert on what changed, and plan a
 * revert where policy asks for one and the finding was caused by a change to a perimeter resource.
 */
import { idKey, parseArmId } from "../model/armId.js";
import type { EstateReader } from "../model/estate.js";
import type { ArmResource } from "../model/resource.js";
import { T } from "../model/resourceTypes.js";
import type { Policy } from "../policy/policy.js";
import type { Action, DecidedFinding } from "../pipeline/decisions.js";
import type { DirtyMarker } from "../state/stateStore.js";

export interface RevertPlan {
  action: Action;
  /** The finding the plan is about. */
  finding?: DecidedFinding;
  /** The resource to write back (restore) or delete. */
  targetId?: string;
  /** The body to restore (last known good). */
  body?: ArmResource;
  /** The target as the evaluation saw it (its `etag` goes in If-Match: a later change is never clobbered). */
  current?: ArmResource;
  /** Who made the change being reverted, and the event that said so. */
  cause?: { eventId: string; caller?: { objectId?: string; appId?: string } };
}

export interface PlanContext {
  policy: Policy;
  /** What changed in this evaluation (from events). */
  changes: DirtyMarker["changes"];
  /** The perimeter's state before the changes. */
  previous: EstateReader;
  /** Last known good bodies of associations and access rules: what a revert restores first. */
  lastKnownGood?: EstateReader;
  /** The perimeter as evaluated now. */
  current?: EstateReader;
  /** Object id (and app id) of the guardrail's own identity: its changes are never fought. */
  selfPrincipalIds?: readonly string[];
}

function isAlertWorthy(f: DecidedFinding): boolean {
  if (f.exempted) return false;
  return f.status === "new" || f.status === "resolved" || (f.status === "existing" && f.previousSeverity !== undefined);
}

/** The change most likely behind a finding: one to its association or resource, else the batch's last. */
function causeOf(f: DecidedFinding, changes: PlanContext["changes"]): RevertPlan["cause"] {
  const keys = [f.associationId, f.resourceId].filter((k): k is string => !!k).map(idKey);
  const change = [...changes].reverse().find((c) => keys.some((k) => idKey(c.resourceId) === k || idKey(c.resourceId).startsWith(`${k}/`))) ?? changes.at(-1);
  return change ? { eventId: change.eventId, ...(change.caller ? { caller: change.caller } : {}) } : undefined;
}

export function planActions(findings: readonly DecidedFinding[], ctx: PlanContext): RevertPlan[] {
  const plans: RevertPlan[] = [];
  for (const f of findings) {
    if (isAlertWorthy(f)) {
      const cause = f.status === "resolved" ? undefined : causeOf(f, ctx.changes);
      plans.push({
        finding: f,
        ...(cause ? { cause } : {}),
        action: {
          type: "alert",
          ruleId: f.ruleId,
          resourceId: f.resourceId,
          operation: "none",
          status: "planned",
          reason: f.status === "resolved" ? "finding resolved" : f.status === "new" ? "new finding" : `severity rose from ${f.previousSeverity} to ${f.severity}`,
        },
      });
    }
    if (!f.exempted && f.action === "revert" && f.status === "new") plans.push({ finding: f, ...planRevert(f, ctx) });
  }
  return plans;
}

function planRevert(f: DecidedFinding, ctx: PlanContext): RevertPlan {
  const skip = (operation: Action["operation"], reason: string, extra: Partial<RevertPlan> = {}): RevertPlan => ({
    action: { type: "revert", ruleId: f.ruleId, resourceId: f.resourceId, operation, status: "skipped", reason },
    ...extra,
  });
  const changed = new Map(ctx.changes.map((c) => [idKey(c.resourceId), c]));
  // The perimeter resource whose change caused the finding: its association, or the access rule it names.
  let target: string | undefined;
  if (f.associationId && changed.has(idKey(f.associationId))) target = f.associationId;
  else if (changed.has(idKey(f.resourceId)) && isType(f.resourceId, T.accessRule)) target = f.resourceId;
  else if (f.ruleId === "storage-enforcement-downgrade" && f.associationId) target = f.associationId;
  if (!target) {
    const cause = ctx.changes.map((c) => c.resourceId.split("/").pop()).join(", ") || "no recorded change";
    return skip("none", `revert not applicable: the finding was not caused by a change to a perimeter resource (changed: ${cause})`);
  }
  const change = changed.get(idKey(target));
  const by = change?.caller?.objectId;
  if (by && ctx.selfPrincipalIds?.some((p) => p.toLowerCase() === by.toLowerCase())) {
    return skip("none", `change made by the guardrail's own identity ${by}: not fought`);
  }
  if (by && ctx.policy.exemptPrincipals.some((p) => p.toLowerCase() === by.toLowerCase())) {
    return skip("none", `change made by exempt principal ${by}: alert only`);
  }
  // Only a last known good body is ever restored (one that passed evaluation); the cached "before"
  // only says whether the target existed. A target that existed but was never good is left alone.
  const before = ctx.lastKnownGood?.get(target);
  if (!before && ctx.previous.get(target)) {
    return skip("none", `no last known good body of ${target.split("/").pop()} to restore: it was not good before this change either`);
  }
  const operation: Action["operation"] = before ? "restore" : "delete";
  let body = before;
  if (f.ruleId === "storage-enforcement-downgrade" && before) {
    body = { ...before, properties: { ...(before.properties ?? {}), accessMode: "Enforced" } };
  }
  const what = operation === "restore" ? `restore ${target.split("/").pop()} to its last known good body` : `delete ${target.split("/").pop()}, which did not exist before`;
  const current = ctx.current?.get(target);
  return {
    action: {
      type: "revert",
      ruleId: f.ruleId,
      resourceId: f.resourceId,
      operation,
      status: ctx.policy.dryRun ? "planned" : "skipped",
      reason: ctx.policy.dryRun ? `dry run: would ${what}` : `would ${what}; no revert executor is configured`,
    },
    targetId: target,
    ...(body ? { body } : {}),
    ...(current ? { current } : {}),
    ...(change ? { cause: { eventId: change.eventId, ...(change.caller ? { caller: change.caller } : {}) } } : {}),
  };
}

function isType(id: string, type: string): boolean {
  try {
    return parseArmId(id).type.toLowerCase() === type;
  } catch {
    return false;
  }
}
