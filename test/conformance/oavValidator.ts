/**
 * Microsoft's `oav` LiveValidator over the pinned spec subset, offline (no git clone, no network).
 * oav is heavy (it loads and compiles whole specs): load it once per file and time it.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { sharedFile, SPECS, SPEC_FILES } from "./shared.js";

export interface LivePair {
  liveRequest: { method: string; url: string; headers: Record<string, string>; body?: unknown };
  liveResponse: { statusCode: string; headers: Record<string, string>; body?: unknown };
}

export interface PairIssue {
  side: "request" | "response" | "runtime";
  code: string;
  message: string;
  path?: string;
}

export interface PairResult {
  operationId: string | undefined;
  issues: PairIssue[];
}

interface OavIssue {
  code: string;
  message: string;
  pathsInPayload?: string[];
}

interface OavResult {
  requestValidationResult: { errors: OavIssue[]; operationInfo?: { operationId?: string }; runtimeException?: OavIssue };
  responseValidationResult: { errors: OavIssue[]; operationInfo?: { operationId?: string }; runtimeException?: OavIssue };
  runtimeException?: OavIssue;
}

interface OavLiveValidator {
  initialize(): Promise<void>;
  validateLiveRequestResponse(pair: LivePair): Promise<OavResult>;
}

export interface LoadedValidator {
  validate(pair: LivePair): Promise<PairResult>;
  /** Milliseconds to import oav and to load and compile the specs. */
  importMs: number;
  initializeMs: number;
}

/** ajv inside oav warns on every use of Azure's `date-time-rfc7231` format; those lines say nothing about the traffic. */
async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  const log = console.log;
  const noisy = (args: unknown[]) => typeof args[0] === "string" && args[0].startsWith("unknown format");
  console.warn = (...args: unknown[]) => void (noisy(args) ? undefined : warn(...args));
  console.log = (...args: unknown[]) => void (noisy(args) ? undefined : log(...args));
  try {
    return await work();
  } finally {
    console.warn = warn;
    console.log = log;
  }
}

export async function loadValidator(): Promise<LoadedValidator> {
  const files = Object.values(SPEC_FILES);
  for (const file of files) sharedFile(join(SPECS, file));
  let start = performance.now();
  const oav = createRequire(import.meta.url)("oav") as { LiveValidator: new (options: object, log?: (message: string, level: string) => void) => OavLiveValidator };
  const importMs = performance.now() - start;
  const loadErrors: string[] = [];
  const validator = new oav.LiveValidator(
    { directory: SPECS, swaggerPathsPattern: files, git: { shouldClone: false }, isPathCaseSensitive: false },
    (message, level) => {
      if (level === "error") loadErrors.push(message);
    },
  );
  start = performance.now();
  await quietly(() => validator.initialize());
  const initializeMs = performance.now() - start;
  // A spec that fails to load would turn every pair of its provider into "operation not found": say so instead.
  if (loadErrors.length > 0) throw new Error(`oav could not load the spec subset under ${SPECS}: ${loadErrors.join(" | ")}`);
  return {
    importMs,
    initializeMs,
    async validate(pair) {
      const result = await quietly(() => validator.validateLiveRequestResponse(pair));
      const issues: PairIssue[] = [];
      const seen = new Set<string>();
      const add = (side: PairIssue["side"], e: OavIssue) => {
        const key = `${side} ${e.code} ${e.message}`;
        if (seen.has(key)) return;
        seen.add(key);
        issues.push({ side, code: e.code, message: e.message, ...(e.pathsInPayload?.[0] ? { path: e.pathsInPayload[0] } : {}) });
      };
      for (const e of result.requestValidationResult.errors) add("request", e);
      for (const e of result.responseValidationResult.errors) add("response", e);
      for (const e of [result.runtimeException, result.requestValidationResult.runtimeException, result.responseValidationResult.runtimeException]) if (e) add("runtime", e);
      return { operationId: result.responseValidationResult.operationInfo?.operationId ?? result.requestValidationResult.operationInfo?.operationId, issues };
    },
  };
}
