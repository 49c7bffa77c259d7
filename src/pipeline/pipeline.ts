/**
 * The watchdog: events mark perimeters dirty and queue one evaluation per perimeter per debounce
 * window; an evaluation re-reads from ARM only what changed, patches the perimeter's cached closure,
 * evaluates it, and compares with what the store remembers. The timer reconcile is the full pass.
 * Everything here is I/O-free but for the ports it is given.
 */
import { randomUUID } from "node:crypto";
import { idKey, parseArmId } from "../model/armId.js";
import { InputError } from "../model/errors.js";
import { Estate } from "../model/estate.js";
import { routingKeysOf } from "../model/relations.js";
import type { ArmResource } from "../model/resource.js";
import { T } from "../model/resourceTypes.js";
import { DEFAULT_POLICY, type Policy } from "../policy/policy.js";
import { enabledRules, evaluateEstate, evaluatePerimeter } from "../rules/engine.js";
import { ALL_RULES } from "../rules/catalog/index.js";
import { readPlanForPolicy } from "../inventory/readPlan.js";
import { assessCompleteness, describeNotEvaluated, type NotEvaluated } from "../report/completeness.js";
import type { Finding } from "../rules/types.js";
import { planActions, type RevertPlan } from "../actions/planner.js";
import { isRevertWrite, vetRevertPlans } from "../actions/revertCheck.js";
import { classify } from "../events/routing.js";
import { isResourceChangeEventType, parseResourceEvent, type ResourceEvent } from "../events/resourceEvent.js";
import { ConcurrencyError, MAX_DIRTY_CHANGES, type DirtyMarker, type PerimeterCache, type StateStore, type StoredFinding, type Versioned } from "../state/stateStore.js";
import { silentLogger, type Logger } from "../logging.js";
import { DEFAULT_REREAD_HORIZON_MS, ownerInputTypesOf, ownersReadAt, ownerTimesAfterEvaluation, planCarryOver, withCarriedInputs } from "./carryOver.js";
import { perimeterClosure } from "./closure.js";
import { diffFindings, type Action, type PerimeterDecision } from "./decisions.js";
import type { ArmReader, EvaluationMessage, EvaluationQueue, PoisonParking, WatchedScopeReader } from "./ports.js";

/** A reconcile's outcome: its decisions, the checks its read could not evaluate, the subscriptions it covered. */
export interface ReconcileReport {
  readonly decisions: PerimeterDecision[];
  readonly notEvaluated: readonly NotEvaluated[];
  readonly subscriptions: readonly string[];
  /** Perimeters and subscriptions this pass could not store (a storage fault): left as they were, redone by the next pass. */
  readonly failed: readonly string[];
  /** Owners (members, perimeters) whose inputs Resource Graph does not hold: how many, carried over from the caches, re-read (carryOver.ts). */
  readonly reread: { readonly owners: number; readonly carried: number; readonly due: number };
}

export interface PipelineOptions {
  /** Coalescing window: events on one perimeter within it yield one evaluation (default 5 s). */
  debounceMs?: number;
  /** How long processed event ids are remembered for dedupe (default 24 h). */
  eventTtlMs?: number;
  /**
   * How long a queued evaluation message is trusted to arrive after its debounce delay (default 10
   * minutes: the host's 5 dequeues at a 30 s visibility timeout, with room for slow runs). After it,
   * the next event queues another message, so a lost or poisoned message cannot wedge a perimeter.
   */
  queueLeaseMs?: number;
  /** The subscriptions the reconcile reads through `ArmReader.readSubscriptions` (when no `scope` reader is given). */
  subscriptionIds?: readonly string[];
  /** Object ids of the guardrail's own identity: its changes are never fought. */
  selfPrincipalIds?: readonly string[];
  /** How long what Resource Graph does not hold may be carried over between reconcile passes before it is re-read from ARM (default 48 h; 0: re-read every pass). */
  rereadHorizonMs?: number;
  now?: () => Date;
}

export interface PipelineDeps {
  store: StateStore;
  arm: ArmReader;
  /** The reconcile's bulk read and watched subscriptions; without it, `arm.readSubscriptions(options.subscriptionIds)`. */
  scope?: WatchedScopeReader;
  queue: EvaluationQueue;
  /** Where malformed events are parked. */
  poison: PoisonParking;
  /** Where malformed evaluation messages are parked (default: with the events). */
  messagePoison?: PoisonParking;
  policy?: Policy;
  logger?: Logger;
  /**
   * Acts on the decision of each evaluation (reverts, alerts) and returns it with the actions'
   * outcomes (a new value; the input is not changed). Without one, alerts are logged.
   */
  onDecision?: (decision: PerimeterDecision, plans: RevertPlan[], logger: Logger) => Promise<PerimeterDecision | void>;
}

