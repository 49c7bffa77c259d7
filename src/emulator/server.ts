/**
 * A local stand-in for Azure Resource Manager, served over HTTPS so that the real Azure SDK clients
 * talk to it as they would to management.azure.com: bearer tokens, api-versions, `nextLink` paging,
 * long-running operations, ETags with `If-Match` where the provider has them, `systemData`, ARM error
 * bodies, role-based and linked authorization, and throttling. What each type answers (ETags,
 * long-running or synchronous, action responses, list limits) comes from the per-type table in
 * behaviour.ts, each row citing Azure's REST specification. Every write, delete and action is handed
 * to a `ChangeSink` (the Event Grid publisher) and every request is written to an operation log.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { idKey, lastSegment, parseArmId, type ParsedArmId } from "../model/armId.js";
import type { ArmResource } from "../model/resource.js";
import { T } from "../model/resourceTypes.js";
import { supportedVersions } from "./apiVersions.js";
import { generateServerCertificate } from "./certificate.js";
import type { ChangeKind, ChangeSink } from "./changes.js";
import { FaultInjector } from "./faults.js";
import { NSP_CONFIGURATIONS, nspConfigurationsFor } from "./nspConfigurations.js";
import { newEtag, ResourceStore, type StoredResource } from "./store.js";
import { callerOf, TokenIssuer, type Caller, type TokenClaims } from "./tokens.js";
import { allows, defaultRoleActions, linkedActionsFor, type LinkedAction } from "./authorization.js";
import { actionAnswer, behaviourOf, carriesProvisioningState, emulatesEtag, NSP_OPERATION_STATUS_READ, NSP_OPERATION_STATUSES, type LongRunning } from "./behaviour.js";
import { TrafficRecorder } from "./traffic.js";
import { LogAnalyticsError, LogAnalyticsWorkspaces } from "./logAnalytics.js";
import { RESOURCE_GRAPH_OPERATION, RESOURCE_GRAPH_PATH, ResourceGraphEndpoint, type ResourceGraphQuota } from "./resourceGraph.js";

export interface OperationLogEntry {
  time: string;
  method: string;
  /** Decoded request path without the query. */
  path: string;
  apiVersion: string | undefined;
  status: number;
  /** The ARM operation the request performs, as role definitions name them (`Microsoft.Storage/storageAccounts/read`). */
  operation: string | undefined;
  caller: { objectId: string; appId?: string } | undefined;
  /** The client's User-Agent: the guardrail's own calls carry `nsp-guardrail/{version}`. */
  userAgent: string | undefined;
  /**
   * Linked actions the request needed (association and subscription-rule writes), each with the
   * scope it must be granted at: the profile (in the perimeter's resource group), the member
   * resource, each subscription a rule names.
   */
  linked?: LinkedAction[];
  /** ARM's error code when the request failed (`LinkedAuthorizationFailed`, ...). */
  errorCode?: string;
}

export interface ThrottleSettings {
  /** Token bucket per subscription and principal, as ARM's: reads 250 refilling 25/s, writes 200 refilling 10/s. */
  reads: { capacity: number; refillPerSecond: number };
  writes: { capacity: number; refillPerSecond: number };
}

export const ARM_THROTTLING: ThrottleSettings = {
  reads: { capacity: 250, refillPerSecond: 25 },
  writes: { capacity: 200, refillPerSecond: 10 },
};

export interface ArmEmulatorOptions {
  seed?: Iterable<ArmResource>;
  port?: number;
  host?: string;
  /** Items per list page (ARM's NSP lists page at 20 with `$top`; most others at 100 or more). */
  pageSize?: number;
  /** Polls of an operation status before a long-running operation completes (0: done at the first poll). */
  lroPolls?: number;
  /** ARM-like throttling; off by default so that tests decide when to throttle. */
  throttling?: ThrottleSettings | false;
  sink?: ChangeSink;
  random?: () => number;
  /**
   * false: this emulator's traffic stays out of the spec conformance check (an emulator seeded with
   * answers that break the specs on purpose, to test how the product copes with them).
   */
  recordTraffic?: boolean;
  /**
   * api-versions of single resource types (lower case, `microsoft.keyvault/vaults/networksecurityperimeterconfigurations`)
   * narrower than their namespace's: ARM registers versions per resource type
   * (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-providers-and-types,
   * "View valid API versions for a resource type"), and refuses others with 400 NoRegisteredProviderFound.
   */
  typeApiVersions?: Readonly<Record<string, readonly string[]>>;
  /** Called with each request once it is answered (`nsp-guardrail emulator --verbose` logs them). */
  onOperation?: (entry: OperationLogEntry) => void;
  /**
   * `NSPAccessLogs` rows per Log Analytics workspace id, served by the query API at
   * `{endpoint}/v1/workspaces/{id}/query` (logAnalytics.ts); more with `logAnalytics.seed`.
   */
  logs?: Readonly<Record<string, readonly unknown[]>>;
  /** false: queries are not analysed by the Kusto language service (see LogAnalyticsWorkspaces). */
  analyseLogQueries?: boolean;
  /** Resource Graph: management group id → its subscriptions (resourceGraph.ts). */
  managementGroups?: Readonly<Record<string, readonly string[]>>;
  /** Resource Graph's per-user quota (default 15 queries per 5 s); false: none. */
  resourceGraphQuota?: ResourceGraphQuota | false;
}

/** The caller the emulator's default token stands for. */
export const DEFAULT_CALLER: Caller = {
  objectId: "00000000-0000-0000-0000-00000000a11c",
  name: "alice@contoso.example",
};

interface AsyncOperation {
  id: string;
  /** The resource the operation is about (`OperationStatusResult.resourceId`). */
  resourceId: string;
  startTime: string;
  endTime?: string;
  status: "InProgress" | "Succeeded" | "Failed";
  pollsLeft: number;
  complete: () => void;
}

