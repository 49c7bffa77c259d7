/**
 * Applies the reverts the planner decided (src/actions/planner.ts), behind the safety rails, and
 * records every one of them in the revert ledger; `undo` puts back what a revert replaced.
 *
 * `execute(decision, plans, logger)` is the pipeline's `onDecision` (or the first half of it, see
 * `revertThenNotify`): it updates each revert action's status and reason in place (so the decision the
 * pipeline returns, replay prints and alerts report says what was done) and appends alert actions for
 * flapping, the circuit breaker and final failures.
 *
 * Compare-then-write (NSP resources have no ETags, so ARM cannot refuse a stale write for us): the
 * target is re-read immediately before the write, and written only if ARM still holds what the
 * evaluation saw (its writable state and `systemData.lastModifiedAt`/`lastModifiedBy`); it is
 * re-created only after a 404; after the write it is re-read, verified, and the version it now has
 * (`lastModifiedAt` + a hash of the writable state) is recorded in the ledger, which is how the
 * guardrail recognises its own write and how `undo` knows nobody changed it since. `If-Match` is added
 * only for types whose provider has ETags. What remains is the window between the re-read and the
 * write (README "Reverts").
 *
 * Failure semantics:
 * - the target changed again since the evaluation (found on the re-read, or 412 where ETags exist):
 *   nothing is written, the action is skipped; the newer change raised its own event, whose
 *   evaluation decides about it.
 * - 429/5xx/no answer after the SDK's retries: the attempt is recorded as failed and kept pending, and
 *   `execute` throws RevertRetryError once the other plans are done, so that the queue retries the
 *   evaluation message. The redelivered evaluation either plans the same change again (the plan is
 *   recognised by target, rule and cause event, and continues the same ledger record) or, when its
 *   findings are no longer new, brings the perimeter back without a plan and the pending revert is
 *   retried from the ledger; either way compared with the body the evaluation saw first. After
 *   `maxAttempts` (the queue's maxDequeueCount) the failure is final and alerted.
 * - The same decision handed over twice (a store conflict re-running it) is not acted on twice: what
 *   the ledger already holds for that change is reported instead.
 * - Other 4xx (403: the role lacks the permission, 400...) are final at once, and alerted.
 */
import { idKey, lastSegment, parseArmId } from "../model/armId.js";
import { InputError, statusOf } from "../model/errors.js";
import type { ArmResource } from "../model/resource.js";
import { hasEtag, T } from "../model/resourceTypes.js";
import { silentLogger, type Logger } from "../logging.js";
import type { Policy } from "../policy/policy.js";
import type { Action, PerimeterDecision } from "../pipeline/decisions.js";
import { newRevertId, type RevertLedger, type RevertRecord, type RevertStatus, type RevertSummary } from "../state/revertLedger.js";
import { ArmWriteError, PreconditionFailedError, type ArmWriter, type DeleteCondition, type PutCondition } from "./armWriter.js";
import type { RevertPlan } from "./planner.js";
import { writtenFields } from "./writtenFields.js";
import { ownWriteAt, perimeterOf, perimeterResourceKind, RECENT_MS, resourceVersion, RevertRails, sameWritableState, unchangedSince } from "./safety.js";

/** Thrown by `execute` when a revert failed on a transient ARM error: retry the evaluation message. */
export class RevertRetryError extends Error {
  override readonly name = "RevertRetryError";
  constructor(
    message: string,
    readonly revertIds: readonly string[],
    /** What the execution decided before the transient failure (its outcomes stand). */
    readonly report?: ExecutionReport,
  ) {
    super(message);
  }
}

/** An undo the rails refuse (the target changed since the revert, it was not applied, ...). */
export class UndoRefusedError extends Error {
  override readonly name = "UndoRefusedError";
}

export interface RevertExecutorOptions {
  writer: ArmWriter;
  ledger: RevertLedger;
  /** The policy (dryRun, revert limits), or a function returning the current one. */
  policy: Policy | (() => Policy);
  /** The guardrail's own object ids: a change they made is never reverted (the planner checks it too). */
  selfPrincipalIds?: readonly string[];
  now?: () => Date;
  /** Write attempts before a transient failure is final (default 5, the queue's maxDequeueCount). */
  maxAttempts?: number;
  /** Reads what a plan's decision rests on besides its target (the pipeline's ARM reader). */
  reader?: { get(resourceId: string): Promise<ArmResource | undefined> };
}

