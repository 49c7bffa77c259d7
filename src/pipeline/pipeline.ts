/**
 * The watchdog: events mark perimeters dirty and queue one evaluation per perimeter per debounce
 * window; an evaluation re-reads from ARM only what changed, patches the perimeter's cached closure,
 * evaluates it, and compares with what the store remembers. The timer reconcile is the full pass.
 * Everything here is I/O-free but for the ports it is given.
 */
import { randomUUID } from "node:crypto";
import { idKey, parseArmId } from "../model/armId.js";
import { InputError } from "../model/errors.js";
import { Estate, uriHost, vhdUrisOf } from "../model/estate.js";
import type { ArmResource } from "../model/resource.js";
import { T } from "../model/resourceTypes.js";
import { DEFAULT_POLICY, type Policy } from "../policy/policy.js";
import { evaluateEstate, evaluatePerimeter } from "../rules/engine.js";
import type { Finding } from "../rules/types.js";
import { planActions, type RevertPlan } from "../actions/planner.js";
import { blobHostKey, classify } from "../events/routing.js";
import { isResourceChangeEventType, parseResourceEvent, type ResourceEvent } from "../events/resourceEvent.js";
import { ConcurrencyError, MAX_DIRTY_CHANGES, type DirtyMarker, type PerimeterCache, type StateStore, type StoredFinding, type Versioned } from "../state/stateStore.js";
import { silentLogger, type Logger } from "../logging.js";
import { perimeterClosure } from "./closure.js";
import { diffFindings, type Action, type PerimeterDecision } from "./decisions.js";
import type { ArmReader, EvaluationMessage, EvaluationQueue, PoisonParking } from "./ports.js";

export interface PipelineOptions {
  /** Coalescing window: events on one perimeter within it yield one evaluation (default 5 s). */
  debounceMs?: number;
  /** How long processed event ids are remembered for dedupe (default 24 h). */
  eventTtlMs?: number;
  subscriptionIds?: readonly string[];
  /** Object ids of the guardrail's own identity: its changes are never fought. */
  selfPrincipalIds?: readonly string[];
  now?: () => Date;
}