export type EventOutcome =
  | { outcome: "ignored"; reason: string; event?: ResourceEvent }
  | { outcome: "duplicate"; event: ResourceEvent }
  | { outcome: "parked"; reason: string }
  | { outcome: "routed"; event: ResourceEvent; perimeterIds: string[] };

const MAX_CONFLICT_RETRIES = 20;

async function withRetry<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= MAX_CONFLICT_RETRIES) throw error;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * (attempt + 1)));
    }
  }
}

/** The changes with one more: a resource changed again replaces its earlier entry (the latest write is what is re-read). */
/**
 * The changes with `change` recorded: it replaces an earlier change of the same resource by the same
 * caller (a burst stays linear), while changes by other callers stay, since the planner matches the
 * author systemData names against them whatever order the events arrived in.
 */
function withChange(changes: DirtyMarker["changes"], change: DirtyMarker["changes"][number]): DirtyMarker["changes"] {
  const key = idKey(change.resourceId);
  const who = callerKey(change.caller);
  return [...changes.filter((c) => idKey(c.resourceId) !== key || callerKey(c.caller) !== who), change];
}

function callerKey(caller: DirtyMarker["changes"][number]["caller"]): string {
  return `${caller?.objectId ?? ""}|${caller?.appId ?? ""}|${caller?.name ?? ""}`.toLowerCase();
}

export class GuardrailPipeline {
  private readonly store: StateStore;
  private readonly arm: ArmReader;
  private readonly queue: EvaluationQueue;
  private readonly poison: PoisonParking;
  private readonly logger: Logger;
  private readonly debounceMs: number;
  private readonly eventTtlMs: number;
  private readonly queueLeaseMs: number;
  /** What the policy's rules read: the completeness check of a reconcile, and the owner input types below. */
  private readonly readTypes: string[];
  /** The owner input types the policy's read plan reads: what the caches' read times cover (carryOver.ts). */
  private readonly ownerInputTypes: string[];
  private readonly now: () => Date;
  policy: Policy;

  constructor(
    private readonly deps: PipelineDeps,
    private readonly options: PipelineOptions = {},
  ) {
    this.store = deps.store;
    this.arm = deps.arm;
    this.queue = deps.queue;
    this.poison = deps.poison;
    this.policy = deps.policy ?? DEFAULT_POLICY;
    this.logger = deps.logger ?? silentLogger;
    this.debounceMs = options.debounceMs ?? 5000;
    this.eventTtlMs = options.eventTtlMs ?? 24 * 3_600_000;
    this.queueLeaseMs = options.queueLeaseMs ?? 10 * 60_000;
    this.readTypes = [...readPlanForPolicy(this.policy).types];
    this.ownerInputTypes = ownerInputTypesOf(this.readTypes);
    this.now = options.now ?? (() => new Date());
  }

  // -------------------------------------------------------------------------------------------
  // Events

  /** Handles one delivered event: dedupe, route, mark dirty, queue an evaluation per perimeter. */
  async handleEvent(raw: unknown, invocationId: string = randomUUID()): Promise<EventOutcome> {
    let event: ResourceEvent;
    const rawType = (raw as { eventType?: unknown; type?: unknown } | null)?.eventType ?? (raw as { type?: unknown } | null)?.type;
    if (typeof rawType === "string" && !isResourceChangeEventType(rawType) && rawType.startsWith("Microsoft.Resources.")) {
      // Failure and Cancel events change nothing.
      this.logger.debug({ invocationId, eventType: rawType }, "event ignored: not a successful change");
      return { outcome: "ignored", reason: `event type ${rawType} changes nothing` };
    }
    try {
      event = await parseResourceEvent(raw);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await this.poison.park(raw, reason);
      this.logger.warn({ invocationId, reason }, "malformed event parked");
      return { outcome: "parked", reason };
    }
    const log = this.logger.child({ invocationId, eventId: event.id });
    const classified = classify(event.resourceId);
    if (!classified) {
      log.debug({ event: { subject: event.subject, eventType: event.eventType } }, "event ignored: resource type not watched");
      return { outcome: "ignored", reason: "resource type not watched", event };
    }
    const perimeterIds = await this.route(event, classified, this.arm);
    if (perimeterIds.length === 0) {
      log.debug({ event: { subject: event.subject } }, "event ignored: concerns no perimeter");
      return { outcome: "ignored", reason: "concerns no perimeter", event };
    }
    if (await this.store.isEventProcessed(event.id, this.eventTtlMs)) {
      log.debug("duplicate event ignored");
      return { outcome: "duplicate", event };
    }
    // The change is recorded (and its evaluation queued) before the event counts as processed: a
    // failure in between means the redelivery records it again (deduped by event id), never that it is lost.
    for (const perimeterId of perimeterIds) await this.markDirty(perimeterId, event);
    await this.store.markEventProcessed(event.id, this.eventTtlMs);
    log.info({ perimeters: perimeterIds, event: { subject: event.subject, eventType: event.eventType } }, "event routed");
    return { outcome: "routed", event, perimeterIds };
  }

