import { describe, expect, it } from "vitest";
import { decide, fqdnMatches, ipv4Value, perimeterVerdict, type AccessConfig, type AccessRequest, type RuleConfig } from "../../src/readiness/accessModel.js";
import type { AccessMode } from "../../src/model/estate.js";

const SUB_A = "11111111-1111-1111-1111-111111111111";
const SUB_A_NEAR = "11111111-1111-1111-1111-111111111112";
const OWN_GUID = "aaaaaaaa-0000-0000-0000-000000000001";
const REMOTE_GUID = "bbbbbbbb-0000-0000-0000-000000000002";

function rule(partial: Partial<RuleConfig> & { name: string; direction: RuleConfig["direction"] }): RuleConfig {
  return { addressPrefixes: [], subscriptions: [], serviceTags: [], fullyQualifiedDomainNames: [], perimeterGuids: [], ...partial };
}

const config: AccessConfig = {
  perimeterGuid: OWN_GUID,
  profileName: "default",
  rules: [
    rule({ name: "offices", direction: "Inbound", addressPrefixes: ["203.0.113.0/24", "2001:db8:10::/48"] }),
    rule({ name: "partner-host", direction: "Inbound", addressPrefixes: ["198.51.100.7"] }),
    rule({ name: "apps", direction: "Inbound", subscriptions: [SUB_A] }),
    rule({ name: "monitor", direction: "Inbound", serviceTags: ["AzureMonitor"] }),
    rule({ name: "egress", direction: "Outbound", fullyQualifiedDomainNames: ["api.contoso.com", "*.partner.example"] }),
  ],
  links: [
    { name: "to-shared", remotePerimeterGuid: REMOTE_GUID, status: "Approved", localInboundProfiles: ["default"] },
    { name: "pending", remotePerimeterGuid: "cccccccc-0000-0000-0000-000000000003", status: "Pending", localInboundProfiles: ["*"] },
  ],
  serviceTagsHonoured: true,
  serviceTagPrefixes: new Map([["azuremonitor", ["20.33.0.0/16"]]]),
};

const inbound = (r: Partial<AccessRequest>): AccessRequest => ({ direction: "Inbound", trafficType: "Public", auth: "entra", ...r });
const outbound = (r: Partial<AccessRequest>): AccessRequest => ({ direction: "Outbound", trafficType: "Public", auth: "entra", ...r });

interface Case {
  name: string;
  request: AccessRequest;
  config?: AccessConfig;
  /** Enforced outcome and what decided it. */
  enforced: [boolean, string, string?];
}