export interface ExecutionReport {
  /** Ledger ids of every revert this execution recorded, by final status. */
  byStatus: Record<RevertStatus, string[]>;
  /** Ids whose failure is left for the queue's retry. */
  retryPending: string[];
  /** The plans given, in order, each with its outcome action (new objects: the input is left as it was). */
  plans: RevertPlan[];
  /** Actions the execution adds: retries of earlier reverts and the rails' alerts. */
  added: Action[];
}

/** Per-execution state: rails loaded once, alerts raised once. */
interface Run {
  decision: PerimeterDecision;
  /** Actions this execution adds (retries of earlier reverts, alerts of the rails). */
  added: Action[];
  now: Date;
  policy: Policy;
  log: Logger;
  rails?: RevertRails;
  breakerAlerted: boolean;
  flapAlerted: Set<string>;
  retryLater: Array<{ id: string; reason: string }>;
  report: ExecutionReport;
}

const DEFAULT_MAX_ATTEMPTS = 5;
const HOUR_MS = 3_600_000;

/** A basis resource as seen and as ARM has it now: the same modification time and properties. */
function sameBasis(seen: ArmResource, fresh: ArmResource): boolean {
  return (seen.systemData?.lastModifiedAt ?? "") === (fresh.systemData?.lastModifiedAt ?? "") && JSON.stringify(seen.properties ?? {}) === JSON.stringify(fresh.properties ?? {});
}
const CHANGED_AGAIN = "changed again since evaluation; re-evaluated by its own event";

export class RevertExecutor {
  private readonly writer: ArmWriter;
  private readonly ledger: RevertLedger;
  private readonly policyOf: () => Policy;
  private readonly self: Set<string>;
  private readonly now: () => Date;
  private readonly maxAttempts: number;
  private readonly reader: RevertExecutorOptions["reader"];

  constructor(options: RevertExecutorOptions) {
    this.writer = options.writer;
    this.ledger = options.ledger;
    const policy = options.policy;
    this.policyOf = typeof policy === "function" ? policy : () => policy;
    this.self = new Set((options.selfPrincipalIds ?? []).map((p) => p.toLowerCase()));
    this.now = options.now ?? (() => new Date());
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    this.reader = options.reader;
  }