  private async route(event: ResourceEvent, classified: NonNullable<ReturnType<typeof classify>>, arm: ArmReader): Promise<string[]> {
    const out = new Map<string, string>();
    const addAll = (ids: readonly string[]) => ids.forEach((id) => out.set(idKey(id), id));
    const id = event.resourceId;
    if (classified.route.via === "perimeter") {
      out.set(idKey(classified.perimeterId!), classified.perimeterId!);
      // Other perimeters that read this resource, or its profile or perimeter (a CMK vault's rules, say).
      for (let ancestor: string | undefined = id; ancestor && ancestor.split("/").length > 5; ancestor = parseArmId(ancestor).parentId) {
        addAll(await this.store.getPerimetersOf(ancestor));
      }
      // A new association may concern other perimeters through its member (a CMK vault, for instance).
      if (event.kind === "write" && classified.route.type === T.association) {
        const body = await arm.get(id);
        const member = (body?.properties?.["privateLinkResource"] as { id?: string } | undefined)?.id;
        if (member) addAll(await this.store.getPerimetersOf(member));
      }
    } else if (classified.route.via === "member") {
      addAll(await this.store.getPerimetersOf(classified.memberId!));
      addAll(await this.store.getPerimetersOf(id));
      if (out.size === 0 && classified.parsed.rootId === classified.parsed.id && classified.route.type === T.storageAccount && !(await this.store.isIndexWarm())) {
        addAll(await arm.perimetersOfMember(id));
      }
    } else {
      addAll(await this.store.getPerimetersOf(id));
      if (out.size === 0 && event.kind === "write") {
        // A dependency the index does not know yet: read it once to see which member it points at.
        const body = await arm.get(id);
        for (const key of dependencyTargets(body)) addAll(await this.store.getPerimetersOf(key));
      }
    }
    return [...out.values()];
  }

  private async markDirty(perimeterId: string, event: ResourceEvent): Promise<void> {
    const change = {
      resourceId: event.resourceId,
      deleted: event.kind === "delete",
      eventId: event.id,
      eventType: event.eventType,
      // The name (a user's UPN) is what systemData.lastModifiedBy carries: the planner matches them.
      caller: { ...(event.caller.objectId ? { objectId: event.caller.objectId } : {}), ...(event.caller.appId ? { appId: event.caller.appId } : {}), ...(event.caller.name ? { name: event.caller.name } : {}) },
    };
    const leased = await withRetry(async () => {
      const current = await this.store.getDirty(perimeterId);
      const now = this.now();
      const base: DirtyMarker = current.value ?? { perimeterId, changes: [], since: now.toISOString() };
      const leaseValid = hasValidLease(base, now);
      // An overflowed batch is re-read whole: no change needs recording, only a message when none is due.
      const known = base.overflow === true || base.changes.some((c) => c.eventId === change.eventId);
      if (known && leaseValid) return undefined; // a redelivery, or a change the queued full re-read covers
      const marker: DirtyMarker = {
        ...base,
        changes: known ? base.changes : withChange(base.changes, change),
        ...(leaseValid ? {} : { queuedUntil: new Date(now.getTime() + this.debounceMs + this.queueLeaseMs).toISOString() }),
      };
      if (marker.changes.length > MAX_DIRTY_CHANGES) {
        // A burst: a bounded marker and one full re-read, not a growing blob rewritten per event.
        marker.changes = base.changes;
        marker.overflow = true;
      }
      const etag = await this.store.putDirty(marker, current.etag);
      return leaseValid ? undefined : etag;
    });
    if (leased === undefined) return;
    // The lease is taken before the message is sent: a lost race means two messages (the second finds
    // nothing to do). If the send fails the lease is given back, so the redelivered event queues again.
    try {
      await this.queue.enqueue({ perimeterId, reason: "events" }, this.debounceMs);
    } catch (error) {
      await this.releaseLease(perimeterId, leased).catch(() => undefined);
      throw error;
    }
  }

