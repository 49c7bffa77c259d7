/**
 * "What would the guardrail do if these changes happened": an in-process ARM emulator seeded with an
 * estate, the guardrail reconciling it as on first deployment, then each timeline operation applied
 * to the emulator, whose Event Grid event the guardrail handles exactly as in production.
 */
import { createHash } from "node:crypto";
import { basename } from "node:path";
import { z } from "zod";
import { EventGridPublisher } from "../emulator/eventGrid.js";
import { ArmEmulator, DEFAULT_CALLER, type ArmEmulatorOptions } from "../emulator/server.js";
import { eventFilters } from "../infra/eventFilters.js";
import type { Caller } from "../emulator/tokens.js";
import { LiveArmReader } from "../inventory/liveArmReader.js";
import { isArmId } from "../model/armId.js";
import { InputError } from "../model/errors.js";
import type { ArmResource } from "../model/resource.js";
import { DEFAULT_POLICY, type Policy } from "../policy/policy.js";
import { compareFindings } from "../rules/engine.js";
import { SEVERITIES, type Finding, type Severity } from "../rules/types.js";
import type { Logger } from "../logging.js";
import { silentLogger } from "../logging.js";
import { GuardrailPipeline, type EventOutcome } from "../pipeline/pipeline.js";
import { InMemoryPoison, InProcessQueue } from "../pipeline/inProcessQueue.js";
import { findingKey, type DecidedFinding, type EventDecision, type PerimeterDecision } from "../pipeline/decisions.js";
import type { RevertPlan } from "../actions/planner.js";
import { SdkArmWriter } from "../actions/armWriter.js";
import { RevertExecutor, revertThenNotify } from "../actions/executor.js";
import { checkJsonDepth, readTextBounded } from "../model/boundedInput.js";
import { createNotifier } from "../notify/index.js";
import { whatIfNotifyPolicy } from "../notify/settings.js";
import { MemoryAlertOutbox } from "../state/outbox.js";
import { MemoryRevertLedger } from "../state/revertLedger.js";
import { MemoryStateStore } from "../state/memoryStateStore.js";
import type { StateStore } from "../state/stateStore.js";

const callerSchema = z.strictObject({ objectId: z.string().min(1), appId: z.string().min(1).optional(), name: z.string().optional() });
const armIdString = z.string().refine((s) => isArmId(s), "not an ARM resource id");
const operationSchema = z.discriminatedUnion(
  "op",
  [
    z.strictObject({
      op: z.literal("put"),
      resource: z.looseObject({ id: armIdString, type: z.string().regex(/^[^/\s]+(\/[^/\s]+)+$/, "not a resource type") }),
      caller: callerSchema.optional(),
    }),
    z.strictObject({ op: z.literal("delete"), id: armIdString, caller: callerSchema.optional() }),
  ],
  { error: () => 'expected { "op": "put", "resource": {...} } or { "op": "delete", "id": "..." }' },
);
export type TimelineOperation = z.output<typeof operationSchema>;
/** A titled step of operations (the demo's script). */
const stepSchema = z.strictObject({ title: z.string().optional(), operations: z.array(operationSchema) });

/** The identity the guardrail uses in a replay (its reverts are recognised by it). */
export const GUARDRAIL_IDENTITY: Caller = { objectId: "00000000-0000-0000-0000-0000000000a5", appId: "6e5b9d1c-0000-0000-0000-00000000a5a5" };

function pathOf(path: readonly PropertyKey[]): string {
  return path.map((k, i) => (typeof k === "number" ? `[${k}]` : `${i === 0 ? "" : "."}${String(k)}`)).join("") || "(root)";
}

/** Limits of a timeline: its bytes (counted while reading), its operations and its nesting. */
export const TIMELINE_LIMITS = { maxBytes: 64 * 1024 * 1024, maxOperations: 100_000, maxDepth: 256 } as const;

