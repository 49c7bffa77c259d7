/**
 * `readiness` in the bench: log rows already summarised per caller (what the workspace query
 * returns) for many associations, re-checked against the perimeters and turned into proposals.
 */
import { Estate } from "../src/model/estate.js";
import type { ArmResource } from "../src/model/resource.js";
import type { CallerSummary } from "../src/readiness/logs.js";
import { assessReadiness } from "../src/readiness/readiness.js";

export interface ReadinessFigures {
  rows: number;
  associations: number;
  ms: number;
  /** CPU time of the process over the same span (user + system, GC threads included): less sensitive to a busy machine than wall time. */
  cpuMs: number;
  breaking: number;
  proposedRules: number;
  peakRssMiB: number;
}

const SUB = "11111111-1111-1111-1111-111111111111";
const PER_PERIMETER = 100;

/** An estate of `associations` storage accounts in Learning, 100 per perimeter, one profile each with an IP rule and a subscription rule. */
export function readinessEstate(associations: number): { estate: Estate; members: string[] } {
  const resources: ArmResource[] = [];
  const members: string[] = [];
  for (let p = 0; p < Math.ceil(associations / PER_PERIMETER); p++) {
    const nsp = `/subscriptions/${SUB}/resourceGroups/rg-nsp/providers/Microsoft.Network/networkSecurityPerimeters/nsp-${p}`;
    const profile = `${nsp}/profiles/default`;
    resources.push({ id: nsp, type: "Microsoft.Network/networkSecurityPerimeters", name: `nsp-${p}`, properties: { perimeterGuid: `00000000-0000-0000-0000-${String(p).padStart(12, "0")}` } });
    resources.push({ id: profile, type: "Microsoft.Network/networkSecurityPerimeters/profiles", name: "default", properties: { accessRulesVersion: 5 } });
    resources.push({ id: `${profile}/accessRules/offices`, type: "Microsoft.Network/networkSecurityPerimeters/profiles/accessRules", name: "offices", properties: { direction: "Inbound", addressPrefixes: ["203.0.113.0/24", "198.51.100.0/24"] } });
    resources.push({ id: `${profile}/accessRules/platform`, type: "Microsoft.Network/networkSecurityPerimeters/profiles/accessRules", name: "platform", properties: { direction: "Inbound", subscriptions: [{ id: `/subscriptions/${SUB}` }] } });
    for (let i = 0; i < PER_PERIMETER && members.length < associations; i++) {
      const n = members.length;
      const account = `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/st${n}`;
      members.push(account);
      resources.push({ id: account, type: "Microsoft.Storage/storageAccounts", name: `st${n}`, properties: {} });
      resources.push({
        id: `${nsp}/resourceAssociations/assoc-${n}`,
        type: "Microsoft.Network/networkSecurityPerimeters/resourceAssociations",
        name: `assoc-${n}`,
        properties: { privateLinkResource: { id: account }, profile: { id: profile }, accessMode: "Learning" },
      });
    }
  }
  return { estate: new Estate(resources), members };
}

/**
 * `rows` caller summaries spread evenly over the members: admitted callers, new IPs, Entra callers,
 * SAS, outbound FQDNs. Each row carries every field, as `summariesFromTable` reads a workspace row.
 */
export function readinessRows(members: readonly string[], rows: number): CallerSummary[] {
  const out: CallerSummary[] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    const kind = i % 10;
    const ip = `${20 + (i % 80)}.${(i >> 8) & 255}.${(i >> 3) & 255}.${i & 255}`;
    const inbound = kind < 9;
    out[i] = {
      serviceResourceId: members[i % members.length]!,
      perimeterId: undefined,
      profile: undefined,
      category: kind < 4 ? "NspPublicInboundPerimeterRulesAllowed" : inbound ? "NspPublicInboundResourceRulesAllowed" : "NspPublicOutboundResourceRulesAllowed",
      direction: inbound ? "Inbound" : "Outbound",
      trafficType: "Public",
      sourceIpAddress: kind < 4 ? `203.0.113.${i & 255}` : kind < 8 ? ip : undefined,
      sourceSubscriptionId: kind === 7 ? `aaaaaaaa-0000-0000-0000-${String(i % 300).padStart(12, "0")}` : undefined,
      sourceAppId: undefined,
      sourceResourceId: undefined,
      sourcePerimeterGuids: undefined,
      destinationFqdn: kind === 9 ? `api${i % 40}.partner.example` : undefined,
      auth: kind === 7 ? "entra" : kind === 8 ? "sas-or-shared-key" : "unknown",
      trustedService: false,
      viaServiceEndpoint: false,
      operations: ["GetBlob"],
      requests: 1 + (i % 50),
      firstSeen: "2026-11-01T00:00:00.000Z",
      lastSeen: "2026-11-27T00:00:00.000Z",
      accessRuleVersion: 5,
      matchedRule: undefined,
    };
  }
  return out;
}

/** Times one readiness assessment of `rows` summarised rows over `associations` associations (generation not timed). */
export function measureReadiness(rows: number, associations: number): ReadinessFigures {
  const { estate, members } = readinessEstate(associations);
  const summaries = readinessRows(members, rows);
  const window = { from: new Date("2026-10-29T00:00:00Z"), to: new Date("2026-11-28T00:00:00Z") };
  const started = performance.now();
  const cpu = process.cpuUsage();
  const report = assessReadiness(estate, summaries, { window });
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return {
    rows,
    associations: report.associations.length,
    ms,
    cpuMs: (used.user + used.system) / 1000,
    breaking: report.associations.reduce((n, a) => n + a.wouldBreak.length, 0),
    proposedRules: report.associations.reduce((n, a) => n + a.proposedRules.length, 0),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}
