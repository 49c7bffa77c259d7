/**
 * The emulator's Log Analytics query API, through the real `@azure/monitor-query-logs` client over
 * HTTPS, and `readiness --subscription --workspace` end to end against it (ARM and Log Analytics both
 * served by the emulator).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LogsQueryClient } from "@azure/monitor-query-logs";
import { describe, expect, it } from "vitest";
import { kustoAvailable } from "../../src/emulator/kusto.js";
import { parseTimespan, runReadinessQuery, validateSeedRows } from "../../src/emulator/logAnalytics.js";
import { READINESS_QUERY } from "../../src/readiness/workspace.js";
import { cliAsync } from "../helpers/cli.js";
import { startEmulator } from "../helpers/emulator.js";
import { ACCOUNT, ASSOC_ACCOUNT, estateResources, monthOfRows, row, SUB } from "../readiness/fixture.js";

const WORKSPACE = "5c3b1a2e-0000-4000-8000-0000000000aa";
const EMPTY_WORKSPACE = "5c3b1a2e-0000-4000-8000-0000000000bb";
const dir = mkdtempSync(join(tmpdir(), "nspg-law-"));

/** The storage spec declares no suggestions on storage provisioning issues: ARM serves them without. */
function served() {
  return estateResources().map((r) =>
    r.type.toLowerCase().startsWith("microsoft.storage/") && Array.isArray(r.properties?.["provisioningIssues"])
      ? { ...r, properties: { ...r.properties, provisioningIssues: [] } }
      : r,
  );
}

describe("the emulator's Log Analytics query API", async () => {
  const now = new Date();
  const emulator = await startEmulator(served(), { logs: { [WORKSPACE]: monthOfRows(now), [EMPTY_WORKSPACE]: [] } });
  const client = new LogsQueryClient(emulator.credential(), { endpoint: emulator.logsEndpoint, tlsOptions: { ca: emulator.caCertificate }, retryOptions: { maxRetries: 0 } });
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, emulator.caCertificate);

  it("answers the project's query with one row per caller, summarised as KQL would", async () => {
    const result = await client.queryWorkspace(WORKSPACE, READINESS_QUERY, { startTime: new Date(now.getTime() - 30 * 86_400_000), endTime: now });
    expect(result.status).toBe("Success");
    const table = result.status === "Success" ? result.tables[0]! : undefined;
    const names = table!.columnDescriptors.map((c) => c.name);
    const rows = table!.rows.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i]])));
    // Denied, private-endpoint and attempt records stay on the server.
    expect(rows.map((r) => r.Category)).not.toContain("NspPrivateInboundAllowed");
    const sas = rows.find((r) => r.SourceIpAddress === "198.18.0.9")!;
    expect(sas).toMatchObject({ AuthHint: "sas-or-shared-key", Requests: 27, Operations: ["GetBlob"], AccessRuleVersion: 3 });
    // datetime cells arrive as Dates (the SDK converts them), dynamic ones parsed.
    expect(sas.FirstSeen).toBeInstanceOf(Date);
    expect(rows.find((r) => r.AuthHint === "smb")).toBeDefined();
    // Ordered by ServiceResourceId, then busiest first.
    const ids = rows.map((r) => r.ServiceResourceId as string);
    expect([...ids].sort()).toEqual(ids);
  });

  it("applies the timespan to TimeGenerated", async () => {
    const result = await client.queryWorkspace(WORKSPACE, READINESS_QUERY, { startTime: new Date(now.getTime() - 3 * 86_400_000), endTime: now });
    const table = result.status === "Success" ? result.tables[0]! : undefined;
    const requests = table!.columnDescriptors.findIndex((c) => c.name === "Requests");
    const ip = table!.columnDescriptors.findIndex((c) => c.name === "SourceIpAddress");
    // Rows are written one a day at 01:00 for the 27 days before now: three days hold three.
    expect(table!.rows.find((r) => r[ip] === "198.18.0.9")![requests]).toBe(3);
  });

  it("refuses a query naming a column NSPAccessLogs does not have, as Log Analytics does (SemanticError)", async () => {
    // The language service is a development dependency: present wherever the tests run.
    expect(kustoAvailable()).toBe(true);
    const bad = READINESS_QUERY.replace("SourceAppId,", "SourceSubscriptionId,");
    await expect(client.queryWorkspace(WORKSPACE, bad, { duration: "P30D" })).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining("SourceSubscriptionId"),
    });
  });

  it("refuses a valid query that is not the project's, rather than inventing rows", async () => {
    await expect(client.queryWorkspace(WORKSPACE, "NSPAccessLogs | take 10", { duration: "P1D" })).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining("runs only nsp-guardrail's readiness query"),
    });
  });

  it("an unknown workspace is a 404; a request without a token a 401", async () => {
    await expect(client.queryWorkspace("00000000-0000-0000-0000-000000000000", READINESS_QUERY, { duration: "P1D" })).rejects.toMatchObject({ statusCode: 404 });
    const anonymous = new LogsQueryClient({ getToken: async () => ({ token: "not-a-token", expiresOnTimestamp: Date.now() + 60_000 }) }, { endpoint: emulator.logsEndpoint, tlsOptions: { ca: emulator.caCertificate }, retryOptions: { maxRetries: 0 } });
    await expect(anonymous.queryWorkspace(WORKSPACE, READINESS_QUERY, { duration: "P1D" })).rejects.toMatchObject({ statusCode: 401 });
  });

  it("readiness --subscription --workspace: ARM and Log Analytics from the emulator, the same callers as from the log files", async () => {
    const env = { NSPG_ARM_ENDPOINT: emulator.endpoint, NSPG_ARM_CA_FILE: caFile, NSPG_ARM_TOKEN: emulator.token(), NSPG_LOGS_TOKEN: emulator.token() };
    const live = await cliAsync(["readiness", "--subscription", SUB, "--workspace", WORKSPACE, "--logs-endpoint", emulator.logsEndpoint, "--association", ASSOC_ACCOUNT, "--format", "json"], { env });
    expect(live.stderr).toBe("");
    expect(live.status).toBe(1);
    const logs = join(dir, "nsp.json");
    writeFileSync(logs, JSON.stringify(monthOfRows(now)));
    const fromFiles = await cliAsync(["readiness", "--subscription", SUB, "--logs", logs, "--association", ASSOC_ACCOUNT, "--format", "json"], { env });
    const callers = (out: string) =>
      (JSON.parse(out).associations[0].wouldBreak as Array<{ fix: string; sourceIpAddress?: string; requests: number }>).map((w) => `${w.fix} ${w.sourceIpAddress ?? "-"} ${w.requests}`).sort();
    expect(callers(live.stdout)).toHaveLength(10);
    expect(callers(live.stdout)).toEqual(callers(fromFiles.stdout));
    const sent = emulator.logAnalytics.queries.filter((q) => q.workspaceId === WORKSPACE).at(-1)!;
    expect(sent.query).toBe(READINESS_QUERY);

    const empty = await cliAsync(["readiness", "--subscription", SUB, "--workspace", EMPTY_WORKSPACE, "--logs-endpoint", emulator.logsEndpoint, "--association", ASSOC_ACCOUNT, "--format", "json"], { env });
    expect(JSON.parse(empty.stdout).associations[0]).toMatchObject({ verdict: "no-data", reason: `workspace ${EMPTY_WORKSPACE} returned no NSPAccessLogs row in the window` });
  }, 180_000);
});

