/**
 * The demo's month of access logs for nsp-finance (demo/readiness-estate.json), whose two
 * associations are in Transition: `NSPAccessLogs` rows as Log Analytics holds them (columns of
 * docs/nsp-access-logs.md), one record per request, spread over working hours of the 30 days before
 * `end`. Deterministic: the same `end` gives the same rows.
 *
 * Who calls: the Contoso offices (admitted by the profile's rule), a partner's NAT range and a
 * reporting tool with a SAS token (admitted today by the account's own firewall only), a Function
 * app's managed identity from another subscription, a legacy app with the account key and no
 * address in its records, a branch VNet through a service endpoint, and the account's outbound calls
 * to a bank's API; plus what cannot break: denied scanners and private endpoint traffic.
 */
import type { NspAccessLogRow } from "../emulator/logAnalytics.js";

const SUB = "11111111-1111-1111-1111-111111111111";
const RG = `/subscriptions/${SUB}/resourceGroups/rg-finance`;
export const DEMO_READINESS_PERIMETER = `${RG}/providers/Microsoft.Network/networkSecurityPerimeters/nsp-finance`;
const ACCOUNT = `${RG}/providers/Microsoft.Storage/storageAccounts/stfinance`;
const VAULT = `${RG}/providers/Microsoft.KeyVault/vaults/kv-finance`;
const FUNCTION_APP = "/subscriptions/33333333-3333-3333-3333-333333333333/resourceGroups/rg-payments/providers/Microsoft.Web/sites/func-payments";
const LEGACY_APP = "/subscriptions/33333333-3333-3333-3333-333333333333/resourceGroups/rg-legacy/providers/Microsoft.Web/sites/app-ledger-export";

/** The Log Analytics workspace the demo's perimeter logs to (law-central's Workspace ID). */
export const DEMO_WORKSPACE_ID = "8d6f2c1a-3b4e-4f5a-9c7d-0e1f2a3b4c5d";

interface Caller {
  category: string;
  service: string;
  fields: Record<string, string>;
  operations: readonly string[];
  /** Requests on a working day, before the day's jitter. */
  perDay: number;
  /** Only on working days (people), or every day (systems). */
  weekdaysOnly: boolean;
}

const CALLERS: readonly Caller[] = [
  // Offices: admitted by allow-contoso-offices at the current access rule version.
  ...["203.0.113.10", "203.0.113.25", "203.0.113.77"].map((ip) => ({
    category: "NspPublicInboundPerimeterRulesAllowed",
    service: ACCOUNT,
    fields: { SourceIpAddress: ip, MatchedRule: '{"accessRule":"allow-contoso-offices"}', RuleType: "NSP" },
    operations: ["GetBlob", "ListBlobs"],
    perDay: 40,
    weekdaysOnly: true,
  })),
  // Fabrikam's NAT range 198.51.100.64/27, allowed today by the account's firewall only.
  ...["198.51.100.65", "198.51.100.70", "198.51.100.81", "198.51.100.94"].map((ip) => ({
    category: "NspPublicInboundResourceRulesAllowed",
    service: ACCOUNT,
    fields: { SourceIpAddress: ip, RuleType: "PaaS" },
    operations: ["PutBlob", "GetBlob"],
    perDay: 25,
    weekdaysOnly: true,
  })),
  // A reporting tool with a SAS token, from a public address.
  { category: "NspPublicInboundResourceRulesAllowed", service: ACCOUNT, fields: { SourceIpAddress: "198.18.0.9", ResultDescription: "Request authorized with SAS token", RuleType: "PaaS" }, operations: ["GetBlob"], perDay: 12, weekdaysOnly: false },
  // The payments Function app's managed identity (Entra ID), from another subscription.
  {
    category: "NspPublicInboundResourceRulesAllowed",
    service: ACCOUNT,
    fields: { SourceIpAddress: "52.160.10.4", SourceResourceId: FUNCTION_APP, SourceAppId: "6a1f0c2e-7b3d-4e5f-9a8b-1c2d3e4f5a6b", RuleType: "PaaS" },
    operations: ["PutBlob", "GetBlobProperties"],
    perDay: 60,
    weekdaysOnly: false,
  },
  {
    category: "NspPublicInboundResourceRulesAllowed",
    service: VAULT,
    fields: { SourceIpAddress: "52.160.10.4", SourceResourceId: FUNCTION_APP, SourceAppId: "6a1f0c2e-7b3d-4e5f-9a8b-1c2d3e4f5a6b", RuleType: "PaaS" },
    operations: ["SecretGet"],
    perDay: 30,
    weekdaysOnly: false,
  },
  // A legacy export job with the account key; its records carry no address.
  { category: "NspPublicInboundResourceRulesAllowed", service: ACCOUNT, fields: { SourceResourceId: LEGACY_APP, ResultDescription: "Request authorized with SharedKey", RuleType: "PaaS" }, operations: ["GetBlob"], perDay: 4, weekdaysOnly: false },
  // The branch office VNet through a service endpoint (a private source on a public request).
  { category: "NspPublicInboundResourceRulesAllowed", service: ACCOUNT, fields: { SourceIpAddress: "10.30.1.4", RuleType: "PaaS" }, operations: ["ListBlobs", "GetBlob"], perDay: 8, weekdaysOnly: true },
  // The account calls a bank's API: allowed today by the resource only.
  { category: "NspPublicOutboundResourceRulesAllowed", service: ACCOUNT, fields: { ResultDirection: "Outbound", DestinationFqdn: "api.northwind-bank.example", RuleType: "PaaS" }, operations: ["ObjectReplication"], perDay: 6, weekdaysOnly: false },
  // Cannot break: scanners denied today, and private endpoint traffic.
  { category: "NspPublicInboundResourceRulesDenied", service: ACCOUNT, fields: { SourceIpAddress: "45.148.10.7", RuleType: "PaaS" }, operations: ["ListContainers"], perDay: 3, weekdaysOnly: false },
  { category: "NspPrivateInboundAllowed", service: VAULT, fields: { SourceIpAddress: "10.40.0.5", TrafficType: "Private" }, operations: ["KeyUnwrap"], perDay: 20, weekdaysOnly: false },
];

/** A small deterministic generator (mulberry32), so the demo is the same every run for one `end`. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The rows of the 30 days before `end`. */
export function demoAccessLogs(end: Date): NspAccessLogRow[] {
  const next = random(Math.floor(end.getTime() / 86_400_000));
  const rows: NspAccessLogRow[] = [];
  const dayStart = Math.floor(end.getTime() / 86_400_000) * 86_400_000;
  for (let d = 30; d >= 1; d--) {
    const day = dayStart - d * 86_400_000;
    const weekday = new Date(day).getUTCDay();
    const working = weekday !== 0 && weekday !== 6;
    for (const caller of CALLERS) {
      if (caller.weekdaysOnly && !working) continue;
      const requests = Math.max(1, Math.round(caller.perDay * (0.6 + 0.8 * next())));
      for (let r = 0; r < requests; r++) {
        // Working hours, 07:00-19:00 UTC.
        const at = day + 7 * 3_600_000 + Math.floor(next() * 12 * 3_600_000);
        rows.push({
          TimeGenerated: new Date(at).toISOString(),
          Category: caller.category,
          _ResourceId: DEMO_READINESS_PERIMETER.toUpperCase(),
          Profile: "finance",
          ServiceResourceId: caller.service,
          AccessRuleVersion: "2",
          ResultDirection: "Inbound",
          TrafficType: "Public",
          OperationName: caller.operations[r % caller.operations.length]!,
          ...caller.fields,
        });
      }
    }
  }
  return rows;
}
