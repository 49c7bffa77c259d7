import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { isKeyVaultEncrypted } from "../lib/storage.js";
import { nameOf } from "../lib/messages.js";
import { propString } from "../../model/resource.js";
import { cognitiveAccountOf } from "../lib/members.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "foundry-cmk",
    title: "AI Foundry / Cognitive Services account with customer-managed keys in a perimeter",
    category: "risky",
    severity: "medium",
    severityLogic: "medium whenever an associated `Microsoft.CognitiveServices/accounts` has `properties.encryption.keySource` Microsoft.KeyVault",
    resource: "the Cognitive Services account",
    sources: [
      { doc: "FOUNDRY", section: "Limitations and considerations", anchor: "limitations-and-considerations" },
    ],
    explanation:
      "Microsoft's docs warn that Azure AI Foundry customer-managed keys might not behave as expected in a network security perimeter, and that Foundry resources in the subscription might not be able to use the fine-tune API or the assistants API.",
    remediation:
      "Test encryption, fine-tuning and assistants against the account in Learning (Transition) mode before enforcing; if they fail, use Microsoft-managed keys (`encryption.keySource` Microsoft.CognitiveServices) or keep the account out of the perimeter until the limitation is lifted.",
    reads: [T.association, T.cognitiveAccount],
    defaultAction: "off",
    retired: { listedIn: "FOUNDRY", absentFrom: ["FOUNDRY-2026"] },
  },
  check(association) {
    const account = cognitiveAccountOf(association);
    if (!account || !isKeyVaultEncrypted(account)) return;
    const keySource = propString(account, "encryption", "keySource");
    const vault =
      propString(account, "encryption", "keyVaultProperties", "keyVaultUri") ??
      propString(account, "encryption", "keyvaultproperties", "keyvaulturi");
    return {
      severity: "medium",
      message: `${nameOf(account.id)} is associated through ${nameOf(association.id)} and encrypts with customer-managed keys (encryption.keySource "${keySource}"${vault ? `, key vault ${vault}` : ""}), which might not behave as expected in a perimeter.`,
    };
  },
});