class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface Bucket {
  tokens: number;
  at: number;
}

type Json = Record<string, unknown>;

function withoutProvisioningState(properties: Json): Json {
  const { provisioningState: _none, ...rest } = properties;
  return rest;
}

function typeSegments(parsed: ParsedArmId): string {
  return parsed.type;
}

export class ArmEmulator {
  readonly store: ResourceStore;
  readonly faults: FaultInjector;
  readonly operations: OperationLogEntry[] = [];
  /** The Log Analytics workspaces this emulator answers queries for. */
  readonly logAnalytics: LogAnalyticsWorkspaces;
  sink: ChangeSink | undefined;
  private readonly onOperation: ((entry: OperationLogEntry) => void) | undefined;
  private readonly tokens = new TokenIssuer();
  /** Request/response pairs for spec conformance (NSPG_ARM_TRAFFIC_DIR; see traffic.ts). */
  private readonly traffic: TrafficRecorder;
  private readonly asyncOps = new Map<string, AsyncOperation>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly pageSize: number;
  private readonly lroPolls: number;
  private readonly throttling: ThrottleSettings | false;
  private readonly typeApiVersions: Readonly<Record<string, readonly string[]>>;
  /** The Resource Graph query endpoint over this store (resourceGraph.ts). */
  readonly resourceGraph: ResourceGraphEndpoint;
  private server!: Server;
  private origin = "";
  private cert = "";

  private constructor(options: ArmEmulatorOptions) {
    this.traffic = options.recordTraffic === false ? new TrafficRecorder("") : new TrafficRecorder();
    this.store = new ResourceStore(options.seed ?? []);
    this.faults = new FaultInjector(options.random);
    this.sink = options.sink;
    this.onOperation = options.onOperation;
    this.pageSize = options.pageSize ?? 100;
    this.lroPolls = options.lroPolls ?? 1;
    this.throttling = options.throttling ?? false;
    this.resourceGraph = new ResourceGraphEndpoint(() => this.store.all(), {
      version: () => this.store.version,
      ...(options.managementGroups ? { managementGroups: options.managementGroups } : {}),
      ...(options.resourceGraphQuota !== undefined ? { quota: options.resourceGraphQuota } : {}),
    });
    this.typeApiVersions = Object.fromEntries(Object.entries(options.typeApiVersions ?? {}).map(([type, versions]) => [type.toLowerCase(), versions]));
    this.logAnalytics = new LogAnalyticsWorkspaces(options.analyseLogQueries === false ? { analyse: false } : {});
    for (const [workspaceId, rows] of Object.entries(options.logs ?? {})) this.logAnalytics.seed(workspaceId, rows);
  }

