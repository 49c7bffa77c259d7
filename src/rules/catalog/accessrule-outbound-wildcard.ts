import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { listNames, nameOf } from "../lib/messages.js";

export default defineRule({
  scope: "accessRule",
  meta: {
    id: "accessrule-outbound-wildcard",
    title: "Outbound access rule uses a wildcard FQDN",
    category: "risky",
    severity: "high",
    severityLogic: "high",
    resource: "the access rule",
    sources: [
      { doc: "CONCEPTS", section: "How does a network security perimeter work?", anchor: "how-does-a-network-security-perimeter-work" },
      { doc: "CONCEPTS", section: "Supported access rule types", anchor: "supported-access-rule-types" },
    ],
    explanation:
      "A perimeter prevents data exfiltration by denying public outbound traffic unless an outbound rule approves the FQDN of an external destination. A wildcard such as *.blob.core.windows.net approves every host under the domain, including storage accounts, endpoints or tenants an attacker controls, so data can leave the perimeter through it.",
    remediation:
      "List the exact fully qualified domain names of the destinations the members need (e.g. myaccount.blob.core.windows.net) instead of a wildcard.",
    reads: [T.profile, T.accessRule],
  },
  check(rule) {
    if (rule.direction !== "Outbound") return;
    const wildcards = rule.fullyQualifiedDomainNames.filter((fqdn) => fqdn.includes("*"));
    if (wildcards.length === 0) return;
    return {
      severity: "high",
      message: `${nameOf(rule.id)} allows outbound traffic to wildcard FQDN(s) ${listNames(wildcards, 5)}.`,
    };
  },
});
