/**
 * Tenant scale: a full read of N storage members spread over S subscriptions through Resource Graph
 * (the emulator's endpoint, its default quota of 15 queries per 5 s) with 20 ms of latency on every
 * call, ARM and Resource Graph alike. Two read plans:
 *
 * - "graph-held rules": the rules whose every input Resource Graph holds (the others off);
 * - "all rules": every rule, so the ARM GETs for what Resource Graph does not hold (file shares,
 *   NSP configurations, storage policies, diagnostic settings) are made too.
 */
import { ArmEmulator } from "../src/emulator/server.js";
import type { ArmResource } from "../src/model/resource.js";
import { DEFAULT_POLICY, type Policy } from "../src/policy/policy.js";
import { ALL_RULES } from "../src/rules/catalog/index.js";
import { readResourceGraphEstate, type ResourceGraphEstate } from "../src/inventory/resourceGraphReader.js";
import { NOT_IN_RESOURCE_GRAPH } from "../src/inventory/resourceGraphQueries.js";
import { LiveArmReader } from "../src/inventory/liveArmReader.js";
import { ResourceGraphReconcileReader } from "../src/inventory/reconcileReader.js";
import { InMemoryPoison } from "../src/pipeline/inProcessQueue.js";
import { GuardrailPipeline } from "../src/pipeline/pipeline.js";
import type { WatchedScopeReader } from "../src/pipeline/ports.js";
import { MemoryStateStore } from "../src/state/memoryStateStore.js";
import { generateEstate } from "./estateGenerator.js";

const LATENCY_MS = 20;
const GENERATOR_SUBSCRIPTION = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";

/** What a read through Resource Graph cost: requests, ARM calls, quota waits, time. */
export interface ReadCost {
  readonly members: number;
  readonly subscriptions: number;
  readonly graphRequests: number;
  readonly armCalls: number;
  readonly armCallsByType: Record<string, number>;
  readonly callsPerMember: number;
  readonly wallMs: number;
  readonly quotaWaits: number;
  readonly quotaWaitMs: number;
  readonly throttled: number;
}

function costOf(read: ResourceGraphEstate, members: number, subscriptions: number, wallMs: number): ReadCost {
  const { graphRequests, armCalls, armCallsByType, quotaWaits, quotaWaitMs, throttled } = read;
  return { members, subscriptions, graphRequests, armCalls, armCallsByType, callsPerMember: read.calls / members, wallMs, quotaWaits, quotaWaitMs, throttled };
}

export interface TenantFigures extends ReadCost {
  readonly plan: "graph-held rules" | "all rules";
  readonly perimeters: number;
  readonly graphRows: number;
  readonly resources: number;
}

/**
 * `members` storage accounts spread evenly over `subscriptions`, with one perimeter per 100 members
 * in all (100,000 members: 1,000 perimeters), spread as evenly over the subscriptions.
 */
export function tenantEstate(members: number, subscriptions: number): ArmResource[] {
  const out: ArmResource[] = [];
  const perimeters = Math.max(1, Math.round(members / 100));
  const share = (total: number, s: number) => Math.floor((total * (s + 1)) / subscriptions) - Math.floor((total * s) / subscriptions);
  for (let s = 0; s < subscriptions; s++) {
    const accounts = share(members, s);
    if (accounts <= 0) continue;
    const sub = `00000000-0000-4000-8000-${String(s).padStart(12, "0")}`;
    const text = JSON.stringify(generateEstate({ accounts, perimeters: Math.max(1, share(perimeters, s)) })).replaceAll(GENERATOR_SUBSCRIPTION, sub);
    out.push(...(JSON.parse(text) as ArmResource[]));
  }
  return out;
}

/** The default policy with every rule off that reads a type Resource Graph does not hold. */
export function graphHeldPolicy(): Policy {
  const notHeld = new Set(NOT_IN_RESOURCE_GRAPH.map((n) => n.type));
  const off = ALL_RULES.filter((r) => r.meta.reads.some((t) => notHeld.has(t.toLowerCase()))).map((r) => r.meta.id);
  return { ...DEFAULT_POLICY, rules: { ...DEFAULT_POLICY.rules, ...Object.fromEntries(off.map((id) => [id, { action: "off" as const }])) } };
}

export async function measureTenantRead(members: number, subscriptions: number, plan: TenantFigures["plan"]): Promise<TenantFigures> {
  const resources = tenantEstate(members, subscriptions);
  const subscriptionIds = [...new Set(resources.map((r) => r.id.split("/")[2]!))];
  const perimeters = resources.filter((r) => r.type === "Microsoft.Network/networkSecurityPerimeters").length;
  const emulator = await ArmEmulator.start({ seed: resources, pageSize: 100, recordTraffic: false });
  resources.length = 0; // the emulator holds its own copy
  try {
    emulator.faults.add({ path: "/**", kind: "latency", latencyMs: LATENCY_MS });
    const started = performance.now();
    const read = await readResourceGraphEstate(
      { subscriptions: subscriptionIds },
      {
        credential: emulator.credential(),
        armEndpoint: emulator.endpoint,
        ca: emulator.caCertificate,
        policy: plan === "all rules" ? DEFAULT_POLICY : graphHeldPolicy(),
        env: {},
      },
    );
    const wallMs = performance.now() - started;
    return { ...costOf(read, members, subscriptionIds.length, wallMs), plan, perimeters, graphRows: read.graphRows, resources: read.resources.length };
  } finally {
    await emulator.close();
  }
}

/** ARM calls by type read, without the provider namespace: `storageaccounts/fileservices/shares 11, ...`. */
function callsByType(armCallsByType: Record<string, number>): string {
  return Object.entries(armCallsByType)
    .map(([type, n]) => `${type.split("/").slice(1).join("/")} ${n}`)
    .join(", ");
}

