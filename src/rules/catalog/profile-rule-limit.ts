import { T } from "../../model/resourceTypes.js";
import { defineRule, type RuleHit } from "../types.js";
import { elementCounts } from "../lib/accessRules.js";
import { nameOf } from "../lib/messages.js";

/** Hard limit of rule elements per profile and direction (LIMITS). */
const HARD_LIMIT = 200;
/** Warn within 10% of the hard limit: the next change may be rejected. */
const WARN_ABOVE = 180;

export default defineRule({
  scope: "profile",
  meta: {
    id: "profile-rule-limit",
    title: "Profile near or over the limit of 200 access rule elements in a direction",
    category: "hygiene",
    severity: "medium",
    severityLogic: "counted per direction (inbound elements, outbound elements): medium above 180 in either direction (near the hard limit); high above 200",
    resource: "the profile",
    sources: [
      { doc: "LIMITS", section: "Scale limitations (rule elements per profile, per direction)", anchor: "scale-limitations" },
      { doc: "FILES", section: "Feature coverage under network security perimeter (IP rules up to 200)", anchor: "feature-coverage-under-network-security-perimeter" },
    ],
    explanation:
      "A profile holds at most 200 access rule elements in each direction: inbound (address prefixes, subscriptions, service tags and perimeters) and outbound (FQDNs, email addresses and phone numbers). This is a hard limit. A profile close to it cannot take the next client's rule, and one over it (e.g. from an import or a stale snapshot) will not apply as written.",
    remediation:
      "Consolidate adjacent address prefixes into larger CIDR blocks, remove stale entries, or split members with different access needs into separate profiles.",
    reads: [T.profile, T.accessRule],
  },
  check(profile) {
    const { inbound, outbound } = elementCounts(profile);
    const hits: RuleHit[] = [];
    const judge = (direction: string, total: number, breakdown: string) => {
      if (total <= WARN_ABOVE) return;
      const over = total > HARD_LIMIT;
      hits.push({
        severity: over ? "high" : "medium",
        message: `Profile ${nameOf(profile.id)} has ${total} ${direction} rule elements (${breakdown}): ${over ? "over" : "near"} the hard limit of ${HARD_LIMIT} per direction.`,
      });
    };
    judge("inbound", inbound.total, `${inbound.prefixes} address prefixes, ${inbound.subscriptions} subscriptions, ${inbound.serviceTags} service tags, ${inbound.perimeters} perimeters`);
    judge("outbound", outbound.total, `${outbound.fqdns} FQDNs, ${outbound.emails} email addresses, ${outbound.phones} phone numbers`);
    return hits;
  },
});