  /** The pipeline's `onDecision`: applies (or records) the revert plans of one evaluation. */
  async execute(decision: PerimeterDecision, given: readonly RevertPlan[], logger: Logger = silentLogger): Promise<ExecutionReport> {
    // Decisions are values: the outcomes go on copies, returned in the report.
    const plans = given.map((p) => ({ ...p, action: { ...p.action } }));
    const added: Action[] = [];
    const run: Run = {
      decision,
      added,
      now: this.now(),
      policy: this.policyOf(),
      log: logger.child({ component: "revert" }),
      breakerAlerted: false,
      flapAlerted: new Set(),
      retryLater: [],
      report: { byStatus: { planned: [], applied: [], skipped: [], failed: [] }, retryPending: [], plans, added },
    };
    // This perimeter's recent reverts: earlier runs of the same evaluation (a redelivered message, a
    // store conflict re-running the decision) and attempts waiting for a retry.
    const recent = await this.ledger.list({ perimeterId: decision.perimeterId, kind: "revert", createdSince: new Date(run.now.getTime() - RECENT_MS) });
    const sameChange = new Map<string, RevertSummary>();
    for (const r of recent) if (r.cause && r.targetId) sameChange.set(changeKey(r.targetId, r.ruleId, r.cause.eventId), r);
    const planned = plans.filter((p) => p.action.type === "revert" && p.targetId);
    await this.retryPending(run, recent.filter((r) => r.retryPending), planned);

    const byTarget = new Map<string, { record: RevertRecord; action: Action }>();
    for (const plan of plans) {
      if (plan.action.type !== "revert") continue;
      const action = plan.action;
      const earlier = plan.targetId && plan.cause ? sameChange.get(changeKey(plan.targetId, action.ruleId, plan.cause.eventId)) : undefined;
      if (earlier && !earlier.retryPending) {
        // The same change was already handled by an earlier run of this evaluation: report that, do not redo it.
        action.status = earlier.status;
        action.reason = earlier.status === "applied" ? `${earlier.reason}; undo with: nsp-guardrail undo ${earlier.revertId}` : `${earlier.reason} [revert ${earlier.revertId}]`;
        if (plan.targetId && earlier.status === "applied") byTarget.set(idKey(plan.targetId), { record: { ...earlier, attempts: earlier.attempts }, action });
        continue;
      }
      // A redelivery of an evaluation whose revert failed transiently continues that record (same id, attempts go on).
      const continued = earlier?.retryPending ? await this.ledger.get(earlier.revertId) : undefined;
      const record = continued ? refreshed(continued, plan) : this.newRecord(plan, decision.perimeterId, run.now);
      if (!plan.targetId) {
        // The planner skipped it (exempt principal, not caused by a perimeter resource): recorded as such.
        await this.finish(run, record, action, action.status === "planned" ? "planned" : action.status, action.reason);
        continue;
      }
      if (run.policy.dryRun || action.status === "planned") {
        // Either policy saying dry run is enough: never write when in doubt.
        const reason = action.reason.startsWith("dry run") ? action.reason : `dry run: would ${describe(record.operation, plan.targetId)}`;
        await this.finish(run, record, action, "planned", reason);
        continue;
      }
      const first = byTarget.get(idKey(plan.targetId));
      if (first) {
        // Two findings of one change (a downgrade is also a transition-mode finding): one write.
        action.status = first.action.status;
        action.reason = `same target as revert ${first.record.revertId}: ${first.action.reason}`;
        await this.record(run, record, "skipped", `covered by revert ${first.record.revertId} of the same target in this evaluation`);
        continue;
      }
      byTarget.set(idKey(plan.targetId), { record, action });
      const by = plan.cause?.caller?.objectId?.toLowerCase();
      if (by && this.self.has(by)) {
        await this.finish(run, record, action, "skipped", `change made by the guardrail's own identity ${by}: not fought`);
        continue;
      }
      const own = await ownWriteAt(this.ledger, plan.targetId, plan.current, run.now);
      if (own) {
        const what = own.kind === "undo" ? `nsp-guardrail undo ${own.revertId} (of revert ${own.undoOf})` : `the guardrail's own revert ${own.revertId}`;
        await this.finish(run, record, action, "skipped", `the change is ${what}: not fought`);
        continue;
      }
      await this.attempt(run, record, action, plan.current, plan.body, plan.basis);
    }

    if (run.retryLater.length > 0) {
      const detail = run.retryLater.map((r) => `${r.id} (${r.reason})`).join("; ");
      throw new RevertRetryError(
        `${run.retryLater.length} revert(s) failed on transient ARM errors; retry the evaluation: ${detail}`,
        run.retryLater.map((r) => r.id),
        run.report,
      );
    }
    return run.report;
  }

  /**
   * Reverts of this perimeter that failed transiently before and that no plan of this evaluation
   * continues: retried from the ledger (a redelivered evaluation whose findings are no longer new, or
   * the timer reconcile), or superseded by a plan for a newer change of the same resource.
   */
  private async retryPending(run: Run, pending: readonly RevertSummary[], plans: readonly RevertPlan[]): Promise<void> {
    for (const summary of pending) {
      const target = summary.targetId;
      if (!target) continue;
      const forTarget = plans.filter((p) => idKey(p.targetId!) === idKey(target));
      if (forTarget.some((p) => p.cause?.eventId === summary.cause?.eventId && p.action.ruleId === summary.ruleId)) continue; // continued by its plan
      const record = await this.ledger.get(summary.revertId);
      if (!record) continue;
      if (forTarget.length > 0) {
        // A newer change of the same resource has its own plan, seen at its newer version: it takes over.
        await this.record(run, record, "skipped", `${record.reason}; superseded by a newer change of the same resource`);
        continue;
      }
      const action: Action = { type: "revert", ruleId: record.ruleId, resourceId: record.resourceId, operation: record.operation, status: "planned", reason: "retry" };
      run.added.push(action);
      if (run.policy.dryRun) {
        await this.finish(run, record, action, "skipped", `not retried: dryRun is on now (${record.reason})`);
        continue;
      }
      await this.attempt(run, record, action, record.before, record.operation === "delete" ? undefined : record.after);
    }
  }

