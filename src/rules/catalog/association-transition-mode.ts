import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { associationAgeDays, isSecuredByPerimeter } from "../lib/members.js";
import { memberTypeLabel, modeLabel, nameOf } from "../lib/messages.js";
import { onboardingOf } from "../lib/onboarded.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "association-transition-mode",
    title: "Member left in Transition (Learning) or Audit mode with its own public access",
    category: "risky",
    severity: "medium",
    severityLogic:
      "medium; high once the association is older than `transitionGraceDays` (policy, default 30) by `systemData.createdAt`. Storage accounts have their own rule (storage-transition-mode); members whose `publicNetworkAccess` is SecuredByPerimeter do not fire",
    resource: "the member",
    sources: [
      { doc: "CONCEPTS", section: "Access modes in network security perimeter", anchor: "access-modes-in-network-security-perimeter" },
      { doc: "TRANSITION", section: "Access mode configuration point on resource associations", anchor: "access-mode-configuration-point-on-resource-associations" },
    ],
    explanation:
      "In Transition mode (the API's `Learning`) and in `Audit` mode the perimeter does not block: the member (Key Vault, SQL, Cosmos DB, Event Hubs, Service Bus, Azure Monitor, AI Search, Foundry...) keeps answering public traffic its own firewall allows. That is meant as a short step to learn access patterns before enforcing; left in place, the perimeter protects nothing. A member whose `publicNetworkAccess` is SecuredByPerimeter already admits only perimeter rules.",
    remediation:
      "Review the perimeter's access logs for traffic that Enforced mode would deny, add the access rules it needs, then set the association's `accessMode` to `Enforced` (or set the member's `publicNetworkAccess` to SecuredByPerimeter).",
    reads: [T.association, T.keyVault, T.cosmosAccount, T.sqlServer, T.eventHubNamespace, T.serviceBusNamespace, T.cognitiveAccount, T.logAnalyticsWorkspace],
  },
  check(association, view, ctx) {
    const member = association.member;
    // Storage has its own rule; a member missing from the estate has no setting to read.
    if (!member || association.memberType === T.storageAccount || association.mode === "Enforced") return;
    if (!onboardingOf(view.estate, association.memberType, member.kind, ctx.onboardedTypes).onboarded) return;
    if (isSecuredByPerimeter(member)) return;
    const ageDays = associationAgeDays(association, ctx.now);
    const overdue = ageDays !== undefined && ageDays > ctx.transitionGraceDays;
    const age = ageDays === undefined ? "of unknown age" : `${ageDays} day(s) old`;
    return {
      severity: overdue ? "high" : "medium",
      message: `Association ${nameOf(association.id)} puts ${nameOf(member.id)} (${memberTypeLabel(association) ?? association.memberType}) in ${modeLabel(association.mode)} mode with publicNetworkAccess ${JSON.stringify(member.properties?.["publicNetworkAccess"] ?? "unset")}; it is ${age} (grace period ${ctx.transitionGraceDays} days).`,
    };
  },
});
