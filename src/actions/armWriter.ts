/**
 * The ARM writes of reverts and undos: the `ArmWriter` port, and its implementation over
 * `@azure/arm-network`'s NetworkManagementClient (the official SDK, with its retry policy and
 * long-running-operation pollers), built with the same connection as the live reader: endpoint and CA
 * from `--arm-endpoint` / NSPG_ARM_ENDPOINT / NSPG_ARM_CA_FILE, the process-wide credential, the same
 * retry options and per-attempt timeout.
 *
 * It writes network security perimeter associations and access rules and nothing else: every call
 * checks the id (`assertPerimeterResource`) and dispatches to the SDK operation of that type only;
 * there is no generic write. A PUT carries only the writable properties. The caller compares before
 * it writes (the executor re-reads the target); the write carries `If-Match` / `If-None-Match: *` only
 * for types whose provider has ETags (src/model/resourceTypes.ts `hasEtag`: no NSP type has), and a
 * 412 becomes PreconditionFailedError.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { TokenCredential } from "@azure/core-auth";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { NetworkManagementClient } from "@azure/arm-network";
import { idKey } from "../model/armId.js";
import type { ArmResource } from "../model/resource.js";
import { CallSession } from "../inventory/armCalls.js";
import { liveClientSettings } from "../inventory/liveInventory.js";
import type { ArmConnectionOptions, ArmRetryOptions } from "../inventory/armClients.js";
import { TOOL_NAME, VERSION } from "../version.js";
import { assertPerimeterResource, writableProperties } from "./safety.js";
import { statusOf } from "../model/errors.js";

/**
 * The condition of a write, for types with ETags: the ETag the target must still have, or "must not
 * exist" (re-creation). `{}`: no header, for types whose provider has no ETags (ARM would ignore it).
 */
export type PutCondition = { ifMatch: string } | { ifNoneMatch: "*" } | Record<string, never>;
export type DeleteCondition = { ifMatch: string } | Record<string, never>;

export interface ArmWriter {
  /** The resource as ARM has it now, with its `etag`; undefined when it does not exist. */
  get(resourceId: string): Promise<ArmResource | undefined>;
  /** Creates or replaces an association or access rule with the writable part of `resource`; returns ARM's answer with its `etag`. */
  put(resource: ArmResource, condition: PutCondition): Promise<ArmResource>;
  /** Deletes an association or access rule (if it still has the ETag `ifMatch`, when given). */
  delete(resourceId: string, condition: DeleteCondition): Promise<void>;
}

/** 412: the resource changed since the ETag was read (or exists, for If-None-Match). Nothing was written. */
export class PreconditionFailedError extends Error {
  override readonly name = "PreconditionFailedError";
}