export function formatTenant(r: TenantFigures): string {
  const byType = callsByType(r.armCallsByType);
  return [
    `  ${r.plan}: ${r.members} members, ${r.subscriptions} subscriptions, ${r.perimeters} perimeters: ${r.graphRequests} Resource Graph request(s) + ${r.armCalls} ARM call(s) = ${(r.callsPerMember).toFixed(3)} calls/member (Resource Graph alone ${(r.graphRequests / r.members).toFixed(4)}, ${r.graphRows} rows); wall ${(r.wallMs / 1000).toFixed(1)} s; quota waits ${r.quotaWaits} (${(r.quotaWaitMs / 1000).toFixed(1)} s), 429s ${r.throttled}`,
    ...(byType ? [`    ARM calls for what Resource Graph does not hold: ${byType}`] : []),
  ].join("\n");
}

export interface TenantReconcileFigures extends ReadCost {
  /** How the pass before the measured one read: through the emulator (measured too) or from its store without calls. */
  readonly previousPass: { readonly how: "read" | "seeded"; readonly calls?: number; readonly wallMs?: number };
  readonly reread: { readonly owners: number; readonly carried: number; readonly due: number };
  readonly findings: number;
}

/** The pace of the timer reconcile by default (NSPG_RECONCILE_SCHEDULE: every 30 minutes). */
const RECONCILE_INTERVAL_MS = 30 * 60_000;

/**
 * The Functions app's reconcile (the pipeline with ResourceGraphReconcileReader, every rule on, the
 * default re-read horizon of 48 h), measured on the pass that follows another by 30 minutes: what
 * Resource Graph holds is read again, what it does not hold is carried over from the caches the
 * previous pass left, but for the share due (src/pipeline/carryOver.ts).
 *
 * The previous pass is either a real one through the emulator (`read`, its calls reported: the cost
 * of a first pass) or, where that would take too long to wait for (about 4 ARM calls per member),
 * `seeded`: the same pipeline fed the emulator's resources without calls. The caches it leaves are
 * those of a full read at that moment, which is what a previous pass leaves.
 */
export async function measureTenantReconcile(members: number, subscriptions: number, previous: "read" | "seeded"): Promise<TenantReconcileFigures> {
  const resources = tenantEstate(members, subscriptions);
  const subscriptionIds = [...new Set(resources.map((r) => r.id.split("/")[2]!))];
  const emulator = await ArmEmulator.start({ seed: resources, pageSize: 100, recordTraffic: false });
  resources.length = 0;
  let clock = Date.parse("2026-11-28T00:00:00Z");
  const store = new MemoryStateStore();
  const options = { credential: emulator.credential(), armEndpoint: emulator.endpoint, ca: emulator.caCertificate, policy: DEFAULT_POLICY, env: {} };
  const arm = new LiveArmReader({ ...options, subscriptionIds });
  const pipelineOver = (scope: WatchedScopeReader) =>
    new GuardrailPipeline({ store, arm, scope, queue: { enqueue: async () => undefined }, poison: new InMemoryPoison(), policy: DEFAULT_POLICY }, { subscriptionIds, now: () => new Date(clock) });
  try {
    emulator.faults.add({ path: "/**", kind: "latency", latencyMs: LATENCY_MS });
    let previousPass: TenantReconcileFigures["previousPass"];
    if (previous === "read") {
      const reader = new ResourceGraphReconcileReader({ subscriptionIds }, options);
      const started = performance.now();
      await pipelineOver(reader).reconcile();
      previousPass = { how: "read", calls: reader.lastRead!.calls, wallMs: performance.now() - started };
    } else {
      await pipelineOver({ readWatched: async () => ({ subscriptions: subscriptionIds, resources: emulator.resources() }) }).reconcile();
      previousPass = { how: "seeded" };
    }
    clock += RECONCILE_INTERVAL_MS;
    const reader = new ResourceGraphReconcileReader({ subscriptionIds }, options);
    const started = performance.now();
    const report = await pipelineOver(reader).reconcileReport();
    const wallMs = performance.now() - started;
    return {
      ...costOf(reader.lastRead!, members, subscriptionIds.length, wallMs),
      previousPass,
      reread: report.reread,
      findings: report.decisions.reduce((n, d) => n + d.findings.filter((f) => f.status !== "resolved").length, 0),
    };
  } finally {
    await emulator.close();
  }
}

export function formatTenantReconcile(r: TenantReconcileFigures): string {
  const byType = callsByType(r.armCallsByType);
  const previous =
    r.previousPass.how === "read"
      ? `the pass before read through the emulator: ${r.previousPass.calls} calls = ${(r.previousPass.calls! / r.members).toFixed(3)} calls/member, ${(r.previousPass.wallMs! / 1000).toFixed(1)} s`
      : "the pass before seeded from the emulator's store (no calls)";
  return [
    `  reconcile, all rules, ${r.members} members, ${r.subscriptions} subscriptions, 30 min after the previous pass (${previous}):`,
    `    ${r.graphRequests} Resource Graph request(s) + ${r.armCalls} ARM call(s) = ${r.callsPerMember.toFixed(4)} calls/member; owners re-read ${r.reread.due} of ${r.reread.owners} (carried ${r.reread.carried}); wall ${(r.wallMs / 1000).toFixed(1)} s; quota waits ${r.quotaWaits} (${(r.quotaWaitMs / 1000).toFixed(1)} s), 429s ${r.throttled}; ${r.findings} open findings`,
    ...(byType ? [`    ARM calls: ${byType}`] : []),
  ].join("\n");
}
