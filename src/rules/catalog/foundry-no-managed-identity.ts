import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { nameOf, quote } from "../lib/messages.js";
import { cognitiveAccountOf, managedIdentityType } from "../lib/members.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "foundry-no-managed-identity",
    title: "AI Foundry / Cognitive Services account in a perimeter without a managed identity",
    category: "unsupported",
    severity: "high",
    severityLogic: "high whenever an associated `Microsoft.CognitiveServices/accounts` has no `identity` or `identity.type` None",
    resource: "the Cognitive Services account",
    sources: [
      { doc: "FOUNDRY", section: "Limitations and considerations", anchor: "limitations-and-considerations" },
    ],
    explanation:
      "An Azure AI Foundry (Cognitive Services) resource in a network security perimeter must use a system- or user-assigned managed identity with a role assignment that permits read access to its data sources: inside the perimeter, access between members is allowed only when authenticated with managed identities, so without one the account cannot reach its data sources.",
    remediation:
      "Enable a system-assigned or user-assigned managed identity on the account (`identity.type` SystemAssigned and/or UserAssigned) and grant it read access (e.g. Storage Blob Data Reader) on the data sources it uses.",
    reads: [T.association, T.cognitiveAccount],
  },
  check(association) {
    const account = cognitiveAccountOf(association);
    if (!account || managedIdentityType(account) !== undefined) return;
    const identity = account.identity;
    const seen =
      identity === undefined || identity === null
        ? "no identity"
        : identity.type === undefined
          ? "an identity without a type"
          : `identity.type ${quote(identity.type)}`;
    return {
      severity: "high",
      message: `${nameOf(account.id)}${account.kind ? ` (kind ${account.kind})` : ""} is associated through ${nameOf(association.id)} with ${seen}: a Foundry resource in a perimeter must use a system- or user-assigned managed identity.`,
    };
  },
});
