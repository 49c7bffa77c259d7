/**
 * The emulator's HTTP traffic, kept for spec conformance: with NSPG_ARM_TRAFFIC_DIR set, each
 * emulator leaves the request/response pairs it served for the providers whose REST specs the
 * project validates against (test/conformance validates them with Microsoft's `oav`).
 *
 * Bounded on purpose: a pair is kept only when its shape is new (method, ARM operation, api-version,
 * status and the key structure of both bodies), and at most MAX_SHAPES_PER_OPERATION shapes per
 * method + operation + status, MAX_PAIRS_PER_EMULATOR in all. Identical calls repeated a thousand
 * times by the suite are one pair.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { join } from "node:path";

export const TRAFFIC_DIR_ENV = "NSPG_ARM_TRAFFIC_DIR";

/** Provider namespaces whose specs are in the pinned subset (lower case). */
export const RECORDED_PROVIDERS: readonly string[] = ["microsoft.network", "microsoft.storage", "microsoft.keyvault"];

const MAX_SHAPES_PER_OPERATION = 5;
const MAX_PAIRS_PER_EMULATOR = 400;

/** Request headers a spec can declare as parameters; never the Authorization header. */
const REQUEST_HEADERS = ["content-type", "if-match", "if-none-match", "x-ms-client-request-id"];

export interface TrafficPair {
  /** The ARM operation (`Microsoft.Network/networkSecurityPerimeters/read`), as the operation log names it. */
  operation: string | undefined;
  /** Deduplication key: method, operation, api-version, status and the shapes of both bodies. */
  shape: string;
  liveRequest: { method: string; url: string; headers: Record<string, string>; body?: unknown };
  liveResponse: { statusCode: string; headers: Record<string, string>; body?: unknown };
}

/** The key structure of a JSON value (names and value kinds, no values). */
export function shapeOf(value: unknown, depth = 0): string {
  if (value === null) return "null";
  if (Array.isArray(value)) {
    const items = [...new Set(value.slice(0, 5).map((v) => shapeOf(v, depth + 1)))].sort();
    return `[${items.join("|")}]`;
  }
  if (typeof value === "object") {
    if (depth > 6) return "{…}";
    const entries = Object.keys(value as Record<string, unknown>)
      .sort()
      .map((k) => `${k}:${shapeOf((value as Record<string, unknown>)[k], depth + 1)}`);
    return `{${entries.join(",")}}`;
  }
  return typeof value;
}

/** The provider namespace a request path addresses (the last `providers/{ns}`), lower case. */
export function providerOf(path: string): string | undefined {
  const match = /.*\/providers\/([^/?]+)/i.exec(path);
  return match?.[1]?.toLowerCase();
}

export class TrafficRecorder {
  private readonly pairs: TrafficPair[] = [];
  private readonly seen = new Set<string>();
  private readonly shapesPerOperation = new Map<string, number>();

  constructor(private readonly dir: string | undefined = process.env[TRAFFIC_DIR_ENV]) {}

  get enabled(): boolean {
    return !!this.dir;
  }

  record(
    request: { method: string; url: URL; headers: IncomingHttpHeaders; body: unknown },
    response: { status: number; headers: Record<string, string>; body: unknown },
    operation: string | undefined,
  ): void {
    if (!this.dir || this.pairs.length >= MAX_PAIRS_PER_EMULATOR) return;
    const provider = providerOf(request.url.pathname);
    if (!provider || !RECORDED_PROVIDERS.includes(provider)) return;
    const apiVersion = request.url.searchParams.get("api-version") ?? "";
    const operationKey = `${request.method} ${operation ?? request.url.pathname} ${response.status}`;
    const shape = createHash("sha1")
      .update(`${operationKey} ${apiVersion} ${shapeOf(request.body)} ${shapeOf(response.body)} ${Object.keys(response.headers).sort().join(",")}`)
      .digest("hex");
    if (this.seen.has(shape)) return;
    const count = this.shapesPerOperation.get(operationKey) ?? 0;
    if (count >= MAX_SHAPES_PER_OPERATION) return;
    this.seen.add(shape);
    this.shapesPerOperation.set(operationKey, count + 1);
    const headers: Record<string, string> = {};
    for (const name of REQUEST_HEADERS) {
      const value = request.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    this.pairs.push({
      operation,
      shape,
      liveRequest: { method: request.method, url: request.url.href, headers, ...(request.body !== undefined ? { body: request.body } : {}) },
      liveResponse: { statusCode: String(response.status), headers: { ...response.headers }, ...(response.body !== undefined ? { body: structuredClone(response.body) } : {}) },
    });
  }

  /** Leaves the pairs in the traffic folder (best effort: a missing file shows as too few pairs in the conformance check). */
  flush(): void {
    if (!this.dir || this.pairs.length === 0) return;
    try {
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(join(this.dir, `${process.pid}-${randomUUID()}.json`), JSON.stringify(this.pairs));
    } catch {
      // Best effort, like the operation log.
    }
  }
}