  private async releaseLease(perimeterId: string, etag: string): Promise<void> {
    const current = await this.store.getDirty(perimeterId);
    if (!current.value || current.etag !== etag) return; // someone moved on: their lease, not ours
    const { queuedUntil: _released, ...rest } = current.value;
    await this.store.putDirty(rest, current.etag);
  }

  // -------------------------------------------------------------------------------------------
  // Evaluation

  /** Validates a queue message; a malformed one is parked with its reason. */
  async evaluateMessage(raw: unknown, invocationId: string = randomUUID()): Promise<PerimeterDecision | undefined> {
    let message: EvaluationMessage;
    try {
      message = parseEvaluationMessage(raw);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await (this.deps.messagePoison ?? this.poison).park(raw, reason);
      this.logger.warn({ invocationId, reason }, "malformed evaluation message parked");
      return undefined;
    }
    return this.evaluate(message.perimeterId, invocationId);
  }

  /**
   * Evaluates one perimeter incrementally from its cached closure and the recorded changes. The changes
   * stay in the marker until the evaluation is durable (a crash means the retried message sees them
   * again); only the lease is released at the start, so events from now on queue a message of their own.
   */
  async evaluate(perimeterId: string, invocationId: string = randomUUID()): Promise<PerimeterDecision> {
    const log = this.logger.child({ invocationId, perimeterId });
    const { claimed, overflow } = await withRetry(async () => {
      const dirty = await this.store.getDirty(perimeterId);
      if (!dirty.value) return { claimed: [], overflow: false };
      if (dirty.value.queuedUntil !== undefined) {
        const { queuedUntil: _taken, ...rest } = dirty.value;
        await this.store.putDirty(rest, dirty.etag);
      }
      return { claimed: dirty.value.changes, overflow: dirty.value.overflow === true };
    });
    const decision = await this.evaluateWith(perimeterId, claimed, this.arm, log, overflow);
    if (claimed.length > 0 || overflow) await this.forgetChanges(perimeterId, claimed, overflow);
    return decision;
  }

  /**
   * Removes evaluated changes from the marker (and the marker when nothing else waits). An overflow
   * is cleared only when no event took a lease since: such an event's change was not recorded, and
   * its message re-reads the perimeter whole again.
   */
  private async forgetChanges(perimeterId: string, done: DirtyMarker["changes"], overflowDone: boolean): Promise<void> {
    const doneIds = new Set(done.map((c) => c.eventId));
    await withRetry(async () => {
      const current = await this.store.getDirty(perimeterId);
      if (!current.value || !current.etag) return;
      const leased = hasValidLease(current.value, this.now());
      const rest = current.value.changes.filter((c) => !doneIds.has(c.eventId));
      const clearOverflow = overflowDone && current.value.overflow === true && !leased;
      if (rest.length === current.value.changes.length && !clearOverflow) return;
      const { overflow: _overflow, ...marker } = current.value;
      const stillOverflow = current.value.overflow === true && !clearOverflow;
      if (rest.length === 0 && !leased && !stillOverflow) await this.store.deleteDirty(perimeterId, current.etag);
      else await this.store.putDirty({ ...marker, changes: rest, ...(stillOverflow ? { overflow: true } : {}) }, current.etag);
    });
  }