  static async start(options: ArmEmulatorOptions = {}): Promise<ArmEmulator> {
    const emulator = new ArmEmulator(options);
    const { cert, key } = await generateServerCertificate();
    emulator.cert = cert;
    emulator.server = createServer({ cert, key }, (req, res) => void emulator.handle(req, res));
    const host = options.host ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      emulator.server.once("error", reject);
      emulator.server.listen(options.port ?? 0, host, () => resolve());
    });
    const { port } = emulator.server.address() as AddressInfo;
    emulator.origin = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
    return emulator;
  }

  /** `https://127.0.0.1:{port}`: the ARM endpoint to give SDK clients. */
  get endpoint(): string {
    return this.origin;
  }

  /** `https://127.0.0.1:{port}/v1`: the Log Analytics endpoint to give `LogsQueryClient` (its `endpoint` option). */
  get logsEndpoint(): string {
    return `${this.origin}/v1`;
  }

  /** PEM of the self-signed certificate: what clients trust (TLS verification stays on). */
  get caCertificate(): string {
    return this.cert;
  }

  /** A bearer token for `caller`, valid for an hour. */
  token(caller: Caller = DEFAULT_CALLER): string {
    return this.tokens.mint(caller);
  }

  /** A TokenCredential (the `@azure/core-auth` shape) handing out this emulator's tokens. */
  credential(caller: Caller = DEFAULT_CALLER) {
    return {
      getToken: async () => ({ token: this.tokens.mint(caller), expiresOnTimestamp: Date.now() + 3_600_000 }),
    };
  }

  /** The stored resources, as a snapshot would hold them. */
  resources(): ArmResource[] {
    return this.store.all().map((e) => structuredClone(e.resource));
  }

  private closed = false;

  /** Stops serving (idempotent) and leaves the operation log where NSPG_ARM_OPLOG_DIR says. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    writeOperationLog(this.operations);
    this.traffic.flush();
  }

  // ---------------------------------------------------------------------------------------------
  // In-process writes: the same effects as a PUT or DELETE through HTTP (replay and the demo use them).
  // They are not authorization-checked: they stand for changes made by someone allowed to make them.

  /** Creates or replaces a resource as `caller` and emits its event; returns the stored resource. */
  put(resource: ArmResource, caller: Caller = DEFAULT_CALLER): ArmResource {
    const claims = this.tokens.verify(this.tokens.mint(caller))!;
    const parsed = parseArmId(resource.id);
    const stored = this.write(parsed, resource, claims, "Succeeded");
    this.emit("write", parsed, claims, "PUT", `${this.origin}${parsed.id}`, "127.0.0.1");
    return structuredClone(stored.resource);
  }

  /** Deletes a resource (and what is below it) as `caller` and emits its event; false when it did not exist. */
  delete(id: string, caller: Caller = DEFAULT_CALLER): boolean {
    const claims = this.tokens.verify(this.tokens.mint(caller))!;
    const existing = this.store.get(id);
    if (!existing) return false;
    this.store.delete(id);
    this.emit("delete", existing.parsed, claims, "DELETE", `${this.origin}${existing.parsed.id}`, "127.0.0.1");
    return true;
  }

  // ---------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.origin);
    const method = (req.method ?? "GET").toUpperCase();
    const path = url.pathname
      .split("/")
      .map((s) => decodeURIComponent(s))
      .join("/")
      .replace(/\/+$/, "");
    const apiVersion = url.searchParams.get("api-version") ?? undefined;
    const requestId = randomUUID();
    const correlationId = (req.headers["x-ms-correlation-request-id"] as string | undefined) ?? randomUUID();
    const entry: OperationLogEntry = {
      time: new Date().toISOString(),
      method,
      path,
      apiVersion,
      status: 0,
      operation: undefined,
      caller: undefined,
      userAgent: req.headers["user-agent"],
    };
    let requestBody: unknown;
    const isLogAnalytics = /^\/v1\/workspaces\//i.test(path);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      this.operations.push(entry);
      this.onOperation?.(entry);
      const text = body === undefined ? "" : JSON.stringify(body);
      const responseHeaders = {
        "content-type": "application/json; charset=utf-8",
        "x-ms-request-id": requestId,
        "x-ms-correlation-request-id": correlationId,
        ...headers,
      };
      // The ARM conformance check reads ARM traffic only; Log Analytics is another API.
      if (this.traffic.enabled && !isLogAnalytics) this.traffic.record({ method, url, headers: req.headers, body: requestBody }, { status, headers: responseHeaders, body }, entry.operation);
      res.writeHead(status, responseHeaders);
      res.end(text);
    };
    try {
      const body = await readBody(req);
      requestBody = body;
      const claims = this.authenticate(req);
      entry.caller = { objectId: claims.oid, ...(claims.appid ? { appId: claims.appid } : {}) };
      for (const fault of this.faults.decide(method, path)) {
        if (fault.kind === "latency") await new Promise((r) => setTimeout(r, fault.latencyMs));
        else if (fault.kind === "throttle") {
          throw new ArmError(429, "TooManyRequests", "The request is being throttled (injected fault).", {
            "retry-after": String(fault.retryAfterSeconds),
          });
        } else throw new ArmError(fault.status, fault.code, `Injected fault: HTTP ${fault.status}.`);
      }
      if (isLogAnalytics) {
        send(200, this.queryLogs(method, path, body));
        return;
      }
      const result = this.route(method, path, url, body, claims, entry, correlationId, req);
      this.throttle(claims, method, path);
      send(result.status, result.body, result.headers);
    } catch (error) {
      if (error instanceof LogAnalyticsError) {
        entry.errorCode = error.code;
        send(error.status, { error: { code: error.code, message: error.message, ...(error.inner ? { innererror: error.inner } : {}) } });
        return;
      }
      if (error instanceof ArmError) entry.errorCode = error.code;
      if (error instanceof ArmError) send(error.status, { error: { code: error.code, message: error.message } }, error.headers);
      else send(500, { error: { code: "InternalServerError", message: error instanceof Error ? error.message : String(error) } });
    }
  }

  /** `POST /v1/workspaces/{workspaceId}/query` (logAnalytics.ts); the spec's GET form is not what the SDK sends. */
  private queryLogs(method: string, path: string, body: unknown): unknown {
    const workspace = /^\/v1\/workspaces\/([^/]+)\/query$/i.exec(path)?.[1];
    if (!workspace) throw new LogAnalyticsError(404, "PathNotFoundError", `The requested path does not exist: ${path}.`);
    if (method !== "POST") throw new LogAnalyticsError(405, "MethodNotAllowed", `The emulator answers POST ${path} only (what @azure/monitor-query-logs sends).`);
    return this.logAnalytics.query(workspace, body, new Date());
  }

  private authenticate(req: IncomingMessage): TokenClaims {
    const header = req.headers.authorization;
    if (!header) {
      throw new ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.", {
        "www-authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"',
      });
    }
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const claims = match ? this.tokens.verify(match[1]!) : undefined;
    if (!claims) {
      throw new ArmError(401, "InvalidAuthenticationToken", "The access token is invalid or expired.", {
        "www-authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"',
      });
    }
    return claims;
  }

  /** ARM's token buckets: the charge is taken after routing so that the headers show what is left. */
  private throttle(claims: TokenClaims, method: string, path: string): void {
    if (!this.throttling) return;
    const kind = method === "GET" ? "reads" : "writes";
    const settings = this.throttling[kind];
    const subscription = /^\/subscriptions\/([^/]+)/i.exec(path)?.[1]?.toLowerCase() ?? "";
    const key = `${subscription}|${claims.oid}|${kind}`;
    const now = Date.now();
    const bucket = this.buckets.get(key) ?? { tokens: settings.capacity, at: now };
    bucket.tokens = Math.min(settings.capacity, bucket.tokens + ((now - bucket.at) / 1000) * settings.refillPerSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) {
      const wait = Math.ceil((1 - bucket.tokens) / settings.refillPerSecond);
      throw new ArmError(429, "TooManyRequests", `Number of ${kind} requests for subscription '${subscription}' exceeded the limit.`, {
        "retry-after": String(Math.max(1, wait)),
      });
    }
    bucket.tokens -= 1;
  }

  private checkApiVersion(apiVersion: string | undefined, namespace: string): void {
    if (!apiVersion) {
      throw new ArmError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
    }
    const supported = supportedVersions(namespace);
    if (supported && !supported.includes(apiVersion)) {
      throw new ArmError(
        400,
        "InvalidApiVersionParameter",
        `The api-version '${apiVersion}' is invalid. The supported versions are '${supported.join(",")}'.`,
      );
    }
  }

  /**
   * The type a path addresses (`{ns}/{type}/{name}/{child}...`), held against `typeApiVersions`. The
   * code and status are ARM's for a version a type does not register; the message text is UNCONFIRMED.
   */
  private checkTypeApiVersion(apiVersion: string | undefined, segments: readonly string[]): void {
    const providers = segments.map((s) => s.toLowerCase()).lastIndexOf("providers");
    const after = segments.slice(providers + 1);
    const typePath = after.slice(1).filter((_s, i) => i % 2 === 0).join("/");
    const supported = this.typeApiVersions[`${after[0]}/${typePath}`.toLowerCase()];
    if (!apiVersion || !supported || supported.includes(apiVersion)) return;
    throw new ArmError(
      400,
      "NoRegisteredProviderFound",
      `No registered resource provider found for location 'westeurope' and API version '${apiVersion}' for type '${typePath}'. The supported api-versions are '${supported.join(", ")}'.`,
    );
  }

  private route(
    method: string,
    path: string,
    url: URL,
    body: unknown,
    claims: TokenClaims,
    entry: OperationLogEntry,
    correlationId: string,
    req: IncomingMessage,
  ): { status: number; body?: unknown; headers?: Record<string, string> } {
    const apiVersion = url.searchParams.get("api-version") ?? undefined;
    const segments = path.split("/");
    // --- Resource Graph (resourceGraph.ts) ---
    if (RESOURCE_GRAPH_PATH.test(path)) {
      entry.operation = RESOURCE_GRAPH_OPERATION;
      this.authorize(claims, entry, "/");
      if (method !== "POST") throw new ArmError(405, "MethodNotAllowed", `${method} is not allowed on Resource Graph queries.`);
      const answer = this.resourceGraph.query(body, apiVersion, claims.oid, claims.tid);
      if (answer.errorCode) entry.errorCode = answer.errorCode;
      return answer;
    }
    // --- end Resource Graph ---
    if (segments[1]?.toLowerCase() !== "subscriptions" || !segments[2]) {
      throw new ArmError(404, "NotFound", `No route for ${method} ${path}.`);
    }
    const subscriptionId = segments[2];

    // Subscription itself.
    if (segments.length === 3) {
      this.checkApiVersion(apiVersion, "microsoft.resources");
      entry.operation = "Microsoft.Resources/subscriptions/read";
      this.authorize(claims, entry, path);
      if (method !== "GET") throw new ArmError(405, "MethodNotAllowed", `${method} is not allowed on a subscription.`);
      return { status: 200, body: { id: `/subscriptions/${subscriptionId}`, subscriptionId, displayName: subscriptionId, state: "Enabled", tenantId: claims.tid } };
    }

    // Status of an NSP long-running operation (`NetworkSecurityPerimeterOperationStatuses_Get`, behaviour.ts).
    const nspOp = new RegExp(`^/subscriptions/[^/]+/providers/Microsoft\\.Network/locations/[^/]+/${NSP_OPERATION_STATUSES}/([^/]+)$`, "i").exec(path);
    if (nspOp) {
      this.checkApiVersion(apiVersion, "microsoft.network");
      entry.operation = NSP_OPERATION_STATUS_READ;
      this.authorize(claims, entry, path);
      return this.operationStatus(nspOp[1]!, path);
    }
    // Location polling of a long-running operation (final-state-via: location). UNCONFIRMED: the path
    // each provider gives in `Location`; clients follow the header, whatever it names.
    const result = /\/providers\/([^/]+)\/locations\/[^/]+\/operationResults\/([^/]+)$/i.exec(path);
    if (result) {
      this.checkApiVersion(apiVersion, result[1]!);
      entry.operation = `${result[1]}/locations/operationResults/read`;
      this.authorize(claims, entry, path);
      return this.operationResult(result[2]!);
    }

    // The onboarded-types catalog of a location (`NetworkSecurityPerimeterAssociableResourceTypes_List`,
    // NSP spec): what the store holds under that path (src/model/resourceTypes.ts documents the shape).
    // UNCONFIRMED: the RBAC action ARM checks for it; this is the operation-name pattern of the path.
    if (/^\/subscriptions\/[^/]+\/providers\/Microsoft\.Network\/locations\/[^/]+\/perimeterAssociableResourceTypes$/i.test(path) && method === "GET") {
      this.checkApiVersion(apiVersion, "microsoft.network");
      entry.operation = "Microsoft.Network/locations/perimeterAssociableResourceTypes/read";
      this.authorize(claims, entry, path);
      // `PerimeterAssociableResource` has only id, name, type and properties (no location, tags or
      // systemData: the spec forbids additional properties), whatever the store holds for it.
      const items = this.store
        .all()
        .filter((e) => idKey(e.parsed.id).startsWith(`${idKey(path)}/`))
        .map(({ resource: { id, name, type, properties } }) => ({ id, name, type, ...(properties ? { properties } : {}) }));
      return this.page(items, url);
    }

    // Generic resource list: /subscriptions/{s}[/resourceGroups/{rg}]/resources?$filter=resourceType eq '...'
    if (/^\/subscriptions\/[^/]+(\/resourcegroups\/[^/]+)?\/resources$/i.test(path) && method === "GET") {
      this.checkApiVersion(apiVersion, "microsoft.resources");
      entry.operation = "Microsoft.Resources/subscriptions/resources/read";
      this.authorize(claims, entry, path);
      const filter = /resourceType\s+eq\s+'([^']+)'/i.exec(url.searchParams.get("$filter") ?? "")?.[1];
      const scope = path.slice(0, -"/resources".length);
      const items = this.store
        .all()
        .filter((e) => idKey(e.parsed.id).startsWith(`${idKey(scope)}/`) && e.parsed.rootId === e.parsed.id && !e.parsed.scopeId)
        .filter((e) => !filter || e.parsed.type.toLowerCase() === filter.toLowerCase())
        .map((e) => genericResource(e.resource));
      return this.page(items, url);
    }

    const namespace = [...segments].reverse().find((_s, i, all) => all[i + 1]?.toLowerCase() === "providers");
    if (!namespace) throw new ArmError(404, "NotFound", `No route for ${method} ${path}.`);
    this.checkApiVersion(apiVersion, namespace);
    this.checkTypeApiVersion(apiVersion, segments);

    let parsed: ParsedArmId | undefined;
    try {
      parsed = parseArmId(path);
    } catch {
      parsed = undefined;
    }

    // An action: POST {resourceId}/{action}
    if (method === "POST") {
      const actionName = segments[segments.length - 1]!;
      const targetPath = segments.slice(0, -1).join("/");
      let target: ParsedArmId;
      try {
        target = parseArmId(targetPath);
      } catch {
        throw new ArmError(404, "NotFound", `No route for POST ${path}.`);
      }
      entry.operation = `${target.type}/${actionName}/action`;
      this.authorize(claims, entry, targetPath);
      const exists = this.lookup(target);
      if (!exists) throw notFound(target);
      this.emit("action", target, claims, "POST", url.href, req.socket.remoteAddress ?? "127.0.0.1", correlationId, actionName);
      const answer = actionAnswer(target.type, actionName);
      if (answer.status === 202) {
        const opId = this.startOperation(target, () => undefined);
        return { status: 202, headers: { location: this.operationResultUrl(target, opId, apiVersion), "retry-after": "0" } };
      }
      // The NSP reconcile actions answer 200 with an empty object (`schema: {}`); Key Vault's 204 has no body.
      return answer.status === 200 ? { status: 200, body: answer.body ? answer.body(target) : {} } : { status: 204 };
    }

    if (!parsed) return this.list(method, path, segments, url, entry, claims);

    const type = typeSegments(parsed);
    switch (method) {
      case "GET": {
        entry.operation = `${type}/read`;
        this.authorize(claims, entry, parsed.id);
        const found = this.lookup(parsed);
        if (!found) throw notFound(parsed, this.store);
        return { status: 200, body: found.resource, headers: found.etag ? { etag: found.etag } : {} };
      }
      case "PUT":
      case "PATCH": {
        entry.operation = `${type}/write`;
        if (parsed.type.toLowerCase().endsWith(`/${NSP_CONFIGURATIONS.toLowerCase()}`)) {
          throw new ArmError(405, "MethodNotAllowed", "Network security perimeter configurations are read-only.");
        }
        if (body === null || typeof body !== "object" || Array.isArray(body)) {
          throw new ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: expected a JSON object.");
        }
        const current = this.store.get(parsed.id);
        if (body !== null && typeof body === "object" && !Array.isArray(body)) {
          const linkedBody = method === "PATCH" && current ? mergePatch(current.resource, body as Json) : (body as Json);
          this.authorize(claims, entry, parsed.id, linkedActionsFor(parsed.type, linkedBody));
        } else this.authorize(claims, entry, parsed.id);
        checkPreconditions(req, parsed, current);
        if (method === "PATCH" && !current) throw notFound(parsed, this.store);
        if (!current && parsed.parentId && parsed.parentId.split("/").length > 5 && !this.parentExists(parsed)) {
          throw new ArmError(404, "ParentResourceNotFound", `Can not perform requested operation on nested resource. Parent resource '${lastSegment(parsed.parentId)}' not found.`);
        }
        const merged = method === "PATCH" ? mergePatch(current!.resource, body as Json) : { ...(body as Json) };
        validateBody(parsed, merged as Json);
        const remote = req.socket.remoteAddress ?? "127.0.0.1";
        const longRunning: LongRunning | undefined = method === "PUT" ? behaviourOf(parsed.type)?.put : undefined;
        if (longRunning) {
          const state = current ? "Updating" : (longRunning.provisioningState ?? "Creating");
          const stored = this.write(parsed, merged as ArmResource, claims, state);
          const opId = this.startOperation(parsed, () => {
            const latest = this.store.get(parsed!.id);
            if (latest) {
              latest.resource.properties = { ...(latest.resource.properties ?? {}), provisioningState: "Succeeded" };
              this.emit("write", parsed!, claims, method as "PUT", url.href, remote, correlationId);
            }
          });
          return { status: longRunning.status, body: stored.resource, headers: { ...this.pollHeaders(parsed, opId, longRunning, apiVersion), ...etagHeader(stored) } };
        }
        const stored = this.write(parsed, merged as ArmResource, claims, "Succeeded");
        this.emit("write", parsed, claims, method as "PUT", url.href, remote, correlationId);
        return { status: current || method === "PATCH" ? 200 : 201, body: stored.resource, headers: etagHeader(stored) };
      }
      case "DELETE": {
        entry.operation = `${type}/delete`;
        this.authorize(claims, entry, parsed.id);
        const current = this.store.get(parsed.id);
        checkPreconditions(req, parsed, current);
        if (!current) return { status: 204 };
        const behaviour = behaviourOf(parsed.type);
        // `forceDeletion` (NetworkSecurityPerimeters_Delete): "deletes the resource even if it contains
        // any child associations". UNCONFIRMED: the error code and status without it (409 here).
        const force = /^true$/i.test(url.searchParams.get("forceDeletion") ?? "");
        if (parsed.type.toLowerCase() === T.perimeter && !force && this.store.childrenOf(parsed.id, T.association).length > 0) {
          throw new ArmError(409, "NspHasAssociations", `Network security perimeter ${parsed.name} has resource associations; remove them before deleting the perimeter, or delete with forceDeletion=true.`);
        }
        const remote = req.socket.remoteAddress ?? "127.0.0.1";
        if (behaviour?.delete) {
          current.resource.properties = { ...(current.resource.properties ?? {}), provisioningState: "Deleting" };
          const opId = this.startOperation(parsed, () => {
            this.store.delete(parsed!.id);
            this.emit("delete", parsed!, claims, "DELETE", url.href, remote, correlationId);
          });
          return { status: behaviour.delete.status, headers: this.pollHeaders(parsed, opId, behaviour.delete, apiVersion) };
        }
        this.store.delete(parsed.id);
        this.emit("delete", parsed, claims, "DELETE", url.href, remote, correlationId);
        return { status: 200 };
      }
      default:
        throw new ArmError(405, "MethodNotAllowed", `${method} is not supported.`);
    }
  }

  /** A stored resource, or a computed one (NSP configurations). */
  private lookup(parsed: ParsedArmId): StoredResource | undefined {
    if (parsed.type.toLowerCase().endsWith(`/${NSP_CONFIGURATIONS.toLowerCase()}`) && parsed.parentId) {
      const member = this.store.get(parsed.parentId);
      if (!member) return undefined;
      const config = nspConfigurationsFor(this.store, member.resource).find((c) => idKey(c.id) === idKey(parsed.id));
      return config ? { resource: config, parsed, etag: emulatesEtag(parsed.type) ? newEtag() : undefined } : undefined;
    }
    return this.store.get(parsed.id);
  }

  private parentExists(parsed: ParsedArmId): boolean {
    // Singleton service parents (fileServices/default, blobServices/default) exist with their account.
    let parentId = parsed.parentId;
    while (parentId) {
      const parent = parseArmId(parentId);
      if (this.store.get(parentId)) return true;
      if (!/^(file|blob|queue|table)Services$/i.test(parent.type.split("/").pop() ?? "")) return false;
      parentId = parent.parentId;
    }
    return false;
  }

  private list(method: string, path: string, segments: string[], url: URL, entry: OperationLogEntry, claims: TokenClaims) {
    if (method !== "GET") throw new ArmError(405, "MethodNotAllowed", `${method} is not allowed on a collection.`);
    const last = segments[segments.length - 1]!;
    const parentPath = segments.slice(0, -1).join("/");
    // {scope}/providers/{ns}/{type}: top-level list in a subscription or resource group, or extension list on a resource.
    if (segments[segments.length - 3]?.toLowerCase() === "providers") {
      const namespace = segments[segments.length - 2]!;
      const type = `${namespace}/${last}`;
      const scope = segments.slice(0, -3).join("/");
      entry.operation = `${type}/read`;
      this.authorize(claims, entry, scope);
      const scopeIsResource = /\/providers\//i.test(scope);
      if (scopeIsResource) {
        const scopeParsed = parseArmId(scope);
        if (!this.store.get(scope)) throw notFound(scopeParsed, this.store);
        return this.page(this.store.childrenOf(scope, type).map((e) => e.resource), url, type);
      }
      const items = this.store.below(scope, type).filter((e) => !e.parsed.scopeId).map((e) => e.resource);
      return this.page(items, url, type);
    }
    // {resourceId}/{childType}
    let parent: ParsedArmId;
    try {
      parent = parseArmId(parentPath);
    } catch {
      throw new ArmError(404, "NotFound", `No route for GET ${path}.`);
    }
    const type = `${parent.type}/${last}`;
    entry.operation = `${type}/read`;
    this.authorize(claims, entry, parent.id);
    const root = this.store.get(parent.rootId);
    if (!root) throw notFound(parseArmId(parent.rootId), this.store);
    if (last.toLowerCase() === NSP_CONFIGURATIONS.toLowerCase()) {
      const member = this.store.get(parent.id);
      if (!member) throw notFound(parent, this.store);
      return this.page(nspConfigurationsFor(this.store, member.resource), url);
    }
    // Recovery Services lists a vault's protected items flat, whatever their container.
    if (/^microsoft\.recoveryservices\/vaults$/i.test(parent.type) && /^backupProtectedItems$/i.test(last)) {
      entry.operation = "Microsoft.RecoveryServices/vaults/backupProtectedItems/read";
      return this.page(this.store.below(parent.id, T.protectedItem).map((e) => e.resource), url);
    }
    return this.page(this.store.childrenOf(parent.id, type).map((e) => e.resource), url, type);
  }

  /**
   * One page of a list, continued by `nextLink` with `$skipToken` (the NSP lists' parameter name; read
   * case-insensitively). NSP lists take `$top` in [1, 20] (behaviour.ts); UNCONFIRMED: ARM's error
   * code for a value outside it (400 InvalidParameter here).
   */
  private page(items: ArmResource[], url: URL, type?: string) {
    const sorted = [...items].sort((a, b) => (idKey(a.id) < idKey(b.id) ? -1 : idKey(a.id) > idKey(b.id) ? 1 : 0));
    const query = (name: string) => [...url.searchParams.entries()].find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
    const skip = Number(query("$skipToken") ?? 0) || 0;
    const topText = query("$top");
    const top = topText === undefined ? 0 : Number(topText);
    const topMax = type ? behaviourOf(type)?.topMax : undefined;
    if (topText !== undefined && topMax !== undefined && (!Number.isInteger(top) || top < 1 || top > topMax)) {
      throw new ArmError(400, "InvalidParameter", `The value '${topText}' of parameter '$top' is invalid: it must be an integer from 1 to ${topMax}.`);
    }
    const size = top > 0 ? Math.min(top, this.pageSize) : this.pageSize;
    const value = sorted.slice(skip, skip + size);
    const body: Json = { value };
    if (skip + size < sorted.length) {
      const next = new URL(url.href);
      for (const key of [...next.searchParams.keys()]) if (key.toLowerCase() === "$skiptoken") next.searchParams.delete(key);
      next.searchParams.set("$skipToken", String(skip + size));
      body["nextLink"] = next.href;
    }
    return { status: 200, body };
  }

  private write(parsed: ParsedArmId, body: ArmResource, claims: TokenClaims, provisioningState: string): StoredResource {
    const current = this.store.get(parsed.id)?.resource;
    const caller = callerOf(claims);
    const now = new Date().toISOString();
    const by = caller.name ?? caller.appId ?? caller.objectId;
    const byType = caller.name ? "User" : "Application";
    const { id: _id, name: _name, type: _type, etag: _etag, systemData: _sd, ...rest } = body;
    const resource: ArmResource = {
      ...rest,
      id: parsed.id,
      name: parsed.name,
      type: current?.type ?? parsed.type,
      properties: carriesProvisioningState(parsed.type)
        ? { ...((rest.properties as Json | undefined) ?? {}), provisioningState }
        : withoutProvisioningState((rest.properties as Json | undefined) ?? {}),
      systemData: {
        createdAt: current?.systemData?.createdAt ?? now,
        createdBy: current?.systemData?.createdBy ?? by,
        createdByType: current?.systemData?.createdByType ?? byType,
        lastModifiedAt: now,
        lastModifiedBy: by,
        lastModifiedByType: byType,
      },
      ...(emulatesEtag(parsed.type) ? { etag: newEtag() } : {}),
    };
    return this.store.set(resource);
  }

  /** Starts a long-running operation; returns its id. */
  private startOperation(parsed: ParsedArmId, complete: () => void): string {
    const id = randomUUID();
    const op: AsyncOperation = { id, resourceId: parsed.id, startTime: new Date().toISOString(), status: "InProgress", pollsLeft: this.lroPolls, complete };
    this.asyncOps.set(id, op);
    if (op.pollsLeft === 0) this.finishOperation(op);
    return id;
  }

  /** The headers of a long-running operation's 202, as the spec declares them for the type (behaviour.ts). */
  private pollHeaders(parsed: ParsedArmId, opId: string, lro: LongRunning, apiVersion: string | undefined): Record<string, string> {
    if (lro.via === "location") return { location: this.operationResultUrl(parsed, opId, apiVersion), "retry-after": "0" };
    // NSP: `/subscriptions/{s}/providers/Microsoft.Network/locations/{location}/networkSecurityPerimeterOperationStatuses/{operationId}`.
    const url = `${this.origin}/subscriptions/${parsed.subscriptionId}/providers/Microsoft.Network/locations/${EMULATED_LOCATION}/${NSP_OPERATION_STATUSES}/${opId}?api-version=${apiVersion ?? (supportedVersions("microsoft.network") ?? []).at(-1)}`;
    return { "azure-asyncoperation": url, "retry-after": "0" };
  }

  private operationResultUrl(parsed: ParsedArmId, opId: string, apiVersion: string | undefined): string {
    const provider = parsed.provider ?? "Microsoft.Network";
    return `${this.origin}/subscriptions/${parsed.subscriptionId}/providers/${provider}/locations/${EMULATED_LOCATION}/operationResults/${opId}?api-version=${apiVersion ?? (supportedVersions(provider) ?? []).at(-1)}`;
  }

  private finishOperation(op: AsyncOperation): void {
    if (op.status !== "InProgress") return;
    op.status = "Succeeded";
    op.endTime = new Date().toISOString();
    op.complete();
  }

  /** Counts a poll; true once the operation is done. */
  private poll(id: string): AsyncOperation {
    const op = this.asyncOps.get(id);
    if (!op) throw new ArmError(404, "OperationNotFound", `Operation ${id} was not found.`);
    if (op.status === "InProgress") {
      if (op.pollsLeft > 0) op.pollsLeft--;
      if (op.pollsLeft === 0) this.finishOperation(op);
    }
    return op;
  }

  /** `OperationStatusResult` (common-types v5 types.json): id, name, status, resourceId, startTime, endTime. */
  private operationStatus(id: string, path: string) {
    const op = this.poll(id);
    const body: Json = { id: path, name: id, status: op.status, resourceId: op.resourceId, startTime: op.startTime, ...(op.endTime ? { endTime: op.endTime } : {}) };
    return { status: 200, body, ...(op.status === "InProgress" ? { headers: { "retry-after": "0" } } : {}) };
  }

  /** Location polling: 202 while running, then 204 (the operation returns no resource). */
  private operationResult(id: string) {
    const op = this.poll(id);
    return op.status === "InProgress" ? { status: 202, headers: { "retry-after": "0" } } : { status: 204 };
  }

  /**
   * The caller's role must allow `entry.operation` on `scope`, and each linked action on its scope;
   * otherwise ARM's 403 AuthorizationFailed / LinkedAuthorizationFailed (authorization.ts). The linked
   * actions are logged either way: the least-privilege role must grant them.
   */
  private authorize(claims: TokenClaims, entry: OperationLogEntry, scope: string, linked: readonly LinkedAction[] = []): void {
    if (linked.length > 0) entry.linked = [...linked];
    const role = claims.nspg_role ?? defaultRoleActions();
    const who = `The client '${claims.upn ?? claims.appid ?? claims.oid}' with object id '${claims.oid}'`;
    const action = entry.operation!;
    if (!allows(role, action)) {
      throw new ArmError(403, "AuthorizationFailed", `${who} does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`);
    }
    const missing = linked.filter((l) => !allows(role, l.action));
    if (missing.length > 0) {
      const first = missing[0]!;
      const scopes = missing.filter((m) => m.action === first.action).map((m) => m.scope);
      throw new ArmError(
        403,
        "LinkedAuthorizationFailed",
        `${who} has permission to perform action '${action}' on scope '${scope}'; however, it does not have permission to perform action '${first.action}' on the linked scope(s) '${scopes.join(",")}' or the linked scope(s) are invalid.`,
      );
    }
  }

  private emit(
    kind: ChangeKind,
    parsed: ParsedArmId,
    claims: TokenClaims,
    httpMethod: "PUT" | "PATCH" | "DELETE" | "POST",
    url: string,
    clientIpAddress: string,
    correlationId: string = randomUUID(),
    action?: string,
  ): void {
    try {
      this.sink?.publish({
        kind,
        resourceId: parsed.id,
        resourceType: parsed.type,
        ...(action ? { action } : {}),
        subscriptionId: parsed.subscriptionId,
        claims,
        httpMethod,
        url,
        clientIpAddress: clientIpAddress.replace(/^::ffff:/, ""),
        correlationId,
        time: new Date(),
      });
    } catch {
      // A failing subscriber must never fail the ARM call that caused the event.
    }
  }
}

