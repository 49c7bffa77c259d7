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
import { readResourceGraphEstate } from "../src/inventory/resourceGraphReader.js";
import { GRAPH_QUERIES, NOT_IN_RESOURCE_GRAPH } from "../src/inventory/resourceGraphQueries.js";
import { generateEstate } from "./estateGenerator.js";

const LATENCY_MS = 20;
const GENERATOR_SUBSCRIPTION = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";

export interface TenantFigures {
  readonly plan: "graph-held rules" | "all rules";
  readonly members: number;
  readonly subscriptions: number;
  readonly perimeters: number;
  readonly graphRequests: number;
  readonly graphRows: number;
  readonly armCalls: number;
  readonly armCallsByType: Record<string, number>;
  readonly callsPerMember: number;
  readonly wallMs: number;
  readonly quotaWaits: number;
  readonly quotaWaitMs: number;
  readonly throttled: number;
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
    return {
      plan,
      members,
      subscriptions: subscriptionIds.length,
      perimeters,
      graphRequests: read.graphRequests,
      graphRows: read.graphRows,
      armCalls: read.armCalls,
      armCallsByType: read.armCallsByType,
      callsPerMember: read.calls / members,
      wallMs,
      quotaWaits: read.quotaWaits,
      quotaWaitMs: read.quotaWaitMs,
      throttled: read.throttled,
      resources: read.resources.length,
    };
  } finally {
    await emulator.close();
  }
}

export function formatTenant(r: TenantFigures): string {
  const byType = Object.entries(r.armCallsByType)
    .map(([type, n]) => `${type.split("/").slice(1).join("/")} ${n}`)
    .join(", ");
  return [
    `  ${r.plan}: ${r.members} members, ${r.subscriptions} subscriptions, ${r.perimeters} perimeters: ${r.graphRequests} Resource Graph request(s) + ${r.armCalls} ARM call(s) = ${(r.callsPerMember).toFixed(3)} calls/member (Resource Graph alone ${(r.graphRequests / r.members).toFixed(4)}, ${r.graphRows} rows); wall ${(r.wallMs / 1000).toFixed(1)} s; quota waits ${r.quotaWaits} (${(r.quotaWaitMs / 1000).toFixed(1)} s), 429s ${r.throttled}`,
    ...(byType ? [`    ARM calls for what Resource Graph does not hold: ${byType}`] : []),
  ].join("\n");
}

/**
 * What the figures say about a larger tenant, by the read's own structure: Resource Graph requests
 * grow with rows / 1,000 per query and subscription batch, quota waits with requests / 15 per 5 s,
 * ARM calls with members (their per-member rate measured here).
 */
export function extrapolate(r: TenantFigures, members: number, subscriptions: number): string {
  const scale = members / r.members;
  // Each query pages its rows 1,000 at a time, once per batch of 300 subscriptions.
  const graph = Math.ceil((r.graphRows * scale) / 1000) + GRAPH_QUERIES.length * Math.ceil(subscriptions / 300);
  const arm = Math.round(r.armCalls * scale);
  const quotaSeconds = Math.max(0, Math.ceil(graph / 15) - 1) * 5;
  return `  extrapolated to ${members} members / ${subscriptions} subscriptions (${r.plan}): about ${graph} Resource Graph requests + ${arm} ARM calls = ${((graph + arm) / members).toFixed(3)} calls/member, at least ${quotaSeconds} s of quota waits (15 queries per 5 s), not measured`;
}