  private async evaluateWith(perimeterId: string, changes: DirtyMarker["changes"], arm: ArmReader, log: Logger, fullRead = false): Promise<PerimeterDecision> {
    for (let attempt = 0; ; attempt++) {
      const cached = await this.store.getPerimeterCache(perimeterId);
      if (cached.value && changes.length === 0 && !fullRead) {
        // Another instance took these changes (or the message was duplicated): nothing to do.
        log.debug("no changes to evaluate");
        return { perimeterId, findings: [], actions: [] };
      }
      const now = this.now();
      let resources: ArmResource[];
      let previousResources: ArmResource[];
      let unresolvedBefore: string[] = [];
      /** Owners whose inputs this evaluation read from ARM (all of them on a full read). */
      let ownersRead: ReadonlySet<string> | "all" = "all";
      if (!cached.value) {
        resources = await this.fullRead(perimeterId, arm);
        previousResources = resources;
      } else if (fullRead) {
        // The batch overflowed its marker: re-read the perimeter whole, compared with the cache.
        previousResources = cached.value.resources;
        unresolvedBefore = cached.value.unresolved ?? [];
        resources = await this.fullRead(perimeterId, arm);
      } else {
        previousResources = cached.value.resources;
        unresolvedBefore = cached.value.unresolved ?? [];
        const patched = await this.applyChanges(previousResources, changes, arm);
        resources = patched.resources;
        ownersRead = patched.membersRead;
      }
      let estate = new Estate(resources);
      let perimeter = estate.get(perimeterId) ?? estate.perimeters().find((p) => idKey(p.id) === idKey(perimeterId));
      let closure = perimeter ? perimeterClosure(estate, perimeter) : undefined;
      if (cached.value && closure && closure.unresolved.some((u) => !unresolvedBefore.includes(u))) {
        // Something new is referenced that the cache does not hold (a new CMK vault, say): read it all.
        estate = new Estate(await this.fullRead(perimeterId, arm));
        ownersRead = "all";
        perimeter = estate.get(perimeterId) ?? estate.perimeters().find((p) => idKey(p.id) === idKey(perimeterId));
        closure = perimeter ? perimeterClosure(estate, perimeter) : undefined;
      }
      const previous = new Estate(previousResources);
      const lastKnownGood = cached.value?.lastKnownGood ?? [];
      const findings: Finding[] = perimeter
        ? evaluatePerimeter(estate, perimeter, { policy: this.policy, now, previous: withLastKnownGood(previousResources, lastKnownGood) })
        : [];
      // Findings about a whole subscription belong to the reconcile pass, which sees every perimeter.
      const own = findings.filter((f) => f.perimeterId !== undefined);

      // Act and store the findings first, the cache last: the cache (the "before" of the next evaluation
      // and the last known good bodies) only moves on once the decision about this state is durable. A
      // failure before it means the retry decides again from the same "before", never from the changed
      // body. The cache write is conditional: if another instance moved it on meanwhile, this
      // evaluation started from a stale state and is redone from the newer one (with our changes).
      const decision = await this.record(perimeterId, own, changes, previous, log, now, lastKnownGood, estate);
      try {
        if (perimeter && closure) {
          await this.store.putPerimeterCache(
            {
              perimeterId,
              reconciledAt: cached.value?.reconciledAt,
              resources: closure.resources,
              unresolved: closure.unresolved,
              lastKnownGood: updateLastKnownGood(lastKnownGood, closure.resources, perimeterId, own),
              readAt: now.toISOString(),
              ...ownerTimesAfterEvaluation(perimeterId, closure.resources, cached.value, ownersRead, now.toISOString(), this.ownerInputTypes),
            },
            cached.etag,
          );
        } else if (cached.value) {
          await this.store.deletePerimeterCache(perimeterId, cached.etag);
        }
      } catch (error) {
        if (error instanceof ConcurrencyError && attempt < MAX_CONFLICT_RETRIES) continue;
        throw error;
      }
      await this.store.setIndexForPerimeter(perimeterId, perimeter && closure ? closure.indexKeys : []);
      log.info({ findings: own.length, changes: changes.length, new: decision.findings.filter((f) => f.status === "new").length }, "perimeter evaluated");
      return decision;
    }
  }

  private async fullRead(perimeterId: string, arm: ArmReader): Promise<ArmResource[]> {
    return arm.readPerimeters([perimeterId]);
  }

  /** Re-reads what changed and patches the cached resources; says which members it read whole. */
  private async applyChanges(cached: ArmResource[], changes: DirtyMarker["changes"], arm: ArmReader): Promise<{ resources: ArmResource[]; membersRead: Set<string> }> {
    const byKey = new Map(cached.map((r) => [idKey(r.id), r]));
    const membersRead = new Set<string>();
    const latest = new Map<string, DirtyMarker["changes"][number]>();
    for (const c of changes) latest.set(idKey(c.resourceId), c);
    for (const [key, change] of latest) {
      // ARM, not the event, says whether it exists: events arrive out of order, so a delete delivered
      // after the re-creation that followed it must not remove the resource from the picture.
      const body = await arm.get(change.resourceId);
      if (!body) {
        for (const k of [...byKey.keys()]) if (k === key || k.startsWith(`${key}/`)) byKey.delete(k);
        continue;
      }
      byKey.set(key, body);
      if (body.type.toLowerCase() === T.association) {
        const memberId = (body.properties?.["privateLinkResource"] as { id?: string } | undefined)?.id;
        if (memberId && !byKey.has(idKey(memberId))) {
          for (const r of await arm.readMember(memberId)) byKey.set(idKey(r.id), r);
          membersRead.add(idKey(memberId));
        }
      }
    }
    return { resources: [...byKey.values()], membersRead };
  }

