import { PREVIEW_TYPES, T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { memberTypeLabel, nameOf } from "../lib/messages.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "association-preview-type",
    title: "Associated resource type is supported only in public preview",
    category: "risky",
    severity: "low",
    severityLogic: "low whenever the associated type is in public preview (Cosmos DB, SQL, Cognitive Services / Azure OpenAI / AI Foundry)",
    resource: "the associated resource",
    sources: [
      { doc: "CONCEPTS", section: "Onboarded private link resources (IMPORTANT box)", anchor: "onboarded-private-link-resources" },
      { doc: "FOUNDRY", section: "Add Azure AI Foundry to a network security perimeter (preview note)" },
    ],
    explanation:
      "Perimeter support for Cosmos DB (`Microsoft.DocumentDB/databaseAccounts`), SQL (`Microsoft.Sql/servers`) and Azure OpenAI / AI Foundry (`Microsoft.CognitiveServices/accounts`) is in public preview: it comes without a service level agreement, is not recommended for production workloads, and certain features might not be supported or might have constrained capabilities.",
    remediation:
      "Confirm the workload tolerates preview terms, review the service's own perimeter limitations before enforcing, and test the association in Learning (Transition) mode first; otherwise protect the resource with private endpoints until support is generally available.",
    reads: [T.association],
  },
  check(association) {
    if (!PREVIEW_TYPES.includes(association.memberType)) return;
    return {
      severity: "low",
      message: `${nameOf(association.memberDisplayId)} (${memberTypeLabel(association) ?? association.memberType}) is associated through ${nameOf(association.id)}, but perimeter support for this type is in public preview (no SLA, features may be constrained).`,
    };
  },
});
