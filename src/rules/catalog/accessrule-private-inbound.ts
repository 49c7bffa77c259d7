import { T } from "../../model/resourceTypes.js";
import { nonPublicRangeOf, prefixesOf } from "../lib/cidr.js";
import { defineRule } from "../types.js";
import { listNames, nameOf } from "../lib/messages.js";

export default defineRule({
  scope: "accessRule",
  meta: {
    id: "accessrule-private-inbound",
    title: "Inbound access rule names private or reserved address space",
    category: "hygiene",
    severity: "low",
    severityLogic: "low",
    resource: "the access rule",
    sources: [
      { doc: "CONCEPTS", section: "How does a network security perimeter work?", anchor: "how-does-a-network-security-perimeter-work" },
    ],
    explanation:
      "Perimeter access rules approve public inbound traffic by the client's source IP address. Private (RFC 1918), shared (100.64.0.0/10), loopback, link-local and IPv6 unique-local or link-local addresses never appear as public sources, so a rule naming them matches nothing: it usually means the author expected it to admit traffic from a virtual network, which needs a private endpoint instead.",
    remediation:
      "Remove the private prefixes from the rule. Reach the resource from virtual networks through a private endpoint (private link traffic is not subject to perimeter rules), and list the public egress addresses (NAT gateway, firewall) of on-premises or VNet clients that go over the internet.",
    reads: [T.profile, T.accessRule],
  },
  check(rule) {
    if (rule.direction !== "Inbound") return;
    // Only prefixes lying entirely inside a non-public range: a broader prefix that merely
    // contains private space (e.g. 0.0.0.0/0) still admits public sources and is not dead.
    const dead = prefixesOf(rule)
      .valid.map((prefix) => ({ prefix, range: nonPublicRangeOf(prefix) }))
      .flatMap(({ prefix, range }) => (range ? [`${prefix.text} (in ${range.text})`] : []));
    if (dead.length === 0) return;
    return {
      severity: "low",
      message: `${nameOf(rule.id)} allows inbound traffic from private or reserved space that never reaches the perimeter as a public source: ${listNames(dead, 5)}.`,
    };
  },
});