  /** The rails, then one conditional write, then the outcome in the ledger and on the action. */
  private async attempt(
    run: Run,
    record: RevertRecord,
    action: Action,
    current: ArmResource | undefined,
    body: ArmResource | undefined,
    basis: readonly ArmResource[] = [],
  ): Promise<void> {
    const target = record.targetId!;
    const name = lastSegment(target);
    if (!perimeterResourceKind(target)) {
      await this.finish(run, record, action, "skipped", `not a perimeter resource: ${name} is never written (only associations and access rules are)`);
      return;
    }
    const owner = perimeterOf(target);
    if (owner && isPerimeterId(run.decision.perimeterId) && idKey(owner) !== idKey(run.decision.perimeterId)) {
      await this.finish(run, record, action, "skipped", `${name} belongs to another perimeter than the one evaluated: not written`);
      return;
    }
    if (record.operation === "restore" && !body) {
      await this.finish(run, record, action, "skipped", `no last known good body of ${name} to restore`);
      return;
    }
    run.rails ??= await RevertRails.load(this.ledger, run.policy.revert, run.now);
    const flap = run.rails.flapping(target);
    if (flap.flapping) {
      const reason = `flapping: ${name} was reverted ${flap.count} time(s) in the last ${run.policy.revert.cooldownMinutes} minutes (revert.flapThreshold ${run.policy.revert.flapThreshold}); not reverted again until ${flap.resumesAt?.toISOString() ?? "the window passes"}`;
      await this.finish(run, record, action, "skipped", reason);
      if (!run.flapAlerted.has(idKey(target))) {
        run.flapAlerted.add(idKey(target));
        this.alert(run, record.ruleId, target, `${reason}: someone keeps changing it back; settle it with them, or exempt the resource`);
      }
      return;
    }
    const breaker = run.rails.breaker();
    if (breaker.open) {
      const until = breaker.closesAt ? `closes at ${breaker.closesAt.toISOString()}` : "stays open: revert.maxPerHour is 0";
      const reason = `circuit breaker open: ${breaker.count} revert(s) applied in the last hour (revert.maxPerHour ${run.policy.revert.maxPerHour}); it ${until}`;
      await this.finish(run, record, action, "skipped", reason);
      if (!run.breakerAlerted) {
        run.breakerAlerted = true;
        this.alert(run, record.ruleId, target, `${reason}; reverts are paused, findings are still alerted`);
      }
      return;
    }

    // Compare: re-read the target and write only if ARM still holds what the evaluation saw.
    let condition: PutCondition | DeleteCondition;
    try {
      const chosen = await this.compare(record.operation, target, current, body);
      if ("skip" in chosen) {
        await this.finish(run, record, action, "skipped", chosen.skip);
        return;
      }
      condition = chosen.condition;
    } catch (error) {
      await this.failed(run, record, action, error);
      return;
    }

    // What else the decision rests on (an association's member) must be as the evaluation saw it: the
    // rules vetted this write against that state (a member that gained SFTP meanwhile, say, would make
    // restoring Enforced break it). A change has its own event, which decides again.
    if (basis.length && this.reader) {
      for (const seenBasis of basis) {
        const fresh = await this.reader.get(seenBasis.id).catch(() => undefined);
        if (!fresh || !sameBasis(seenBasis, fresh)) {
          await this.finish(run, record, action, "skipped", `${CHANGED_AGAIN}: ${lastSegment(seenBasis.id)}, which the decision rests on, changed since the evaluation`);
          return;
        }
      }
    }

    // The cap, across instances: a slot of the shared sliding hour is taken just before writing (the
    // rails above read the ledger, which two instances can both read before either writes).
    const slot = await this.ledger.reserveWriteSlot(record.revertId, run.now, run.policy.revert.maxPerHour, HOUR_MS);
    if (!slot.granted) {
      const until = slot.freesAt ? `a slot frees at ${slot.freesAt.toISOString()}` : "stays open: revert.maxPerHour is 0";
      const reason = `circuit breaker open: ${slot.taken} revert(s) written in the last hour by all instances (revert.maxPerHour ${run.policy.revert.maxPerHour}); ${until}`;
      await this.finish(run, record, action, "skipped", reason);
      if (!run.breakerAlerted) {
        run.breakerAlerted = true;
        this.alert(run, record.ruleId, target, `${reason}; reverts are paused, findings are still alerted`);
      }
      return;
    }

    // Write-ahead: if the process dies during the write, the next evaluation of the perimeter finds the
    // attempt pending and settles it (a landed write then shows as "already in the last known good state").
    record.attempts += 1;
    if ("ifMatch" in condition) record.ifMatch = condition.ifMatch as string;
    else if ("ifNoneMatch" in condition) record.ifMatch = "*";
    else delete record.ifMatch;
    await this.record(run, record, "planned", `applying: attempt ${record.attempts} of ${this.maxAttempts}`, true);
    try {
      if (record.operation === "delete") {
        await this.writer.delete(target, condition as DeleteCondition);
      } else {
        await this.writer.put(body!, condition as PutCondition);
      }
    } catch (error) {
      if (error instanceof PreconditionFailedError) {
        await this.finish(run, record, action, "skipped", CHANGED_AGAIN);
        return;
      }
      if (statusOf(error) === 404) {
        const reason = record.operation === "delete" ? `${name} is already gone: nothing written` : `the perimeter or profile of ${name} no longer exists: nothing written`;
        await this.finish(run, record, action, "skipped", reason);
        return;
      }
      await this.failed(run, record, action, error);
      return;
    }
    // Verify: re-read, and record the version the write left (how the guardrail knows its own write).
    let after: ArmResource | undefined;
    try {
      after = await this.writer.get(target);
    } catch (error) {
      await this.failed(run, record, action, error);
      return;
    }
    if (record.operation === "delete") {
      if (after) {
        await this.unverified(run, record, action, `deleted ${name}, but the re-read finds it again (last modified by ${after.systemData?.lastModifiedBy ?? "unknown"})`);
        return;
      }
      delete record.after;
      delete record.resultVersion;
      await this.applied(run, record, action, `deleted ${name}, which did not exist before`);
      return;
    }
    if (!after || !sameWritableState(after, body!)) {
      await this.unverified(run, record, action, `wrote ${name}, but the re-read ${after ? `holds another state (last modified by ${after.systemData?.lastModifiedBy ?? "unknown"})` : "finds it gone"}`);
      return;
    }
    record.after = after;
    record.resultVersion = resourceVersion(after);
    const verb = current ? `restored ${name} to its last known good body` : `re-created ${name} with its last known good body`;
    await this.applied(run, record, action, `${verb}${detailOf(body!)}`);
  }