const cases: Case[] = [
  // IP rules
  { name: "IPv4 inside a /24", request: inbound({ sourceIpAddress: "203.0.113.200" }), enforced: [true, "ip-rule", "offices"] },
  { name: "near-miss: first address after the /24", request: inbound({ sourceIpAddress: "203.0.114.0" }), enforced: [false, "no-matching-rule"] },
  { name: "near-miss: last address before the /24", request: inbound({ sourceIpAddress: "203.0.112.255" }), enforced: [false, "no-matching-rule"] },
  { name: "bare address rule matches only itself", request: inbound({ sourceIpAddress: "198.51.100.7" }), enforced: [true, "ip-rule", "partner-host"] },
  { name: "near-miss: neighbour of a bare address", request: inbound({ sourceIpAddress: "198.51.100.8" }), enforced: [false, "no-matching-rule"] },
  { name: "IPv6 inside a /48", request: inbound({ sourceIpAddress: "2001:db8:10:ffff::1" }), enforced: [true, "ip-rule", "offices"] },
  { name: "near-miss: IPv6 next /48", request: inbound({ sourceIpAddress: "2001:db8:11::1" }), enforced: [false, "no-matching-rule"] },
  { name: "SAS caller from an allowed IP is admitted by the IP rule", request: inbound({ sourceIpAddress: "203.0.113.5", auth: "sas-or-shared-key" }), enforced: [true, "ip-rule", "offices"] },
  { name: "SMB caller from an allowed IP is admitted by the IP rule", request: inbound({ sourceIpAddress: "203.0.113.5", auth: "smb" }), enforced: [true, "ip-rule", "offices"] },
  { name: "unparseable source address matches no prefix", request: inbound({ sourceIpAddress: "203.0.113" }), enforced: [false, "no-matching-rule"] },
  // Subscription rules
  { name: "Entra caller from an allowed subscription", request: inbound({ sourceSubscriptionId: SUB_A, sourceIpAddress: "52.1.1.1" }), enforced: [true, "subscription-rule", "apps"] },
  { name: "near-miss: subscription one digit off", request: inbound({ sourceSubscriptionId: SUB_A_NEAR, sourceIpAddress: "52.1.1.1" }), enforced: [false, "no-matching-rule"] },
  { name: "near-miss: Shared Key under a subscription rule", request: inbound({ sourceSubscriptionId: SUB_A, auth: "sas-or-shared-key", sourceIpAddress: "52.1.1.1" }), enforced: [false, "no-matching-rule"] },
  { name: "near-miss: SMB under a subscription rule", request: inbound({ sourceSubscriptionId: SUB_A, auth: "smb" }), enforced: [false, "no-matching-rule"] },
  { name: "near-miss: unknown authentication under a subscription rule", request: inbound({ sourceSubscriptionId: SUB_A, auth: "unknown" }), enforced: [false, "no-matching-rule"] },
  // Service tags
  { name: "service tag prefix, honoured by the resource", request: inbound({ sourceIpAddress: "20.33.4.5" }), enforced: [true, "service-tag-rule", "monitor"] },
  { name: "near-miss: just outside the tag's prefix", request: inbound({ sourceIpAddress: "20.34.0.1" }), enforced: [false, "no-matching-rule"] },
  {
    name: "near-miss: service tag on a type that does not honour tags (Storage)",
    request: inbound({ sourceIpAddress: "20.33.4.5" }),
    config: { ...config, serviceTagsHonoured: false },
    enforced: [false, "no-matching-rule"],
  },
  // Links (cross-perimeter)
  { name: "caller of an approved linked perimeter", request: inbound({ trafficType: "Cross", sourcePerimeterGuids: [REMOTE_GUID] }), enforced: [true, "link", "to-shared"] },
  { name: "near-miss: link still Pending", request: inbound({ trafficType: "Cross", sourcePerimeterGuids: ["cccccccc-0000-0000-0000-000000000003"] }), enforced: [false, "no-matching-rule"] },
  {
    name: "near-miss: link admits another local profile",
    request: inbound({ trafficType: "Cross", sourcePerimeterGuids: [REMOTE_GUID] }),
    config: { ...config, profileName: "other" },
    enforced: [false, "no-matching-rule"],
  },
  { name: "near-miss: linked perimeter but SAS (no perimeter carried)", request: inbound({ trafficType: "Cross", sourcePerimeterGuids: [REMOTE_GUID], auth: "sas-or-shared-key" }), enforced: [false, "no-matching-rule"] },
  {
    name: "rule created by a link (networkSecurityPerimeters)",
    request: inbound({ trafficType: "Cross", sourcePerimeterGuids: ["dddddddd-0000-0000-0000-000000000004"] }),
    config: { ...config, rules: [rule({ name: "link-rule", direction: "Inbound", perimeterGuids: ["dddddddd-0000-0000-0000-000000000004"] })] },
    enforced: [true, "link", "link-rule"],
  },
  // Private endpoints
  { name: "private endpoint traffic needs no rule", request: inbound({ trafficType: "Private", sourceIpAddress: "10.0.0.4", auth: "sas-or-shared-key" }), enforced: [true, "private-endpoint"] },
  // Intra-perimeter
  { name: "intra-perimeter caller", request: inbound({ trafficType: "Intra" }), enforced: [true, "intra-perimeter"] },
  { name: "caller carrying this perimeter's GUID", request: inbound({ sourcePerimeterGuids: [OWN_GUID] }), enforced: [true, "intra-perimeter"] },
  { name: "near-miss: intra traffic with Shared Key carries no perimeter", request: inbound({ trafficType: "Intra", auth: "sas-or-shared-key" }), enforced: [false, "no-matching-rule"] },
  // Service endpoints and trusted services
  { name: "service-endpoint traffic is denied even under 0.0.0.0/0", request: inbound({ viaServiceEndpoint: true, sourceIpAddress: "203.0.113.9" }), enforced: [false, "service-endpoint"] },
  { name: "trusted service without a rule", request: inbound({ trustedService: true }), enforced: [false, "trusted-service"] },
  { name: "trusted service with a subscription rule (managed identity)", request: inbound({ trustedService: true, sourceSubscriptionId: SUB_A }), enforced: [true, "subscription-rule", "apps"] },
  // Outbound FQDN rules
  { name: "outbound to a listed FQDN (case, trailing dot)", request: outbound({ destinationFqdn: "API.contoso.com." }), enforced: [true, "fqdn-rule", "egress"] },
  { name: "near-miss: subdomain of a listed FQDN", request: outbound({ destinationFqdn: "eu.api.contoso.com" }), enforced: [false, "no-matching-rule"] },
  { name: "wildcard covers a subdomain", request: outbound({ destinationFqdn: "files.partner.example" }), enforced: [true, "fqdn-rule", "egress"] },
  { name: "near-miss: wildcard does not cover its apex", request: outbound({ destinationFqdn: "partner.example" }), enforced: [false, "no-matching-rule"] },
  { name: "near-miss: inbound rules never admit outbound traffic", request: outbound({ destinationFqdn: "203.0.113.1" }), enforced: [false, "no-matching-rule"] },
  { name: "near-miss: outbound rules never admit inbound traffic", request: inbound({ destinationFqdn: "api.contoso.com" }), enforced: [false, "no-matching-rule"] },
];

