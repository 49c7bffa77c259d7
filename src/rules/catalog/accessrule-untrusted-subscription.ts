import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { bareSubscriptionId } from "../lib/accessRules.js";
import { listNames, nameOf } from "../lib/messages.js";

export default defineRule({
  scope: "accessRule",
  meta: {
    id: "accessrule-untrusted-subscription",
    title: "Inbound subscription rule admits a subscription outside the trusted list",
    category: "risky",
    severity: "medium",
    severityLogic: "medium (only evaluated when policy `trustedSubscriptions` is non-empty)",
    resource: "the access rule",
    sources: [
      { doc: "FILES", section: "Use network security perimeter for Azure Files (introduction: subscription-based rules)" },
      { doc: "CONCEPTS", section: "How does a network security perimeter work?", anchor: "how-does-a-network-security-perimeter-work" },
    ],
    explanation:
      "A subscription-based inbound rule grants access to all resources within that subscription, whoever deploys them. Admitting a subscription the organisation does not control (or has not vetted) opens every perimeter member in the profile to any workload running there.",
    remediation:
      "Remove the subscription from the rule, or replace it with IP rules for the specific clients. If the subscription is in fact trusted, add it to the policy's `trustedSubscriptions`.",
    reads: [T.profile, T.accessRule],
  },
  check(rule, _profile, _view, ctx) {
    if (rule.direction !== "Inbound" || ctx.trustedSubscriptions.length === 0) return;
    // The policy loader already normalises to bare lower-case GUIDs; normalising again costs nothing.
    const trusted = new Set(ctx.trustedSubscriptions.map(bareSubscriptionId));
    const untrusted = rule.subscriptions.filter((s) => !trusted.has(bareSubscriptionId(s)));
    if (untrusted.length === 0) return;
    return {
      severity: "medium",
      message: `${nameOf(rule.id)} admits every resource in subscription(s) outside trustedSubscriptions: ${listNames(untrusted.map(bareSubscriptionId), 5)}.`,
    };
  },
});
