/** Starts the ARM emulator for a test, seeded with resources, and builds SDK client options for it. */
import { afterAll } from "vitest";
import type { ArmResource } from "../../src/model/resource.js";
import { ArmEmulator, type ArmEmulatorOptions } from "../../src/emulator/server.js";

// Emulators started anywhere in a file (in a describe or inside a test) close when the file is done;
// closing also leaves their operation logs for the least-privilege check.
const running = new Set<ArmEmulator>();
afterAll(async () => {
  await Promise.all([...running].map((e) => e.close()));
  running.clear();
});

export async function startEmulator(seed: ArmResource[], options: Omit<ArmEmulatorOptions, "seed"> = {}): Promise<ArmEmulator> {
  const emulator = await ArmEmulator.start({ seed, lroPolls: 1, ...options });
  running.add(emulator);
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
