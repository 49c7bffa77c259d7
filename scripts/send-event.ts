/**
 * `npm run send-event -- FILE [--url URL] [--function NAME]`: posts resource events to a local
 * Functions host's Event Grid endpoint, as an Event Grid subscription delivers them:
 *
 * - Event Grid schema: one POST of the JSON array (Event Grid always delivers arrays);
 * - CloudEvents 1.0: one POST per event in structured mode (`application/cloudevents+json`);
 *
 * both with `aeg-event-type: Notification`. FILE holds one event, an array of events, or
 * `{ "events": [...] }` (the shape of shared/docs/examples/eventgrid-*.json). Prints the HTTP status
 * of each request. Exit codes: 0 every request answered 2xx, 1 the host answered otherwise,
 * 2 bad input (one line on stderr), 3 the host could not be reached.
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { pathToFileURL } from "node:url";
import { Command, CommanderError } from "commander";

const NAME = "send-event";
export const DEFAULT_URL = "http://localhost:7071/runtime/webhooks/EventGrid";
export const DEFAULT_FUNCTION = "onResourceEvent";
const EXIT = { ok: 0, rejected: 1, usage: 2, unreachable: 3 } as const;
/** Event Grid waits 30 s for an answer before it counts a delivery as failed. */
const REQUEST_TIMEOUT_MS = 30_000;

type Schema = "EventGridSchema" | "CloudEventSchemaV1_0";

/** Bad input: reported as one line, exit 2. */
class UsageError extends Error {}

/** The host did not answer (refused, unknown host, timeout): exit 3. */
class UnreachableError extends Error {}

interface Delivery {
  body: string;
  contentType: string;
  count: number;
}

interface Options {
  url: string;
  function: string;
}

/** The events in `text` (one, an array, or `{ events: [...] }`) and the schema they share. */
export function parseEventFile(text: string, label: string): { schema: Schema; events: Array<Record<string, unknown>> } {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${label}: not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  let list: unknown[];
  let path: string;
  if (Array.isArray(document)) {
    [list, path] = [document, ""];
  } else if (isObject(document) && "events" in document) {
    if (!Array.isArray(document["events"])) throw new UsageError(`${label}: events: expected an array of events`);
    [list, path] = [document["events"], "events"];
  } else if (isObject(document)) {
    [list, path] = [[document], ""];
  } else {
    throw new UsageError(`${label}: expected an event, an array of events or { "events": [...] }`);
  }
  if (list.length === 0) throw new UsageError(`${label}: ${path || "(root)"}: no events`);
  const events = list.map((event, i) => {
    if (!isObject(event)) throw new UsageError(`${label}: ${path}[${i}]: expected an event object`);
    return event;
  });
  // `specversion` is what tells a CloudEvent apart; everything else is up to the host to judge (malformed
  // events are worth sending too: the app must park them).
  const schemas = new Set<Schema>(events.map((e) => (typeof e["specversion"] === "string" ? "CloudEventSchemaV1_0" : "EventGridSchema")));
  if (schemas.size > 1) throw new UsageError(`${label}: mixes Event Grid schema and CloudEvents events; one subscription delivers one schema`);
  return { schema: [...schemas][0]!, events };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The requests an Event Grid subscription of `schema` would make for these events. */
export function deliveries(schema: Schema, events: ReadonlyArray<Record<string, unknown>>): Delivery[] {
  if (schema === "EventGridSchema") return [{ body: JSON.stringify(events), contentType: "application/json", count: events.length }];
  return events.map((event) => ({ body: JSON.stringify(event), contentType: "application/cloudevents+json; charset=utf-8", count: 1 }));
}

/** The endpoint: `--url` with `functionName` from `--function` (or the URL's own when `--function` is not given). */
export function endpointOf(rawUrl: string, functionName: string, functionGiven: boolean): URL {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new UsageError(`--url: not a URL: ${JSON.stringify(rawUrl)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`--url: expected an http:// URL, got ${JSON.stringify(rawUrl)}`);
  if (!functionName.trim()) throw new UsageError("--function: expected a function name");
  if (functionGiven || !url.searchParams.has("functionName")) url.searchParams.set("functionName", functionName);
  return url;
}

function post(url: URL, delivery: Delivery): Promise<{ status: number; statusText: string; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = {
      "content-type": delivery.contentType,
      "content-length": String(Buffer.byteLength(delivery.body)),
      "aeg-event-type": "Notification",
    };
    const request = (url.protocol === "https:" ? https : http).request(url, { method: "POST", headers, timeout: REQUEST_TIMEOUT_MS }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? "", body: Buffer.concat(chunks).toString("utf8") }),
      );
      response.on("error", (error) => reject(new UnreachableError(`lost the answer of ${url.href}: ${error.message}`)));
    });
    request.on("timeout", () => request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    request.on("error", (error: NodeJS.ErrnoException) => reject(new UnreachableError(`cannot reach ${url.href}: ${error.message}`)));
    request.end(delivery.body);
  });
}

async function send(file: string, options: Options, functionGiven: boolean): Promise<number> {
  const url = endpointOf(options.url, options.function, functionGiven);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const { schema, events } = parseEventFile(text, file);
  let code: number = EXIT.ok;
  for (const delivery of deliveries(schema, events)) {
    const response = await post(url, delivery);
    const what = `${delivery.count} ${schema === "EventGridSchema" ? "Event Grid" : "CloudEvents"} event${delivery.count === 1 ? "" : "s"}`;
    process.stdout.write(`HTTP ${response.status} ${response.statusText}`.trimEnd() + ` (${what} to ${url.href})\n`);
    if (response.status < 200 || response.status > 299) {
      code = EXIT.rejected;
      const detail = response.body.trim().split("\n")[0]?.slice(0, 500);
      if (detail) process.stderr.write(`${NAME}: the host answered: ${detail}\n`);
    }
  }
  return code;
}

export async function main(argv: readonly string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command(NAME)
    .description("Post Event Grid or CloudEvents resource events to a local Functions host's Event Grid endpoint.")
    .argument("<file>", 'JSON: one event, an array of events, or { "events": [...] }')
    .option("--url <url>", "the host's Event Grid webhook", DEFAULT_URL)
    .option("--function <name>", "the Event Grid-triggered function (functionName query parameter)", DEFAULT_FUNCTION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .action(async (file: string, options: Options) => {
      code = await send(file, options, program.getOptionValueSource("function") === "cli");
    });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (error) {
    // Commander already printed its one line (or the help); help is not an error.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof UsageError) {
      process.stderr.write(`${NAME}: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof UnreachableError) {
      process.stderr.write(`${NAME}: ${error.message} (is the Functions host running? npm run build && func start)\n`);
      return EXIT.unreachable;
    }
    throw error;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
