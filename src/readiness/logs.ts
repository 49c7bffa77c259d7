/**
 * NSP access-log input: `NSPAccessLogs` rows (a JSON array or JSON lines, as Log Analytics exports
 * them) and diagnostic-settings storage exports (`{ "records": [...] }`), normalised into records and
 * summarised per caller. Columns and categories: docs/nsp-access-logs.md.
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { subscriptionIdOf } from "../model/armId.js";
import { InputError } from "../model/errors.js";
import { NSP_LOG_CATEGORIES, type NspLogCategory } from "../model/nspLogCategories.js";
import { isPublicIp, sourceIp, type CallerAuth, type CallerFields, type Direction, type TrafficType } from "./accessModel.js";


const CATEGORY_BY_KEY = new Map<string, NspLogCategory>(NSP_LOG_CATEGORIES.map((c) => [c.toLowerCase(), c]));

/** The record's category, or undefined for a value that is not one of the 13. */
export function categoryOf(value: string): NspLogCategory | undefined {
  return CATEGORY_BY_KEY.get(value.trim().toLowerCase());
}

/**
 * Requests summarised per caller: what the project's Log Analytics query returns, what files are
 * reduced to, and the unit readiness works on.
 */
export interface CallerSummary extends CallerFields {
  /** The PaaS resource that logged the request (ServiceResourceId). */
  readonly serviceResourceId: string;
  /** The perimeter the record belongs to (`_ResourceId`), when present. */
  readonly perimeterId?: string | undefined;
  readonly profile?: string | undefined;
  readonly category: NspLogCategory;
  readonly trustedService: boolean;
  readonly viaServiceEndpoint: boolean;
  readonly operations: readonly string[];
  readonly requests: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** Highest `AccessRuleVersion` among the summarised records, when they carry one. */
  readonly accessRuleVersion?: number | undefined;
  /** Name of the matched rule (from `MatchedRule`), when the records name one. */
  readonly matchedRule?: string | undefined;
}

/** One normalised log record (a row or an export record). */
export interface LogRecord extends Omit<CallerSummary, "operations" | "requests" | "firstSeen" | "lastSeen"> {
  readonly time: string;
  readonly operation?: string | undefined;
  readonly count: number;
}

type Raw = Record<string, unknown>;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** First string value found at one of the paths (case-insensitive keys at each step). */
function pick(record: Raw, paths: readonly string[]): string | undefined {
  for (const path of paths) {
    let current: unknown = record;
    for (const key of path.split(".")) {
      if (current === null || typeof current !== "object" || Array.isArray(current)) {
        current = undefined;
        break;
      }
      const obj = current as Raw;
      current = key in obj ? obj[key] : obj[Object.keys(obj).find((k) => k.toLowerCase() === key.toLowerCase()) ?? ""];
    }
    if (typeof current === "number") return String(current);
    if (typeof current === "string" && current.trim() !== "") return current.trim();
    if (Array.isArray(current) && current.length > 0) return current.map(String).join(",");
  }
  return undefined;
}

