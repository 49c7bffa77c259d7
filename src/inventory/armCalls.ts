/**
 * How the live inventory talks to ARM: every SDK operation runs as one "call" of a session, which
 *
 * - bounds concurrency (a semaphore over calls, so a call waiting out a Retry-After keeps its slot:
 *   a throttled run slows down instead of piling more requests on ARM);
 * - gives every request the run's abort signal and a per-attempt timeout (a timed-out attempt is
 *   retried like a network error by the SDK's own retry policy);
 * - captures the raw JSON bodies of the call's responses. The SDK models are flattened and
 *   camel-cased; the rules read ARM JSON as GET returns it, so resources come from the raw bodies.
 *   A pipeline policy does the capture, keyed by AsyncLocalStorage, because the TypeSpec-generated
 *   clients (arm-network 39, arm-storage 21, ...) fetch pages after the first without the operation
 *   options: `onResponse`, `abortSignal` and timeouts given to `list()` reach the first page only;
 * - turns a persistent failure into one ArmUnavailableError line and stops the rest of the run.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { RestError, type PipelinePolicy, type PipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";
import { ArmUnavailableError, statusOf } from "../model/errors.js";

export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

interface CallContext {
  /** The session the call belongs to: it counts the call's requests, whichever session built the clients. */
  readonly session: CallSession;
  readonly label: string;
  readonly signal: AbortSignal;
  /** Parsed JSON bodies of the call's successful responses, in order (one per page). */
  readonly bodies: unknown[];
  requests: number;
  /** Body of the last error response: the TypeSpec clients' errors do not keep it. */
  errorBody?: string;
}

const currentCall = new AsyncLocalStorage<CallContext>();

export interface CallResult<T> {
  readonly value: T | undefined;
  readonly bodies: readonly unknown[];
  /** HTTP requests the call made (pages; retries not counted). */
  readonly requests: number;
  /** The call answered 404 and the caller accepts that as "does not exist". */
  readonly absent: boolean;
  /** ARM refused the call in a way the caller accepts as "cannot be read here" (`unavailableOn`): its status, code and message, one line. */
  readonly unavailable?: string;
}

export interface CallOptions {
  /** 404 means the thing does not exist (optional singletons, a member deleted meanwhile). */
  readonly absentOn404?: boolean;
  /**
   * Refusals that make this one input unavailable instead of failing the session (an api-version the
   * provider does not serve for the type, say): given the HTTP status and ARM's error code.
   */
  readonly unavailableOn?: (status: number, code: string | undefined) => boolean;
}

/** What every SDK operation gets: the call's abort signal. */
export interface SdkCallOptions {
  readonly abortSignal: AbortSignal;
}

export interface SessionOptions {
  readonly concurrency?: number;
  readonly requestTimeoutMs?: number;
  readonly signal?: AbortSignal;
  /** A limiter shared by several sessions (a long-lived reader runs one session per read); overrides `concurrency`. */
  readonly limiter?: Semaphore;
}

/** Bounds the calls in flight; calls never nest, so sessions may share one. */
export class Semaphore {
  private active = 0;
  /** Most holders at once: what tests check the bound against. */
  peak = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    this.peak = Math.max(this.peak, this.active);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiting.shift()?.();
    };
  }
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new Error("The live inventory was aborted.");
  error.name = "AbortError";
  return error;
}

function oneLine(text: string, max = 300): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** ARM's `{ error: { code, message } }` (or a bare `{ code, message }`) from a response body. */
function armErrorOf(bodyText: string | undefined): { code?: string; message?: string } {
  if (!bodyText) return {};
  try {
    const body = JSON.parse(bodyText) as { error?: { code?: unknown; message?: unknown }; code?: unknown; message?: unknown };
    const e = body.error ?? body;
    return {
      ...(typeof e.code === "string" ? { code: e.code } : {}),
      ...(typeof e.message === "string" ? { message: e.message } : {}),
    };
  } catch {
    return {};
  }
}

function requestOf(error: unknown): PipelineRequest | undefined {
  return (error as { request?: PipelineRequest } | null)?.request;
}

function describeRequest(request: PipelineRequest | undefined): string {
  if (!request) return "";
  try {
    return ` (${request.method} ${new URL(request.url).pathname})`;
  } catch {
    return ` (${request.method} ${request.url})`;
  }
}

const CREDENTIAL_ERRORS = new Set(["CredentialUnavailableError", "AuthenticationError", "AggregateAuthenticationError", "AuthenticationRequiredError"]);


/**
 * One line naming the failed call, its request, the HTTP status and ARM error code, for errors that
 * mean "ARM unavailable or refusing us"; undefined for anything else (a bug, an abort).
 */
export function armUnavailable(error: unknown, label: string, errorBody?: string): ArmUnavailableError | undefined {
  if (!(error instanceof Error)) return undefined;
  const where = `${label}${describeRequest(requestOf(error))}`;
  if (CREDENTIAL_ERRORS.has(error.name)) {
    return new ArmUnavailableError(oneLine(`ARM call failed: ${where}: no Azure token (${error.name}): ${error.message.split("\n")[0]}`));
  }
  if (error.name !== "RestError") return undefined;
  const rest = error as RestError;
  const status = statusOf(rest);
  if (status === undefined) {
    return new ArmUnavailableError(oneLine(`ARM call failed: ${where}: ARM unreachable (${rest.code ?? "network error"}: ${rest.message})`));
  }
  const arm = armErrorOf(rest.response?.bodyAsText ?? errorBody);
  const code = arm.code ?? rest.code;
  const refused = status === 401 || status === 403 ? " (credential refused)" : "";
  return new ArmUnavailableError(
    oneLine(`ARM call failed: ${where}: HTTP ${status}${code ? ` ${code}` : ""}${refused}${arm.message ? `: ${arm.message}` : ""}`),
  );
}