  /** Diffs with the stored findings, plans actions, hands the decision on, stores the result. */
  private async record(
    perimeterId: string,
    findings: Finding[],
    changes: DirtyMarker["changes"],
    previous: Estate,
    log: Logger,
    now: Date,
    lastKnownGood: readonly ArmResource[] = [],
    current?: Estate,
  ): Promise<PerimeterDecision> {
    return withRetry(async () => {
      const stored = await this.store.getFindings(perimeterId);
      const diff = diffFindings(findings, stored.value, now);
      const planned = planActions(diff.decided, {
        policy: this.policy,
        changes,
        previous,
        lastKnownGood: new Estate(lastKnownGood),
        ...(current ? { current } : {}),
        ...(this.options.selfPrincipalIds ? { selfPrincipalIds: this.options.selfPrincipalIds } : {}),
      });
      // Only writes are vetted, against the state before as well: built for them alone, since at a
      // reconcile `previous` is the whole estate and a copy per perimeter would cost perimeters × estate.
      const plans = current && planned.some(isRevertWrite) ? vetRevertPlans(planned, { current: current.resources, currentFindings: findings, perimeterId, policy: this.policy, now, previous: withLastKnownGood(previous.resources, lastKnownGood) }) : planned;
      const decision: PerimeterDecision = {
        perimeterId,
        findings: diff.decided,
        actions: plans.map((p) => p.action),
      };
      // Act before storing: if acting fails (ARM down for a revert), nothing is stored, the message is
      // retried and the same findings are new again. Alert dispatch is idempotent, so a retry repeats nothing.
      const decided = this.deps.onDecision
        ? ((await this.deps.onDecision(decision, plans, log)) ?? decision)
        : { ...decision, actions: decision.actions.map((a) => (a.type === "alert" ? logged(a, log) : a)) };
      await this.store.putFindings(perimeterId, diff.stored, stored.etag);
      return decided;
    });
  }

  // -------------------------------------------------------------------------------------------
  // Reconcile

  /** The full pass: re-reads every subscription, rebuilds caches and the index, evaluates everything. */
  async reconcile(invocationId: string = randomUUID()): Promise<PerimeterDecision[]> {
    return (await this.reconcileReport(invocationId)).decisions;
  }