describe("seeding and the query's arithmetic", () => {
  it("a seeded row with a column NSPAccessLogs does not have, or an unknown category, is refused naming it", () => {
    expect(() => validateSeedRows("w", [row("NspPublicInboundResourceRulesAllowed", ACCOUNT, { SourceSubscriptionId: "x" })])).toThrow("logs of workspace w: [0].SourceSubscriptionId: not a column of NSPAccessLogs");
    expect(() => validateSeedRows("w", [row("NspNope", ACCOUNT)])).toThrow('[0].Category: not one of the 13 NSP access-log categories: "NspNope"');
    expect(() => validateSeedRows("w", [row("NspPublicInboundResourceRulesAllowed", ACCOUNT, {}, "yesterday")])).toThrow("[0].TimeGenerated: expected an ISO 8601 date");
  });

  it("reads ISO 8601 periods as the SDK and the portal send them", () => {
    const now = new Date("2026-11-28T00:00:00Z");
    expect(parseTimespan("2026-11-01T00:00:00.000Z/2026-11-28T00:00:00.000Z", now)).toEqual({ from: Date.parse("2026-11-01T00:00:00Z"), to: now.getTime() });
    expect(parseTimespan("P30D", now)).toEqual({ from: now.getTime() - 30 * 86_400_000, to: now.getTime() });
    expect(parseTimespan("2026-11-27T00:00:00Z/PT12H", now)).toEqual({ from: Date.parse("2026-11-27T00:00:00Z"), to: Date.parse("2026-11-27T12:00:00Z") });
    expect(() => parseTimespan("30d", now)).toThrow("not a valid ISO 8601 period");
  });

  it("counts records, keeps the highest numeric AccessRuleVersion and the set of operations per caller", () => {
    const rows = validateSeedRows("w", [
      row("NspPublicInboundResourceRulesAllowed", ACCOUNT, { SourceIpAddress: "198.51.100.1", AccessRuleVersion: "2", OperationName: "GetBlob" }, "2026-11-02T00:00:00Z"),
      row("NspPublicInboundResourceRulesAllowed", ACCOUNT, { SourceIpAddress: "198.51.100.1", AccessRuleVersion: "5", OperationName: "PutBlob" }, "2026-11-01T00:00:00Z"),
      row("NspPublicInboundResourceRulesAllowed", ACCOUNT, { SourceIpAddress: "198.51.100.1", AccessRuleVersion: "n/a", OperationName: "GetBlob" }, "2026-11-03T00:00:00Z"),
    ] as never[]);
    const [only] = runReadinessQuery(rows, { from: -Infinity, to: Infinity });
    expect(only!.slice(13)).toEqual([3, "2026-11-01T00:00:00.000Z", "2026-11-03T00:00:00.000Z", '["GetBlob","PutBlob"]', 5, ""]);
  });
});