  /**
   * Compare-then-write, the compare: the target as ARM holds it now against the evaluated one. Only an
   * unchanged target is written (a 404 only when re-creating); an ETag, where the type has one, makes
   * the write conditional too.
   */
  private async compare(
    operation: RevertRecord["operation"],
    target: string,
    seen: ArmResource | undefined,
    body: ArmResource | undefined,
  ): Promise<{ condition: PutCondition | DeleteCondition } | { skip: string }> {
    const name = lastSegment(target);
    const fresh = await this.writer.get(target);
    const etags = hasEtag(parseArmId(target).type);
    if (!seen) {
      if (operation === "delete") return { skip: `${name} is already gone: nothing written` };
      if (!fresh) return { condition: etags ? { ifNoneMatch: "*" } : {} };
    } else if (fresh && unchangedSince(seen, fresh)) {
      return { condition: etags && fresh.etag ? { ifMatch: fresh.etag } : {} };
    }
    // ARM holds something else than the evaluation saw.
    if (operation === "delete" && !fresh) return { skip: `${name} is already deleted (an earlier attempt, or someone else): nothing written` };
    if (operation === "restore" && fresh && body && sameWritableState(fresh, body)) {
      return { skip: `${name} is already in its last known good state (an earlier attempt, or someone else, put it back): nothing written` };
    }
    return { skip: CHANGED_AGAIN };
  }

  /** The write went through but the re-read does not show it: final, alerted (a person has to look). */
  private async unverified(run: Run, record: RevertRecord, action: Action, what: string): Promise<void> {
    record.retryPending = false;
    const reason = `not verified: ${what}; changed again during the write?`;
    await this.finish(run, record, action, "failed", reason);
    this.alert(run, record.ruleId, record.targetId ?? record.resourceId, `revert ${record.revertId} ${reason}`);
  }

  private async applied(run: Run, record: RevertRecord, action: Action, what: string): Promise<void> {
    record.appliedAt = run.now.toISOString();
    record.retryPending = false;
    run.rails?.noteApplied(record.targetId!, run.now);
    await this.record(run, record, "applied", what);
    action.status = "applied";
    action.reason = `${what}; undo with: nsp-guardrail undo ${record.revertId}`;
    run.log.info({ revert: summaryForLog(record) }, "revert applied");
  }

