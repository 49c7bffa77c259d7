import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { memberTypeLabel, nameOf, quote } from "../lib/messages.js";
import { onboardingOf } from "../lib/onboarded.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "association-unsupported-type",
    title: "Associated resource type is not onboarded to network security perimeter",
    category: "unsupported",
    severity: "high",
    severityLogic:
      "high whenever the associated resource type is missing from both the live onboarded list (`perimeterAssociableResourceTypes`, when the estate holds it) and the dated built-in table (CONCEPTS-2026), and from policy `onboardedTypes`",
    resource: "the associated resource",
    sources: [
      { doc: "CONCEPTS-2026", section: "Onboarded private link resources", anchor: "onboarded-private-link-resources" },
      { doc: "CONCEPTS", section: "Onboarded private link resources", anchor: "onboarded-private-link-resources" },
    ],
    explanation:
      "Only network security perimeter-aware private link resources can be associated with a perimeter. ARM lists them per region (`perimeterAssociableResourceTypes`); Microsoft's docs list the onboarded types (Azure Monitor, AI Search, Cosmos DB, Event Hubs, Key Vault, SQL, Storage, Service Bus, Azure OpenAI and Microsoft Foundry). For any other type the perimeter neither enforces nor logs access, so the association gives a false sense of protection.",
    remediation:
      "Remove the association, and protect the resource with its own network controls (private endpoint, firewall) instead. If Microsoft has since onboarded the type, scan with the live list (`--subscription`), or add the type to the policy's `onboardedTypes` list.",
    reads: [T.association, T.perimeterAssociableResourceType],
  },
  check(association, view, ctx) {
    const type = association.memberType;
    // A member id that is not an ARM id at all has no type: it cannot be an onboarded resource.
    if (type === "") {
      return {
        severity: "high",
        message: `Association ${nameOf(association.id)} points at ${quote(association.memberId)}, which is not an ARM resource id, so its type cannot be an onboarded private link resource.`,
      };
    }
    if (onboardingOf(view.estate, type, association.member?.kind, ctx.onboardedTypes).onboarded) return;
    return {
      severity: "high",
      message: `Association ${nameOf(association.id)} puts ${nameOf(association.memberDisplayId)} of type ${memberTypeLabel(association) ?? type} in the perimeter, but that type is not an onboarded private link resource (neither in the live onboarded list nor in the built-in table nor in the policy's onboardedTypes).`,
    };
  },
});
