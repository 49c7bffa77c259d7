/**
 * `simulate`: the production handlers (event → route → queue → evaluate → act → state → outbox) run
 * in process over the ARM emulator, many times, each under a seeded schedule of faults: storage errors
 * and crashes at every state step (the work retried as the Functions host and Event Grid retry it),
 * ARM 429/5xx, Event Grid duplicates, drops and reorders, two instances at once, and people writing
 * while the guardrail evaluates or reverts. After each run the named invariants of contracts.md
 * (revision 2) are checked; each violation carries the seed that reproduces its run.
 */

import { SdkArmWriter } from "../actions/armWriter.js";
import { writableProperties } from "../actions/safety.js";
import { RevertExecutor, revertThenNotify } from "../actions/executor.js";
import type { RevertPlan } from "../actions/planner.js";
import { buildEvents, type ResourceEventGridEvent } from "../emulator/eventGrid.js";
import type { ChangeSink, ResourceChange } from "../emulator/changes.js";
import { ArmEmulator } from "../emulator/server.js";
import { LiveArmReader } from "../inventory/liveArmReader.js";
import { silentLogger } from "../logging.js";
import { idKey } from "../model/armId.js";
import { Estate } from "../model/estate.js";
import type { ArmResource } from "../model/resource.js";
import { createNotifier, type ChannelConfig } from "../notify/index.js";
import type { AlertPayload } from "../notify/model.js";
import { routeMismatch } from "../notify/routing.js";
import type { PerimeterDecision } from "../pipeline/decisions.js";
import { DEFAULT_REREAD_HORIZON_MS } from "../pipeline/carryOver.js";
import { GuardrailPipeline, hasValidLease } from "../pipeline/pipeline.js";
import type { EvaluationMessage, EvaluationQueue, PoisonParking } from "../pipeline/ports.js";
import type { Policy } from "../policy/policy.js";
import { GUARDRAIL_IDENTITY } from "../replay/replay.js";
import { ALL_RULES } from "../rules/catalog/index.js";
import { evaluateEstate } from "../rules/engine.js";
import type { Finding } from "../rules/types.js";
import { MemoryStateStore } from "../state/memoryStateStore.js";
import { MemoryAlertOutbox, type AlertOutbox } from "../state/outbox.js";
import { MemoryRevertLedger, type RevertLedger } from "../state/revertLedger.js";
import type { StateStore } from "../state/stateStore.js";
import { InjectedFault, withFaults, type FaultSchedule } from "./faultyStore.js";
import { FAULT_PROFILES, runSeed, seededRandom, type FaultLevel, type FaultProfile } from "./schedule.js";
import { generateTimeline, SIM_EXEMPT, type SimOperation } from "./timeline.js";

export const INVARIANTS = ["no-bad-write", "exempt-respected", "dry-run-respected", "cap-respected", "liveness", "convergence", "alert-delivered"] as const;
export type InvariantName = (typeof INVARIANTS)[number];

export interface Violation {
  run: number;
  seed: number;
  invariant: InvariantName;
  detail: string;
}

export interface SimulationResult {
  version: 1;
  seed: number;
  runs: number;
  faultsInjected: Record<string, number>;
  figures: {
    runsPerSecond: number;
    wallSeconds: number;
    events: number;
    evaluations: number;
    guardrailWrites: number;
    revertsSkippedChangedAgain: number;
    deadLetteredEvents: number;
    poisonedMessages: number;
    alertsDelivered: number;
    /** Deliveries repeated because a crash hid that the first one went out (at-least-once channels). */
    repeatedDeliveries: number;
  };
  violations: Violation[];
}

export interface SimulationOptions {
  seed?: number;
  runs?: number;
  faults?: FaultLevel;
  policy: Policy;
  /** Operations to play in every run; default: a timeline drawn per run from the estate. */
  timeline?: SimOperation[];
  /** Called after each run (progress). */
  onRun?: (run: number, violations: readonly Violation[]) => void;
  /**
   * Tests only: wraps the guardrail's decision handler, so that a test can make the guardrail
   * misbehave on purpose and see the invariants catch it.
   */
  sabotage?: (handler: DecisionHandler, tools: { emulator: ArmEmulator }) => DecisionHandler;
  /** Tests only: wraps the state store the guardrail's instances share (a store that breaks its own contract). */
  sabotageStore?: (store: StateStore) => StateStore;
}

