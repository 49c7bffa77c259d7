import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSnapshotFile } from "../inventory/snapshot.js";
import { EventGridPublisher, type EventSchema } from "../emulator/eventGrid.js";
import { ArmEmulator, type OperationLogEntry } from "../emulator/server.js";
import { eventFilters } from "../infra/eventFilters.js";
import { terminalText } from "../report/escape.js";

export interface EmulatorOptions {
  snapshot?: string;
  port?: number;
  pageSize?: number;
  /** Event Grid subscribers (e.g. a local Functions host's `/runtime/webhooks/EventGrid?functionName=...`). */
  webhook?: string[];
  eventSchema?: EventSchema;
  /** Also write the `export` block to this file (to `source` it from another shell). */
  env?: string;
  /** Log each request (method, path, status, ARM operation, caller) on stderr. */
  verbose?: boolean;
}

/** A value as one POSIX shell word: single-quoted unless it is plainly safe. */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `export NAME=value` lines that point the CLI (and a local Functions host) at the emulator. */
export function exportBlock(settings: Readonly<Record<string, string>>): string {
  return Object.entries(settings)
    .map(([name, value]) => `export ${name}=${shellWord(value)}`)
    .join("\n");
}

function requestLine(entry: OperationLogEntry): string {
  const what = entry.operation ? ` ${entry.operation}` : "";
  const who = entry.caller ? ` by ${entry.caller.objectId}` : "";
  return terminalText(`${entry.time} ${entry.method} ${entry.path}${entry.apiVersion ? `?api-version=${entry.apiVersion}` : ""} → ${entry.status}${what}${who}${entry.errorCode ? ` (${entry.errorCode})` : ""}`);
}

/**
 * `nsp-guardrail emulator`: the ARM emulator on its own, seeded from a snapshot, for pointing `scan`
 * or a local Functions host at. Prints a pasteable `export` block (endpoint, certificate to trust,
 * token, the snapshot's subscriptions), runs until SIGINT or SIGTERM, then removes its temporary
 * folder (the certificate file).
 */
export async function runEmulator(options: EmulatorOptions): Promise<number> {
  const seed = options.snapshot ? (await loadSnapshotFile(options.snapshot)).resources : [];
  const events = new EventGridPublisher();
  const emulator = await ArmEmulator.start({
    seed,
    sink: events,
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
    ...(options.verbose ? { onOperation: (entry: OperationLogEntry) => void process.stderr.write(`${requestLine(entry)}\n`) } : {}),
  });
  const dir = mkdtempSync(join(tmpdir(), "nspg-emulator-"));
  // The folder goes whichever way the process ends: a signal (below), an error, or a plain exit; so
  // does the --env file, whose endpoint and token are dead once the emulator stops.
  let envWritten = false;
  const removeDir = () => {
    rmSync(dir, { recursive: true, force: true });
    if (envWritten && options.env) rmSync(options.env, { force: true });
  };
  process.once("exit", removeDir);
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    const caFile = join(dir, "emulator-ca.pem");
    writeFileSync(caFile, emulator.caCertificate);
    const subscriptions = [...new Set(seed.map((r) => r.id.split("/")[2]!.toLowerCase()))];
    const settings: Record<string, string> = {
      NSPG_ARM_ENDPOINT: emulator.endpoint,
      NSPG_ARM_CA_FILE: caFile,
      NSPG_ARM_TOKEN: emulator.token(),
      ...(subscriptions.length ? { NSPG_SUBSCRIPTION_IDS: subscriptions.join(",") } : {}),
    };
    for (const url of options.webhook ?? []) {
      // Filtered as the deployment's event subscription is (infra/event-filters.json).
      await events.subscribeWebhook({ url, schema: options.eventSchema ?? "EventGridSchema", filter: eventFilters() });
    }
    const block = exportBlock(settings);
    if (options.env) {
      // The token is a credential: the file is readable by its owner only.
      writeFileSync(options.env, `# nsp-guardrail emulator at ${emulator.endpoint}; valid while it runs (the token for an hour)\n${block}\n`, { mode: 0o600 });
      chmodSync(options.env, 0o600);
      envWritten = true;
    }
    const subscription = subscriptions[0] ?? "<subscription-id>";
    process.stdout.write(
      [
        `# ARM emulator listening at ${emulator.endpoint} with ${emulator.store.size} resource(s)`,
        ...(options.webhook ?? []).map((url) => `# Event Grid subscription: ${url} (${options.eventSchema ?? "EventGridSchema"})`),
        "# Paste into a shell to point nsp-guardrail at it (the token is valid for an hour):",
        block,
        ...(options.env ? [`# (also written to ${options.env}: source ${options.env})`] : []),
        `# then: nsp-guardrail scan --subscription ${subscription}`,
        `# Ctrl-C stops the emulator and removes ${dir}.`,
        "",
      ].join("\n"),
    );
    await stopped;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    await events.close();
    await emulator.close();
    removeDir();
    process.off("exit", removeDir);
  }
  return 0;
}
