/**
 * The Log Analytics query API as the emulator serves it, for the one query the project sends
 * (`READINESS_QUERY`, src/readiness/workspace.ts), over `NSPAccessLogs` rows seeded per workspace.
 *
 * Sources:
 * - REST: Azure/azure-rest-api-specs `specification/operationalinsights/data-plane/Microsoft.OperationalInsights/stable/v1/OperationalInsights.json`:
 *   host `api.loganalytics.io`, base path `/v1`, `POST /workspaces/{workspaceId}/query` with body
 *   `{ query (required), timespan?, workspaces? }`; 200 `queryResults` `{ tables: [{ name, columns: [{ name, type }], rows }] }`;
 *   errors `errorResponse` `{ error: { code, message, details?, innererror? } }`. The timespan (ISO 8601
 *   period) "is applied in addition to any that are specified in the query expression".
 * - SDK: `@azure/monitor-query-logs` 1.x `queryWorkspace` posts there (endpoint option ending in `/v1`),
 *   with `timespan` `{start ISO}/{end ISO}` and a `Prefer: wait=N` header; it turns `datetime` cells into
 *   Dates and parses `dynamic` cells given as JSON text (dist/esm/models/models.js, `convertTable`).
 * - Columns: docs/nsp-access-logs.md [T] (`NSP_ACCESS_LOGS_COLUMNS`).
 *
 * The emulator does not run KQL. It checks the query text with the Kusto language service against
 * the `NSPAccessLogs` schema (an error → 400 as Log Analytics answers a semantic error; the exact
 * code strings `BadArgumentError`/`SemanticError` are UNCONFIRMED), then answers only the project's
 * query, computing its `summarize` over the seeded rows in code; any other valid query is refused
 * with 400 naming that limit, never answered with made-up rows.
 */
import { InputError } from "../model/errors.js";
import { categoryOf } from "../readiness/logs.js";
import { NSP_ACCESS_LOGS_COLUMNS, READINESS_QUERY } from "../readiness/workspace.js";
import { kustoDiagnostics } from "./kusto.js";

/** A seeded row: `NSPAccessLogs` columns and their values, as the table holds them. */
export type NspAccessLogRow = Readonly<Record<string, string | number | null>>;

export class LogAnalyticsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly inner?: { code: string; message: string },
  ) {
    super(message);
  }
}

/** Output columns of READINESS_QUERY, in its `summarize ... by` order, with their KQL result types. */
export const READINESS_RESULT_COLUMNS: ReadonlyArray<{ name: string; type: string }> = [
  ...["ServiceResourceId", "_ResourceId", "Profile", "Category", "ResultDirection", "TrafficType", "SourceIpAddress", "SourceAppId", "SourceResourceId", "SourcePerimeterGuids", "DestinationFqdn", "RuleType", "AuthHint"].map((name) => ({ name, type: "string" })),
  { name: "Requests", type: "long" },
  { name: "FirstSeen", type: "datetime" },
  { name: "LastSeen", type: "datetime" },
  { name: "Operations", type: "dynamic" },
  { name: "AccessRuleVersion", type: "int" },
  { name: "MatchedRule", type: "string" },
];

const BY_COLUMNS = READINESS_RESULT_COLUMNS.slice(0, 13).map((c) => c.name);
const EXCLUDED_CATEGORIES = new Set(["NspOutboundAttempt", "NspPrivateInboundAllowed", "NspPublicInboundResourceRulesDenied", "NspPublicOutboundResourceRulesDenied"]);
const SAS_OR_SHARED_KEY = /\b(sas|shared ?key|sharedkey|account ?key)\b/i;