type DecisionHandler = (decision: PerimeterDecision, plans: RevertPlan[], logger: typeof silentLogger) => Promise<PerimeterDecision | void>;

/** Event Grid gives up after 30 attempts (24 h); the simulation after fewer, compressed. */
const MAX_EVENT_ATTEMPTS = 10;
/** host.json: maxDequeueCount 5, visibilityTimeout 30 s. */
const MAX_DEQUEUE = 5;
const VISIBILITY_MS = 30_000;
const DEBOUNCE_MS = 5_000;
const QUEUE_LEASE_MS = 10 * 60_000;
/** The timer reconcile's default pace (NSPG_RECONCILE_SCHEDULE every 30 minutes). */
const RECONCILE_INTERVAL_MS = 30 * 60_000;
const MAX_STEPS = 5_000;
/** Rules that compare with the state before a change (their metadata says so): a scan of the end state alone cannot know them. */
const HISTORY_RULES = new Set(ALL_RULES.filter((r) => r.meta.needsPreviousState).map((r) => r.meta.id));

interface ChangeRecord {
  seq: number;
  kind: "write" | "delete";
  resourceId: string;
  objectId: string | undefined;
  byGuardrail: boolean;
  /** The body after the change (writes). */
  body: ArmResource | undefined;
}

interface PendingEvent {
  event: ResourceEventGridEvent;
  attempts: number;
}

interface PendingMessage {
  message: EvaluationMessage;
  visibleAt: number;
  dequeueCount: number;
}

class SimQueue implements EvaluationQueue {
  pending: PendingMessage[] = [];
  constructor(
    private readonly clock: () => number,
    private readonly fails: () => boolean,
    private readonly counted: (kind: string) => void,
  ) {}
  async enqueue(message: EvaluationMessage, delayMs: number): Promise<void> {
    if (this.fails()) {
      this.counted("queue-send-error");
      throw new InjectedFault("queue", "enqueue", "before");
    }
    this.pending.push({ message, visibleAt: this.clock() + delayMs, dequeueCount: 0 });
  }
}

class SimPoison implements PoisonParking {
  readonly parked: Array<{ payload: unknown; reason: string }> = [];
  async park(payload: unknown, reason: string): Promise<void> {
    this.parked.push({ payload, reason });
  }
}

/** Captures every ARM change the emulator makes, and the events Event Grid would deliver for it. */
class SimSink implements ChangeSink {
  readonly changes: ChangeRecord[] = [];
  readonly events: PendingEvent[] = [];
  published = 0;
  lostEvents = 0;
  /** Object ids whose changes leave no claims and no systemData (callers nobody can name). */
  anonymous = new Set<string>();
  constructor(
    private readonly emulator: () => ArmEmulator,
    private readonly random: () => number,
    private readonly profile: () => FaultProfile,
    private readonly counted: (kind: string) => void,
  ) {}
  publish(change: ResourceChange): void {
    if (change.kind === "action") return;
    const stored = change.kind === "write" ? this.emulator().store.get(change.resourceId) : undefined;
    const anonymous = this.anonymous.has(change.claims.oid.toLowerCase());
    if (anonymous && stored) delete (stored.resource as { systemData?: unknown }).systemData;
    this.changes.push({
      seq: this.changes.length,
      kind: change.kind,
      resourceId: change.resourceId,
      objectId: anonymous ? undefined : change.claims.oid,
      byGuardrail: change.claims.oid.toLowerCase() === GUARDRAIL_IDENTITY.objectId.toLowerCase(),
      body: stored ? structuredClone(stored.resource) : undefined,
    });
    for (const built of buildEvents(change, "EventGridSchema")) {
      const event = built as ResourceEventGridEvent;
      this.published++;
      if (anonymous) (event.data as { claims: Record<string, string> }).claims = {};
      if (this.random() < this.profile().eventDrop) {
        this.counted("event-drop");
        this.lostEvents++;
        continue;
      }
      this.events.push({ event, attempts: 0 });
      if (this.random() < this.profile().eventDuplicate) {
        this.counted("event-duplicate");
        this.events.push({ event: structuredClone(event), attempts: 0 });
      }
    }
  }
}

