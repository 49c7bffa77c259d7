/**
 * The whole watchdog in one process for tests: the ARM emulator delivering Event Grid events to the
 * pipeline's event handler, the live ARM reader over the Azure SDK clients, a state store and the
 * evaluation queue.
 */
import { EventGridPublisher } from "../../src/emulator/eventGrid.js";
import type { ArmResource } from "../../src/model/resource.js";
import { LiveArmReader } from "../../src/inventory/liveArmReader.js";
import { GuardrailPipeline, type EventOutcome, type PipelineDeps } from "../../src/pipeline/pipeline.js";
import { InMemoryPoison, InProcessQueue } from "../../src/pipeline/inProcessQueue.js";
import type { PerimeterDecision } from "../../src/pipeline/decisions.js";
import type { EvaluationQueue, PoisonParking } from "../../src/pipeline/ports.js";
import { MemoryStateStore } from "../../src/state/memoryStateStore.js";
import type { StateStore } from "../../src/state/stateStore.js";
import type { Policy } from "../../src/policy/policy.js";
import { SUB } from "./builders.js";
import { startEmulator } from "./emulator.js";

export interface HarnessOptions {
  debounceMs?: number;
  policy?: Policy;
  store?: StateStore;
  queue?: EvaluationQueue;
  poison?: PoisonParking;
  clock?: () => number;
  /** Hands decisions to alert channels and the revert executor (default: logged alerts only). */
  onDecision?: PipelineDeps["onDecision"];
  /** Object ids of the guardrail's own identity (its ARM writes are not fought). */
  selfPrincipalIds?: string[];
  /** The pipeline's clock (leases, debounce stamps). */
  now?: () => Date;
  queueLeaseMs?: number;
}

export async function startPipeline(seed: ArmResource[], options: HarnessOptions = {}) {
  const emulator = await startEmulator(seed);
  const events = new EventGridPublisher();
  emulator.sink = events;
  const store = options.store ?? new MemoryStateStore();
  const arm = new LiveArmReader({
    credential: emulator.credential(),
    armEndpoint: emulator.endpoint,
    ca: emulator.caCertificate,
    env: {},
    subscriptionIds: [SUB],
    retryOptions: { maxRetries: 3, retryDelayInMs: 5, maxRetryDelayInMs: 20 },
  });
  const inProcess = new InProcessQueue(options.clock);
  const queue = options.queue ?? inProcess;
  const poison = options.poison ?? new InMemoryPoison();
  const pipeline = new GuardrailPipeline(
    { store, arm, queue, poison, ...(options.policy ? { policy: options.policy } : {}), ...(options.onDecision ? { onDecision: options.onDecision } : {}) },
    {
      debounceMs: options.debounceMs ?? 0,
      subscriptionIds: [SUB],
      ...(options.selfPrincipalIds ? { selfPrincipalIds: options.selfPrincipalIds } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.queueLeaseMs !== undefined ? { queueLeaseMs: options.queueLeaseMs } : {}),
    },
  );
  const outcomes: EventOutcome[] = [];
  events.subscribeInProcess(async (event) => {
    outcomes.push(await pipeline.handleEvent(event));
  }, "EventGridSchema");

  /** Delivers pending events, then runs every queued evaluation (ignoring debounce delays). */
  async function settle(): Promise<PerimeterDecision[]> {
    const decisions: PerimeterDecision[] = [];
    for (let round = 0; round < 20; round++) {
      await events.drain();
      const messages = inProcess.take(true);
      if (messages.length === 0) break;
      for (const m of messages) {
        const d = await pipeline.evaluateMessage(m);
        if (d) decisions.push(d);
      }
    }
    return decisions;
  }

  /** Open findings the store holds for every perimeter, as comparable lines. */
  async function openFindings(): Promise<string[]> {
    const lines: string[] = [];
    for (const perimeterId of await store.listCachedPerimeters()) {
      const { value } = await store.getFindings(perimeterId);
      for (const f of value) if (f.status === "open") lines.push(`${f.finding.ruleId} ${f.finding.resourceId.toLowerCase()} ${f.finding.severity}`);
    }
    return lines.sort();
  }

  return { emulator, events, store, arm, queue: inProcess, poison, pipeline, outcomes, settle, openFindings };
}
