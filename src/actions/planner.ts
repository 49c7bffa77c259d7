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
import { authorOf, namedAmong, type ChangeAuthor } from "./safety.js";
import { ALL_RULES } from "../rules/catalog/index.js";
import type { RevertFixer } from "../rules/types.js";

export interface RevertPlan {
  action: Action;
  /** The finding the plan is about. */
  finding?: DecidedFinding;
  /** The resource to write back (restore) or delete. */
  targetId?: string;
  /** The body to restore (last known good). */
  body?: ArmResource;
  /** The target as the evaluation saw it: the executor writes only if ARM still holds this version. */
  current?: ArmResource;
  /** Who made the change being reverted, and the event that said so. */
  cause?: { eventId: string; caller?: { objectId?: string; appId?: string } };
  /** The change's author, established from systemData (and the event's claims, when there is one). */
  author?: ChangeAuthor;
  /**
   * Other resources the decision rests on, as the evaluation saw them (an association's member): the
   * executor writes only if they are unchanged too, since the rules vetted the write against them.
   */
  basis?: ArmResource[];
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

const FIXERS = new Map(ALL_RULES.flatMap((r) => (r.meta.revert ? [[r.meta.id, r.meta.revert] as const] : [])));

/** The rule's own revert fixer (its metadata), if it has one. */
function fixerOf(ruleId: string): RevertFixer | undefined {
  return FIXERS.get(ruleId);
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
  else if (fixerOf(f.ruleId)?.target === "association" && f.associationId) target = f.associationId;
  if (!target) {
    const cause = ctx.changes.map((c) => c.resourceId.split("/").pop()).join(", ") || "no recorded change";
    return skip("none", `revert not applicable: the finding was not caused by a change to a perimeter resource (changed: ${cause})`);
  }
  const current = ctx.current?.get(target);
  // Who changed it: ARM's systemData on the body the evaluation read, checked against the events'
  // claims (matched by identity, so events delivered out of order cannot misattribute it). A change
  // whose author cannot be established is never reverted; neither is an exempt principal's or our own.
  const found = authorOf(target, current, ctx.changes);
  if (!found.established) return skip("none", `author not established (${found.reason}): not reverted, alert only`);
  const author = found.author;
  const change = ctx.changes.find((c) => c.eventId === author.eventId);
  const who = author.objectId ?? author.by;
  if (namedAmong(author, ctx.selfPrincipalIds ?? []) === true) {
    return skip("none", `change made by the guardrail's own identity ${who}: not fought`);
  }
  const exempt = namedAmong(author, ctx.policy.exemptPrincipals);
  if (exempt === true) return skip("none", `change made by exempt principal ${who}: alert only`);
  if (exempt === "unknown") {
    return skip(
      "none",
      `the change's author ${author.by} (${author.byType ?? "type unknown"}, from systemData, no event) cannot be checked against exemptPrincipals (object ids): not reverted, alert only`,
    );
  }
  // Only a last known good body is ever restored (one that passed evaluation); the cached "before"
  // only says whether the target existed. A target that existed but was never good is left alone.
  const before = ctx.lastKnownGood?.get(target);
  if (!before && ctx.previous.get(target)) {
    return skip("none", `no last known good body of ${target.split("/").pop()} to restore: it was not good before this change either`);
  }
  const operation: Action["operation"] = before ? "restore" : "delete";
  const patch = fixerOf(f.ruleId)?.patch;
  const body = before && patch ? { ...before, properties: { ...(before.properties ?? {}), ...patch } } : before;
  const what = operation === "restore" ? `restore ${target.split("/").pop()} to its last known good body` : `delete ${target.split("/").pop()}, which did not exist before`;
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
    ...(change ? { cause: { eventId: change.eventId, ...(change.caller ? { caller: callerIds(change.caller) } : {}) } } : {}),
    author,
  };
}

/** The ids of an event's caller the ledger keeps (its name is in `author.by`). */
function callerIds(caller: { objectId?: string; appId?: string }): { objectId?: string; appId?: string } {
  return { ...(caller.objectId ? { objectId: caller.objectId } : {}), ...(caller.appId ? { appId: caller.appId } : {}) };
}

function isType(id: string, type: string): boolean {
  try {
    return parseArmId(id).type.toLowerCase() === type;
  } catch {
    return false;
  }
}