// Column names [T] first, then the nested names of storage exports (UNCONFIRMED, docs/nsp-access-logs.md).
const F = {
  time: ["TimeGenerated", "time", "timeGenerated"],
  endTime: ["TimeGeneratedEndTime", "properties.timeGeneratedEndTime"],
  category: ["Category", "category"],
  perimeter: ["_ResourceId", "resourceId", "ResourceId"],
  profile: ["Profile", "properties.profile"],
  service: ["ServiceResourceId", "properties.serviceResourceId"],
  version: ["AccessRuleVersion", "properties.accessRulesVersion", "properties.accessRuleVersion"],
  direction: ["ResultDirection", "properties.resultDirection", "properties.direction"],
  traffic: ["TrafficType", "properties.trafficType"],
  ip: ["SourceIpAddress", "properties.source.ipAddress", "properties.sourceIpAddress"],
  protocol: ["SourceProtocol", "properties.source.protocol", "properties.sourceProtocol"],
  appId: ["SourceAppId", "properties.source.appId", "properties.sourceAppId"],
  sourceResource: ["SourceResourceId", "properties.source.resourceId", "properties.sourceResourceId"],
  sourceSubscription: ["SourceSubscriptionId", "properties.source.subscriptionId"],
  perimeterGuids: ["SourcePerimeterGuids", "properties.source.perimeterGuids", "properties.sourcePerimeterGuids"],
  sourceParameters: ["SourceParameters", "properties.source.parameters", "properties.sourceParameters"],
  fqdn: ["DestinationFqdn", "properties.destination.fullyQualifiedDomainName", "properties.destinationFqdn"],
  operation: ["OperationName", "operationName", "properties.operationName"],
  description: ["ResultDescription", "resultDescription", "properties.resultDescription"],
  ruleType: ["RuleType", "properties.ruleType"],
  matchedRule: ["MatchedRule", "properties.matchedRule"],
  count: ["Count", "count", "properties.count"],
  authType: ["properties.authType", "AuthType"],
} as const;

function directionOf(raw: string | undefined, category: NspLogCategory): Direction {
  const r = raw?.toLowerCase();
  if (r === "inbound") return "Inbound";
  if (r === "outbound") return "Outbound";
  return /Outbound/.test(category) ? "Outbound" : "Inbound";
}

function trafficOf(raw: string | undefined, category: NspLogCategory): TrafficType {
  const r = raw?.toLowerCase();
  if (r === "public") return "Public";
  if (r === "private") return "Private";
  if (r === "intra") return "Intra";
  if (r === "cross") return "Cross";
  if (category === "NspPrivateInboundAllowed") return "Private";
  if (category === "NspIntraPerimeterInboundAllowed") return "Intra";
  if (category.startsWith("NspCrossPerimeter")) return "Cross";
  return "Public";
}

const SAS_OR_SHARED_KEY = /\b(sas|shared\s?key|sharedkey|account\s?key)\b/i;

/**
 * How the caller authenticated. How SAS and Shared Key show in a record is UNCONFIRMED: an explicit
 * `authType` wins, then markers in the operation, description or source parameters; SMB by protocol
 * or operation; a caller with an app id or a resource id authenticated with Entra ID.
 */
function authOf(record: Raw): CallerAuth {
  const authType = pick(record, F.authType)?.toLowerCase();
  if (authType) {
    if (/sas|shared|key/.test(authType)) return "sas-or-shared-key";
    if (/smb|ntlm|kerberos/.test(authType)) return "smb";
    if (/oauth|entra|aad|bearer/.test(authType)) return "entra";
  }
  const markers = [pick(record, F.operation), pick(record, F.description), pick(record, F.sourceParameters)].filter(Boolean).join(" ");
  if (SAS_OR_SHARED_KEY.test(markers)) return "sas-or-shared-key";
  const protocol = pick(record, F.protocol) ?? "";
  if (/^smb/i.test(protocol) || /^smb/i.test(pick(record, F.operation) ?? "")) return "smb";
  if (pick(record, F.appId) || pick(record, F.sourceResource)) return "entra";
  return "unknown";
}

/** `MatchedRule` is a JSON property bag such as `{"accessRule":"name"}` (exact shape UNCONFIRMED). */
function matchedRuleName(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (parsed && typeof parsed === "object") {
      const first = Object.values(parsed as Raw).find((v) => typeof v === "string");
      if (typeof first === "string") return first;
    }
  } catch {
    // Not JSON: the name as written.
  }
  return raw;
}

function normaliseTime(raw: string, where: string): string {
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw new InputError(`${where}.TimeGenerated: not a date: ${JSON.stringify(raw)}`);
  return new Date(ms).toISOString();
}

/**
 * Normalises one row or export record. `where` names the file and record (`logs.json: [3]`) in errors:
 * a missing or unknown category, a record without a time or a service resource, is an input error.
 */