interface Instance {
  pipeline: GuardrailPipeline;
  notifier: ReturnType<typeof createNotifier>;
}

interface RunState {
  run: number;
  seed: number;
  random: () => number;
  now: number;
  faultsOn: boolean;
  profile: FaultProfile;
  counts: Record<string, number>;
  sink: SimSink;
  queue: SimQueue;
  poison: SimPoison;
  store: StateStore;
  decisions: PerimeterDecision[];
  deliveries: Array<{ channelId: string; payload: AlertPayload; messageId: string }>;
  deadLettered: number;
  poisoned: number;
  violations: Violation[];
}

export async function simulate(estate: readonly ArmResource[], options: SimulationOptions): Promise<SimulationResult> {
  const seed = options.seed ?? 1;
  const runs = Math.max(1, options.runs ?? 100);
  const level = options.faults ?? "default";
  const policy: Policy = {
    ...options.policy,
    exemptPrincipals: [...new Set([...options.policy.exemptPrincipals, SIM_EXEMPT.objectId])],
  };
  const started = Date.now();
  const totals: Record<string, number> = {};
  const figures = {
    events: 0,
    evaluations: 0,
    guardrailWrites: 0,
    revertsSkippedChangedAgain: 0,
    deadLetteredEvents: 0,
    poisonedMessages: 0,
    alertsDelivered: 0,
    repeatedDeliveries: 0,
  };
  const violations: Violation[] = [];

  // One emulator for all runs (its store is reset per run); its faults draw from the current run.
  let current: RunState | undefined;
  const emulator = await ArmEmulator.start({ seed: estate, lroPolls: 0, random: () => current?.random() ?? 0.5 });
  const subscriptions = [...new Set(estate.map((r) => r.id.split("/")[2]!.toLowerCase()))];
  const connection = { armEndpoint: emulator.endpoint, ca: emulator.caCertificate, env: {} };
  const retryOptions = { maxRetries: 4, retryDelayInMs: 1, maxRetryDelayInMs: 5 };
  const arm = new LiveArmReader({ ...connection, credential: emulator.credential(GUARDRAIL_IDENTITY), policy, subscriptionIds: subscriptions, retryOptions });
  const writer = new SdkArmWriter({ ...connection, credential: emulator.credential(GUARDRAIL_IDENTITY), pollIntervalMs: 1, retryOptions });
  // Channels are resolved as in production, but their senders only record: nothing leaves the process.
  const channelEnv = Object.fromEntries(
    [...policy.notify.teams.map((t) => /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(t.webhookUrl.trim())?.[1])].filter((n): n is string => !!n).map((n) => [n, "https://simulated.logic.azure.com/workflows/never-called"]),
  );
  // The state the guardrail's first reconcile leaves: every run starts from it.
  const baselineClock = Date.now();
  const baseline = new MemoryStateStore({ clock: () => baselineClock });
  try {
    const quiet = new GuardrailPipeline(
      { store: baseline, arm, queue: { enqueue: async () => undefined }, poison: new SimPoison(), policy },
      { subscriptionIds: subscriptions, selfPrincipalIds: [GUARDRAIL_IDENTITY.objectId], now: () => new Date(baselineClock) },
    );
    await quiet.reconcile();

    for (let run = 0; run < runs; run++) {
      const state = await runOnce(run, runSeed(seed, run));
      for (const [k, v] of Object.entries(state.counts)) totals[k] = (totals[k] ?? 0) + v;
      figures.events += state.sink.published;
      figures.evaluations += state.decisions.length;
      figures.guardrailWrites += state.sink.changes.filter((c) => c.byGuardrail).length;
      figures.revertsSkippedChangedAgain += state.decisions.flatMap((d) => d.actions).filter((a) => a.type === "revert" && /changed again/i.test(a.reason)).length;
      figures.deadLetteredEvents += state.deadLettered;
      figures.poisonedMessages += state.poisoned;
      figures.alertsDelivered += state.deliveries.length;
      const seen = new Set<string>();
      for (const d of state.deliveries) {
        const key = `${d.channelId}|${d.messageId}`;
        if (seen.has(key)) figures.repeatedDeliveries++;
        seen.add(key);
      }
      violations.push(...state.violations);
      options.onRun?.(run, state.violations);
    }
  } finally {
    current = undefined;
    await emulator.close();
  }
  const wallSeconds = (Date.now() - started) / 1000;
  return {
    version: 1,
    seed,
    runs,
    faultsInjected: Object.fromEntries(Object.entries(totals).sort(([a], [b]) => a.localeCompare(b))),
    figures: { runsPerSecond: Math.round((runs / Math.max(wallSeconds, 0.001)) * 10) / 10, wallSeconds: Math.round(wallSeconds * 10) / 10, ...figures },
    violations,
  };

  async function runOnce(run: number, runSeedValue: number): Promise<RunState> {
    const random = seededRandom(runSeedValue);
    const profile = FAULT_PROFILES[level];
    const counts: Record<string, number> = {};
    const counted = (kind: string) => void (counts[kind] = (counts[kind] ?? 0) + 1);
    const state: RunState = {
      run,
      seed: runSeedValue,
      random,
      now: Date.now(),
      faultsOn: true,
      profile,
      counts,
      sink: undefined as unknown as SimSink,
      queue: undefined as unknown as SimQueue,
      poison: new SimPoison(),
      store: undefined as unknown as StateStore,
      decisions: [],
      deliveries: [],
      deadLettered: 0,
      poisoned: 0,
      violations: [],
    };
    current = state;
    const activeProfile = () => (state.faultsOn ? profile : FAULT_PROFILES.none);
    const clock = () => state.now;
    const violate = (invariant: InvariantName, detail: string) => state.violations.push({ run, seed: runSeedValue, invariant, detail });

    emulator.store.reset(estate);
    emulator.operations.length = 0;
    emulator.faults.clear();
    if (profile.armThrottle > 0) emulator.faults.add({ path: "/**", kind: "throttle", retryAfterSeconds: 0, probability: profile.armThrottle });
    if (profile.armServerError > 0) emulator.faults.add({ path: "/**", kind: "error", status: 503, probability: profile.armServerError });
    const sink = new SimSink(() => emulator, random, activeProfile, counted);
    emulator.sink = sink;
    state.sink = sink;

    const storageFaults: FaultSchedule = (port) => {
      const p = activeProfile();
      const r = random();
      if (r < p.storageError) {
        counted(`${port}-error`);
        return "before";
      }
      if (r < p.storageError + p.crashAfterWrite) {
        counted(`${port}-crash`);
        return "after";
      }
      return undefined;
    };
    const faulty = withFaults<StateStore>(baseline.clone({ clock }), "state", storageFaults);
    const store = options.sabotageStore ? options.sabotageStore(faulty) : faulty;
    state.store = store;
    const ledger = withFaults<RevertLedger>(new MemoryRevertLedger(), "ledger", storageFaults);
    const outbox = withFaults<AlertOutbox>(new MemoryAlertOutbox(), "outbox", storageFaults);
    const queue = new SimQueue(clock, () => random() < activeProfile().storageError, counted);
    state.queue = queue;
    const senderFor = (config: ChannelConfig) => ({
      send: async (payload: AlertPayload, messageId: string) => {
        state.deliveries.push({ channelId: config.id, payload, messageId });
      },
    });

    const instances: Instance[] = [0, 1].map(() => {
      const executor = new RevertExecutor({ writer, ledger, policy, selfPrincipalIds: [GUARDRAIL_IDENTITY.objectId], now: () => new Date(state.now), reader: arm });
      const notifier = createNotifier({ policy, env: channelEnv, outbox, stateStore: store, clock: () => new Date(state.now), senderFor, random });
      let handler: DecisionHandler = revertThenNotify(executor, (d, p, l) => notifier.dispatch(d, p, l));
      if (options.sabotage) handler = options.sabotage(handler, { emulator });
      const pipeline = new GuardrailPipeline(
        {
          store,
          arm,
          queue,
          poison: state.poison,
          policy,
          onDecision: (decision, plans, log) => handler(decision, plans, log),
        },
        {
          debounceMs: DEBOUNCE_MS,
          queueLeaseMs: QUEUE_LEASE_MS,
          subscriptionIds: subscriptions,
          selfPrincipalIds: [GUARDRAIL_IDENTITY.objectId],
          now: () => new Date(state.now),
        },
      );
      return { pipeline, notifier };
    });

    const timeline = options.timeline ?? generateTimeline(estate, random);
    for (const op of timeline) if (op.caller.kind === "unknown") sink.anonymous.add(op.caller.identity.objectId.toLowerCase());
    let nextOp = 0;

    type Work = { kind: "op" } | { kind: "event"; index: number } | { kind: "message"; index: number } | { kind: "timer" };
    // The reconcile timer fires once mid-run, 30 minutes on, amid events and evaluations (and with the
    // faults on): it carries inputs over from caches the events are changing (src/pipeline/carryOver.ts).
    let timerFired = false;
    let timerFailed = false;
    /** The timer's pass while it runs: the other work goes on meanwhile (the pass reads ARM for a while). */
    let timerRun: Promise<void> | undefined;
    const eligible = (): Work[] => {
      const work: Work[] = [];
      const visible = queue.pending.map((m, index) => ({ m, index })).filter(({ m }) => m.visibleAt <= state.now);
      const events = sink.events.map((_, index) => index);
      const guardrailBusy = visible.length > 0 || events.length > 0;
      if (nextOp < timeline.length && (!guardrailBusy || random() < activeProfile().racingWrites)) work.push({ kind: "op" });
      const orderedEvents = activeProfile().reorder ? events : events.slice(0, 1);
      for (const index of orderedEvents) work.push({ kind: "event", index });
      for (const { index } of visible) work.push({ kind: "message", index });
      if (!timerFired && state.faultsOn && nextOp * 2 >= timeline.length && guardrailBusy) work.push({ kind: "timer" });
      return work;
    };

    const perform = async (work: Work, instance: Instance): Promise<void> => {
      if (work.kind === "timer") {
        timerFired = true;
        state.now += RECONCILE_INTERVAL_MS;
        timerRun = (async () => {
          try {
            const report = await instance.pipeline.reconcileReport();
            state.decisions.push(...report.decisions);
            counted("timer-reconcile");
            // Perimeters a storage fault kept it from storing are the next pass's, as lost events are.
            if (report.failed.length > 0) {
              timerFailed = true;
              counted("timer-reconcile-perimeters-left");
            }
          } catch {
            // A pass cut short by a storage fault is redone by the next one (pipeline.ts reconcileReport).
            timerFailed = true;
            counted("timer-reconcile-failed");
          } finally {
            timerRun = undefined;
          }
        })();
        return;
      }
      if (work.kind === "op") {
        const op = timeline[nextOp++]!;
        if (op.op === "put") emulator.put(structuredClone(op.resource), op.caller.identity);
        else emulator.delete(op.id, op.caller.identity);
        return;
      }
      if (work.kind === "event") {
        const pending = work as { index: number };
        const item = sink.events[pending.index]!;
        sink.events.splice(pending.index, 1);
        try {
          await instance.pipeline.handleEvent(item.event);
        } catch {
          item.attempts++;
          if (item.attempts >= MAX_EVENT_ATTEMPTS) state.deadLettered++;
          else sink.events.push(item);
        }
        return;
      }
      const item = queue.pending[work.index]!;
      queue.pending.splice(work.index, 1);
      try {
        const decision = await instance.pipeline.evaluateMessage(item.message);
        if (decision) state.decisions.push(decision);
      } catch {
        item.dequeueCount++;
        if (item.dequeueCount >= MAX_DEQUEUE) {
          state.poisoned++;
          await state.poison.park(item.message, "simulated: maxDequeueCount reached");
        } else {
          queue.pending.push({ ...item, visibleAt: state.now + VISIBILITY_MS });
        }
      }
    };

    /** Runs work until nothing is left; false when it would not settle. */
    const settle = async (): Promise<boolean> => {
      for (let step = 0; step < MAX_STEPS; step++) {
        const work = eligible();
        if (work.length === 0 && timerRun) {
          await timerRun;
          continue;
        }
        if (work.length === 0) {
          const next = Math.min(...queue.pending.map((m) => m.visibleAt));
          if (Number.isFinite(next)) {
            state.now = Math.max(state.now, next);
            continue;
          }
          if (nextOp < timeline.length) continue; // eligible() offers the op when the guardrail is idle
          return true;
        }
        const first = work[Math.floor(random() * work.length)]!;
        const batch: Array<[Work, Instance]> = [[first, instances[0]!]];
        if (work.length > 1 && random() < activeProfile().concurrency) {
          const rest = work.filter((w) => w !== first && !(w.kind === first.kind && w.kind !== "op"));
          const second = rest[Math.floor(random() * rest.length)];
          // Two items of the same list would shift each other's index: take another kind only.
          if (second) batch.push([second, instances[1]!]);
        }
        if (batch.length === 2) counted("concurrent-steps");
        // Indexes are taken before either item runs; ops take no index.
        await Promise.all(batch.map(([w, i]) => perform(w, i)));
        state.now += Math.floor(random() * 2_000);
      }
      return false;
    };

    const settled = await settle();
    state.faultsOn = false;
    emulator.faults.clear(); // the checks below run on a quiet system
    if (!settled) violate("liveness", `the guardrail did not settle within ${MAX_STEPS} steps`);

    // liveness: a perimeter whose marker holds changes must not be wedged by a lease no message honours,
    // and the next event after the lease must get those changes evaluated.
    const perimeters = await listPerimeters(store);
    for (const perimeterId of perimeters) {
      const dirty = (await store.getDirty(perimeterId)).value;
      if (!dirty || dirty.changes.length === 0) continue;
      const pendingMessage = queue.pending.some((m) => idKey(m.message.perimeterId) === idKey(perimeterId));
      const leased = hasValidLease(dirty, new Date(state.now));
      if (leased && !pendingMessage) counted("leases-awaiting-expiry");
    }
    state.now += QUEUE_LEASE_MS + DEBOUNCE_MS + 1;
    for (const perimeterId of perimeters) {
      const dirty = (await store.getDirty(perimeterId)).value;
      if (!dirty || dirty.changes.length === 0) continue;
      const body = emulator.store.get(perimeterId)?.resource;
      if (body) emulator.put(structuredClone(body), { objectId: "51a00000-0000-0000-0000-00000000c0de", name: "probe@contoso.example" });
    }
    if (!(await settle())) violate("liveness", "the probe events after the faults did not settle");
    for (const perimeterId of perimeters) {
      const dirty = (await store.getDirty(perimeterId)).value;
      if (dirty && dirty.changes.length > 0) {
        violate("liveness", `${perimeterId}: ${dirty.changes.length} change(s) still unevaluated after a later event (lease ${dirty.queuedUntil ?? "none"})`);
      }
    }

    // convergence: the guardrail's open findings equal a scan of the final ARM state.
    const finalScan = () => evaluateEstate(new Estate(emulator.resources()), { policy, now: new Date(state.now) }).findings;
    // A timer pass cut short leaves its perimeters to the next pass, as lost events do.
    const lost = sink.lostEvents > 0 || state.deadLettered > 0 || state.poisoned > 0 || timerFailed;
    if (!lost) {
      compareFindings("before the reconcile", finalScan(), await openFindings(store, perimeters), violate, true);
      // The timer's next pass, within the re-read horizon: what Resource Graph does not hold comes from
      // the caches the events kept current (src/pipeline/carryOver.ts), and must leave a right picture right.
      state.now += RECONCILE_INTERVAL_MS;
      state.decisions.push(...(await instances[0]!.pipeline.reconcile()));
      counted("carrying-reconcile");
      if (!(await settle())) violate("liveness", "the work after the carrying reconcile did not settle");
      compareFindings("after a reconcile that carried inputs over", finalScan(), await openFindings(store, await reconciledOwners(store, subscriptions)), violate, false);
    }
    if (lost) {
      // Lost events are the timer reconcile's to repair (the design: Event Grid may drop; the full pass catches up).
      // What Resource Graph does not hold is re-read within the re-read horizon, not on every pass: the clock passes it.
      state.now += DEFAULT_REREAD_HORIZON_MS + 1;
      state.decisions.push(...(await instances[0]!.pipeline.reconcile()));
      counted("final-reconcile");
      if (!(await settle())) violate("liveness", "the work after the final reconcile did not settle");
      compareFindings("after the reconcile", finalScan(), await openFindings(store, await reconciledOwners(store, subscriptions)), violate, false);
    }
    const finalPerimeters = await listPerimeters(store);

    checkWrites(state, estate, policy, violate);
    await checkAlerts(state, instances, store, finalPerimeters, violate);
    current = undefined;
    return state;
  }
}

