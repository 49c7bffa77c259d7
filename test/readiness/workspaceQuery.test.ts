import { describe, expect, it } from "vitest";
import { kustoDiagnostics } from "../../src/emulator/kusto.js";
import { NSP_ACCESS_LOGS_COLUMNS, READINESS_QUERY, summariesFromTable } from "../../src/readiness/workspace.js";

/** Diagnostics of a query analysed against a workspace that holds `NSPAccessLogs` with exactly the documented columns. */
function diagnostics(query: string): string[] {
  const out = kustoDiagnostics(query, "NSPAccessLogs", NSP_ACCESS_LOGS_COLUMNS);
  // The language service is a development dependency: present wherever the tests run.
  if (!out) throw new Error("@kusto/language-service-next is not installed");
  return out;
}

describe("the readiness query", () => {
  it("is valid KQL over the documented NSPAccessLogs columns", () => {
    expect(diagnostics(READINESS_QUERY)).toEqual([]);
  });

  it("a column the table does not have fails (community queries use SourceSubscriptionId and Count)", () => {
    expect(diagnostics(READINESS_QUERY.replace("SourceAppId,", "SourceSubscriptionId,"))).toEqual([expect.stringContaining("'SourceSubscriptionId' does not refer to any known column")]);
    expect(diagnostics(READINESS_QUERY.replace("Requests = count()", "Requests = sum(Count)"))).not.toEqual([]);
  });

  it("rows read back into caller summaries", () => {
    const columns = ["ServiceResourceId", "_ResourceId", "Profile", "Category", "ResultDirection", "TrafficType", "SourceIpAddress", "SourceAppId", "SourceResourceId", "SourcePerimeterGuids", "DestinationFqdn", "RuleType", "AuthHint", "Requests", "FirstSeen", "LastSeen", "Operations", "AccessRuleVersion", "MatchedRule"];
    const table = {
      name: "PrimaryResult",
      columnDescriptors: columns.map((name) => ({ name, type: "string" as const })),
      rows: [
        ["/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/a", "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/networkSecurityPerimeters/p", "default", "NspPublicInboundResourceRulesAllowed", "Inbound", "Public", "198.51.100.1", "", "", "", "", "PaaS", "sas-or-shared-key", 42, new Date("2026-11-01T00:00:00Z"), new Date("2026-11-20T00:00:00Z"), '["GetBlob","PutBlob"]', 7, ""],
      ],
    };
    expect(summariesFromTable(table, "workspace w")).toEqual([
      expect.objectContaining({ category: "NspPublicInboundResourceRulesAllowed", sourceIpAddress: "198.51.100.1", auth: "sas-or-shared-key", requests: 42, operations: ["GetBlob", "PutBlob"], firstSeen: "2026-11-01T00:00:00.000Z", lastSeen: "2026-11-20T00:00:00.000Z", accessRuleVersion: 7 }),
    ]);
    expect(() => summariesFromTable({ ...table, rows: [table.rows[0]!.map((v, i) => (i === 3 ? "NspUnknown" : v))] }, "workspace w")).toThrow('workspace w: row 0.Category: unknown NSP access-log category "NspUnknown"');
  });
});