export function parseTimeline(text: string, label: string): TimelineOperation[] {
  checkJsonDepth(text, label, TIMELINE_LIMITS.maxDepth);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${label}: (root): not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (Array.isArray(doc) && doc.length > TIMELINE_LIMITS.maxOperations) {
    throw new InputError(`${label}: (root): ${doc.length} operations, over the limit of ${TIMELINE_LIMITS.maxOperations}`);
  }
  // The demo's script (demo/timeline.json) groups operations in titled steps: played in order, the same.
  const steps = Array.isArray(doc) && doc.length > 0 && doc.every((item) => item !== null && typeof item === "object" && !Array.isArray(item) && "operations" in item);
  const result = (steps ? z.array(stepSchema) : z.array(operationSchema, { error: () => "expected an array of operations (or of titled steps with operations)" })).safeParse(doc);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new InputError(`${label}: ${pathOf(issue.path)}: ${issue.message}`);
  }
  const operations = steps ? (result.data as Array<z.output<typeof stepSchema>>).flatMap((step) => step.operations) : (result.data as TimelineOperation[]);
  if (operations.length > TIMELINE_LIMITS.maxOperations) {
    throw new InputError(`${label}: (root): ${operations.length} operations, over the limit of ${TIMELINE_LIMITS.maxOperations}`);
  }
  return operations;
}

export async function loadTimelineFile(path: string, maxBytes: number = TIMELINE_LIMITS.maxBytes): Promise<TimelineOperation[]> {
  const label = basename(path);
  return parseTimeline(await readTextBounded(path, label, "timeline", maxBytes, "--max-timeline-bytes"), label);
}

/** Open findings at one point of a replay, by severity. */
export interface ReplayState {
  openFindings: number;
  bySeverity: Record<Severity, number>;
}

/** The replay at a glance: the state before the first change and after the last, and what happened between. */
export interface ReplaySummary {
  start: ReplayState;
  end: ReplayState;
  events: number;
  new: number;
  resolved: number;
  /** Findings whose severity went up or down (they carry `previousSeverity`). */
  severityChanged: number;
  reverts: Record<"applied" | "planned" | "skipped" | "failed", number>;
  alerts: number;
}

export interface ReplayResult {
  version: 1;
  /** The `--seed` the ids were derived from (absent: the run's own random ids). */
  seed?: number;
  summary: ReplaySummary;
  /** Per event, only the findings it changed: new, resolved, or a severity up or down (`previousSeverity`). */
  decisions: EventDecision[];
  /** Findings of the final state (the guardrail's open findings), scan format. */
  findings: Finding[];
}

export interface ReplayOptions {
  policy?: Policy;
  logger?: Logger;
  /** Called with each decision as it is made (the demo prints them). */
  onDecision?: (decision: EventDecision, operation: TimelineOperation) => void | Promise<void>;
  /** Hands the pipeline's decisions to alert channels and the revert executor (defaults: logged alerts, no executor). */
  dispatch?: (decision: PerimeterDecision, plans: RevertPlan[], logger: Logger) => Promise<PerimeterDecision | void>;
  /** Names the timeline file in errors. */
  timelineLabel?: string;
  /** Settings for alert channels (`env:` webhook URLs, email transports); default: none. */
  env?: NodeJS.ProcessEnv;
  /**
   * Send alerts to the policy's channels (`--send-alerts`; the demo, to its local receivers). Off by
   * default: a what-if run logs and reports its alerts but never posts to a real channel.
   */
  sendAlerts?: boolean;
  /** The guardrail's state (default: in memory; the demo uses Azurite). */
  store?: StateStore;
  /** Derive event and revert ids from this number, so that two runs print the same bytes. */
  seed?: number;
  /** Log Analytics workspaces the emulator serves, and whether it analyses their queries (the demo's readiness step). */
  logs?: Pick<ArmEmulatorOptions, "logs" | "analyseLogQueries">;
}

/** A running replay: the emulator and the guardrail, for callers that drive operations themselves (the demo). */
export class ReplaySession {
  private constructor(
    readonly emulator: ArmEmulator,
    readonly events: EventGridPublisher,
    readonly pipeline: GuardrailPipeline,
    readonly store: StateStore,
    readonly ledger: MemoryRevertLedger,
    private readonly queue: InProcessQueue,
    private readonly outcomes: EventOutcome[],
  ) {}

