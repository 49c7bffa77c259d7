import { T } from "../../model/resourceTypes.js";
import { prop } from "../../model/resource.js";
import { parsePrefix, prefixesOf } from "../lib/cidr.js";
import { defineRule } from "../types.js";
import { listNames, nameOf } from "../lib/messages.js";

/** Every address prefix entry as written, including entries that are not strings (the view drops those). */
function rawPrefixes(raw: unknown): unknown[] {
  if (raw === undefined || raw === null) return [];
  return Array.isArray(raw) ? raw : [raw];
}

export default defineRule({
  scope: "accessRule",
  meta: {
    id: "accessrule-invalid-prefix",
    title: "Inbound access rule has an address prefix that is not an IP prefix",
    category: "hygiene",
    severity: "medium",
    severityLogic: "medium",
    resource: "the access rule",
    sources: [{ doc: "CONCEPTS", section: "Supported access rule types", anchor: "supported-access-rule-types" }],
    explanation:
      "Inbound IP-based access rules take IPv4 or IPv6 addresses in CIDR notation. An entry that does not parse as one (a typo, a host name, a range written as a-b, a stray space) cannot admit the intended clients, and the guardrail cannot reason about what the rule allows; it is reported rather than allowed to break the scan.",
    remediation:
      "Rewrite each listed entry as an IPv4 or IPv6 prefix in CIDR notation (e.g. 203.0.113.0/24, 2001:db8::/48; a single address may be written bare or as /32 or /128) or remove it.",
    reads: [T.profile, T.accessRule],
  },
  check(rule) {
    if (rule.direction !== "Inbound") return;
    // Read the raw property: a number or object in the list is bad input too, not something to skip silently.
    // A list's strings are parsed once for all prefix rules (prefixesOf); anything else is not a prefix.
    const raw = prop(rule.resource, "addressPrefixes");
    const bad = (
      Array.isArray(raw)
        ? [...raw.filter((entry) => typeof entry !== "string"), ...prefixesOf(rule).invalid]
        : rawPrefixes(raw).filter((entry) => typeof entry !== "string" || parsePrefix(entry) === undefined)
    ).map((entry) => JSON.stringify(entry));
    if (bad.length === 0) return;
    return {
      severity: "medium",
      message: `${nameOf(rule.id)} has ${bad.length} address prefix(es) that are not IPv4/IPv6 CIDR: ${listNames(bad, 5)}.`,
    };
  },
});