function normaliseQuery(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/**
 * Validates rows before they are seeded: objects whose keys are `NSPAccessLogs` columns, a known
 * category and a parseable `TimeGenerated`. Errors name the workspace, the row and the column.
 */
export function validateSeedRows(workspaceId: string, rows: readonly unknown[]): NspAccessLogRow[] {
  return rows.map((row, i) => {
    const where = `logs of workspace ${workspaceId}: [${i}]`;
    if (row === null || typeof row !== "object" || Array.isArray(row)) throw new InputError(`${where}: expected an NSPAccessLogs row object`);
    for (const [column, value] of Object.entries(row)) {
      if (!(column in NSP_ACCESS_LOGS_COLUMNS)) throw new InputError(`${where}.${column}: not a column of NSPAccessLogs (docs/nsp-access-logs.md)`);
      if (value !== null && typeof value !== "string" && typeof value !== "number") throw new InputError(`${where}.${column}: expected a string, a number or null`);
    }
    const r = row as NspAccessLogRow;
    if (typeof r.Category !== "string" || !categoryOf(r.Category)) throw new InputError(`${where}.Category: not one of the 13 NSP access-log categories: ${JSON.stringify(r.Category)}`);
    if (typeof r.TimeGenerated !== "string" || Number.isNaN(Date.parse(r.TimeGenerated))) throw new InputError(`${where}.TimeGenerated: expected an ISO 8601 date`);
    return r;
  });
}

const DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

function durationMs(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m || text === "P" || text.endsWith("T")) return undefined;
  return ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000 + Number(m[4] ?? 0) * 1000;
}

/** An ISO 8601 period: `start/end`, `start/duration`, `duration/end` or a duration ending now. */
export function parseTimespan(text: string, now: Date): { from: number; to: number } {
  const bad = () => new LogAnalyticsError(400, "BadArgumentError", `The timespan '${text}' is not a valid ISO 8601 period.`);
  const parts = text.split("/");
  if (parts.length === 1) {
    const ms = durationMs(parts[0]!);
    if (ms === undefined) throw bad();
    return { from: now.getTime() - ms, to: now.getTime() };
  }
  if (parts.length !== 2) throw bad();
  const [a, b] = parts as [string, string];
  const start = Date.parse(a);
  const end = Date.parse(b);
  if (!Number.isNaN(start) && !Number.isNaN(end)) return { from: start, to: end };
  if (!Number.isNaN(start) && durationMs(b) !== undefined) return { from: start, to: start + durationMs(b)! };
  if (durationMs(a) !== undefined && !Number.isNaN(end)) return { from: end - durationMs(a)!, to: end };
  throw bad();
}

function text(value: string | number | null | undefined): string {
  return value === null || value === undefined ? "" : String(value);
}

/** `AuthHint` exactly as READINESS_QUERY's `extend` computes it. */
function authHint(row: NspAccessLogRow): string {
  if (SAS_OR_SHARED_KEY.test(`${text(row.OperationName)} ${text(row.ResultDescription)} ${text(row.SourceParameters)}`)) return "sas-or-shared-key";
  if (text(row.SourceProtocol).startsWith("SMB") || text(row.OperationName).startsWith("SMB")) return "smb";
  return "";
}

interface Group {
  by: string[];
  requests: number;
  first: number;
  last: number;
  operations: Set<string>;
  version: number | null;
  matchedRule: string;
}