/**
 * With NSPG_ARM_OPLOG_DIR set, every emulator leaves its operation log there when it closes: the
 * test suite collects them to prove the deployment's role grants exactly the operations the code uses.
 */
/** The User-Agent prefix of the guardrail's SDK clients. */
/** The location the emulator's long-running operations report (any valid region would do). */
const EMULATED_LOCATION = "westeurope";

export const GUARDRAIL_USER_AGENT = "nsp-guardrail/";

function writeOperationLog(operations: readonly OperationLogEntry[]): void {
  const dir = process.env.NSPG_ARM_OPLOG_DIR;
  if (!dir || operations.length === 0) return;
  try {
    mkdirSync(dir, { recursive: true });
    // Refused calls (401, 403, 429, 5xx, bad requests) prove nothing about the permissions the code needs.
    // Only the guardrail's own calls count (tests also call the emulator directly to set the scene).
    // A 403 for a missing permission does count: the code needed the action, the role lacked it.
    const needed = (o: OperationLogEntry) =>
      o.status < 400 || o.status === 404 || o.status === 412 || (o.status === 403 && (o.errorCode === "AuthorizationFailed" || o.errorCode === "LinkedAuthorizationFailed"));
    const used = [
      ...new Set(
        operations
          .filter((o) => o.operation && o.userAgent?.includes(GUARDRAIL_USER_AGENT) && needed(o))
          .flatMap((o) => [o.operation!, ...(o.linked ?? []).map((l) => l.action)]),
      ),
    ].sort();
    writeFileSync(join(dir, `${process.pid}-${randomUUID()}.json`), JSON.stringify(used));
  } catch {
    // Best effort: a missing log shows up as an unused action in the least-privilege check.
  }
}

