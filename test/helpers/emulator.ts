/** Starts the ARM emulator for a test, seeded with resources, and builds SDK client options for it. */
import { afterAll } from "vitest";
import type { ArmResource } from "../../src/model/resource.js";
import { ArmEmulator, type ArmEmulatorOptions } from "../../src/emulator/server.js";

export async function startEmulator(seed: ArmResource[], options: Omit<ArmEmulatorOptions, "seed"> = {}): Promise<ArmEmulator> {
  const emulator = await ArmEmulator.start({ seed, lroPolls: 1, ...options });
  afterAll(() => emulator.close());
  return emulator;
}

/** Options for any Azure SDK management client: the emulator's endpoint and certificate, quick retries. */
export function clientOptions(emulator: ArmEmulator) {
  return {
    endpoint: emulator.endpoint,
    tlsOptions: { ca: emulator.caCertificate },
    retryOptions: { maxRetries: 3, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
  };
}