/** An ARM failure of a write. `retryable`: 429, 5xx or no answer, after the SDK's own retries. */
export class ArmWriteError extends Error {
  override readonly name = "ArmWriteError";
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly code: string | undefined,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface SdkArmWriterOptions extends ArmConnectionOptions {
  /** Default: the process-wide credential (src/inventory/credential.ts), as the reader's. */
  credential?: TokenCredential;
  retryOptions?: ArmRetryOptions;
  /** Timeout of each HTTP attempt (default 30 s); a timed-out attempt is retried by the SDK. */
  requestTimeoutMs?: number;
  /** Poll interval of long-running operations when ARM sends no Retry-After (SDK default otherwise). */
  pollIntervalMs?: number;
  /** Environment for NSPG_ARM_ENDPOINT and NSPG_ARM_CA_FILE (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
}

interface Exchange {
  method: string;
  url: string;
  status: number;
  etag: string | undefined;
  body: string | undefined;
}

const exchanges = new AsyncLocalStorage<Exchange[]>();

/** Per call, after the SDK's retries: keeps the final responses of a write (raw body and ETag header). */
const capturePolicy: PipelinePolicy = {
  name: "nspgCaptureWrites",
  sendRequest: async (request, next) => {
    const response = await next(request);
    exchanges.getStore()?.push({
      method: request.method,
      url: request.url,
      status: response.status,
      etag: response.headers.get("etag") ?? undefined,
      body: response.bodyAsText ?? undefined,
    });
    return response;
  },
};

const CREDENTIAL_ERRORS = new Set(["CredentialUnavailableError", "AuthenticationError", "AggregateAuthenticationError", "AuthenticationRequiredError"]);


/** ARM's `{ error: { code, message } }` from an SDK error. */
function armErrorOf(error: unknown): { code?: string; message?: string } {
  const e = error as { code?: unknown; details?: { error?: { code?: unknown; message?: unknown } }; response?: { bodyAsText?: string } } | null;
  let code = typeof e?.details?.error?.code === "string" ? e.details.error.code : undefined;
  let message = typeof e?.details?.error?.message === "string" ? e.details.error.message : undefined;
  if ((!code || !message) && e?.response?.bodyAsText) {
    try {
      const body = JSON.parse(e.response.bodyAsText) as { error?: { code?: unknown; message?: unknown } };
      if (!code && typeof body.error?.code === "string") code = body.error.code;
      if (!message && typeof body.error?.message === "string") message = body.error.message;
    } catch {
      // Not JSON: the status says enough.
    }
  }
  if (!code && typeof e?.code === "string") code = e.code;
  // The REST-level clients put ARM's message in the error's own message (e.g. a 403 LinkedAuthorizationFailed).
  const own = (error as { message?: unknown } | null)?.message;
  if (!message && typeof own === "string" && own.trim() && own !== code && !/^Unexpected status code/i.test(own)) message = own;
  return { ...(code ? { code } : {}), ...(message ? { message } : {}) };
}

function isRetryable(status: number | undefined): boolean {
  return status === undefined || status === 408 || status === 429 || status >= 500;
}

/** Names along the id's type path, for the SDK's positional parameters. */
function names(parsedId: string): string[] {
  const parts = parsedId.split("/");
  const providers = parts.findIndex((s) => s.toLowerCase() === "providers");
  return parts.slice(providers + 2).filter((_s, i) => i % 2 === 1);
}

export class SdkArmWriter implements ArmWriter {
  private readonly clients = new Map<string, NetworkManagementClient>();
  private readonly clientOptions: Record<string, unknown>;
  private readonly credential: TokenCredential;
  private readonly pollIntervalMs: number | undefined;

  constructor(options: SdkArmWriterOptions = {}) {
    // The reader's resolution: endpoint, CA and credential exactly as `scan --subscription` gets them.
    const settings = liveClientSettings({ ...options, env: options.env ?? process.env });
    const session = new CallSession(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {});
    this.credential = settings.credential;
    this.pollIntervalMs = options.pollIntervalMs;
    this.clientOptions = {
      endpoint: settings.connection.endpoint,
      ...(settings.connection.ca ? { tlsOptions: { ca: settings.connection.ca } } : {}),
      ...(settings.retryOptions ? { retryOptions: { ...settings.retryOptions } } : {}),
      credentialScopes: [settings.connection.scope],
      credentials: { scopes: [settings.connection.scope] },
      userAgentOptions: { userAgentPrefix: `${TOOL_NAME}/${VERSION}` },
      additionalPolicies: [
        { policy: capturePolicy, position: "perCall" },
        // Outside any read session, the policy times each attempt with this session's timeout.
        { policy: session.timeoutPolicy, position: "perRetry" },
      ],
    };
  }

  private network(subscriptionId: string): NetworkManagementClient {
    const key = subscriptionId.toLowerCase();
    let client = this.clients.get(key);
    if (!client) {
      client = new NetworkManagementClient(this.credential, subscriptionId, this.clientOptions);
      this.clients.set(key, client);
    }
    return client;
  }

  async get(resourceId: string): Promise<ArmResource | undefined> {
    const { parsed, kind } = assertPerimeterResource(resourceId);
    const c = this.network(parsed.subscriptionId).networkSecurityPerimeterAssociations;
    const rules = this.network(parsed.subscriptionId).networkSecurityPerimeterAccessRules;
    const rg = parsed.resourceGroup!;
    const [n0 = "", n1 = "", n2 = ""] = names(parsed.id);
    try {
      const { log } = await this.capture(`read ${parsed.name}`, () =>
        kind === "association" ? c.get(rg, n0, n1) : rules.get(rg, n0, n1, n2),
      );
      return resourceFrom(log, parsed.id);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async put(resource: ArmResource, condition: PutCondition): Promise<ArmResource> {
    const { parsed, kind } = assertPerimeterResource(resource.id);
    if (resource.type && resource.type.toLowerCase() !== parsed.type.toLowerCase()) {
      throw new Error(`refusing to write ${parsed.id}: body type ${resource.type} does not match the id`);
    }
    const rg = parsed.resourceGroup!;
    const [n0 = "", n1 = "", n2 = ""] = names(parsed.id);
    const headers: Record<string, string> = "ifMatch" in condition ? { "If-Match": condition.ifMatch } : "ifNoneMatch" in condition ? { "If-None-Match": condition.ifNoneMatch } : {};
    const requestOptions = { requestOptions: { headers } };
    // The SDK models are the ARM properties flattened; only writable ones go in, and its serializer sends only those.
    const model = writableProperties(resource);
    const network = this.network(parsed.subscriptionId);
    const { log } = await this.capture(`write ${parsed.name}`, async () => {
      if (kind === "association") {
        // Long-running in Azure (202 + Azure-AsyncOperation): wait for the poller to finish.
        const poller = network.networkSecurityPerimeterAssociations.createOrUpdate(rg, n0, n1, model, {
          ...requestOptions,
          ...(this.pollIntervalMs !== undefined ? { updateIntervalInMs: this.pollIntervalMs } : {}),
        });
        return poller.pollUntilDone();
      }
      return network.networkSecurityPerimeterAccessRules.createOrUpdate(rg, n0, n1, n2, model, requestOptions);
    });
    const after = resourceFrom(log, parsed.id);
    if (!after) throw new ArmWriteError(`write ${parsed.name}: ARM answered without the resource`, undefined, undefined, true);
    return after;
  }

  async delete(resourceId: string, condition: DeleteCondition): Promise<void> {
    const { parsed, kind } = assertPerimeterResource(resourceId);
    const rg = parsed.resourceGroup!;
    const [n0 = "", n1 = "", n2 = ""] = names(parsed.id);
    const headers: Record<string, string> = "ifMatch" in condition ? { "If-Match": condition.ifMatch as string } : {};
    const options = { requestOptions: { headers } };
    const network = this.network(parsed.subscriptionId);
    await this.capture(`delete ${parsed.name}`, async () => {
      if (kind === "association") {
        return network.networkSecurityPerimeterAssociations
          .delete(rg, n0, n1, { ...options, ...(this.pollIntervalMs !== undefined ? { updateIntervalInMs: this.pollIntervalMs } : {}) })
          .pollUntilDone();
      }
      return network.networkSecurityPerimeterAccessRules.delete(rg, n0, n1, n2, options);
    });
  }

  /** Runs one SDK operation, capturing its raw responses; maps failures to PreconditionFailedError / ArmWriteError. */
  private async capture<T>(label: string, operation: () => Promise<T>): Promise<{ value: T; log: Exchange[] }> {
    const log: Exchange[] = [];
    try {
      const value = await exchanges.run(log, operation);
      return { value, log };
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) throw error; // the callers decide what "absent" means
      if (error instanceof Error && CREDENTIAL_ERRORS.has(error.name)) {
        throw new ArmWriteError(`${label}: no Azure token (${error.name}): ${oneLine(error.message.split("\n")[0] ?? "")}`, undefined, error.name, false);
      }
      const arm = armErrorOf(error);
      if (status === 412) throw new PreconditionFailedError(`${label}: HTTP 412${arm.code ? ` ${arm.code}` : ""}: the resource changed since its ETag was read`);
      const what = status === undefined ? `ARM unreachable (${arm.code ?? (error instanceof Error ? error.message : String(error))})` : `HTTP ${status}${arm.code ? ` ${arm.code}` : ""}`;
      throw new ArmWriteError(`${label}: ${what}${arm.message ? `: ${oneLine(arm.message)}` : ""}`, status, arm.code, isRetryable(status));
    }
  }
}

function oneLine(text: string, max = 800): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * The resource from the last successful response that carries it (the PUT's answer, or the final GET
 * of a long-running operation), with its ETag from the header when the body has none.
 */
function resourceFrom(log: readonly Exchange[], id: string): ArmResource | undefined {
  for (const exchange of [...log].reverse()) {
    if (exchange.status < 200 || exchange.status >= 300 || !exchange.body) continue;
    let body: unknown;
    try {
      body = JSON.parse(exchange.body);
    } catch {
      continue;
    }
    const resource = body as ArmResource;
    if (typeof resource?.id !== "string" || idKey(resource.id) !== idKey(id)) continue;
    const etag = typeof resource.etag === "string" ? resource.etag : exchange.etag;
    return { ...resource, ...(etag ? { etag } : {}) };
  }
  return undefined;
}