export function normaliseRecord(raw: unknown, where: string): LogRecord {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new InputError(`${where}: expected a log record object, got ${describe(raw)}`);
  const record = raw as Raw;
  const categoryText = pick(record, F.category);
  if (!categoryText) throw new InputError(`${where}.Category: missing`);
  const category = categoryOf(categoryText);
  if (!category) throw new InputError(`${where}.Category: unknown NSP access-log category ${JSON.stringify(categoryText)} (expected one of the 13 in docs/nsp-access-logs.md)`);
  const timeText = pick(record, F.time);
  if (!timeText) throw new InputError(`${where}.TimeGenerated: missing`);
  const time = normaliseTime(timeText, where);
  const serviceResourceId = pick(record, F.service);
  if (!serviceResourceId) throw new InputError(`${where}.ServiceResourceId: missing`);
  const countText = pick(record, F.count);
  const count = countText === undefined ? 1 : Number(countText);
  if (!Number.isInteger(count) || count < 0) throw new InputError(`${where}.Count: expected a whole number, got ${JSON.stringify(countText)}`);
  const versionText = pick(record, F.version);
  const version = versionText === undefined ? undefined : Number(versionText);
  const direction = directionOf(pick(record, F.direction), category);
  const trafficType = trafficOf(pick(record, F.traffic), category);
  const sourceIpAddress = pick(record, F.ip);
  const sourceResourceId = pick(record, F.sourceResource);
  const sourceSubscriptionId = (pick(record, F.sourceSubscription) ?? (sourceResourceId ? subscriptionIdOf(sourceResourceId) : undefined))?.toLowerCase();
  const guidsText = pick(record, F.perimeterGuids);
  const sourcePerimeterGuids = guidsText
    ? guidsText
        .replace(/[[\]"]/g, "")
        .split(/[,;\s]+/)
        .map((g) => g.toLowerCase())
        .filter(Boolean)
    : undefined;
  const address = sourceIpAddress ? sourceIp({ sourceIpAddress }) : undefined;
  const ruleType = pick(record, F.ruleType) ?? "";
  const matchedRule = matchedRuleName(pick(record, F.matchedRule));
  return {
    time,
    serviceResourceId,
    perimeterId: pick(record, F.perimeter),
    profile: pick(record, F.profile),
    category,
    direction,
    trafficType,
    sourceIpAddress,
    sourceSubscriptionId,
    sourceAppId: pick(record, F.appId)?.toLowerCase(),
    sourceResourceId,
    sourcePerimeterGuids,
    destinationFqdn: pick(record, F.fqdn)?.toLowerCase(),
    auth: authOf(record),
    // Trusted-service access shows as a resource rule naming trusted services (wording UNCONFIRMED).
    trustedService: /trusted/i.test(`${ruleType} ${matchedRule ?? ""}`),
    // A non-public source on a public request reached the resource through a VNet service endpoint.
    viaServiceEndpoint: trafficType === "Public" && direction === "Inbound" && address !== undefined && !isPublicIp(address),
    operation: pick(record, F.operation),
    count,
    ...(version !== undefined && Number.isFinite(version) ? { accessRuleVersion: version } : {}),
    ...(matchedRule ? { matchedRule } : {}),
  };
}

/** Reads the records of one file: a JSON array, `{ "records": [...] }`, or JSON lines. */
export function parseLogText(text: string, label: string): { records: unknown[]; at: (i: number) => string } {
  const trimmed = text.trim();
  if (trimmed === "") throw new InputError(`${label}: (root): the file is empty`);
  if (trimmed.startsWith("[") || (trimmed.startsWith("{") && !/\}\s*\r?\n\s*\{/.test(trimmed))) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch (error) {
      throw new InputError(`${label}: (root): not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (Array.isArray(doc)) return { records: doc, at: (i) => `${label}: [${i}]` };
    if (doc && typeof doc === "object") {
      const records = (doc as Raw).records;
      if (Array.isArray(records)) return { records, at: (i) => `${label}: records[${i}]` };
      // Log Analytics query API shape: { tables: [ { columns, rows } ] }.
      const tables = (doc as Raw).tables;
      if (Array.isArray(tables)) return { records: rowsOfTables(tables, label), at: (i) => `${label}: tables[0].rows[${i}]` };
      if ("records" in (doc as Raw)) throw new InputError(`${label}: records: expected an array, got ${describe(records)}`);
      // A single record on one line.
      return { records: [doc], at: () => `${label}: line 1` };
    }
    throw new InputError(`${label}: (root): expected an array of NSPAccessLogs rows, { "records": [...] } or JSON lines, got ${describe(doc)}`);
  }
  const records: unknown[] = [];
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === "") return;
    try {
      records.push(JSON.parse(line));
      lines.push(index + 1);
    } catch (error) {
      throw new InputError(`${label}: line ${index + 1}: not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  return { records, at: (i) => `${label}: line ${lines[i]}` };
}

function rowsOfTables(tables: unknown[], label: string): Raw[] {
  const table = tables[0] as { columns?: { name?: unknown }[]; rows?: unknown[][] } | undefined;
  if (!table || !Array.isArray(table.columns) || !Array.isArray(table.rows)) throw new InputError(`${label}: tables[0]: expected { columns, rows }`);
  const names = table.columns.map((c) => String(c.name));
  return table.rows.map((row) => Object.fromEntries(names.map((n, i) => [n, Array.isArray(row) ? row[i] : undefined])));
}

/** Records of one log file, normalised; errors name the file, the record and the field. */
export async function loadLogFile(path: string): Promise<LogRecord[]> {
  const label = basename(path);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new InputError(`${label}: cannot read log file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const { records, at } = parseLogText(text, label);
  return records.map((r, i) => normaliseRecord(r, at(i)));
}

/** Key of a caller: everything a proposal or a verdict depends on, not the time or operation. */
function callerKey(r: LogRecord): string {
  return [
    r.serviceResourceId.toLowerCase(),
    r.category,
    r.direction,
    r.trafficType,
    r.sourceIpAddress ?? "",
    r.sourceSubscriptionId ?? "",
    r.sourceAppId ?? "",
    r.sourceResourceId?.toLowerCase() ?? "",
    r.sourcePerimeterGuids?.join(",") ?? "",
    r.destinationFqdn ?? "",
    r.auth,
    r.trustedService ? "t" : "",
    r.viaServiceEndpoint ? "s" : "",
  ].join("|");
}

type MutableSummary = { -readonly [K in keyof CallerSummary]: CallerSummary[K] } & { operationSet: Set<string> };

/** Summarises records per caller (what the Log Analytics query's `summarize` does server-side). */
export function summariseRecords(records: Iterable<LogRecord>): CallerSummary[] {
  const byKey = new Map<string, MutableSummary>();
  for (const r of records) {
    const key = callerKey(r);
    let s = byKey.get(key);
    if (!s) {
      const { time: _time, operation: _op, count: _count, ...rest } = r;
      s = { ...rest, operations: [], operationSet: new Set(), requests: 0, firstSeen: r.time, lastSeen: r.time };
      byKey.set(key, s);
    }
    s.requests += r.count;
    if (r.operation) s.operationSet.add(r.operation);
    if (r.time < s.firstSeen) s.firstSeen = r.time;
    if (r.time > s.lastSeen) s.lastSeen = r.time;
    if (r.accessRuleVersion !== undefined && (s.accessRuleVersion === undefined || r.accessRuleVersion > s.accessRuleVersion)) s.accessRuleVersion = r.accessRuleVersion;
  }
  return [...byKey.values()].map(({ operationSet, ...s }) => ({ ...s, operations: [...operationSet].sort() }));
}

export { NSP_LOG_CATEGORIES, type NspLogCategory };