  private async failed(run: Run, record: RevertRecord, action: Action, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    // Only ARM's transient answers are retried; a refusal (4xx) or a bug would fail the same way again.
    const transient = error instanceof ArmWriteError && error.retryable;
    if (transient && record.attempts < this.maxAttempts) {
      const reason = `attempt ${record.attempts} of ${this.maxAttempts} failed: ${message}; the evaluation is retried through the queue`;
      await this.finish(run, record, action, "failed", reason, true);
      run.retryLater.push({ id: record.revertId, reason: message });
      run.report.retryPending.push(record.revertId);
      run.log.warn({ revert: summaryForLog(record) }, "revert failed; will be retried");
      return;
    }
    const reason = transient ? `failed after ${record.attempts} attempt(s): ${message}` : `failed: ${message}`;
    await this.finish(run, record, action, "failed", reason);
    this.alert(run, record.ruleId, record.targetId ?? record.resourceId, `revert ${record.revertId} of ${lastSegment(record.targetId ?? record.resourceId)} ${reason}; the finding stays open`);
    run.log.error({ revert: summaryForLog(record) }, "revert failed");
  }

  /** Final status of a record and of its action (the action's reason names the revert id). */
  private async finish(run: Run, record: RevertRecord, action: Action, status: RevertStatus, reason: string, retryPending = false): Promise<void> {
    await this.record(run, record, status, reason, retryPending);
    action.status = status;
    action.reason = `${reason} [revert ${record.revertId}]`;
    if (status !== "planned") run.log.info({ revert: summaryForLog(record) }, `revert ${status}`);
  }

  private async record(run: Run, record: RevertRecord, status: RevertStatus, reason: string, retryPending = false): Promise<void> {
    record.status = status;
    record.reason = reason;
    record.retryPending = retryPending;
    record.updatedAt = this.now().toISOString();
    await this.ledger.put(record);
    // The report keeps the final status of each id.
    for (const list of Object.values(run.report.byStatus)) {
      const i = list.indexOf(record.revertId);
      if (i >= 0) list.splice(i, 1);
    }
    run.report.byStatus[status].push(record.revertId);
  }

  private alert(run: Run, ruleId: string, resourceId: string, reason: string): void {
    run.added.push({ type: "alert", ruleId, resourceId, operation: "none", status: "planned", reason });
  }

  private newRecord(plan: RevertPlan, perimeterId: string, now: Date): RevertRecord {
    const at = now.toISOString();
    return {
      revertId: newRevertId("revert", now),
      kind: "revert",
      time: at,
      updatedAt: at,
      perimeterId,
      ruleId: plan.action.ruleId,
      resourceId: plan.action.resourceId,
      ...(plan.targetId ? { targetId: plan.targetId } : {}),
      operation: plan.action.operation,
      status: "planned",
      reason: plan.action.reason,
      ...(plan.cause ? { cause: structuredClone(plan.cause) } : {}),
      ...(plan.author ? { author: { by: plan.author.by, ...(plan.author.byType ? { byType: plan.author.byType } : {}), ...(plan.author.at ? { at: plan.author.at } : {}) } } : {}),
      ...(plan.current ? { before: structuredClone(plan.current) } : {}),
      ...(plan.body && plan.action.operation !== "delete" ? { after: structuredClone(plan.body) } : {}),
      attempts: 0,
      retryPending: false,
    };
  }

  // -------------------------------------------------------------------------------------------------
  // Undo

