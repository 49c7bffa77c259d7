/**
 * Exposure window of a risky change: the time from the ARM emulator applying a user's write (an
 * association flipped from Enforced to Learning) to ARM applying the guardrail's revert (the emulator
 * completing the revert's long-running PUT), through the whole production path: the Event Grid event,
 * routing, the dirty marker, the debounce delay of the evaluation message, the incremental evaluation
 * (re-reads through the Azure SDK), the planner, the executor's rails and ledger, the SDK's PUT with
 * If-Match and its poller.
 *
 * What it does not include, and production adds: Event Grid's own delivery latency (typically well
 * under a second), the Functions host's queue polling (the Storage queue trigger polls with back-off up
 * to `maxPollingInterval`, 1 min by default when idle), and ARM's real duration of an association PUT
 * (the emulator completes it at the first poll). Here the queue delivers each message exactly when its
 * debounce delay ends, and every ARM call takes `armLatencyMs` more (injected).
 */
import { EventGridPublisher } from "../src/emulator/eventGrid.js";
import { ArmEmulator } from "../src/emulator/server.js";
import type { Caller } from "../src/emulator/tokens.js";
import { SdkArmWriter } from "../src/actions/armWriter.js";
import { RevertExecutor, RevertRetryError } from "../src/actions/executor.js";
import { LiveArmReader } from "../src/inventory/liveArmReader.js";
import type { ArmResource } from "../src/model/resource.js";
import { GuardrailPipeline } from "../src/pipeline/pipeline.js";
import { InMemoryPoison } from "../src/pipeline/inProcessQueue.js";
import type { EvaluationMessage, EvaluationQueue } from "../src/pipeline/ports.js";
import { policySchema } from "../src/policy/policy.js";
import { GUARDRAIL_IDENTITY } from "../src/replay/replay.js";
import { MemoryRevertLedger } from "../src/state/revertLedger.js";
import { MemoryStateStore } from "../src/state/memoryStateStore.js";

const SUB = "33333333-3333-3333-3333-333333333333";
const USER: Caller = { objectId: "0000000a-0000-0000-0000-0000000000be", name: "bench@contoso.example" };

export interface ExposureOptions {
  /** Perimeters flipped concurrently, one run at a time each (default 1; use more with a long debounce). */
  lanes?: number;
  /** Extra latency of every ARM call (default 20 ms, as the pipeline bench). */
  armLatencyMs?: number;
}

export interface ExposureFigures {
  runs: number;
  debounceMs: number;
  lanes: number;
  armLatencyMs: number;
  p50Ms: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
  /** Reverts the ledger recorded as applied (should equal `runs`). */
  applied: number;
  wallMs: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** One perimeter per lane, each with a profile, an IP rule and `members` Enforced storage members. */
function estate(lanes: number, members: number): { resources: ArmResource[]; perimeters: string[]; associations: ArmResource[][] } {
  const resources: ArmResource[] = [];
  const perimeters: string[] = [];
  const associations: ArmResource[][] = [];
  for (let lane = 0; lane < lanes; lane++) {
    const rg = `/subscriptions/${SUB}/resourceGroups/rg-bench-${lane}`;
    const nsp = `${rg}/providers/Microsoft.Network/networkSecurityPerimeters/nsp-${lane}`;
    const profile = `${nsp}/profiles/default`;
    perimeters.push(nsp);
    resources.push(
      { id: nsp, name: `nsp-${lane}`, type: "Microsoft.Network/networkSecurityPerimeters", location: "westeurope", properties: { perimeterGuid: `guid-${lane}` } },
      { id: profile, name: "default", type: "Microsoft.Network/networkSecurityPerimeters/profiles", properties: {} },
      {
        id: `${profile}/accessRules/offices`,
        name: "offices",
        type: "Microsoft.Network/networkSecurityPerimeters/profiles/accessRules",
        properties: { direction: "Inbound", addressPrefixes: ["203.0.113.0/24"] },
      },
    );
    const laneAssociations: ArmResource[] = [];
    for (let m = 0; m < members; m++) {
      const name = `stbench${lane}x${m}`;
      const account = `${rg}/providers/Microsoft.Storage/storageAccounts/${name}`;
      resources.push({
        id: account,
        name,
        type: "Microsoft.Storage/storageAccounts",
        location: "westeurope",
        kind: "StorageV2",
        sku: { name: "Standard_LRS" },
        properties: { allowSharedKeyAccess: false, primaryEndpoints: { blob: `https://${name}.blob.core.windows.net/` } },
      });
      const association: ArmResource = {
        id: `${nsp}/resourceAssociations/assoc-${name}`,
        name: `assoc-${name}`,
        type: "Microsoft.Network/networkSecurityPerimeters/resourceAssociations",
        properties: { accessMode: "Enforced", privateLinkResource: { id: account }, profile: { id: profile } },
      };
      resources.push(association);
      laneAssociations.push(association);
    }
    associations.push(laneAssociations);
  }
  return { resources, perimeters, associations };
}

/**
 * A queue that hands each message to the pipeline when its delay ends (an ideal Storage queue
 * trigger), and counts what is pending per perimeter so that a lane can wait for quiet.
 */
class DelayQueue implements EvaluationQueue {
  handler: ((m: EvaluationMessage) => Promise<void>) | undefined;
  private readonly pending = new Map<string, number>();
  private readonly idleWaiters = new Map<string, Array<() => void>>();

  async enqueue(message: EvaluationMessage, delayMs: number): Promise<void> {
    const key = message.perimeterId.toLowerCase();
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    setTimeout(() => {
      void this.handler!(message).finally(() => {
        const left = (this.pending.get(key) ?? 1) - 1;
        this.pending.set(key, left);
        if (left === 0) for (const wake of this.idleWaiters.get(key)?.splice(0) ?? []) wake();
      });
    }, delayMs);
  }

