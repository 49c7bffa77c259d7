import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { memberTypeLabel, nameOf } from "../lib/messages.js";
import { onboardingOf } from "../lib/onboarded.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "association-preview-type",
    title: "Associated resource type is supported only in public preview",
    category: "risky",
    severity: "low",
    severityLogic:
      "low whenever the associated type (and kind) is in public preview: Cosmos DB, SQL, Cognitive Services accounts of kind `OpenAI` (kind `AIServices`, Microsoft Foundry, is GA), or a type the live onboarded list reports as Preview",
    resource: "the associated resource",
    sources: [
      { doc: "CONCEPTS-2026", section: "Onboarded private link resources (IMPORTANT box)", anchor: "onboarded-private-link-resources" },
      { doc: "FOUNDRY-2026", section: "Add Microsoft Foundry to a network security perimeter" },
    ],
    explanation:
      "Perimeter support for Cosmos DB (`Microsoft.DocumentDB/databaseAccounts`), SQL (`Microsoft.Sql/servers`) and Azure OpenAI (`Microsoft.CognitiveServices/accounts` of kind `OpenAI`) is in public preview: it comes without a service level agreement, is not recommended for production workloads, and certain features might not be supported or might have constrained capabilities. Microsoft Foundry accounts (kind `AIServices`) are generally available.",
    remediation:
      "Confirm the workload tolerates preview terms, review the service's own perimeter limitations before enforcing, and test the association in Learning (Transition) mode first; otherwise protect the resource with private endpoints until support is generally available.",
    reads: [T.association, T.perimeterAssociableResourceType],
  },
  check(association, view, ctx) {
    const kind = association.member?.kind;
    const onboarding = onboardingOf(view.estate, association.memberType, kind, ctx.onboardedTypes);
    if (!onboarding.onboarded || !onboarding.preview) return;
    const what = `${memberTypeLabel(association) ?? association.memberType}${kind ? ` of kind ${kind}` : ""}`;
    return {
      severity: "low",
      message: `${nameOf(association.memberDisplayId)} (${what}) is associated through ${nameOf(association.id)}, but perimeter support for it is in public preview (${onboarding.from}; no SLA, features may be constrained).`,
    };
  },
});
