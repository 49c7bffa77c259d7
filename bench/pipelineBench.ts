/**
 * Event pipeline cost: ARM calls per single-member event as the perimeter grows, and the time from
 * a change in ARM to the guardrail's decision (debounce 0, 20 ms of ARM latency per call).
 */
import { ReplaySession } from "../src/replay/replay.js";
import type { ArmResource } from "../src/model/resource.js";
import { generateEstate } from "./estateGenerator.js";

export interface EventCallFigures {
  members: number;
  callsPerEvent: number[];
}

function memberAccount(resources: ArmResource[], index: number): ArmResource {
  return resources.filter((r) => r.type === "Microsoft.Storage/storageAccounts")[index]!;
}

function toggled(account: ArmResource, on: boolean): ArmResource {
  return { ...account, properties: { ...account.properties, isSftpEnabled: on } };
}

/** ARM calls the guardrail makes for events that each change one member of a perimeter of `members`. */
export async function measureCallsPerEvent(members: number, events = 5): Promise<EventCallFigures> {
  const seed = generateEstate({ accounts: members, perimeters: 1 });
  const session = await ReplaySession.start(seed);
  try {
    await session.reconcile();
    const callsPerEvent: number[] = [];
    for (let i = 0; i < events; i++) {
      const account = memberAccount(seed, (i * 7 + 1) % members);
      const before = session.emulator.operations.length;
      await session.apply({ op: "put", resource: toggled(account, i % 2 === 0) });
      // The emulator logs the write itself (in-process, not an HTTP call) nowhere; every logged call is the guardrail's.
      callsPerEvent.push(session.emulator.operations.length - before);
    }
    return { members, callsPerEvent };
  } finally {
    await session.close();
  }
}

export interface LatencyFigures {
  events: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Change-to-decision latency over `events` single-member changes, with ARM latency injected. */
export async function measureEventLatency(events = 200, armLatencyMs = 20, members = 100): Promise<LatencyFigures> {
  const seed = generateEstate({ accounts: members, perimeters: 10 });
  const session = await ReplaySession.start(seed);
  try {
    await session.reconcile();
    session.emulator.faults.add({ path: "/**", kind: "latency", latencyMs: armLatencyMs });
    const times: number[] = [];
    for (let i = 0; i < events; i++) {
      const account = memberAccount(seed, i % members);
      const started = performance.now();
      const decision = await session.apply({ op: "put", resource: toggled(account, i % 2 === 0) });
      if (!decision) throw new Error("no decision for a member change");
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return { events, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), maxMs: times.at(-1)! };
  } finally {
    await session.close();
  }
}