  static async start(seed: readonly ArmResource[], options: ReplayOptions = {}): Promise<ReplaySession> {
    const policy = options.policy ?? DEFAULT_POLICY;
    const events = new EventGridPublisher();
    const emulator = await ArmEmulator.start({ seed, lroPolls: 0, sink: events, ...options.logs });
    const subscriptions = [...new Set(seed.map((r) => r.id.split("/")[2]!.toLowerCase()))];
    const store = options.store ?? new MemoryStateStore();
    const queue = new InProcessQueue();
    const arm = new LiveArmReader({
      credential: emulator.credential(GUARDRAIL_IDENTITY),
      armEndpoint: emulator.endpoint,
      ca: emulator.caCertificate,
      env: {},
      policy,
      subscriptionIds: subscriptions,
    });
    // Reverts applied to the emulator (unless dry run) by the guardrail's identity; alerts go to the
    // policy's channels, or are logged when it has none.
    const ledger = new MemoryRevertLedger();
    const executor = new RevertExecutor({
      writer: new SdkArmWriter({ credential: emulator.credential(GUARDRAIL_IDENTITY), armEndpoint: emulator.endpoint, ca: emulator.caCertificate, env: {}, pollIntervalMs: 10 }),
      ledger,
      policy,
      selfPrincipalIds: [GUARDRAIL_IDENTITY.objectId],
      reader: arm,
    });
    const notifier = createNotifier({ policy: whatIfNotifyPolicy(policy, options.sendAlerts === true), env: options.env ?? {}, outbox: new MemoryAlertOutbox(), stateStore: store, ...(options.logger ? { logger: options.logger } : {}) });
    const pipeline = new GuardrailPipeline(
      {
        store,
        arm,
        queue,
        poison: new InMemoryPoison(),
        policy,
        logger: options.logger ?? silentLogger,
        onDecision: options.dispatch ?? revertThenNotify(executor, (d, p, l) => notifier.dispatch(d, p, l)),
      },
      { debounceMs: 0, subscriptionIds: subscriptions, selfPrincipalIds: [GUARDRAIL_IDENTITY.objectId] },
    );
    const outcomes: EventOutcome[] = [];
    // The deployment's event subscription filter, as Event Grid applies it.
    events.subscribeInProcess(async (event) => {
      outcomes.push(await pipeline.handleEvent(event));
    }, "EventGridSchema", { filter: eventFilters() });
    return new ReplaySession(emulator, events, pipeline, store, ledger, queue, outcomes);
  }

  /** The guardrail's first pass over the seeded estate: it becomes the last known good state. */
  reconcile(): Promise<PerimeterDecision[]> {
    return this.pipeline.reconcile();
  }

  /**
   * Applies one operation and lets the guardrail handle its event; returns the event's decision with
   * every finding the evaluations saw (`changedFindings` keeps only what the event changed).
   */
  async apply(operation: TimelineOperation): Promise<EventDecision | undefined> {
    const caller: Caller = operation.caller ?? DEFAULT_CALLER;
    const before = this.outcomes.length;
    if (operation.op === "put") this.emulator.put(operation.resource as ArmResource, caller);
    else if (!this.emulator.delete(operation.id, caller)) return undefined;
    await this.events.drain();
    const perimeterDecisions: PerimeterDecision[] = [];
    for (let round = 0; round < 10; round++) {
      const messages = this.queue.take(true);
      if (messages.length === 0) break;
      for (const m of messages) {
        const d = await this.pipeline.evaluateMessage(m);
        if (d) perimeterDecisions.push(d);
      }
      await this.events.drain(); // reverts write to ARM and raise events of their own
    }
    const outcome = this.outcomes.slice(before).find((o) => "event" in o && o.event) as Extract<EventOutcome, { event?: unknown }> | undefined;
    const event = outcome && "event" in outcome ? outcome.event : undefined;
    if (!event) return undefined;
    return {
      eventId: event.id,
      eventType: event.eventType,
      subject: event.subject,
      affectedPerimeters: outcome?.outcome === "routed" ? outcome.perimeterIds : [],
      findings: perimeterDecisions.flatMap((d) => d.findings),
      actions: perimeterDecisions.flatMap((d) => d.actions),
    };
  }

  /** The guardrail's open findings now, worst first. */
  async openFindings(): Promise<Finding[]> {
    const out: Finding[] = [];
    const owners = new Set(await this.store.listCachedPerimeters());
    for (const r of this.emulator.resources()) owners.add(`/subscriptions/${r.id.split("/")[2]}`);
    for (const owner of owners) {
      for (const s of (await this.store.getFindings(owner)).value) if (s.status === "open") out.push(s.finding);
    }
    return out.sort(compareFindings);
  }

  /** The severity of each open finding now, by `findingKey`. */
  async openSeverities(): Promise<Map<string, Severity>> {
    return new Map((await this.openFindings()).map((f) => [findingKey(f), f.severity]));
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.emulator.close();
  }
}