export interface PipelineDeps {
  store: StateStore;
  arm: ArmReader;
  queue: EvaluationQueue;
  /** Where malformed events are parked. */
  poison: PoisonParking;
  /** Where malformed evaluation messages are parked (default: with the events). */
  messagePoison?: PoisonParking;
  policy?: Policy;
  logger?: Logger;
  /** Receives the decision of each evaluation (alerts, reverts); may update action statuses. */
  onDecision?: (decision: PerimeterDecision, plans: RevertPlan[], logger: Logger) => Promise<void>;
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
function withChange(changes: DirtyMarker["changes"], change: DirtyMarker["changes"][number]): DirtyMarker["changes"] {
  const key = idKey(change.resourceId);
  return [...changes.filter((c) => idKey(c.resourceId) !== key), change];
}

export class GuardrailPipeline {
  private readonly store: StateStore;
  private readonly arm: ArmReader;
  private readonly queue: EvaluationQueue;
  private readonly poison: PoisonParking;
  private readonly logger: Logger;
  private readonly debounceMs: number;
  private readonly eventTtlMs: number;
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
      await this.store.markEventProcessed(event.id, this.eventTtlMs);
      return { outcome: "ignored", reason: "concerns no perimeter", event };
    }
    // Mark dirty before recording the event as processed: a crash in between means a redelivery is
    // handled again (harmless: evaluations re-read ARM), never that the change is lost.
    const fresh = await this.store.markEventProcessed(event.id, this.eventTtlMs);
    if (!fresh) {
      log.debug("duplicate event ignored");
      return { outcome: "duplicate", event };
    }
    for (const perimeterId of perimeterIds) await this.markDirty(perimeterId, event);
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
      caller: { ...(event.caller.objectId ? { objectId: event.caller.objectId } : {}), ...(event.caller.appId ? { appId: event.caller.appId } : {}) },
    };
    await withRetry(async () => {
      const current = await this.store.getDirty(perimeterId);
      // An overflowed batch is re-read whole: nothing more to record, the message is already queued.
      if (current.value?.overflow && current.value.queued) return;
      const marker: DirtyMarker = current.value
        ? { ...current.value, changes: withChange(current.value.changes, change) }
        : { perimeterId, changes: [change], since: this.now().toISOString(), queued: false };
      if (marker.changes.length > MAX_DIRTY_CHANGES) {
        marker.changes = current.value!.changes;
        marker.overflow = true;
      }
      const needsMessage = !marker.queued;
      marker.queued = true;
      await this.store.putDirty(marker, current.etag);
      // Queue after the marker says "queued": a lost race means two messages, and the second finds nothing to do.
      if (needsMessage) await this.queue.enqueue({ perimeterId, reason: "events" }, this.debounceMs);
    });
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

  /** Evaluates one perimeter incrementally from its cached closure and the recorded changes. */
  async evaluate(perimeterId: string, invocationId: string = randomUUID()): Promise<PerimeterDecision> {
    const log = this.logger.child({ invocationId, perimeterId });
    const arm = this.arm;
    // Take the recorded changes; events arriving from now on start a new batch with its own message.
    const { claimed, overflow } = await withRetry(async () => {
      const dirty = await this.store.getDirty(perimeterId);
      if (!dirty.value) return { claimed: [], overflow: false };
      await this.store.deleteDirty(perimeterId, dirty.etag!);
      return { claimed: dirty.value.changes, overflow: dirty.value.overflow === true };
    });
    try {
      const decision = await this.evaluateWith(perimeterId, claimed, arm, log, overflow);
      return decision;
    } catch (error) {
      // Give the changes back so that the retried message (or the next batch) sees them.
      if (claimed.length > 0 || overflow) {
        await withRetry(async () => {
          const current = await this.store.getDirty(perimeterId);
          let changes = claimed;
          for (const c of current.value?.changes ?? []) changes = withChange(changes, c);
          const marker: DirtyMarker = current.value
            ? { ...current.value, changes }
            : { perimeterId, changes, since: this.now().toISOString(), queued: true };
          if (overflow || changes.length > MAX_DIRTY_CHANGES) {
            marker.changes = changes.slice(0, MAX_DIRTY_CHANGES);
            marker.overflow = true;
          }
          await this.store.putDirty(marker, current.etag);
        });
      }
      throw error;
    }
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
        resources = await this.applyChanges(previousResources, changes, arm);
      }
      let estate = new Estate(resources);
      let perimeter = estate.get(perimeterId) ?? estate.perimeters().find((p) => idKey(p.id) === idKey(perimeterId));
      let closure = perimeter ? perimeterClosure(estate, perimeter) : undefined;
      if (cached.value && closure && closure.unresolved.some((u) => !unresolvedBefore.includes(u))) {
        // Something new is referenced that the cache does not hold (a new CMK vault, say): read it all.
        estate = new Estate(await this.fullRead(perimeterId, arm));
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

      // The cache is written first, conditionally: if another instance moved it on meanwhile, this
      // evaluation started from a stale state and is redone from the newer one (with our changes).
      try {
        if (perimeter && closure) {
          await this.store.putPerimeterCache(
            {
              perimeterId,
              reconciledAt: cached.value?.reconciledAt,
              resources: closure.resources,
              unresolved: closure.unresolved,
              lastKnownGood: updateLastKnownGood(lastKnownGood, closure.resources, perimeterId, own),
            },
            cached.etag,
          );
        } else if (cached.value) {
          await this.store.deletePerimeterCache(perimeterId);
        }
      } catch (error) {
        if (error instanceof ConcurrencyError && attempt < MAX_CONFLICT_RETRIES) continue;
        throw error;
      }
      const decision = await this.record(perimeterId, own, changes, previous, log, now, lastKnownGood, estate);
      await this.store.setIndexForPerimeter(perimeterId, perimeter && closure ? closure.indexKeys : []);
      log.info({ findings: own.length, changes: changes.length, new: decision.findings.filter((f) => f.status === "new").length }, "perimeter evaluated");
      return decision;
    }
  }

  private async fullRead(perimeterId: string, arm: ArmReader): Promise<ArmResource[]> {
    return arm.readPerimeters([perimeterId]);
  }

  /** Re-reads what changed and patches the cached resources. */
  private async applyChanges(cached: ArmResource[], changes: DirtyMarker["changes"], arm: ArmReader): Promise<ArmResource[]> {
    const byKey = new Map(cached.map((r) => [idKey(r.id), r]));
    const latest = new Map<string, DirtyMarker["changes"][number]>();
    for (const c of changes) latest.set(idKey(c.resourceId), c);
    for (const [key, change] of latest) {
      const body = change.deleted ? undefined : await arm.get(change.resourceId);
      if (!body) {
        for (const k of [...byKey.keys()]) if (k === key || k.startsWith(`${key}/`)) byKey.delete(k);
        continue;
      }
      byKey.set(key, body);
      if (body.type.toLowerCase() === T.association) {
        const memberId = (body.properties?.["privateLinkResource"] as { id?: string } | undefined)?.id;
        if (memberId && !byKey.has(idKey(memberId))) {
          for (const r of await arm.readMember(memberId)) byKey.set(idKey(r.id), r);
        }
      }
    }
    return [...byKey.values()];
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
      const plans = planActions(diff.decided, {
        policy: this.policy,
        changes,
        previous,
        lastKnownGood: new Estate(lastKnownGood),
        ...(current ? { current } : {}),
        ...(this.options.selfPrincipalIds ? { selfPrincipalIds: this.options.selfPrincipalIds } : {}),
      });
      const decision: PerimeterDecision = {
        perimeterId,
        findings: diff.decided,
        actions: plans.map((p) => p.action),
      };
      // Act before storing: if acting fails (ARM down for a revert), nothing is stored, the message is
      // retried and the same findings are new again. Alert dispatch is idempotent, so a retry repeats nothing.
      if (this.deps.onDecision) await this.deps.onDecision(decision, plans, log);
      else for (const a of decision.actions) if (a.type === "alert") markLogged(a, log);
      await this.store.putFindings(perimeterId, diff.stored, stored.etag);
      return decision;
    });
  }

  // -------------------------------------------------------------------------------------------
  // Reconcile

  /** The full pass: re-reads every subscription, rebuilds caches and the index, evaluates everything. */
  async reconcile(invocationId: string = randomUUID()): Promise<PerimeterDecision[]> {
    const log = this.logger.child({ invocationId });
    const subscriptions = this.options.subscriptionIds ?? [];
    if (subscriptions.length === 0) throw new InputError("NSPG_SUBSCRIPTION_IDS: no subscription to reconcile");
    const now = this.now();
    const resources = await this.arm.readSubscriptions(subscriptions);
    const estate = new Estate(resources);
    // The rules that compare with the state before a change compare with the last known good one.
    const caches = new Map<string, Versioned<PerimeterCache | undefined>>();
    for (const perimeter of estate.perimeters()) caches.set(idKey(perimeter.id), await this.store.getPerimeterCache(perimeter.id));
    const lastKnownGood = [...caches.values()].flatMap((c) => c.value?.lastKnownGood ?? []);
    const result = evaluateEstate(estate, { policy: this.policy, now, previous: withLastKnownGood(resources, lastKnownGood) });
    const byPerimeter = new Map<string, Finding[]>();
    for (const f of result.findings) {
      const owner = f.perimeterId ?? f.resourceId; // subscription-wide findings live under the subscription
      const key = idKey(owner);
      if (!byPerimeter.has(key)) byPerimeter.set(key, []);
      byPerimeter.get(key)!.push(f);
    }
    const decisions: PerimeterDecision[] = [];
    const live = new Set<string>();
    for (const perimeter of estate.perimeters()) {
      live.add(idKey(perimeter.id));
      const closure = perimeterClosure(estate, perimeter);
      const cache = caches.get(idKey(perimeter.id))!;
      const own = byPerimeter.get(idKey(perimeter.id)) ?? [];
      const previousGood = cache.value?.lastKnownGood ?? [];
      await this.store
        .putPerimeterCache(
          {
            perimeterId: perimeter.id,
            reconciledAt: now.toISOString(),
            resources: closure.resources,
            unresolved: closure.unresolved,
            lastKnownGood: updateLastKnownGood(previousGood, closure.resources, perimeter.id, own),
          },
          cache.etag,
        )
        .catch((error) => {
          if (!(error instanceof ConcurrencyError)) throw error;
        });
      await this.store.setIndexForPerimeter(perimeter.id, closure.indexKeys);
      try {
        decisions.push(await this.record(perimeter.id, own, [], estate, log, now, previousGood, estate));
      } catch (error) {
        // One perimeter's failure (a revert ARM refused for now, say) must not cut the full pass short.
        log.error({ perimeterId: perimeter.id, err: error instanceof Error ? error.message : String(error) }, "reconcile of a perimeter failed; the next pass retries it");
      }
    }
    for (const subscription of subscriptions) {
      const owner = `/subscriptions/${subscription}`;
      decisions.push(await this.record(owner, byPerimeter.get(idKey(owner)) ?? [], [], estate, log, now));
    }
    // Perimeters cached before but gone now: resolve their findings and forget them.
    for (const cachedId of await this.store.listCachedPerimeters()) {
      if (live.has(idKey(cachedId))) continue;
      if (!subscriptions.some((s) => idKey(cachedId).startsWith(`/subscriptions/${s.toLowerCase()}/`))) continue;
      decisions.push(await this.record(cachedId, [], [], estate, log, now));
      await this.store.deletePerimeterCache(cachedId);
      await this.store.setIndexForPerimeter(cachedId, []);
    }
    await this.store.markIndexWarm();
    log.info({ perimeters: estate.perimeters().length, findings: result.findings.length }, "reconcile finished");
    return decisions;
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

function markLogged(action: Action, log: Logger): void {
  log.info({ alert: { ruleId: action.ruleId, resourceId: action.resourceId, reason: action.reason } }, "alert");
  action.status = "applied";
  action.reason = `${action.reason}; logged (no alert channel configured)`;
}

/** Member ids (and blob host keys) a dependency resource points at. */
export function dependencyTargets(body: ArmResource | undefined): string[] {
  if (!body) return [];
  const p = body.properties ?? {};
  const out: string[] = [];
  const push = (v: unknown) => typeof v === "string" && v && out.push(v);
  push(p["sourceResourceId"]);
  push((p["dataSourceInfo"] as Record<string, unknown> | undefined)?.["resourceID"]);
  push((p["dataSourceInfo"] as Record<string, unknown> | undefined)?.["resourceId"]);
  push(p["storageAccountResourceId"]);
  for (const uri of vhdUrisOf(body)) {
    const host = uriHost(uri);
    if (host) out.push(blobHostKey(host));
  }
  return out;
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
