import { sameId } from "../../model/armId.js";
import { uriHost } from "../../model/estate.js";
import { equalsIgnoreCase, propString } from "../../model/resource.js";
import { T } from "../../model/resourceTypes.js";
import { defineRule, severityRank, type RuleHit } from "../types.js";
import { inboundSubscriptionIds, profileViewInEstate, subscriptionOf } from "../lib/accessRules.js";
import { linkAdmitting } from "../lib/links.js";
import { enforcementOf, storageAccountOf } from "../lib/members.js";
import { nameOf } from "../lib/messages.js";
import { isKeyVaultEncrypted, keyVaultUriOf, trustsAzureServices } from "../lib/storage.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "storage-cmk-key-vault",
    title: "Customer-managed key vault not reachable from the storage account's perimeter",
    category: "risky",
    severity: "medium",
    severityLogic:
      "critical when the vault is effectively enforcing in another perimeter that neither admits the account's subscription nor links the account's perimeter in, or when the vault is in no perimeter and its own firewall denies (`networkAcls.defaultAction` Deny without `bypass` AzureServices, or with it while the account is effectively enforcing, where trusted bypass is not honoured); low when the vault is reachable only through an approved perimeter link (a preview feature), or is in no perimeter and the account does not enforce; medium when the vault is in no perimeter and the account effectively enforces, or the vault's other perimeter does not enforce, or the vault is not found",
    resource: "the storage account",
    sources: [
      { doc: "FILES", section: "Feature coverage under network security perimeter (Customer-Managed Keys row and WARNING box)", anchor: "feature-coverage-under-network-security-perimeter" },
      { doc: "STORAGE", section: "Limitations (WARNING box on customer-managed keys)", anchor: "limitations" },
      { doc: "LINKS", section: "Configure a perimeter link between network security perimeters" },
      { doc: "KV", section: "Key Vault firewall enabled (trusted services only)", anchor: "key-vault-firewall-enabled-trusted-services-only" },
    ],
    explanation:
      "For customer-managed keys to keep working, the Key Vault holding the key must be accessible from within the perimeter the storage account is associated with. The vault is reachable when it shares the account's perimeter, when its own perimeter's profile admits the account's subscription, or when an approved perimeter link admits the account's perimeter into the vault's profile (links are in preview). A vault in another perimeter that enforces without such a path cuts the account off its key and its data becomes unavailable. A vault in no perimeter is governed by its own firewall: one that denies by default and does not let trusted services through (or whose trusted-service bypass is not honoured because the account is under its perimeter's rules) refuses the account too.",
    remediation:
      "Associate the Key Vault with the same perimeter as the storage account; or, if it must stay in its own perimeter, add an inbound access rule to the vault's profile allowing the storage account's subscription (or an approved perimeter link) before that perimeter is enforced. For a vault in no perimeter, allow trusted Microsoft services through its firewall or move it into the account's perimeter.",
    reads: [T.association, T.storageAccount, T.keyVault, T.profile, T.accessRule, T.link, T.linkReference],
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
    const account_ = enforcementOf(association);

    if (vaultAssociations.length === 0) {
      // No perimeter around the vault: its own firewall decides (KV).
      const denies = equalsIgnoreCase(propString(vault, "networkAcls", "defaultAction"), "deny");
      const trusted = trustsAzureServices(vault);
      if (denies && (!trusted || account_.enforcing)) {
        return {
          severity: "critical",
          message: `${accountName} (${account_.label}) uses a customer-managed key from Key Vault ${vaultName}, which is in no perimeter and whose firewall denies by default ${trusted ? "with a trusted-services bypass that is not honoured while the account is under its perimeter's rules" : "without letting trusted Microsoft services through (networkAcls.bypass has no AzureServices)"}: the account cannot reach its key.`,
        };
      }
      return account_.enforcing
        ? {
            severity: "medium",
            message: `${accountName} is ${account_.label} and uses a customer-managed key from Key Vault ${vaultName}, which is in no perimeter: the vault is not accessible from within the account's perimeter ${nameOf(view.id)}.`,
          }
        : {
            severity: "low",
            message: `${accountName} (${account_.label}) uses a customer-managed key from Key Vault ${vaultName}, which is in no perimeter: associate the vault with ${nameOf(view.id)} before enforcing.`,
          };
    }

    // The vault lives in other perimeters: the worst of them decides.
    const subscription = subscriptionOf(account.id);
    let worst: RuleHit | undefined;
    const consider = (hit: RuleHit) => {
      if (!worst || severityRank(hit.severity) > severityRank(worst.severity)) worst = hit;
    };
    for (const other of vaultAssociations) {
      const perimeterName = nameOf(other.perimeterId);
      const vaultSide = enforcementOf({ mode: other.mode, member: vault });
      const vaultProfile = profileViewInEstate(view.estate, other.perimeterId, other.profileId);
      if (inboundSubscriptionIds(vaultProfile).has(subscription)) continue; // allowed in by subscription
      const link = linkAdmitting(view.estate, view.id, other.perimeterId, other.profileId);
      if (link) {
        consider({
          severity: "low",
          message: `${accountName} reaches its customer-managed key in Key Vault ${vaultName} (perimeter ${perimeterName}) only through the approved perimeter link ${nameOf(link.id)}, a preview feature: associate the vault with ${nameOf(view.id)} or admit the account's subscription for a supported path.`,
        });
        continue;
      }
      if (vaultSide.enforcing) {
        const profileName = other.profileId ? nameOf(other.profileId) : "(none)";
        consider({
          severity: "critical",
          message: `${accountName} uses a customer-managed key from Key Vault ${vaultName}, which is ${vaultSide.label} in perimeter ${perimeterName} whose profile ${profileName} has no inbound subscription rule for the account's subscription ${subscription} and no approved link from ${nameOf(view.id)}: the account cannot reach its key.`,
        });
        continue;
      }
      consider({
        severity: "medium",
        message: `${accountName} uses a customer-managed key from Key Vault ${vaultName}, which is in another perimeter ${perimeterName} in ${vaultSide.label}: the key stays reachable only while that perimeter does not enforce.`,
      });
    }
    return worst;
  },
});