  /** The full pass, with what its read could not check (the `scan` endpoint answers both). */
  async reconcileReport(invocationId: string = randomUUID()): Promise<ReconcileReport> {
    const log = this.logger.child({ invocationId });
    if (!this.deps.scope && (this.options.subscriptionIds ?? []).length === 0) throw new InputError("NSPG_SUBSCRIPTION_IDS: no subscription to reconcile");
    const now = this.now();
    // The state is read before ARM is: a cache written after this point (an event evaluated while the
    // reconcile reads) is newer than the reconcile's view and is neither overwritten nor deleted.
    const cachedBefore = new Map<string, { id: string; version: Versioned<PerimeterCache | undefined> }>();
    for (const id of await this.store.listCachedPerimeters()) cachedBefore.set(idKey(id), { id, version: await this.store.getPerimeterCache(id) });
    // What Resource Graph does not hold comes from the caches unless due (carryOver.ts); the rest is read.
    const carry = planCarryOver(
      [...cachedBefore.values()].flatMap((c) => (c.version.value ? [c.version.value] : [])),
      now,
      this.options.rereadHorizonMs ?? DEFAULT_REREAD_HORIZON_MS,
      this.ownerInputTypes,
    );
    const read = this.deps.scope
      ? await this.deps.scope.readWatched(carry)
      : { subscriptions: this.options.subscriptionIds ?? [], resources: await this.arm.readSubscriptions(this.options.subscriptionIds ?? [], carry) };
    const { subscriptions } = read;
    const resources = withCarriedInputs(read.resources, carry);
    log.info({ subscriptions: subscriptions.length, resources: resources.length, ownersCarried: carry.figures.carried, ownersDue: carry.figures.due }, "reconcile read the watched scope");
    const estate = new Estate(resources);
    // The rules that compare with the state before a change compare with the last known good one.
    const caches = new Map<string, Versioned<PerimeterCache | undefined>>();
    for (const perimeter of estate.perimeters()) {
      caches.set(idKey(perimeter.id), cachedBefore.get(idKey(perimeter.id))?.version ?? { value: undefined, etag: undefined });
    }
    const lastKnownGood = [...caches.values()].flatMap((c) => c.value?.lastKnownGood ?? []);
    const result = evaluateEstate(estate, { policy: this.policy, now, previous: withLastKnownGood(resources, lastKnownGood) });
    const byPerimeter = new Map<string, Finding[]>();
    for (const f of result.findings) {
      // Findings outside any perimeter (a resource secured by a perimeter it is not in) live under their subscription.
      const owner = f.perimeterId ?? `/subscriptions/${parseArmId(f.resourceId).subscriptionId}`;
      const key = idKey(owner);
      if (!byPerimeter.has(key)) byPerimeter.set(key, []);
      byPerimeter.get(key)!.push(f);
    }
    const decisions: PerimeterDecision[] = [];
    /** Perimeters (and subscriptions) this pass could not store: the next pass redoes them. */
    const failed: string[] = [];
    const live = new Set<string>();
    for (const perimeter of estate.perimeters()) {
      live.add(idKey(perimeter.id));
      const closure = perimeterClosure(estate, perimeter);
      const cache = caches.get(idKey(perimeter.id))!;
      const own = byPerimeter.get(idKey(perimeter.id)) ?? [];
      const previousGood = cache.value?.lastKnownGood ?? [];
      // The cache moves on first, conditionally: an evaluation that wrote it meanwhile saw a newer ARM
      // state than this pass, so this perimeter (cache and findings) is left to it. The reconcile's
      // decisions need no "before" from the cache (reverts restore last known good bodies only, which
      // follow the rules' verdicts), so a failure after this write is redone by the next pass.
      try {
        await this.store.putPerimeterCache(
          {
            perimeterId: perimeter.id,
            reconciledAt: now.toISOString(),
            resources: closure.resources,
            unresolved: closure.unresolved,
            lastKnownGood: updateLastKnownGood(previousGood, closure.resources, perimeter.id, own),
            readAt: now.toISOString(),
            ownersReadAt: ownersReadAt(perimeter.id, closure.resources, carry, now.toISOString()),
            ownerInputTypes: this.ownerInputTypes,
          },
          cache.etag,
        );
      } catch (error) {
        if (error instanceof ConcurrencyError) {
          log.info({ perimeterId: perimeter.id }, "perimeter evaluated by an event meanwhile; the reconcile leaves it");
        } else {
          // A storage fault on one perimeter must not cost the pass every perimeter after it (at tenant
          // scale, minutes of reading): it is left as it was, and the next pass redoes it.
          failed.push(perimeter.id);
          log.error({ perimeterId: perimeter.id, err: error instanceof Error ? error.message : String(error) }, "reconcile could not store a perimeter; the next pass retries it");
        }
        continue;
      }
      try {
        await this.store.setIndexForPerimeter(perimeter.id, closure.indexKeys);
        decisions.push(await this.record(perimeter.id, own, [], estate, log, now, previousGood, estate));
      } catch (error) {
        // One perimeter's failure (a revert ARM refused for now, a storage fault) must not cut the full pass short.
        failed.push(perimeter.id);
        log.error({ perimeterId: perimeter.id, err: error instanceof Error ? error.message : String(error) }, "reconcile of a perimeter failed; the next pass retries it");
      }
    }
    for (const subscription of subscriptions) {
      const owner = `/subscriptions/${subscription}`;
      try {
        decisions.push(await this.record(owner, byPerimeter.get(idKey(owner)) ?? [], [], estate, log, now));
      } catch (error) {
        failed.push(owner);
        log.error({ subscription, err: error instanceof Error ? error.message : String(error) }, "reconcile could not store a subscription's findings; the next pass retries it");
      }
    }
    // Perimeters cached before this pass but gone from its read: resolve their findings and forget them,
    // unless their cache changed since (created or re-evaluated while this pass was reading ARM). One in
    // a subscription not watched now is kept when an event of a watched member cached it (a perimeter
    // across subscriptions), and forgotten when a reconcile did: its subscription was watched and is no
    // longer (moved out of the management group, or taken off NSPG_SUBSCRIPTION_IDS).
    const watchedKeys = new Set(subscriptions.map((s) => s.toLowerCase()));
    const subscriptionOf = (id: string) => parseArmId(id).subscriptionId.toLowerCase();
    const gone = [...cachedBefore.values()].filter(
      ({ id, version }) => !live.has(idKey(id)) && (watchedKeys.has(subscriptionOf(id)) || version.value?.reconciledAt !== undefined),
    );
    // A subscription that left takes its subscription-wide findings with it. They are resolved before its
    // perimeters are forgotten: those perimeters are how a later pass still knows it was watched.
    const left = [...new Set(gone.map(({ id }) => subscriptionOf(id)).filter((s) => !watchedKeys.has(s)))];
    for (const subscription of left) decisions.push(await this.record(`/subscriptions/${subscription}`, [], [], estate, log, now));
    for (const { id: cachedId, version } of gone) {
      const currentCache = await this.store.getPerimeterCache(cachedId);
      if (currentCache.etag !== version.etag) {
        log.info({ perimeterId: cachedId }, "perimeter cache changed during the reconcile; left for the next pass");
        continue;
      }
      decisions.push(await this.record(cachedId, [], [], estate, log, now));
      try {
        await this.store.deletePerimeterCache(cachedId, version.etag);
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        continue;
      }
      await this.store.setIndexForPerimeter(cachedId, []);
    }
    await this.store.markIndexWarm();
    // Never a silent pass: what the read did not provide for a rule is said, in the log and the answer.
    const { notEvaluated } = assessCompleteness(estate, enabledRules(this.policy, ALL_RULES), { kind: "live", types: this.readTypes }, this.policy.onboardedTypes);
    if (notEvaluated.length > 0) log.warn({ notEvaluated: notEvaluated.length, first: describeNotEvaluated(notEvaluated[0]!, "the read") }, "reconcile could not evaluate some checks");
    log.info({ perimeters: estate.perimeters().length, findings: result.findings.length }, "reconcile finished");
    if (failed.length > 0) log.warn({ failed: failed.length, first: failed[0] }, "reconcile left some perimeters to the next pass");
    return { decisions, notEvaluated, subscriptions, failed, reread: carry.figures };
  }
}