  /**
   * Puts back what revert `revertId` replaced: the body before the revert (re-created when the revert
   * deleted it), or deletes what the revert re-created. The same rails as a revert: perimeter resources
   * only, compare-then-write (the target read now must still be at the version the revert left, unless
   * `force`; If-Match only where the type has ETags), a re-read that verifies the write, recorded in
   * the ledger as an undo with the version it left. Its event is then recognised by that version and
   * not reverted again.
   */
  async undo(revertId: string, options: { force?: boolean; actor?: string } = {}): Promise<RevertRecord> {
    const revert = await this.ledger.get(revertId);
    if (!revert) throw new InputError(`undo: no revert ${revertId} in the ledger`);
    if (revert.kind !== "revert") throw new InputError(`undo: ${revertId} is an undo, not a revert`);
    if (revert.status !== "applied") throw new UndoRefusedError(`revert ${revertId} was not applied (status ${revert.status}: ${revert.reason}): nothing to undo`);
    if (revert.undoneBy) throw new UndoRefusedError(`revert ${revertId} was already undone by ${revert.undoneBy}`);
    const target = revert.targetId!;
    const name = lastSegment(target);
    const current = await this.writer.get(target);
    if (!options.force) {
      if (revert.operation === "delete" && current) throw new UndoRefusedError(`${name} exists again since revert ${revertId} deleted it: not overwritten (--force to replace it)`);
      if (revert.operation !== "delete" && !current) throw new UndoRefusedError(`${name} was deleted since revert ${revertId}: nothing to undo (--force to re-create the body before the revert)`);
      if (revert.operation !== "delete" && current && resourceVersion(current) !== revert.resultVersion) {
        const by = current.systemData?.lastModifiedBy ?? "unknown";
        throw new UndoRefusedError(
          `${name} changed since revert ${revertId} (now version ${resourceVersion(current)}, last modified by ${by}; the revert left ${revert.resultVersion ?? "no recorded version"}): not overwritten (--force to undo anyway)`,
        );
      }
    }
    const now = this.now();
    const undo: RevertRecord = {
      revertId: newRevertId("undo", now),
      kind: "undo",
      undoOf: revertId,
      time: now.toISOString(),
      updatedAt: now.toISOString(),
      perimeterId: revert.perimeterId,
      ruleId: revert.ruleId,
      resourceId: revert.resourceId,
      targetId: target,
      operation: revert.before ? "restore" : "delete",
      status: "planned",
      reason: "applying",
      ...(revert.cause ? { cause: revert.cause } : {}),
      ...(options.actor ? { actor: options.actor } : {}),
      ...(current ? { before: current } : {}),
      ...(revert.before ? { after: revert.before } : {}),
      attempts: 1,
      retryPending: false,
    };
    const save = async (status: RevertStatus, reason: string) => {
      undo.status = status;
      undo.reason = reason;
      undo.updatedAt = this.now().toISOString();
      await this.ledger.put(undo);
    };
    await save("planned", "applying");
    try {
      const etags = hasEtag(parseArmId(target).type);
      if (revert.before) {
        const condition: PutCondition = !etags ? {} : !current ? { ifNoneMatch: "*" } : current.etag ? { ifMatch: current.etag } : {};
        await this.writer.put(revert.before, condition);
        const after = await this.writer.get(target);
        if (!after || !sameWritableState(after, revert.before)) {
          await save("failed", `not verified: wrote ${name}, but the re-read ${after ? `holds another state (last modified by ${after.systemData?.lastModifiedBy ?? "unknown"})` : "finds it gone"}`);
          throw new UndoRefusedError(undo.reason);
        }
        undo.after = after;
        undo.resultVersion = resourceVersion(after);
        undo.appliedAt = this.now().toISOString();
        const verb = current ? `restored ${name} to its body before revert ${revertId}` : `re-created ${name} as it was before revert ${revertId}`;
        await save("applied", `${verb}${detailOf(revert.before)}`);
      } else {
        if (!current) {
          await save("skipped", `${name} is already gone: nothing written`);
          throw new UndoRefusedError(undo.reason);
        }
        await this.writer.delete(target, etags && current.etag ? { ifMatch: current.etag } : {});
        if (await this.writer.get(target)) {
          await save("failed", `not verified: deleted ${name}, but the re-read finds it again`);
          throw new UndoRefusedError(undo.reason);
        }
        undo.appliedAt = this.now().toISOString();
        await save("applied", `deleted ${name}, which revert ${revertId} had re-created`);
      }
    } catch (error) {
      if (error instanceof PreconditionFailedError) {
        await save("skipped", `${name} changed while undoing: nothing written`);
        throw new UndoRefusedError(undo.reason);
      }
      if (statusOf(error) === 404) {
        await save("skipped", `the perimeter or profile of ${name} no longer exists: nothing written`);
        throw new UndoRefusedError(undo.reason);
      }
      if (undo.status === "planned") await save(error instanceof UndoRefusedError ? "skipped" : "failed", error instanceof Error ? error.message : String(error));
      throw error;
    }
    revert.undoneBy = undo.revertId;
    revert.updatedAt = this.now().toISOString();
    await this.ledger.put(revert);
    return undo;
  }
}

