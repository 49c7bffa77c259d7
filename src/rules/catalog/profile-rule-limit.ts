import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { nameOf } from "../lib/messages.js";

/** Hard limit of rule elements per profile (NSP limits). */
const HARD_LIMIT = 200;
/** Warn within 10% of the hard limit: the next change may be rejected. */
const WARN_ABOVE = 180;

export default defineRule({
  scope: "profile",
  meta: {
    id: "profile-rule-limit",
    title: "Profile near or over the limit of 200 access rule elements",
    category: "hygiene",
    severity: "medium",
    severityLogic: "medium above 180 rule elements (near the hard limit); high above 200",
    resource: "the profile",
    sources: [
      { doc: "FILES", section: "Feature coverage under network security perimeter (IP rules up to 200)", anchor: "feature-coverage-under-network-security-perimeter" },
      { doc: "CONCEPTS", section: "Limitations of a network security perimeter (limits)", anchor: "limitations-of-a-network-security-perimeter" },
    ],
    explanation:
      "A profile holds at most 200 access rule elements (address prefixes, subscriptions and FQDNs across all its access rules); this is a hard limit. A profile close to it cannot take the next client's rule, and one over it (e.g. from an import or a stale snapshot) will not apply as written.",
    remediation:
      "Consolidate adjacent address prefixes into larger CIDR blocks, remove stale entries, or split members with different access needs into separate profiles.",
    reads: [T.profile, T.accessRule],
  },
  check(profile) {
    let prefixes = 0;
    let subscriptions = 0;
    let fqdns = 0;
    for (const rule of profile.accessRules) {
      prefixes += rule.addressPrefixes.length;
      subscriptions += rule.subscriptions.length;
      fqdns += rule.fullyQualifiedDomainNames.length;
    }
    const total = prefixes + subscriptions + fqdns;
    if (total <= WARN_ABOVE) return;
    const breakdown = `${total} rule elements (${prefixes} address prefixes, ${subscriptions} subscriptions, ${fqdns} FQDNs) across ${profile.accessRules.length} access rule(s)`;
    if (total > HARD_LIMIT) {
      return { severity: "high", message: `Profile ${nameOf(profile.id)} has ${breakdown}: over the hard limit of ${HARD_LIMIT}.` };
    }
    return { severity: "medium", message: `Profile ${nameOf(profile.id)} has ${breakdown}: near the hard limit of ${HARD_LIMIT}.` };
  },
});
