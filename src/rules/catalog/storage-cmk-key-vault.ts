import { sameId } from "../../model/armId.js";
import { uriHost } from "../../model/estate.js";
import { T } from "../../model/resourceTypes.js";
import { defineRule, type RuleHit } from "../types.js";
import { inboundSubscriptionIds, profileViewInEstate, subscriptionOf } from "../lib/accessRules.js";
import { isKeyVaultEncrypted, keyVaultUriOf } from "../lib/storage.js";
import { modeLabel, nameOf } from "../lib/messages.js";
import { storageAccountOf } from "../lib/members.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "storage-cmk-key-vault",
    title: "Customer-managed key vault not reachable from the storage account's perimeter",
    category: "risky",
    severity: "medium",
    severityLogic:
      "critical when the vault is in another perimeter in Enforced mode whose profile has no inbound subscription rule for the account's subscription; medium when the vault is in no perimeter and the account is Enforced, or the vault's other perimeter is non-enforcing, or the vault is not found; low when the vault is in no perimeter and the account is not Enforced",
    resource: "the storage account",
    sources: [
      { doc: "FILES", section: "Feature coverage under network security perimeter (Customer-Managed Keys row and WARNING box)", anchor: "feature-coverage-under-network-security-perimeter" },
      { doc: "STORAGE", section: "Limitations (WARNING box on customer-managed keys)", anchor: "limitations" },
    ],
    explanation:
      "For customer-managed keys to keep working, the Key Vault holding the key must be accessible from within the perimeter the storage account is associated with. If the vault sits in another perimeter that enforces and does not allow the account, the account loses access to its key and its data becomes unavailable; a vault outside any perimeter or in a non-enforcing one works today but is not protected by, or depends on the fallbacks of, the perimeter.",
    remediation:
      "Associate the Key Vault with the same perimeter as the storage account; or, if it must stay in its own perimeter, add an inbound access rule to the vault's profile allowing the storage account's subscription before that perimeter is enforced.",
    reads: [T.association, T.storageAccount, T.keyVault, T.profile, T.accessRule],
  },
  check(association, view) {
    const account = storageAccountOf(association);
    if (!account || !isKeyVaultEncrypted(account)) return;
    const accountName = nameOf(account.id);
    const uri = keyVaultUriOf(account);
    const host = uriHost(uri);
    const vault = host ? view.estate.keyVaultByHost(host) : undefined;
    if (!vault) {
      return {
        severity: "medium",
        message: `${accountName} uses a customer-managed key from ${uri ? `"${uri}"` : "an unnamed key vault (no keyvaulturi)"}, but no such Key Vault is in the inventory: its reachability from the perimeter cannot be checked.`,
      };
    }
    const vaultName = nameOf(vault.id);
    const vaultAssociations = view.estate.associationsOfMember(vault.id);
    // The documented configuration: the vault in the account's own perimeter.
    if (vaultAssociations.some((a) => sameId(a.perimeterId, view.id))) return;

    if (vaultAssociations.length === 0) {
      return association.mode === "Enforced"
        ? {
            severity: "medium",
            message: `${accountName} is Enforced and uses a customer-managed key from Key Vault ${vaultName}, which is in no perimeter: the vault is not accessible from within the account's perimeter ${nameOf(view.id)}.`,
          }
        : {
            severity: "low",
            message: `${accountName} (${modeLabel(association.mode)} mode) uses a customer-managed key from Key Vault ${vaultName}, which is in no perimeter: associate the vault with ${nameOf(view.id)} before enforcing.`,
          };
    }

    // The vault lives in other perimeters: the worst of them decides.
    const subscription = subscriptionOf(account.id);
    let worst: RuleHit | undefined;
    for (const other of vaultAssociations) {
      const perimeterName = nameOf(other.perimeterId);
      if (other.mode === "Enforced") {
        const vaultProfile = profileViewInEstate(view.estate, other.perimeterId, other.profileId);
        if (inboundSubscriptionIds(vaultProfile).has(subscription)) continue; // allowed in by subscription
        const profileName = other.profileId ? nameOf(other.profileId) : "(none)";
        return {
          severity: "critical",
          message: `${accountName} uses a customer-managed key from Key Vault ${vaultName}, which is Enforced in perimeter ${perimeterName} whose profile ${profileName} has no inbound subscription rule for the account's subscription ${subscription}: the account cannot reach its key.`,
        };
      }
      worst ??= {
        severity: "medium",
        message: `${accountName} uses a customer-managed key from Key Vault ${vaultName}, which is in another perimeter ${perimeterName} in ${modeLabel(other.mode)} mode: the key stays reachable only while that perimeter does not enforce.`,
      };
    }
    return worst;
  },
});
