/** The live inventory when ARM throttles, fails, refuses the token, is unreachable or slow. */
import { createServer } from "node:net";
import { beforeAll, describe, expect, it } from "vitest";
import { ArmUnavailableError } from "../../src/model/errors.js";
import { readLiveEstate } from "../../src/inventory/liveInventory.js";
import type { ArmEmulator } from "../../src/emulator/server.js";
import { startEmulator } from "../helpers/emulator.js";
import { fixtureResources, liveOptions, subscriptionsOf, withAncestors } from "./liveSupport.js";

const { resources } = fixtureResources("clean.json");
const subscriptions = subscriptionsOf(resources);

/** A localhost port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the live inventory to fail");
}

describe("live inventory failures", () => {
  let emulator: ArmEmulator;
  let baseline: string[];

  beforeAll(async () => {
    emulator = await startEmulator(withAncestors(resources));
    baseline = (await readLiveEstate(subscriptions, liveOptions(emulator))).resources.map((r) => r.id).sort();
  });

  it("rides out a 429 storm, waiting as long as Retry-After says", async () => {
    emulator.faults.clear();
    emulator.faults.add({ path: "/subscriptions/*/providers/Microsoft.Network/networkSecurityPerimeters", kind: "throttle", retryAfterSeconds: 1, count: 3 });
    const started = Date.now();
    // maxRetryDelayInMs 50 in the options: Retry-After is not capped by it.
    const live = await readLiveEstate(subscriptions, liveOptions(emulator));
    const elapsed = Date.now() - started;
    emulator.faults.clear();
    expect(live.resources.map((r) => r.id).sort()).toEqual(baseline);
    expect(live.attempts - live.requests).toBe(3);
    expect(elapsed).toBeGreaterThanOrEqual(2_900);
  });

  it("turns a persistent 5xx into one ArmUnavailableError line naming the call, status and ARM code", async () => {
    emulator.faults.clear();
    emulator.faults.add({ path: "/subscriptions/**/fileServices/default/shares", kind: "error", status: 500 });
    const before = emulator.operations.length;
    const error = await failure(readLiveEstate(subscriptions, liveOptions(emulator)));
    emulator.faults.clear();
    expect(error).toBeInstanceOf(ArmUnavailableError);
    expect(error.message).not.toMatch(/\n/);
    expect(error.message).toMatch(
      /^ARM call failed: list file shares of stshopmedia \(GET \/subscriptions\/[^ ]+\/storageAccounts\/stshopmedia\/fileServices\/default\/shares\): HTTP 500 InternalServerError: Injected fault: HTTP 500\.$/,
    );
    // Retried first (1 + 3 retries).
    expect(emulator.operations.slice(before).filter((op) => op.path.endsWith("/shares")).length).toBe(4);
  });

  it("reports a refused token as ArmUnavailableError (401)", async () => {
    const garbage = { getToken: async () => ({ token: "not-a-token", expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const error = await failure(readLiveEstate(subscriptions, liveOptions(emulator, { credential: garbage })));
    expect(error).toBeInstanceOf(ArmUnavailableError);
    expect(error.message).toMatch(/^ARM call failed: list network security perimeters of subscription \S+ \(GET \S+\): HTTP 401 InvalidAuthenticationToken \(credential refused\): /);
    expect(error.message).not.toMatch(/\n/);
  });

  it("reports a credential that cannot get a token as ArmUnavailableError", async () => {
    const unavailable = {
      getToken: async () => {
        const error = new Error("DefaultAzureCredential failed to retrieve a token.\n  Azure CLI not logged in.");
        error.name = "CredentialUnavailableError";
        throw error;
      },
    };
    const error = await failure(readLiveEstate(subscriptions, liveOptions(emulator, { credential: unavailable })));
    expect(error).toBeInstanceOf(ArmUnavailableError);
    expect(error.message).toMatch(/no Azure token \(CredentialUnavailableError\): DefaultAzureCredential failed to retrieve a token\.$/);
  });

  it("reports an unreachable endpoint as ArmUnavailableError after retries", async () => {
    const port = await closedPort();
    const error = await failure(readLiveEstate(subscriptions, liveOptions(emulator, { armEndpoint: `https://127.0.0.1:${port}` })));
    expect(error).toBeInstanceOf(ArmUnavailableError);
    expect(error.message).toMatch(/ARM unreachable \(ECONNREFUSED/);
  });

  it("refuses a certificate it was not told to trust", async () => {
    const error = await failure(readLiveEstate(subscriptions, { ...liveOptions(emulator), ca: undefined }));
    expect(error).toBeInstanceOf(ArmUnavailableError);
    expect(error.message).toMatch(/ARM unreachable/);
  });

  it("retries an attempt that exceeds the per-request timeout", async () => {
    emulator.faults.clear();
    emulator.faults.add({ path: "/subscriptions/*/providers/Microsoft.Network/networkSecurityPerimeters", kind: "latency", latencyMs: 1_000, count: 1 });
    const live = await readLiveEstate(subscriptions, liveOptions(emulator, { requestTimeoutMs: 200 }));
    emulator.faults.clear();
    expect(live.resources.map((r) => r.id).sort()).toEqual(baseline);
    expect(live.attempts - live.requests).toBe(1);
  });

  it("stops when the caller aborts, without calling it an ARM failure", async () => {
    emulator.faults.clear();
    emulator.faults.add({ path: "/subscriptions/**", kind: "latency", latencyMs: 200 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await failure(readLiveEstate(subscriptions, liveOptions(emulator, { abortSignal: controller.signal })));
    emulator.faults.clear();
    expect(error).not.toBeInstanceOf(ArmUnavailableError);
    expect(error.name).toBe("AbortError");
  });
});