/** READINESS_QUERY over the rows inside the window: one row per group, in the query's order. */
export function runReadinessQuery(rows: readonly NspAccessLogRow[], window: { from: number; to: number }): unknown[][] {
  const groups = new Map<string, Group>();
  for (const row of rows) {
    const time = Date.parse(text(row.TimeGenerated));
    // The timespan bounds TimeGenerated, start included, end excluded (UNCONFIRMED; either way for records not on the edge).
    if (time < window.from || time >= window.to) continue;
    if (EXCLUDED_CATEGORIES.has(text(row.Category))) continue;
    const by = BY_COLUMNS.map((c) => (c === "AuthHint" ? authHint(row) : text(row[c])));
    const key = JSON.stringify(by);
    let g = groups.get(key);
    if (!g) {
      g = { by, requests: 0, first: time, last: time, operations: new Set(), version: null, matchedRule: text(row.MatchedRule) };
      groups.set(key, g);
    }
    g.requests++;
    if (time < g.first) g.first = time;
    if (time > g.last) g.last = time;
    const operation = text(row.OperationName);
    if (operation && g.operations.size < 32) g.operations.add(operation);
    // toint() of a non-number is null, and max() ignores nulls.
    const version = /^\s*-?\d+\s*$/.test(text(row.AccessRuleVersion)) ? Number(text(row.AccessRuleVersion)) : null;
    if (version !== null && (g.version === null || version > g.version)) g.version = version;
  }
  return [...groups.values()]
    .sort((a, b) => (a.by[0]! < b.by[0]! ? -1 : a.by[0]! > b.by[0]! ? 1 : b.requests - a.requests))
    .map((g) => [...g.by, g.requests, new Date(g.first).toISOString(), new Date(g.last).toISOString(), JSON.stringify([...g.operations]), g.version, g.matchedRule]);
}

/** Seeded workspaces and the query endpoint's behaviour. */
export class LogAnalyticsWorkspaces {
  private readonly rows = new Map<string, NspAccessLogRow[]>();

  /**
   * `analyse: false` skips the Kusto analysis (loading the language service takes seconds): the demo
   * does, since it sends only the project's query, whose analysis the tests run. The check that the
   * query is the project's stays either way.
   */
  constructor(private readonly options: { analyse?: boolean } = {}) {}
  /** Queries received, for tests: the workspace, the text and the timespan. */
  readonly queries: Array<{ workspaceId: string; query: string; timespan: string | undefined }> = [];

  seed(workspaceId: string, rows: readonly unknown[]): void {
    const valid = validateSeedRows(workspaceId, rows);
    const key = workspaceId.toLowerCase();
    this.rows.set(key, [...(this.rows.get(key) ?? []), ...valid]);
  }

  /** `POST /v1/workspaces/{workspaceId}/query`. */
  query(workspaceId: string, body: unknown, now: Date): { tables: Array<{ name: string; columns: Array<{ name: string; type: string }>; rows: unknown[][] }> } {
    const b = body as { query?: unknown; timespan?: unknown } | null;
    if (!b || typeof b !== "object" || typeof b.query !== "string" || b.query.trim() === "") {
      throw new LogAnalyticsError(400, "BadArgumentError", "The request had some invalid properties: 'query' is required.");
    }
    if (b.timespan !== undefined && typeof b.timespan !== "string") throw new LogAnalyticsError(400, "BadArgumentError", "The request had some invalid properties: 'timespan' must be a string.");
    this.queries.push({ workspaceId, query: b.query, timespan: b.timespan as string | undefined });
    const diagnostics = this.options.analyse === false ? undefined : kustoDiagnostics(b.query, "NSPAccessLogs", NSP_ACCESS_LOGS_COLUMNS);
    if (diagnostics && diagnostics.length > 0) {
      throw new LogAnalyticsError(400, "BadArgumentError", `The request had some invalid properties: semantic error in the query: ${diagnostics.join("; ")}`, { code: "SemanticError", message: diagnostics.join("; ") });
    }
    if (normaliseQuery(b.query) !== normaliseQuery(READINESS_QUERY)) {
      throw new LogAnalyticsError(400, "BadArgumentError", "The emulator runs only nsp-guardrail's readiness query over NSPAccessLogs (src/readiness/workspace.ts); this query is valid KQL but not that one.");
    }
    const window = b.timespan ? parseTimespan(b.timespan as string, now) : { from: -Infinity, to: Infinity };
    const rows = this.rows.get(workspaceId.toLowerCase());
    if (!rows) throw new LogAnalyticsError(404, "WorkspaceNotFoundError", `The workspace could not be found: ${workspaceId}.`);
    return { tables: [{ name: "PrimaryResult", columns: READINESS_RESULT_COLUMNS.map((c) => ({ ...c })), rows: runReadinessQuery(rows, window) }] };
  }
}