async function listPerimeters(store: StateStore): Promise<string[]> {
  return (await store.listCachedPerimeters()).filter((id) => id.split("/").length > 3);
}

/** Where a reconcile stores findings: each perimeter, and each subscription (the findings about resources in no perimeter). */
async function reconciledOwners(store: StateStore, subscriptions: readonly string[]): Promise<string[]> {
  return [...(await listPerimeters(store)), ...subscriptions.map((s) => `/subscriptions/${s}`)];
}

async function openFindings(store: StateStore, owners: readonly string[]): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const owner of owners) for (const s of (await store.getFindings(owner)).value) if (s.status === "open") out.push(s.finding);
  return out;
}

const findingLine = (f: Finding) => `${f.ruleId} ${idKey(f.resourceId)} ${f.severity}${f.exempted ? " exempted" : ""}`;

function compareFindings(
  when: string,
  expected: readonly Finding[],
  actual: readonly Finding[],
  violate: (invariant: InvariantName, detail: string) => void,
  perimeterOnly: boolean,
): void {
  const keep = (f: Finding) => !HISTORY_RULES.has(f.ruleId) && (!perimeterOnly || f.perimeterId !== undefined);
  const want = new Set(expected.filter(keep).map(findingLine));
  const have = new Set(actual.filter(keep).map(findingLine));
  const missing = [...want].filter((l) => !have.has(l));
  const extra = [...have].filter((l) => !want.has(l));
  if (missing.length || extra.length) {
    violate("convergence", `${when}: missing ${missing.slice(0, 3).join("; ") || "none"}${missing.length > 3 ? ` (+${missing.length - 3})` : ""}; stale ${extra.slice(0, 3).join("; ") || "none"}${extra.length > 3 ? ` (+${extra.length - 3})` : ""}`);
  }
}

