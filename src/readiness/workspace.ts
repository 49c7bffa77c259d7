/**
 * `readiness --workspace ID`: one server-side `summarize` over `NSPAccessLogs` through
 * `@azure/monitor-query-logs`, returning one row per caller (docs/nsp-access-logs.md).
 */
import { readFileSync } from "node:fs";
import { DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import type { TokenCredential } from "@azure/core-auth";
import { LogsQueryClient, LogsQueryResultStatus, type LogsTable } from "@azure/monitor-query-logs";
import { ArmUnavailableError, InputError } from "../model/errors.js";
import { staticTokenCredential } from "../inventory/credential.js";
import { normaliseRecord, type CallerSummary } from "./logs.js";

/**
 * The `NSPAccessLogs` columns of the Azure Monitor table reference (MicrosoftDocs/azure-reference-other,
 * azure-monitor-ref/tables/includes/nspaccesslogs-include.md, 2024-02-18), with their types. The query
 * below may use only these; a test checks it with the Kusto language service against this schema.
 */
export const NSP_ACCESS_LOGS_COLUMNS: Readonly<Record<string, "string" | "datetime" | "real">> = {
  AccessRuleVersion: "string",
  AppId: "string",
  _BilledSize: "real",
  Category: "string",
  DestinationEmailAddress: "string",
  DestinationFqdn: "string",
  DestinationParameters: "string",
  DestinationPhoneNumber: "string",
  DestinationPort: "string",
  DestinationProtocol: "string",
  DestinationResourceId: "string",
  _IsBillable: "string",
  Location: "string",
  MatchedRule: "string",
  OperationName: "string",
  OperationVersion: "string",
  Parameters: "string",
  Profile: "string",
  _ResourceId: "string",
  ResultAction: "string",
  ResultDescription: "string",
  ResultDirection: "string",
  RuleType: "string",
  ServiceFqdn: "string",
  ServiceResourceId: "string",
  SourceAppId: "string",
  SourceIpAddress: "string",
  SourceParameters: "string",
  SourcePerimeterGuids: "string",
  SourcePort: "string",
  SourceProtocol: "string",
  SourceResourceId: "string",
  SourceSystem: "string",
  _SubscriptionId: "string",
  TenantId: "string",
  TimeGenerated: "datetime",
  TrafficType: "string",
  Type: "string",
};

/**
 * One row per caller. Categories that cannot break (denied today, attempts, private endpoint traffic)
 * stay on the server. Requests are counted as records: the table reference has no `Count` column
 * (docs/nsp-access-logs.md), so an aggregated record counts once. SAS/Shared Key and SMB markers are
 * computed server-side so that they survive the summarise (their wording in records is UNCONFIRMED).
 */
export const READINESS_QUERY = `NSPAccessLogs
| where Category !in ("NspOutboundAttempt", "NspPrivateInboundAllowed", "NspPublicInboundResourceRulesDenied", "NspPublicOutboundResourceRulesDenied")
| extend AuthHint = case(
    strcat(OperationName, " ", ResultDescription, " ", SourceParameters) matches regex @"(?i)\\b(sas|shared ?key|sharedkey|account ?key)\\b", "sas-or-shared-key",
    SourceProtocol startswith "SMB" or OperationName startswith "SMB", "smb",
    "")
| summarize Requests = count(), FirstSeen = min(TimeGenerated), LastSeen = max(TimeGenerated),
    Operations = make_set(OperationName, 32), AccessRuleVersion = max(toint(AccessRuleVersion)), MatchedRule = take_any(MatchedRule)
    by ServiceResourceId, _ResourceId, Profile, Category, ResultDirection, TrafficType, SourceIpAddress, SourceAppId,
       SourceResourceId, SourcePerimeterGuids, DestinationFqdn, RuleType, AuthHint
| order by ServiceResourceId asc, Requests desc`;

export interface WorkspaceOptions {
  /** Log Analytics endpoint including the API version path (default `https://api.loganalytics.io/v1`). */
  endpoint?: string;
  credential?: TokenCredential;
  /** PEM certificates to trust for the endpoint (the emulator's); default from `NSPG_LOGS_CA_FILE`, else `NSPG_ARM_CA_FILE`. */
  ca?: string;
  env?: NodeJS.ProcessEnv;
}

/** The certificates to trust for Log Analytics, as the ARM clients read NSPG_ARM_CA_FILE (TLS verification stays on). */
function logsCa(options: WorkspaceOptions, env: NodeJS.ProcessEnv): string | undefined {
  if (options.ca) return options.ca;
  const file = env["NSPG_LOGS_CA_FILE"]?.trim() || env["NSPG_ARM_CA_FILE"]?.trim();
  if (!file) return undefined;
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new InputError(`${env["NSPG_LOGS_CA_FILE"]?.trim() ? "NSPG_LOGS_CA_FILE" : "NSPG_ARM_CA_FILE"}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** `NSPG_LOGS_TOKEN` (a bearer token for Log Analytics), else a managed identity, else the default chain. */
function logsCredential(env: NodeJS.ProcessEnv = process.env): TokenCredential {
  const token = env["NSPG_LOGS_TOKEN"]?.trim();
  if (token) return staticTokenCredential(token);
  if (env["IDENTITY_ENDPOINT"] || env["MSI_ENDPOINT"]) {
    const clientId = env["AZURE_CLIENT_ID"]?.trim();
    return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
  }
  return new DefaultAzureCredential();
}

function cellText(value: unknown): string | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return JSON.stringify(value);
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** Caller summaries from the query's result table; rows that do not read are input errors naming the row. */
export function summariesFromTable(table: LogsTable, label: string): CallerSummary[] {
  const names = table.columnDescriptors.map((c) => c.name ?? "");
  return table.rows.map((row, index) => {
    const raw: Record<string, unknown> = {};
    names.forEach((name, i) => (raw[name] = cellText(row[i])));
    const where = `${label}: row ${index}`;
    const operationsText = raw["Operations"] as string | undefined;
    let operations: string[] = [];
    if (operationsText) {
      try {
        const parsed = JSON.parse(operationsText) as unknown;
        operations = Array.isArray(parsed) ? parsed.filter((o): o is string => typeof o === "string" && o !== "").sort() : [];
      } catch {
        throw new InputError(`${where}.Operations: expected a JSON array`);
      }
    }
    const record = normaliseRecord(
      { ...raw, TimeGenerated: raw["FirstSeen"], Count: raw["Requests"], AuthType: raw["AuthHint"], OperationName: operations.join(" ") || undefined },
      where,
    );
    const lastSeen = raw["LastSeen"] ? new Date(raw["LastSeen"] as string).toISOString() : record.time;
    const { time, operation: _operation, count, ...rest } = record;
    return { ...rest, operations, requests: count, firstSeen: time, lastSeen };
  });
}

/** Runs the readiness query on a workspace. Unreachable or failing Log Analytics → ArmUnavailableError (exit 3). */
export async function queryWorkspace(workspaceId: string, window: { from: Date; to: Date }, options: WorkspaceOptions = {}): Promise<CallerSummary[]> {
  const env = options.env ?? process.env;
  const endpoint = options.endpoint ?? env["NSPG_LOGS_ENDPOINT"];
  const ca = logsCa(options, env);
  const client = new LogsQueryClient(options.credential ?? logsCredential(env), { ...(endpoint ? { endpoint } : {}), ...(ca ? { tlsOptions: { ca } } : {}) });
  let result;
  try {
    result = await client.queryWorkspace(workspaceId, READINESS_QUERY, { startTime: window.from, endTime: window.to }, { serverTimeoutInSeconds: 600 });
  } catch (error) {
    throw new ArmUnavailableError(`Log Analytics workspace ${workspaceId}: query failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (result.status !== LogsQueryResultStatus.Success) {
    throw new ArmUnavailableError(`Log Analytics workspace ${workspaceId}: partial result (${result.partialError.message ?? result.partialError.code}); refusing to judge readiness on part of the logs`);
  }
  const table = result.tables[0];
  return table ? summariesFromTable(table, `workspace ${workspaceId}`) : [];
}