describe("access model, Enforced", () => {
  it.each(cases)("$name", ({ request, config: c, enforced }) => {
    const decision = decide(request, c ?? config, "Enforced", "allowed");
    expect([decision.allowed, decision.by, decision.rule].slice(0, enforced.length)).toEqual(enforced);
  });
});

describe("access model, Learning and Audit", () => {
  const modes: AccessMode[] = ["Learning", "Audit"];
  it.each(cases)("$name", ({ request, config: c, enforced }) => {
    for (const mode of modes) {
      const fallbackAllowed = decide(request, c ?? config, mode, "allowed");
      const fallbackDenied = decide(request, c ?? config, mode, "denied");
      if (enforced[0]) {
        // What the perimeter admits is admitted in every mode, by the same rule.
        expect(fallbackAllowed.by).toBe(enforced[1]);
        expect(fallbackDenied.allowed).toBe(true);
      } else if (mode === "Learning") {
        // Learning falls back to the resource's own rules (TRANSITION).
        expect([fallbackAllowed.allowed, fallbackAllowed.by]).toEqual([true, "resource-rules"]);
        expect([fallbackDenied.allowed, fallbackDenied.by]).toEqual([false, enforced[1]]);
      } else {
        // Audit logs the perimeter's denial and lets the request through.
        expect([fallbackDenied.allowed, fallbackDenied.by]).toEqual([true, "audit"]);
        expect(fallbackDenied.perimeter).toEqual({ allowed: false, by: enforced[1] });
      }
    }
  });
});

describe("fqdnMatches", () => {
  it.each([
    ["a.b.c", "A.B.C", true],
    ["a.b.c", "a.b.c.", true],
    ["a.b.c", "x.a.b.c", false],
    ["*.b.c", "a.b.c", true],
    ["*.b.c", "x.y.b.c", true],
    ["*.b.c", "b.c", false],
    ["*.b.c", "ab.c", false],
    ["", "a", false],
  ])("%s vs %s → %s", (pattern, host, expected) => expect(fqdnMatches(pattern, host)).toBe(expected));
});

it("perimeterVerdict is the Enforced decision", () => {
  const request = inbound({ sourceIpAddress: "203.0.113.1" });
  expect(decide(request, config, "Enforced").perimeter).toEqual(perimeterVerdict(request, config));
});

it("reads a logged IPv4 address as its 32-bit value, and nothing that is not one address", () => {
  expect(ipv4Value("203.0.113.1")).toBe(((203 * 256 + 0) * 256 + 113) * 256 + 1);
  expect(ipv4Value("0.0.0.0")).toBe(0);
  expect(ipv4Value("255.255.255.255")).toBe(2 ** 32 - 1);
  for (const bad of ["256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1..2.3", ".1.2.3", "1.2.3.", "10.0.0.0/8", "a.b.c.d", "", "1.2.3.04", "::1"]) {
    expect(ipv4Value(bad), bad).toBeUndefined();
  }
  // A source that is not an address is matched by no IP rule.
  expect(perimeterVerdict(inbound({ sourceIpAddress: "203.0.113.01" }), config)).toMatchObject({ allowed: false });
});