  idle(perimeterId: string): Promise<void> {
    const key = perimeterId.toLowerCase();
    if ((this.pending.get(key) ?? 0) === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.idleWaiters.get(key) ?? [];
      list.push(resolve);
      this.idleWaiters.set(key, list);
    });
  }
}

/** p50/p99 of the exposure window over `runs` flips, with the evaluation debounced by `debounceMs` (real time). */
export async function measureExposureWindow(runs = 100, debounceMs = 0, options: ExposureOptions = {}): Promise<ExposureFigures> {
  const lanes = Math.max(1, Math.min(options.lanes ?? 1, runs));
  const armLatencyMs = options.armLatencyMs ?? 20;
  // A few members per lane, flipped in turn (no member is flipped twice in a row).
  const { resources, perimeters, associations } = estate(lanes, 4);
  const events = new EventGridPublisher();
  const emulator = await ArmEmulator.start({ seed: resources, lroPolls: 1 });
  const appliedAt = new Map<string, (at: number) => void>();
  // The moment ARM applied the revert: the emulator publishes the guardrail's completed write.
  emulator.sink = {
    publish: (change) => {
      if (change.claims.oid === GUARDRAIL_IDENTITY.objectId && change.kind === "write") appliedAt.get(change.resourceId.toLowerCase())?.(performance.now());
      events.publish(change);
    },
  };
  // Reverts on, rails out of the way: 100 runs must not trip the hourly cap or flapping.
  const policy = policySchema.parse({
    dryRun: false,
    rules: { "storage-enforcement-downgrade": { action: "revert" } },
    revert: { maxPerHour: 1_000_000, cooldownMinutes: 15, flapThreshold: 1_000_000 },
  });
  const connection = { credential: emulator.credential(GUARDRAIL_IDENTITY), armEndpoint: emulator.endpoint, ca: emulator.caCertificate, env: {} };
  const ledger = new MemoryRevertLedger();
  const executor = new RevertExecutor({ writer: new SdkArmWriter(connection), ledger, policy, selfPrincipalIds: [GUARDRAIL_IDENTITY.objectId] });
  const queue = new DelayQueue();
  const pipeline = new GuardrailPipeline(
    {
      store: new MemoryStateStore(),
      arm: new LiveArmReader({ ...connection, policy, subscriptionIds: [SUB] }),
      queue,
      poison: new InMemoryPoison(),
      policy,
      onDecision: async (decision, plans, logger) => {
        await executor.execute(decision, plans, logger);
      },
    },
    { debounceMs, subscriptionIds: [SUB], selfPrincipalIds: [GUARDRAIL_IDENTITY.objectId] },
  );
  let failures = 0;
  queue.handler = async (message) => {
    try {
      await pipeline.evaluateMessage(message);
    } catch (error) {
      failures++;
      // A transient revert failure: the queue would redeliver after its visibility timeout.
      if (error instanceof RevertRetryError) await queue.enqueue(message, 1000);
    }
  };
  events.subscribeInProcess(async (event) => {
    await pipeline.handleEvent(event);
  }, "EventGridSchema");

  try {
    await pipeline.reconcile();
    emulator.faults.add({ path: "/**", kind: "latency", latencyMs: armLatencyMs });
    const times: number[] = [];
    const started = performance.now();
    let next = 0;
    const lane = async (index: number) => {
      for (let flip = 0; ; flip++) {
        if (next >= runs) return;
        next++;
        const association = associations[index]![flip % associations[index]!.length]!;
        const applied = new Promise<number>((resolve) => appliedAt.set(association.id.toLowerCase(), resolve));
        const t0 = performance.now();
        emulator.put({ ...association, properties: { ...association.properties, accessMode: "Learning" } }, USER);
        const t1 = await applied;
        appliedAt.delete(association.id.toLowerCase());
        times.push(t1 - t0);
        // Let the revert's own event be evaluated before the next flip of this perimeter.
        await events.drain();
        await queue.idle(perimeters[index]!);
      }
    };
    await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i)));
    const wallMs = performance.now() - started;
    times.sort((a, b) => a - b);
    const applied = (await ledger.list({ statuses: ["applied"] })).length;
    if (failures > 0) console.warn(`exposure bench: ${failures} evaluation(s) failed and were retried`);
    return { runs: times.length, debounceMs, lanes, armLatencyMs, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), minMs: times[0]!, maxMs: times.at(-1)!, applied, wallMs };
  } finally {
    await events.close();
    await emulator.close();
  }
}

/** Lines for `npm run bench`, saying what was measured and how. */
export function formatExposure(f: ExposureFigures): string {
  const how = f.lanes > 1 ? `${f.lanes} perimeters flipped concurrently, one flip at a time each` : "one flip at a time";
  return (
    `exposure window, debounce ${f.debounceMs} ms (real clock), ${f.runs} runs (${how}), ${f.armLatencyMs} ms ARM latency per call: ` +
    `p50 ${f.p50Ms.toFixed(0)} ms, p99 ${f.p99Ms.toFixed(0)} ms, min ${f.minMs.toFixed(0)} ms, max ${f.maxMs.toFixed(0)} ms; ` +
    `${f.applied}/${f.runs} reverts applied; ${(f.wallMs / 1000).toFixed(1)} s wall\n` +
    `  (write applied by the emulator → revert PUT completed; excludes Event Grid delivery latency, Functions queue polling and ARM's real LRO duration)`
  );
}
