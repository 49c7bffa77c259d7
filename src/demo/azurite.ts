/**
 * Starts a real Azurite (blob, queue and table services) on ports the OS picks, in memory: the demo's
 * state store, and the tests'.
 * Free of vitest so that a vitest globalSetup can use it as well as a test file:
 *
 *   const azurite = await startAzurite();
 *   afterAll(() => azurite.stop());
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** Azurite's well-known development account (public, documented; it only works against the emulator). */
export const AZURITE_ACCOUNT_NAME = "devstoreaccount1";
export const AZURITE_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzuriteInstance {
  /** Account connection string naming the three endpoints of this instance (not `UseDevelopmentStorage=true`). */
  readonly connectionString: string;
  /** Service endpoints including the account path, e.g. `http://127.0.0.1:41234/devstoreaccount1`. */
  readonly blobEndpoint: string;
  readonly queueEndpoint: string;
  readonly tableEndpoint: string;
  readonly accountName: string;
  readonly accountKey: string;
  /** Milliseconds from spawn until all three services listened. */
  readonly startupMs: number;
  /** Stops the process and removes its working directory; safe to call twice. */
  stop(): Promise<void>;
}

export interface StartAzuriteOptions {
  /** How long to wait for the three services to listen (default 30 s). */
  timeoutMs?: number;
  /** Extra command-line arguments, e.g. `["--debug", "/tmp/azurite.log"]`. */
  extraArgs?: readonly string[];
}

const SERVICES = ["Blob", "Queue", "Table"] as const;
type Service = (typeof SERVICES)[number];
const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at (http:\/\/\S+?)\/?\s*$/;

/** Path of Azurite's CLI script, resolved from this project's dependencies (no npx, no shell). */
function azuriteScript(): string {
  const require = createRequire(import.meta.url);
  const packageJsonPath = require.resolve("azurite/package.json");
  const bin = (require(packageJsonPath) as { bin: Record<string, string> }).bin.azurite;
  if (!bin) throw new Error("the azurite package has no `azurite` bin entry");
  return join(dirname(packageJsonPath), bin);
}

export async function startAzurite(options: StartAzuriteOptions = {}): Promise<AzuriteInstance> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  // Azurite refuses --location together with --inMemoryPersistence, so the temporary directory is its
  // working directory instead (the default location): nothing it might write lands in the project.
  const workDir = await mkdtemp(join(tmpdir(), "nspg-azurite-"));
  const args = [
    azuriteScript(),
    ...["--blobHost", "127.0.0.1", "--blobPort", "0"],
    ...["--queueHost", "127.0.0.1", "--queuePort", "0"],
    ...["--tableHost", "127.0.0.1", "--tablePort", "0"],
    "--inMemoryPersistence",
    "--disableTelemetry",
    "--skipApiVersionCheck",
    "--loose",
    "--silent",
    ...(options.extraArgs ?? []),
  ];
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: workDir, stdio: ["ignore", "pipe", "pipe"] });
  // A test runner that dies without running afterAll must not leave Azurite behind.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const cleanUp = async () => {
    process.off("exit", killOnExit);
    await stopProcess(child);
    await rm(workDir, { recursive: true, force: true });
  };

  let urls: Record<Service, string>;
  try {
    urls = await waitForServices(child, timeoutMs);
  } catch (error) {
    await cleanUp();
    throw error;
  }
  const startupMs = Math.round(performance.now() - started);

  const endpoint = (service: Service) => `${urls[service]}/${AZURITE_ACCOUNT_NAME}`;
  const blobEndpoint = endpoint("Blob");
  const queueEndpoint = endpoint("Queue");
  const tableEndpoint = endpoint("Table");
  const connectionString = [
    "DefaultEndpointsProtocol=http",
    `AccountName=${AZURITE_ACCOUNT_NAME}`,
    `AccountKey=${AZURITE_ACCOUNT_KEY}`,
    `BlobEndpoint=${blobEndpoint}`,
    `QueueEndpoint=${queueEndpoint}`,
    `TableEndpoint=${tableEndpoint}`,
  ].join(";") + ";";

  let stopping: Promise<void> | undefined;
  return {
    connectionString,
    blobEndpoint,
    queueEndpoint,
    tableEndpoint,
    accountName: AZURITE_ACCOUNT_NAME,
    accountKey: AZURITE_ACCOUNT_KEY,
    startupMs,
    stop: () => (stopping ??= cleanUp()),
  };
}

/** Resolves with the base URL of each service once Azurite printed that it listens. */
function waitForServices(child: ChildProcess, timeoutMs: number): Promise<Record<Service, string>> {
  return new Promise((resolve, reject) => {
    const found: Partial<Record<Service, string>> = {};
    let output = "";
    let pending = "";

    const finish = (error?: Error) => {
      clearTimeout(timer);
      child.stdout?.off("data", onStdout);
      child.stderr?.off("data", onStderr);
      child.off("exit", onExit);
      child.off("error", onError);
      if (error) reject(error);
      else resolve(found as Record<Service, string>);
    };
    const fail = (reason: string) => finish(new Error(`Azurite did not start: ${reason}\n--- output ---\n${output.trim()}`));

    const onStdout = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      output += text;
      pending += text;
      const lines = pending.split(/\r?\n/);
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const match = LISTENING.exec(line);
        if (match) found[match[1] as Service] = match[2]!;
      }
      if (SERVICES.every((service) => found[service])) finish();
    };
    const onStderr = (chunk: Buffer) => {
      output += chunk.toString("utf8");
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => fail(`exited (code ${code}, signal ${signal})`);
    const onError = (error: Error) => fail(error.message);
    const timer = setTimeout(() => fail(`no "listening" line for every service within ${timeoutMs} ms`), timeoutMs);

    child.stdout?.on("data", onStdout);
    child.stderr?.on("data", onStderr);
    child.once("exit", onExit);
    child.once("error", onError);
  });
}

/** SIGTERM (Azurite closes its servers), then SIGKILL if it lingers. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
