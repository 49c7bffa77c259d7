/**
 * The emulator's Azure Resource Graph endpoint: `POST /providers/Microsoft.ResourceGraph/resources`
 * (`Resources` operation; request `QueryRequest`, answer `QueryResponse`, as `@azure/arm-resourcegraph`
 * 5.0.0 sends and reads them at api-version 2024-04-01: `subscriptions`, `managementGroups`, `query`,
 * `options.{$skipToken,$top,$skip,resultFormat}`; `totalRecords`, `count`, `resultTruncated`,
 * `$skipToken`, `data`, `facets`). The Resource Graph spec is not in ../shared/azure-rest-api-specs;
 * the shapes are the SDK's models (node_modules/@azure/arm-resourcegraph/dist/esm/models/resourceGraphApi/models.d.ts).
 *
 * It executes the one query shape the project sends, not KQL:
 *
 *     <table> | where type in~ ('<type>', ...) | project <column>, ... | order by id asc
 *
 * and rejects any other text with Resource Graph's error body (400 `BadRequest`, details
 * `InvalidQuery`, as quoted in Azure/azure-sdk-for-js#12780 and scautomation/AzureResourceGraph-Examples#2).
 *
 * Facts (../shared/docs/arm-facts.md "Resource Graph"):
 * - tables: `networkresources` holds the NSP child types (profiles, access rules, resource
 *   associations, links, link references); `recoveryservicesresources` holds Recovery Services
 *   protected items and Data Protection backup instances (and, UNCONFIRMED, backup policies: the
 *   reader GETs those from ARM either way); `resources` holds top-level resources. Extension
 *   resources (diagnostic settings), NSP configurations, file shares, storage management and
 *   inventory policies are in no table. Other child types: UNCONFIRMED, served by no table here.
 * - rows: types lower-cased, `properties` nested as in ARM GET; `systemData` not projected
 *   (UNCONFIRMED: the reader GETs what it needs of it from ARM, so either answer works).
 * - paging: `$top` at most 1,000 a page (default 100, docs "Work with large data sets"), continued
 *   by `$skipToken` only when the query projects `id`; otherwise the rows are cut and
 *   `resultTruncated` is "true".
 * - quota: 15 queries per 5 s per user, reported on every answer in `x-ms-user-quota-remaining` and
 *   `x-ms-user-quota-resets-after` (hh:mm:ss); when spent, 429 `RateLimiting` with `Retry-After`
 *   (body as quoted in Azure/azure-cli-extensions#3325; MicrosoftDocs/azure-docs#43481 reports 15 per 5 s).
 *
 * Scope: `subscriptions`, or `managementGroups` (each group names its subscriptions in the
 * emulator's `managementGroups` option: a flat map, no nesting; `placeSubscription` adds one as
 * creating or moving a subscription there does), or neither (the tenant: every subscription the
 * store holds). Both given: the union (UNCONFIRMED).
 *
 * `resourcecontainers` serves subscription rows only (type `microsoft.resources/subscriptions`, with
 * `properties.managementGroupAncestorsChain`), as the management-group sample queries read them
 * (https://learn.microsoft.com/azure/governance/management-groups/resource-graph-samples).
 */
import { createHash, randomUUID } from "node:crypto";
import type { ParsedArmId } from "../model/armId.js";
import { supportedVersions } from "./apiVersions.js";
import type { StoredResource } from "./store.js";

export const RESOURCE_GRAPH_PATH = /^\/providers\/microsoft\.resourcegraph\/resources$/i;
/** The RBAC operation of a query (Microsoft.ResourceGraph operations: "Submits a query on resources..."). */
export const RESOURCE_GRAPH_OPERATION = "Microsoft.ResourceGraph/resources/read";
/** The api-versions served (apiVersions.ts, `microsoft.resourcegraph`). */
export const RESOURCE_GRAPH_API_VERSIONS: readonly string[] = supportedVersions("microsoft.resourcegraph") ?? [];

export const RESOURCE_GRAPH_TABLES = ["resources", "networkresources", "recoveryservicesresources", "resourcecontainers"] as const;
export type ResourceGraphTable = (typeof RESOURCE_GRAPH_TABLES)[number];

/**
 * Columns of the three tables (Resource Graph's standard resource columns; the same for each, per
 * the "Resource Graph table and resource type reference"): what `project` may name.
 */