function genericResource(r: ArmResource): ArmResource {
  const { properties: _p, systemData: _s, ...rest } = r;
  return rest as ArmResource;
}

function notFound(parsed: ParsedArmId, store?: ResourceStore): ArmError {
  const group = parsed.resourceGroup ? ` under resource group '${parsed.resourceGroup}'` : "";
  if (store && parsed.parentId && parsed.rootId !== parsed.id && !store.get(parsed.rootId)) {
    return new ArmError(404, "ParentResourceNotFound", `Can not perform requested operation on nested resource. Parent resource '${lastSegment(parsed.rootId)}' not found.`);
  }
  return new ArmError(404, "ResourceNotFound", `The Resource '${parsed.type}/${parsed.name}'${group} was not found.`);
}

/** The ETag header of an answer, for types that have ETags. */
function etagHeader(stored: StoredResource): Record<string, string> {
  return stored.etag ? { etag: stored.etag } : {};
}

/**
 * If-Match / If-None-Match, only for types whose provider implements ETags: ARM's front door never
 * checks them, so for every other type (all NSP types) the headers are ignored, as in Azure.
 */
function checkPreconditions(req: IncomingMessage, parsed: ParsedArmId, current: StoredResource | undefined): void {
  if (!emulatesEtag(parsed.type)) return;
  const ifMatch = req.headers["if-match"];
  const ifNoneMatch = req.headers["if-none-match"];
  if (typeof ifMatch === "string") {
    if (!current || (ifMatch.trim() !== "*" && !ifMatch.split(",").some((t) => t.trim() === current.etag))) {
      throw new ArmError(412, "PreconditionFailed", `The condition specified using HTTP conditional header(s) is not met (If-Match ${ifMatch}).`);
    }
  }
  if (typeof ifNoneMatch === "string" && current && (ifNoneMatch.trim() === "*" || ifNoneMatch.split(",").some((t) => t.trim() === current.etag))) {
    throw new ArmError(412, "PreconditionFailed", "The resource already exists (If-None-Match).");
  }
}