/**
 * Last known good bodies of a perimeter's own associations and access rules: an association's latest
 * body while it is Enforced; an access rule's latest body while no finding names it. They are what
 * reverts restore, and the "before" that rules comparing with the previous state (the enforcement
 * downgrade) see, so that such a finding stays open until the association is good again.
 */
export function updateLastKnownGood(previous: readonly ArmResource[], current: readonly ArmResource[], perimeterId: string, findings: readonly Finding[]): ArmResource[] {
  const prefix = `${idKey(perimeterId)}/`;
  const named = new Set<string>();
  for (const f of findings) {
    if (f.exempted) continue;
    named.add(idKey(f.resourceId));
  }
  const good = new Map(previous.map((r) => [idKey(r.id), r]));
  const present = new Set<string>();
  for (const r of current) {
    const key = idKey(r.id);
    if (!key.startsWith(prefix)) continue;
    const type = r.type.toLowerCase();
    if (type === T.association) {
      present.add(key);
      if (String(r.properties?.["accessMode"] ?? "").toLowerCase() === "enforced") good.set(key, r);
    } else if (type === T.accessRule) {
      present.add(key);
      if (!named.has(key)) good.set(key, r);
    }
  }
  // Deleted resources are forgotten: the cache follows the perimeter as it is.
  return [...good.entries()].filter(([key]) => present.has(key)).map(([, r]) => r);
}

/** The previous state with last known good bodies in place of the cached ones. */
export function withLastKnownGood(resources: readonly ArmResource[], lastKnownGood: readonly ArmResource[]): Estate {
  if (lastKnownGood.length === 0) return new Estate(resources);
  const good = new Map(lastKnownGood.map((r) => [idKey(r.id), r]));
  return new Estate(resources.map((r) => good.get(idKey(r.id)) ?? r));
}

/** Whether the marker's queued message is still trusted to come. */
export function hasValidLease(marker: DirtyMarker, now: Date): boolean {
  if (marker.queuedUntil === undefined) return false;
  return Date.parse(marker.queuedUntil) > now.getTime();
}

/** An alert with no channel: logged, and the action says so (a new value). */
function logged(action: Action, log: Logger): Action {
  log.info({ alert: { ruleId: action.ruleId, resourceId: action.resourceId, reason: action.reason } }, "alert");
  return { ...action, status: "applied", reason: `${action.reason}; logged (no alert channel configured)` };
}

/** Member ids (and blob host keys) a dependency resource points at: the routed relations from its type (src/model/relations.ts). */
export function dependencyTargets(body: ArmResource | undefined): string[] {
  return routingKeysOf(body);
}

export function parseEvaluationMessage(raw: unknown): EvaluationMessage {
  let value = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new InputError("evaluation message: (root): not valid JSON");
    }
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new InputError("evaluation message: (root): expected an object");
  const v = value as Record<string, unknown>;
  if (typeof v["perimeterId"] !== "string") throw new InputError("evaluation message: perimeterId: expected a string");
  try {
    if (parseArmId(v["perimeterId"]).type.toLowerCase() !== T.perimeter && !/^\/subscriptions\/[^/]+$/i.test(v["perimeterId"])) {
      throw new InputError("evaluation message: perimeterId: not a network security perimeter id");
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError("evaluation message: perimeterId: not an ARM resource id");
  }
  const reason = v["reason"] ?? "events";
  if (reason !== "events" && reason !== "reconcile") throw new InputError("evaluation message: reason: expected events|reconcile");
  return { perimeterId: v["perimeterId"], reason };
}

export type { StoredFinding };
