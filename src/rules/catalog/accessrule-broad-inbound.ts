import { T } from "../../model/resourceTypes.js";
import { formatCount, inboundOpeningOf, prefixesOf, type ParsedPrefix } from "../lib/cidr.js";
import { defineRule } from "../types.js";
import { listNames, nameOf } from "../lib/messages.js";

/** Shorter than these is "broad": more than 65,536 IPv4 addresses, more than a /32 IPv6 allocation. */
const BROAD_IPV4_BELOW = 16;
const BROAD_IPV6_BELOW = 32;
/** Half of the IPv4 internet: at that point the profile admits "the public" rather than known clients. */
const OPEN_IPV4_ADDRESSES = 1n << 31n;
const OPEN_IPV6_MAX_LENGTH = 1;

function isBroad(prefix: ParsedPrefix): boolean {
  return prefix.length < (prefix.kind === "ipv4" ? BROAD_IPV4_BELOW : BROAD_IPV6_BELOW);
}

export default defineRule({
  scope: "accessRule",
  meta: {
    id: "accessrule-broad-inbound",
    title: "Inbound access rule admits a very broad address range",
    category: "risky",
    severity: "high",
    severityLogic:
      "high; critical when the profile's inbound IPv4 prefixes together cover at least 2^31 addresses (e.g. 0.0.0.0/0, or 0.0.0.0/1 + 128.0.0.0/1) or an IPv6 prefix is /0 or /1",
    resource: "the access rule",
    sources: [
      { doc: "CONCEPTS", section: "How does a network security perimeter work?", anchor: "how-does-a-network-security-perimeter-work" },
    ],
    explanation:
      "A perimeter denies all public traffic to its Enforced members by default; inbound access rules are the explicit exceptions, meant to approve known clients by source IP address or subscription. An IPv4 prefix shorter than /16 or an IPv6 prefix shorter than /32 admits a large slice of the internet, and a profile covering half of IPv4 or more (or an IPv6 /0 or /1) effectively reopens its members to the public, defeating the perimeter's protection against data exfiltration.",
    remediation:
      "Replace the broad prefix with the specific public ranges of the clients that need access (e.g. your egress NAT addresses), or use a subscription-based inbound rule for Azure workloads. Remove catch-all prefixes such as 0.0.0.0/0 or ::/0.",
    reads: [T.profile, T.accessRule],
  },
  check(rule, profile) {
    if (rule.direction !== "Inbound") return;
    // Invalid prefixes are accessrule-invalid-prefix's business; skip them here.
    const broad = prefixesOf(rule).valid.filter(isBroad);
    if (broad.length === 0) return;

    // The escalation looks at the whole profile: two /1 rules open it as wide as one /0. Computed
    // once per profile (memoised), so a profile's rules cost linear time together.
    const { ipv4Covered, openIpv6 } = inboundOpeningOf(profile, OPEN_IPV6_MAX_LENGTH);
    const seen = `${nameOf(rule.id)} allows inbound traffic from ${listNames(broad.map((p) => p.text), 5)}`;

    if (ipv4Covered >= OPEN_IPV4_ADDRESSES || openIpv6.length > 0) {
      const why = [
        ...(ipv4Covered >= OPEN_IPV4_ADDRESSES
          ? [`its inbound IPv4 prefixes together cover ${formatCount(ipv4Covered)} addresses (at least half of IPv4)`]
          : []),
        ...(openIpv6.length > 0 ? [`it admits IPv6 ${listNames(openIpv6.map((p) => p.text))}`] : []),
      ].join(" and ");
      return {
        severity: "critical",
        message: `${seen}; profile ${nameOf(profile.id)} is effectively open to the internet: ${why}.`,
      };
    }
    return {
      severity: "high",
      message: `${seen} (IPv4 shorter than /${BROAD_IPV4_BELOW} or IPv6 shorter than /${BROAD_IPV6_BELOW}) in profile ${nameOf(profile.id)}.`,
    };
  },
});
