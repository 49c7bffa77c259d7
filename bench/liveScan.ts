/**
 * Live scan cost: ARM calls and wall time of reading generated estates through the Azure SDK clients
 * from the ARM emulator, with 20 ms of latency injected on every call.
 */
import { readLiveEstate } from "../src/inventory/liveInventory.js";
import { ArmEmulator } from "../src/emulator/server.js";
import { generateEstate } from "./estateGenerator.js";

export interface LiveScanFigures {
  members: number;
  calls: number;
  requests: number;
  wallMs: number;
  expectedMs: number;
  concurrency: number;
  byType: Record<string, { members: number; calls: number; maxCallsPerMember: number }>;
}

const LATENCY_MS = 20;
const CONCURRENCY = 8;

export async function measureLiveScan(members: number): Promise<LiveScanFigures> {
  const resources = generateEstate({ accounts: members, perimeters: Math.max(1, Math.round(members / 10)) });
  const emulator = await ArmEmulator.start({ seed: resources, pageSize: 100 });
  try {
    emulator.faults.add({ path: "/**", kind: "latency", latencyMs: LATENCY_MS });
    const subscription = resources[0]!.id.split("/")[2]!;
    const started = performance.now();
    const live = await readLiveEstate([subscription], {
      credential: emulator.credential(),
      armEndpoint: emulator.endpoint,
      ca: emulator.caCertificate,
      concurrency: CONCURRENCY,
      env: {},
    });
    const wallMs = performance.now() - started;
    return {
      members,
      calls: live.calls,
      requests: live.requests,
      wallMs,
      expectedMs: (live.requests * LATENCY_MS) / CONCURRENCY,
      concurrency: CONCURRENCY,
      byType: Object.fromEntries(
        Object.entries(live.callsByMemberType).map(([type, c]) => [type, { members: c.members, calls: c.calls, maxCallsPerMember: c.maxCallsPerMember }]),
      ),
    };
  } finally {
    await emulator.close();
  }
}