/**
 * An `onDecision` that runs the executor first, then `notify` (alert channels), so that alerts report
 * what was done, and still go out when a revert must be retried (then the retry is signalled by
 * rethrowing once they are sent).
 */
/**
 * The decision handler of the pipeline: reverts first, then alerts about the outcome; returns the
 * decision with every action's outcome (new objects). A transient revert failure still alerts what was
 * decided, then fails so that the message is retried.
 */
export function revertThenNotify(
  executor: RevertExecutor,
  notify?: (decision: PerimeterDecision, plans: RevertPlan[], logger: Logger) => Promise<Action[] | void>,
): (decision: PerimeterDecision, plans: RevertPlan[], logger: Logger) => Promise<PerimeterDecision> {
  return async (decision, plans, logger) => {
    let retry: RevertRetryError | undefined;
    let report: ExecutionReport | undefined;
    try {
      report = await executor.execute(decision, plans, logger);
    } catch (error) {
      if (!(error instanceof RevertRetryError)) throw error;
      retry = error;
      report = error.report;
    }
    const outcomes = new Map(plans.map((p, i) => [p.action, withTarget(report?.plans[i] ?? p)]));
    const executed: PerimeterDecision = { ...decision, actions: [...decision.actions.map((a) => outcomes.get(a) ?? a), ...(report?.added ?? [])] };
    const actions = notify ? await notify(executed, report?.plans ?? plans, logger) : undefined;
    if (retry) throw retry;
    return actions ? { ...executed, actions } : executed;
  };
}

/**
 * A revert's outcome action naming what it writes: its target and, when it wrote (or in dry run would
 * write), the target's fields before → after. Other actions are returned as they are.
 */
function withTarget(plan: RevertPlan): Action {
  const action = plan.action;
  if (action.type !== "revert" || !plan.targetId) return action;
  const writes = action.status === "applied" || action.status === "planned";
  const written = writes ? writtenFields(plan.current, action.operation === "delete" ? undefined : plan.body) : [];
  return { ...action, targetId: plan.targetId, ...(written.length ? { written } : {}) };
}

/** One change of one resource as one rule sees it: what makes two plans the same revert. */
function changeKey(targetId: string, ruleId: string, eventId: string): string {
  return `${idKey(targetId)}|${ruleId}|${eventId}`;
}

/** A pending record continued by a fresh plan of the same change: the plan's view is the newer one. */
function refreshed(record: RevertRecord, plan: RevertPlan): RevertRecord {
  const out: RevertRecord = { ...record };
  if (plan.current) out.before = structuredClone(plan.current);
  if (plan.body && record.operation !== "delete") out.after = structuredClone(plan.body);
  return out;
}

function describe(operation: RevertRecord["operation"], targetId: string): string {
  const name = lastSegment(targetId);
  return operation === "delete" ? `delete ${name}, which did not exist before` : `restore ${name} to its last known good body`;
}

/** A few words on what the restored body says, for the reason line. */
function detailOf(body: ArmResource): string {
  const p = body.properties ?? {};
  if (perimeterResourceKind(body.id) === "association") {
    const profile = (p["profile"] as { id?: string } | undefined)?.id;
    return ` (accessMode ${String(p["accessMode"] ?? "Learning")}${profile ? `, profile ${lastSegment(profile)}` : ""})`;
  }
  const parts: string[] = [];
  for (const key of ["addressPrefixes", "subscriptions", "fullyQualifiedDomainNames"]) {
    const list = p[key];
    if (!Array.isArray(list) || list.length === 0) continue;
    const shown = list.slice(0, 5).map((v) => (typeof v === "string" ? v : String((v as { id?: unknown })?.id ?? "")));
    parts.push(`${key} ${shown.join(", ")}${list.length > 5 ? `, … (${list.length})` : ""}`);
  }
  return parts.length ? ` (${parts.join("; ")})` : "";
}

function isPerimeterId(id: string): boolean {
  try {
    return parseArmId(id).type.toLowerCase() === T.perimeter;
  } catch {
    return false;
  }
}


function summaryForLog(r: RevertRecord) {
  return { id: r.revertId, ruleId: r.ruleId, targetId: r.targetId, operation: r.operation, status: r.status, reason: r.reason, attempts: r.attempts };
}