function mergePatch(current: ArmResource, patch: Json): Json {
  const out: Json = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (key === "properties" && value && typeof value === "object" && !Array.isArray(value)) {
      out["properties"] = { ...(current.properties ?? {}), ...(value as Json) };
    } else out[key] = value;
  }
  return out;
}

function validateBody(parsed: ParsedArmId, body: Json): void {
  const props = body["properties"];
  if (props !== undefined && (props === null || typeof props !== "object" || Array.isArray(props))) {
    throw new ArmError(400, "InvalidRequestContent", "The request content was invalid: 'properties' must be an object.");
  }
  if (parsed.type.toLowerCase() === T.association) {
    const p = (props ?? {}) as Json;
    const member = (p["privateLinkResource"] as Json | undefined)?.["id"];
    const profile = (p["profile"] as Json | undefined)?.["id"];
    if (typeof member !== "string" || typeof profile !== "string") {
      throw new ArmError(400, "InvalidRequestFormat", "A resource association needs properties.privateLinkResource.id and properties.profile.id.");
    }
    const mode = p["accessMode"];
    if (mode !== undefined && !["learning", "enforced", "audit"].includes(String(mode).toLowerCase())) {
      throw new ArmError(400, "InvalidRequestFormat", `accessMode '${String(mode)}' is not one of Learning, Enforced, Audit.`);
    }
  }
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.");
  }
}