/** What a revert writes of a body (the writer's own projection), for comparison. */
function writable(body: ArmResource | undefined): string {
  if (!body) return "";
  return JSON.stringify(sortKeys(writableProperties(body))).toLowerCase();
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sortKeys(v)]));
  return value;
}

function checkWrites(
  state: RunState,
  seed: readonly ArmResource[],
  policy: Policy,
  violate: (invariant: InvariantName, detail: string) => void,
): void {
  const writes = state.sink.changes.filter((c) => c.byGuardrail);
  if (policy.dryRun && writes.length > 0) violate("dry-run-respected", `${writes.length} ARM write(s) by the guardrail in dry run (first: ${writes[0]!.kind} ${writes[0]!.resourceId})`);
  if (writes.length > policy.revert.maxPerHour) violate("cap-respected", `${writes.length} reverts within the hour, maxPerHour ${policy.revert.maxPerHour}`);
  const seedById = new Map(seed.map((r) => [idKey(r.id), r]));
  const exempt = new Set(policy.exemptPrincipals.map((p) => p.toLowerCase()));
  const revertRules = new Set(Object.entries(policy.rules).filter(([, r]) => r.action === "revert").map(([id]) => id));
  for (const write of writes) {
    const key = idKey(write.resourceId);
    const history = state.sink.changes.filter((c) => c.seq < write.seq && idKey(c.resourceId) === key);
    const lastHuman = [...history].reverse().find((c) => !c.byGuardrail);
    if (!lastHuman) violate("exempt-respected", `${write.kind} of ${write.resourceId}: no change by anyone preceded it in this run`);
    else if (!lastHuman.objectId) violate("exempt-respected", `${write.kind} of ${write.resourceId} reverted a change whose author is unknown`);
    else if (exempt.has(lastHuman.objectId.toLowerCase())) violate("exempt-respected", `${write.kind} of ${write.resourceId} reverted a change by exempt principal ${lastHuman.objectId}`);
    if (write.kind === "delete") {
      if (seedById.has(key)) violate("no-bad-write", `deleted ${write.resourceId}, which existed before the run`);
      continue;
    }
    const versions = [seedById.get(key), ...history.filter((c) => !c.byGuardrail).map((c) => c.body)].filter((b): b is ArmResource => !!b);
    if (!versions.some((v) => writable(v) === writable(write.body))) {
      violate("no-bad-write", `restored ${write.resourceId} to a body it never had: ${writable(write.body)} (known: ${versions.map(writable).join(" | ")})`);
    }
    // The write must not make a rule set to revert flag the target where it did not just before: the
    // estate right before the write and right after it, as ARM held them.
    const estateAt = (lastSeq: number) => {
      const resources = new Map(seed.map((r) => [idKey(r.id), r]));
      for (const c of state.sink.changes.filter((c) => c.seq <= lastSeq)) {
        if (c.kind === "write" && c.body) resources.set(idKey(c.resourceId), c.body);
        else for (const k of [...resources.keys()]) if (k === idKey(c.resourceId) || k.startsWith(`${idKey(c.resourceId)}/`)) resources.delete(k);
      }
      return new Estate([...resources.values()]);
    };
    const onTarget = (findings: readonly Finding[]) =>
      findings.filter((f) => revertRules.has(f.ruleId) && !f.exempted && !HISTORY_RULES.has(f.ruleId) && (idKey(f.resourceId) === key || idKey(f.associationId ?? "") === key));
    const lineOf = (f: Finding) => `${f.ruleId}|${idKey(f.resourceId)}`;
    const before = new Set(onTarget(evaluateEstate(estateAt(write.seq - 1), { policy }).findings).map(lineOf));
    const flagged = onTarget(evaluateEstate(estateAt(write.seq), { policy }).findings).filter((f) => !before.has(lineOf(f)));
    if (flagged.length) violate("no-bad-write", `wrote ${write.resourceId} in a state that ${flagged.map((f) => f.ruleId).join(", ")} flags`);
  }
}

