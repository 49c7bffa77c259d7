import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { enforcementOf, memberOfType } from "../lib/members.js";
import { nameOf } from "../lib/messages.js";
import { bypassItems, trustsAzureServices } from "../lib/storage.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "keyvault-trusted-bypass",
    title: "Key Vault relies on a trusted-services bypass the perimeter overrides",
    category: "unsupported",
    severity: "medium",
    severityLogic: "medium when the vault is effectively enforcing (Enforced, or `publicNetworkAccess` SecuredByPerimeter) and `networkAcls.bypass` contains AzureServices",
    resource: "the vault",
    sources: [{ doc: "KV", section: "Key Vault firewall enabled (trusted services only)", anchor: "key-vault-firewall-enabled-trusted-services-only" }],
    explanation:
      "A vault's `AzureServices` bypass lets trusted Microsoft services through its own firewall. When the vault is associated with a perimeter in Enforced mode, the bypass is overridden: even allowlisted services are blocked unless an explicit perimeter access rule admits them, so services that relied on it (backup, disk encryption, CMK of services outside the perimeter) fail.",
    remediation:
      "For each service that relied on the bypass, associate it with the vault's perimeter or add an inbound access rule (its subscription) to the vault's profile; then remove the obsolete bypass so the vault's configuration says what applies.",
    reads: [T.association, T.keyVault],
  },
  check(association) {
    const vault = memberOfType(association, T.keyVault);
    if (!vault || !trustsAzureServices(vault)) return;
    const enforcement = enforcementOf(association);
    if (!enforcement.enforcing) return;
    return {
      severity: "medium",
      message: `${nameOf(vault.id)} is ${enforcement.label} and has networkAcls.bypass "${bypassItems(vault).join(", ")}": trusted Microsoft services are not admitted by that bypass under the perimeter.`,
    };
  },
});
