import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSnapshotFile } from "../inventory/snapshot.js";
import { EventGridPublisher, type EventSchema } from "../emulator/eventGrid.js";
import { ArmEmulator } from "../emulator/server.js";
import { eventFilters } from "../infra/eventFilters.js";

export interface EmulatorOptions {
  snapshot?: string;
  port?: number;
  pageSize?: number;
  /** Event Grid subscribers (e.g. a local Functions host's `/runtime/webhooks/EventGrid?functionName=...`). */
  webhook?: string[];
  eventSchema?: EventSchema;
}

/**
 * `nsp-guardrail emulator`: the ARM emulator on its own, seeded from a snapshot, for pointing `scan`
 * or a local Functions host at. Prints the endpoint, the certificate to trust and a token; runs until
 * interrupted.
 */
export async function runEmulator(options: EmulatorOptions): Promise<number> {
  const seed = options.snapshot ? (await loadSnapshotFile(options.snapshot)).resources : [];
  const events = new EventGridPublisher();
  const emulator = await ArmEmulator.start({
    seed,
    sink: events,
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
  });
  const dir = mkdtempSync(join(tmpdir(), "nspg-emulator-"));
  const caFile = join(dir, "emulator-ca.pem");
  writeFileSync(caFile, emulator.caCertificate);
  const token = emulator.token();
  for (const url of options.webhook ?? []) {
    // Filtered as the deployment's event subscription is (infra/event-filters.json).
    await events.subscribeWebhook({ url, schema: options.eventSchema ?? "EventGridSchema", filter: eventFilters() });
    process.stdout.write(`event subscription: ${url} (${options.eventSchema ?? "EventGridSchema"})\n`);
  }
  process.stdout.write(
    [
      `ARM emulator listening with ${emulator.store.size} resource(s)`,
      `endpoint: ${emulator.endpoint}`,
      `ca-file: ${caFile}`,
      `token: ${token}`,
      "",
      "Point the CLI at it:",
      `  NSPG_ARM_ENDPOINT=${emulator.endpoint} NSPG_ARM_CA_FILE=${caFile} NSPG_ARM_TOKEN=<token> nsp-guardrail scan --subscription <id>`,
      "The token is valid for an hour. Ctrl-C stops the emulator.",
      "",
    ].join("\n"),
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await events.close();
  await emulator.close();
  return 0;
}