export const RESOURCE_GRAPH_COLUMNS: Readonly<Record<string, "string" | "dynamic">> = {
  id: "string",
  name: "string",
  type: "string",
  tenantId: "string",
  kind: "string",
  location: "string",
  resourceGroup: "string",
  subscriptionId: "string",
  managedBy: "string",
  sku: "dynamic",
  plan: "dynamic",
  properties: "dynamic",
  tags: "dynamic",
  identity: "dynamic",
  zones: "dynamic",
  extendedLocation: "dynamic",
};

/** Lower-case NSP child types held by `networkresources`. */
const NETWORK_RESOURCES_TYPES = new Set([
  "microsoft.network/networksecurityperimeters/profiles",
  "microsoft.network/networksecurityperimeters/profiles/accessrules",
  "microsoft.network/networksecurityperimeters/resourceassociations",
  "microsoft.network/networksecurityperimeters/links",
  "microsoft.network/networksecurityperimeters/linkreferences",
]);

/** Lower-case backup types held by `recoveryservicesresources`. */
const RECOVERY_SERVICES_TYPES = new Set([
  "microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems",
  "microsoft.dataprotection/backupvaults/backupinstances",
]);

/** The table a stored resource is queried from; undefined when Resource Graph holds it in none. */
export function tableOf(parsed: ParsedArmId): ResourceGraphTable | undefined {
  const type = parsed.type.toLowerCase();
  if (NETWORK_RESOURCES_TYPES.has(type)) return "networkresources";
  if (RECOVERY_SERVICES_TYPES.has(type)) return "recoveryservicesresources";
  if (!parsed.scopeId && parsed.rootId === parsed.id && parsed.provider) return "resources";
  return undefined;
}

export interface ResourceGraphQuota {
  readonly queries: number;
  readonly windowMs: number;
}

export const RESOURCE_GRAPH_QUOTA: ResourceGraphQuota = { queries: 15, windowMs: 5_000 };

const MAX_TOP = 1_000;
const DEFAULT_TOP = 100;

/** The `resourcecontainers` type of a subscription's row. */
export const SUBSCRIPTION_CONTAINER_TYPE = "microsoft.resources/subscriptions";

export interface ResourceGraphOptions {
  /** Management group id → the subscriptions under it (more with `placeSubscription`). */
  readonly managementGroups?: Readonly<Record<string, readonly string[]>>;
  /** The entries' version (ResourceStore.version): sorted matches are reused while it holds. */
  readonly version?: () => number;
  /** Per-user quota; false: none. */
  readonly quota?: ResourceGraphQuota | false;
}

export interface ResourceGraphAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
  /** Error code, for the operation log. */
  errorCode?: string;
}

/** A query of the one shape served. */
export interface RecognisedQuery {
  readonly table: ResourceGraphTable;
  readonly types: readonly string[];
  readonly columns: readonly string[];
}

/** Parses the served shape; a reason string for anything else. */
export function recogniseQuery(text: string): RecognisedQuery | string {
  const m = /^\s*(\w+)\s*\|\s*where\s+type\s+in~\s*\(([^)]*)\)\s*\|\s*project\s+([\w\s,]+?)\s*\|\s*order\s+by\s+id\s+asc\s*$/i.exec(text);
  if (!m) return "only `<table> | where type in~ ('...') | project ... | order by id asc` is served by this emulator";
  const table = m[1]!.toLowerCase();
  if (!(RESOURCE_GRAPH_TABLES as readonly string[]).includes(table)) return `The name '${m[1]}' does not refer to any known table, tabular variable or function.`;
  const types: string[] = [];
  for (const item of m[2]!.split(",")) {
    const literal = /^\s*'([^']*)'\s*$/.exec(item);
    if (!literal) return `expected a list of string literals after in~, got ${JSON.stringify(item.trim())}`;
    types.push(literal[1]!.toLowerCase());
  }
  const columns = m[3]!.split(",").map((c) => c.trim());
  for (const column of columns) {
    if (!(column in RESOURCE_GRAPH_COLUMNS)) return `'${column}' does not refer to any known column, table, variable or function.`;
  }
  return { table: table as ResourceGraphTable, types, columns };
}

interface SkipToken {
  offset: number;
  top: number;
  /** Hash of the query and scope the token continues. */
  context: string;
}

function encodeToken(token: SkipToken): string {
  return Buffer.from(JSON.stringify(token), "utf8").toString("base64");
}

function decodeToken(text: string): SkipToken | undefined {
  try {
    const t = JSON.parse(Buffer.from(text, "base64").toString("utf8")) as Partial<SkipToken>;
    if (Number.isInteger(t.offset) && Number.isInteger(t.top) && typeof t.context === "string") return t as SkipToken;
  } catch {
    // Not one of ours.
  }
  return undefined;
}