async function checkAlerts(
  state: RunState,
  instances: Array<{ notifier: ReturnType<typeof createNotifier> }>,
  store: StateStore,
  perimeters: readonly string[],
  violate: (invariant: InvariantName, detail: string) => void,
): Promise<void> {
  const notifier = instances[0]!.notifier;
  if (notifier.channels.length === 0) return;
  // The deliverAlerts timer, until nothing is due (backoffs are waited out on the simulated clock).
  for (let round = 0; round < 20; round++) {
    const report = await notifier.deliverDue();
    if (report.deferred === 0 && report.failed === 0 && report.delivered === 0) break;
    state.now += 3_600_000;
  }
  const delivered = new Map<string, Set<string>>();
  for (const d of state.deliveries) {
    for (const item of d.payload.items) {
      const key = `${d.channelId}|${item.key}`;
      if (!delivered.has(key)) delivered.set(key, new Set());
      delivered.get(key)!.add(item.change);
    }
  }
  const raised = new Set(state.decisions.flatMap((d) => d.findings.filter((f) => f.status === "new" && !f.exempted).map((f) => `${f.ruleId}|${idKey(f.resourceId)}|${idKey(f.perimeterId ?? "")}|${idKey(f.associationId ?? "")}`)));
  for (const owner of perimeters) {
    for (const stored of (await store.getFindings(owner)).value) {
      if (stored.status !== "open" || stored.finding.exempted || !raised.has(stored.key)) continue;
      for (const channel of notifier.channels) {
        const item = { ...stored.finding, key: stored.key } as unknown as Parameters<typeof routeMismatch>[1];
        if (routeMismatch(channel.route, item, undefined) !== undefined) continue;
        if (!delivered.has(`${channel.id}|${stored.key}`)) violate("alert-delivered", `${stored.finding.ruleId} on ${stored.finding.resourceId}: never reached ${channel.kind} channel ${channel.id}`);
      }
    }
  }
}