export async function replay(seed: readonly ArmResource[], timeline: readonly TimelineOperation[], options: ReplayOptions = {}): Promise<ReplayResult> {
  const session = await ReplaySession.start(seed, options);
  try {
    await session.reconcile();
    const start = await session.openFindings();
    const decisions: EventDecision[] = [];
    for (const [index, operation] of timeline.entries()) {
      if (operation.op === "delete" && !session.emulator.store.get(operation.id)) {
        throw new InputError(`${options.timelineLabel ?? "timeline"}: [${index}].id: no such resource in the estate at that point`);
      }
      const before = await session.openSeverities();
      const seen = await session.apply(operation);
      if (!seen) continue;
      const decision = { ...seen, findings: changedFindings(seen.findings, before) };
      decisions.push(decision);
      await options.onDecision?.(decision, operation);
    }
    const end = await session.openFindings();
    const result: ReplayResult = { version: 1, summary: summarise(start, end, decisions), decisions, findings: end };
    return options.seed === undefined ? result : withSeededIds(result, options.seed);
  } finally {
    await session.close();
  }
}

/**
 * What one event changed: its new and resolved findings, and the findings whose severity differs
 * from before the event (up or down), with `previousSeverity`. Unchanged findings are left out;
 * each finding is listed once per status (an event's evaluations may each see it).
 */
export function changedFindings(seen: readonly DecidedFinding[], before: ReadonlyMap<string, Severity>): DecidedFinding[] {
  const out: DecidedFinding[] = [];
  const listed = new Set<string>();
  for (const f of seen) {
    const key = findingKey(f);
    if (f.status === "existing") {
      const previous = before.get(key);
      if (previous === undefined || previous === f.severity || listed.has(`changed|${key}`)) continue;
      listed.add(`changed|${key}`);
      out.push({ ...f, previousSeverity: previous });
      continue;
    }
    if (listed.has(`${f.status}|${key}`)) continue;
    listed.add(`${f.status}|${key}`);
    out.push(f);
  }
  return out;
}

function stateOf(findings: readonly Finding[]): ReplayState {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) bySeverity[f.severity]++;
  return { openFindings: findings.length, bySeverity };
}

function summarise(start: readonly Finding[], end: readonly Finding[], decisions: readonly EventDecision[]): ReplaySummary {
  const findings = decisions.flatMap((d) => d.findings);
  const actions = decisions.flatMap((d) => d.actions);
  const reverts = { applied: 0, planned: 0, skipped: 0, failed: 0 };
  for (const a of actions) if (a.type === "revert") reverts[a.status]++;
  return {
    start: stateOf(start),
    end: stateOf(end),
    events: decisions.length,
    new: findings.filter((f) => f.status === "new").length,
    resolved: findings.filter((f) => f.status === "resolved").length,
    severityChanged: findings.filter((f) => f.status === "existing" && f.previousSeverity !== undefined).length,
    reverts,
    alerts: actions.filter((a) => a.type === "alert").length,
  };
}

/** Revert and undo ids as the ledger makes them (`rv-20261128T093000123Z-1a2b3c4d`). */
const LEDGER_ID = /\b(?:rv|un)-\d{8}T\d{9}Z-[0-9a-f]{8}\b/g;

/**
 * The result with the run's random ids (event ids, revert ids) replaced, everywhere they appear, by
 * ids derived from `seed` in order of appearance: the same seed, estate, policy and timeline give
 * the same bytes, so two runs can be diffed.
 */
export function withSeededIds(result: ReplayResult, seed: number): ReplayResult {
  const derive = (kind: string, n: number) => createHash("sha256").update(`${seed}|${kind}|${n}`).digest("hex");
  const renames = new Map<string, string>();
  result.decisions.forEach((d) => {
    if (renames.has(d.eventId)) return;
    const h = derive("event", renames.size);
    renames.set(d.eventId, `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`);
  });
  let text = JSON.stringify(result);
  let reverts = 0;
  for (const id of new Set(text.match(LEDGER_ID) ?? [])) renames.set(id, `${id.slice(0, 2)}-seed${seed}-${String(++reverts).padStart(4, "0")}`);
  for (const [from, to] of renames) text = text.split(from).join(to);
  const renamed = JSON.parse(text) as ReplayResult;
  return { version: 1, seed, summary: renamed.summary, decisions: renamed.decisions, findings: renamed.findings };
}

export type { DecidedFinding };