/**
 * ARM answered, but the SDK client could not read the answer (a required property missing, say: a
 * vault without `sku`): one line naming the call, not an internal error.
 */
function unreadableAnswer(error: unknown, label: string, answers: number): ArmUnavailableError | undefined {
  if (!(error instanceof TypeError) || answers === 0) return undefined;
  return new ArmUnavailableError(oneLine(`ARM call failed: ${label}: the answer does not fit the API's schema (${error.message})`));
}

/**
 * One inventory run's calls: concurrency, abort, timeouts, body capture and call counts. Its two
 * pipeline policies go into every SDK client of the run (`additionalPolicies`).
 */
export class CallSession {
  /** HTTP requests sent by calls (each page counts; retries do not). */
  requests = 0;
  /** HTTP attempts including retries. */
  attempts = 0;
  /** Logical calls made (one SDK operation, all its pages). */
  calls = 0;
  readonly signal: AbortSignal;
  private readonly stop = new AbortController();
  private readonly limiter: Semaphore;
  private readonly requestTimeoutMs: number;
  private firstFailure: Error | undefined;

  constructor(options: SessionOptions = {}) {
    const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
    this.limiter = options.limiter ?? new Semaphore(concurrency);
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.signal = options.signal ? AbortSignal.any([options.signal, this.stop.signal]) : this.stop.signal;
  }

  /** Most calls that were in flight at once. */
  get peakConcurrency(): number {
    return this.limiter.peak;
  }

  /** The first failure that stopped the run, if any. */
  get failure(): Error | undefined {
    return this.firstFailure;
  }

  private fail(error: Error): void {
    if (this.firstFailure) return;
    this.firstFailure = error;
    this.stop.abort(error);
  }

  /**
   * Runs one SDK operation (read it to the end: iterate every page) and returns its raw bodies.
   * `label` says what the call reads, for error messages ("list file shares of stdata").
   */
  async call<T>(label: string, operation: (options: SdkCallOptions) => Promise<T>, options: CallOptions = {}): Promise<CallResult<T>> {
    const release = await this.limiter.acquire();
    const context: CallContext = { session: this, label, signal: this.signal, bodies: [], requests: 0 };
    try {
      if (this.signal.aborted) throw abortError(this.signal);
      this.calls++;
      const value = await currentCall.run(context, () => operation({ abortSignal: context.signal }));
      return { value, bodies: context.bodies, requests: context.requests, absent: false };
    } catch (error) {
      const status = statusOf(error);
      if (status !== undefined && options.unavailableOn && !this.signal.aborted) {
        const arm = armErrorOf((error as RestError).response?.bodyAsText ?? context.errorBody);
        const code = arm.code ?? (error as RestError).code;
        if (options.unavailableOn(status, code)) {
          const unavailable = oneLine(`HTTP ${status}${code ? ` ${code}` : ""}${arm.message ? `: ${arm.message}` : ""}`);
          return { value: undefined, bodies: [], requests: context.requests, absent: true, unavailable };
        }
      }
      if (options.absentOn404 && status === 404 && !this.signal.aborted) {
        return { value: undefined, bodies: [], requests: context.requests, absent: true };
      }
      if (this.signal.aborted) throw this.firstFailure ?? abortError(this.signal);
      const mapped = armUnavailable(error, label, context.errorBody) ?? unreadableAnswer(error, label, context.bodies.length);
      const failure = mapped ?? (error instanceof Error ? error : new Error(String(error)));
      this.fail(failure);
      throw failure;
    } finally {
      release();
    }
  }

  /**
   * Per call (outside the retry loop): sees each request once and its final response. Clients may
   * outlive the session that built them (the event pipeline's reader): a request counts on the
   * session of the call it belongs to.
   */
  readonly capturePolicy: PipelinePolicy = {
    name: "nspgCaptureRawBodies",
    sendRequest: async (request: PipelineRequest, next) => {
      const context = currentCall.getStore();
      const session = context?.session ?? this;
      // Pages fetched by a paging helper without options still belong to the run.
      request.abortSignal ??= context?.signal ?? session.signal;
      session.requests++;
      if (context) context.requests++;
      const response: PipelineResponse = await next(request);
      if (context && response.status >= 400) context.errorBody = response.bodyAsText ?? undefined;
      if (context && response.status >= 200 && response.status < 300 && response.bodyAsText) {
        try {
          context.bodies.push(JSON.parse(response.bodyAsText));
        } catch {
          // Not JSON: nothing a rule could read.
        }
      }
      return response;
    },
  };

  /**
   * Per attempt (after the retry policy): a timeout for each attempt. A timed-out attempt becomes a
   * RestError with code ETIMEDOUT, which the SDK's retry policy retries like any network error.
   */
  readonly timeoutPolicy: PipelinePolicy = {
    name: "nspgAttemptTimeout",
    sendRequest: async (request: PipelineRequest, next) => {
      const session = currentCall.getStore()?.session ?? this;
      session.attempts++;
      const timeoutMs = session.requestTimeoutMs;
      const outer = request.abortSignal;
      const attempt = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        attempt.abort();
      }, timeoutMs);
      const onOuterAbort = () => attempt.abort();
      if (outer?.aborted) attempt.abort();
      else outer?.addEventListener("abort", onOuterAbort, { once: true });
      request.abortSignal = attempt.signal;
      try {
        return await next(request);
      } catch (error) {
        if (timedOut && !outer?.aborted) {
          throw new RestError(`no response within ${timeoutMs} ms`, { code: "ETIMEDOUT", request });
        }
        throw error;
      } finally {
        clearTimeout(timer);
        outer?.removeEventListener("abort", onOuterAbort);
        request.abortSignal = outer;
      }
    },
  };
}