/** `hh:mm:ss`, as `x-ms-user-quota-resets-after` writes it. */
export function formatResetsAfter(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(Math.floor(total / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
}

type Json = Record<string, unknown>;

/** One row as Resource Graph shows a resource: every column, type lower-cased, "" or null when absent (UNCONFIRMED which). */
function rowOf(entry: StoredResource, tenantId: string): Json {
  const r = entry.resource as Json;
  const p = entry.parsed;
  const text = (v: unknown) => (typeof v === "string" ? v : "");
  const dyn = (v: unknown) => (v === undefined ? null : v);
  return {
    id: p.id,
    name: text(r["name"]) || p.name,
    type: p.type.toLowerCase(),
    tenantId,
    kind: text(r["kind"]),
    location: text(r["location"]),
    resourceGroup: (p.resourceGroup ?? "").toLowerCase(),
    subscriptionId: p.subscriptionId,
    managedBy: text(r["managedBy"]),
    sku: dyn(r["sku"]),
    plan: dyn(r["plan"]),
    properties: dyn(r["properties"]),
    tags: dyn(r["tags"]),
    identity: dyn(r["identity"]),
    zones: dyn(r["zones"]),
    extendedLocation: dyn(r["extendedLocation"]),
  };
}

export class ResourceGraphEndpoint {
  private readonly managementGroups: Map<string, string[]>;
  private readonly version: (() => number) | undefined;
  /** Sorted matches of recent queries, by query and scope, at one version of the entries. */
  private readonly matchCache = new Map<string, { version: number; entries: StoredResource[] }>();
  private readonly quota: ResourceGraphQuota | false;
  /** Per user: queries counted in the current window and when it started. */
  private readonly windows = new Map<string, { start: number; used: number }>();
  /** Queries answered (200), for benchmarks. */
  queries = 0;

  constructor(
    private readonly entries: () => Iterable<StoredResource>,
    options: ResourceGraphOptions = {},
  ) {
    this.managementGroups = new Map(Object.entries(options.managementGroups ?? {}).map(([mg, subs]) => [mg.toLowerCase(), [...subs]]));
    this.version = options.version;
    this.quota = options.quota ?? RESOURCE_GRAPH_QUOTA;
  }

  /**
   * Places a subscription under a management group (created when new), as moving or creating a
   * subscription there does: the group's queries, and its `resourcecontainers` rows, include it from now on.
   */
  placeSubscription(managementGroup: string, subscriptionId: string): void {
    const key = managementGroup.toLowerCase();
    const members = this.managementGroups.get(key) ?? [];
    if (!members.some((s) => s.toLowerCase() === subscriptionId.toLowerCase())) members.push(subscriptionId);
    this.managementGroups.set(key, members);
  }

  /** Takes a subscription from under a management group, as moving it elsewhere does: the group's queries leave it out from now on. */
  removeSubscription(managementGroup: string, subscriptionId: string): void {
    const members = this.managementGroups.get(managementGroup.toLowerCase());
    if (members) this.managementGroups.set(managementGroup.toLowerCase(), members.filter((s) => s.toLowerCase() !== subscriptionId.toLowerCase()));
  }

  /** Answers one `POST .../resources` for `user` (the token's object id) of `tenantId`. */
  query(body: unknown, apiVersion: string | undefined, user: string, tenantId: string, now = Date.now()): ResourceGraphAnswer {
    if (!apiVersion) return armError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
    if (!RESOURCE_GRAPH_API_VERSIONS.includes(apiVersion)) {
      return armError(400, "InvalidApiVersionParameter", `The api-version '${apiVersion}' is invalid. The supported versions are '${RESOURCE_GRAPH_API_VERSIONS.join(",")}'.`);
    }
    const quota = this.charge(user, now);
    if (quota.spent) {
      return {
        status: 429,
        errorCode: "RateLimiting",
        headers: { ...quota.headers, "retry-after": String(Math.max(1, Math.ceil(quota.resetsInMs / 1000))) },
        body: graphError("RateLimiting", [
          {
            code: "RateLimiting",
            message: "Client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed. Please see https://aka.ms/resourcegraph-throttling for help.",
          },
        ]),
      };
    }
    const answer = this.execute(body, tenantId);
    return { ...answer, headers: { ...answer.headers, ...quota.headers } };
  }

  private charge(user: string, now: number): { spent: boolean; resetsInMs: number; headers: Record<string, string> } {
    if (!this.quota) return { spent: false, resetsInMs: 0, headers: {} };
    const { queries, windowMs } = this.quota;
    let window = this.windows.get(user);
    if (!window || now - window.start >= windowMs) {
      window = { start: now, used: 0 };
      this.windows.set(user, window);
    }
    const resetsInMs = window.start + windowMs - now;
    const spent = window.used >= queries;
    if (!spent) window.used++;
    return {
      spent,
      resetsInMs,
      headers: { "x-ms-user-quota-remaining": String(queries - window.used), "x-ms-user-quota-resets-after": formatResetsAfter(resetsInMs) },
    };
  }

  private execute(body: unknown, tenantId: string): ResourceGraphAnswer {
    if (body === null || typeof body !== "object" || Array.isArray(body)) return badRequest("InvalidRequestContent", "The request content was invalid: expected a QueryRequest object.");
    const request = body as Json;
    if (typeof request["query"] !== "string") return badRequest("InvalidQuery", "Query is invalid. The 'query' property is required.");
    const recognised = recogniseQuery(request["query"]);
    if (typeof recognised === "string") {
      return badRequest("InvalidQuery", "Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying.", {
        code: "ParserFailure",
        message: recognised,
      });
    }
    const scope = this.scope(request);
    if (typeof scope === "object" && "error" in scope) return badRequest("InvalidScope", scope.error);
    const options = (request["options"] ?? {}) as Json;
    if (options["resultFormat"] !== undefined && options["resultFormat"] !== "objectArray") {
      // UNCONFIRMED default: 2021-03-01 and later answer objectArray unless asked for `table`; only objectArray is served.
      return badRequest("UnsupportedResultFormat", "This emulator serves resultFormat objectArray only.");
    }

    const rows = recognised.table === "resourcecontainers" ? this.containerRows(recognised, scope, tenantId) : this.matching(recognised, scope);
    const project = (row: Json) => Object.fromEntries(recognised.columns.map((c) => [c, row[c]]));
    const rowAt = (i: number): Json => {
      const row = rows[i]!;
      return "parsed" in row ? rowOf(row as StoredResource, tenantId) : (row as Json);
    };

    const context = createHash("sha256").update(JSON.stringify([request["query"], request["subscriptions"] ?? null, request["managementGroups"] ?? null])).digest("hex").slice(0, 16);
    const tokenText = options["$skipToken"];
    let offset = 0;
    let top = DEFAULT_TOP;
    if (tokenText !== undefined) {
      const token = typeof tokenText === "string" ? decodeToken(tokenText) : undefined;
      // UNCONFIRMED: the error a foreign or stale token gets.
      if (!token || token.context !== context) return badRequest("InvalidSkipToken", "The $skipToken does not continue this query and scope.");
      offset = token.offset;
      top = token.top;
    }
    for (const [key, apply] of [
      ["$top", (n: number) => (top = n)],
      ["$skip", (n: number) => (offset = n)],
    ] as const) {
      const value = options[key];
      if (value === undefined || value === null) continue;
      if (!Number.isInteger(value) || (value as number) < 0 || (key === "$top" && ((value as number) < 1 || (value as number) > MAX_TOP))) {
        // UNCONFIRMED: the code Resource Graph gives a $top over 1,000.
        return badRequest("InvalidParameter", `${key} must be a whole number${key === "$top" ? ` from 1 to ${MAX_TOP}` : ""}, got ${JSON.stringify(value)}.`);
      }
      apply(value as number);
    }
    const page: Json[] = [];
    for (let i = offset; i < Math.min(rows.length, offset + top); i++) page.push(project(rowAt(i)));
    const more = offset + page.length < rows.length;
    // Paging needs `id` in the projection; without it the rest is cut.
    const pageable = recognised.columns.includes("id");
    this.queries++;
    return {
      status: 200,
      headers: {},
      body: {
        totalRecords: rows.length,
        count: page.length,
        resultTruncated: more && !pageable ? "true" : "false",
        ...(more && pageable ? { $skipToken: encodeToken({ offset: offset + page.length, top, context }) } : {}),
        data: page,
        facets: [],
      },
    };
  }

  /**
   * The stored resources a query of a store-backed table matches in a scope, in `id` order. Rows are
   * built per page only, and the sorted matches are kept while the entries' version holds: a
   * 100,000-member tenant is read in hundreds of pages of the same few queries.
   */
  private matching(recognised: RecognisedQuery, scope: Set<string> | "tenant"): StoredResource[] {
    const key = JSON.stringify([recognised.table, [...recognised.types].sort(), scope === "tenant" ? "tenant" : [...scope].sort()]);
    const version = this.version?.();
    const cached = this.matchCache.get(key);
    if (version !== undefined && cached?.version === version) return cached.entries;
    const wanted = new Set(recognised.types);
    const keyed: Array<[string, StoredResource]> = [];
    for (const e of this.entries()) {
      if (tableOf(e.parsed) !== recognised.table || !wanted.has(e.parsed.type.toLowerCase())) continue;
      if (scope !== "tenant" && !scope.has(e.parsed.subscriptionId.toLowerCase())) continue;
      keyed.push([e.parsed.id.toLowerCase(), e]);
    }
    keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const entries = keyed.map(([, e]) => e);
    if (version !== undefined) {
      if (this.matchCache.size >= 16) this.matchCache.delete(this.matchCache.keys().next().value!);
      this.matchCache.set(key, { version, entries });
    }
    return entries;
  }

  /**
   * `resourcecontainers` rows of subscriptions (the only container type served): every subscription
   * of a management group, and every one the store holds resources in. A row carries
   * `properties.managementGroupAncestorsChain`, parent first, ending at the tenant root group named
   * by the tenant id ("Resource Graph sample queries for management groups",
   * https://learn.microsoft.com/azure/governance/management-groups/resource-graph-samples, reads
   * `mgParent[0].name` as the parent). Display name and state: UNCONFIRMED (the id, "Enabled").
   */
  private containerRows(recognised: RecognisedQuery, scope: Set<string> | "tenant", tenantId: string): Json[] {
    if (!recognised.types.includes(SUBSCRIPTION_CONTAINER_TYPE)) return [];
    const parents = new Map<string, { id: string; groups: string[] }>();
    const note = (subscriptionId: string, group?: string) => {
      const key = subscriptionId.toLowerCase();
      const known = parents.get(key) ?? { id: subscriptionId, groups: [] };
      if (group) known.groups.push(group);
      parents.set(key, known);
    };
    for (const [group, subscriptions] of this.managementGroups) for (const s of subscriptions) note(s, group);
    for (const e of this.entries()) if (!parents.has(e.parsed.subscriptionId.toLowerCase())) note(e.parsed.subscriptionId);
    const root = { name: tenantId, displayName: "Tenant Root Group" };
    return [...parents.entries()]
      .filter(([key]) => scope === "tenant" || scope.has(key))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, { id, groups }]) => ({
        id: `/subscriptions/${id}`,
        name: id,
        type: SUBSCRIPTION_CONTAINER_TYPE,
        tenantId,
        kind: "",
        location: "",
        resourceGroup: "",
        subscriptionId: id,
        managedBy: "",
        sku: null,
        plan: null,
        properties: { state: "Enabled", managementGroupAncestorsChain: [...groups.slice(0, 1).map((g) => ({ name: g, displayName: g })), root] },
        tags: null,
        identity: null,
        zones: null,
        extendedLocation: null,
      }));
  }

  private scope(request: Json): Set<string> | "tenant" | { error: string } {
    const subscriptions = request["subscriptions"];
    const groups = request["managementGroups"];
    if (subscriptions !== undefined && (!Array.isArray(subscriptions) || !subscriptions.every((s) => typeof s === "string"))) return { error: "subscriptions: expected an array of subscription ids" };
    if (groups !== undefined && (!Array.isArray(groups) || !groups.every((s) => typeof s === "string"))) return { error: "managementGroups: expected an array of management group ids" };
    if ((subscriptions?.length ?? 0) === 0 && (groups?.length ?? 0) === 0) return "tenant";
    const out = new Set<string>((subscriptions ?? []).map((s: string) => s.toLowerCase()));
    for (const group of (groups ?? []) as string[]) {
      const members = this.managementGroups.get(group.toLowerCase());
      // UNCONFIRMED: Resource Graph's answer for a management group the caller cannot see.
      if (!members) return { error: `The management group '${group}' was not found or the client has no access to it.` };
      for (const s of members) out.add(s.toLowerCase());
    }
    return out;
  }
}

function graphError(code: string, details: Json[]): Json {
  return {
    error: {
      code,
      message: `Please provide below info when asking for support: timestamp = ${new Date().toISOString()}, correlationId = ${randomUUID()}.`,
      details,
    },
  };
}

function badRequest(code: string, message: string, extra?: Json): ResourceGraphAnswer {
  return { status: 400, errorCode: "BadRequest", headers: {}, body: graphError("BadRequest", [{ code, message }, ...(extra ? [extra] : [])]) };
}

function armError(status: number, code: string, message: string): ResourceGraphAnswer {
  return { status, errorCode: code, headers: {}, body: { error: { code, message } } };
}
