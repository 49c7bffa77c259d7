import { isTrue, prop } from "../../model/resource.js";
import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { cognitiveAccountOf } from "../lib/members.js";
import { nameOf } from "../lib/messages.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "foundry-local-auth",
    title: "Foundry account accepts API keys inside a perimeter",
    category: "hygiene",
    severity: "low",
    severityLogic: "low when an associated `Microsoft.CognitiveServices/accounts` has `disableLocalAuth` not true",
    resource: "the account",
    sources: [{ doc: "FOUNDRY-2026", section: "Limitations and considerations" }],
    explanation:
      "Within a perimeter, only callers authenticated with a managed identity get implicit access to other members; requests authenticated with API keys (local auth) need explicit access rules, and keys are harder to scope and rotate. An account that still accepts keys invites callers that break, or need broad rules, once it is enforced.",
    remediation: "Move callers to Microsoft Entra ID (managed identities) and set `disableLocalAuth` to true; where keys must stay, add the explicit access rules their callers need.",
    reads: [T.association, T.cognitiveAccount],
  },
  check(association) {
    const account = cognitiveAccountOf(association);
    if (!account || isTrue(prop(account, "disableLocalAuth"))) return;
    const value = prop(account, "disableLocalAuth");
    return {
      severity: "low",
      message: `${nameOf(account.id)} has disableLocalAuth ${value === undefined ? "unset" : JSON.stringify(value)}: API-key callers get no implicit access inside the perimeter and need explicit access rules.`,
    };
  },
});
