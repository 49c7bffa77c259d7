import type { EstateReader } from "../../model/estate.js";
import { displayName, equalsIgnoreCase, prop, propArray, propString, type ArmResource } from "../../model/resource.js";
import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { listNames, modeLabel, nameOf } from "../lib/messages.js";
import { storageAccountOf } from "../lib/members.js";
import { fieldOf } from "../lib/storage.js";
import { mentionsDataStoreType } from "../lib/backup.js";

/** Vault name of a backup item: the segment after `vaults/` or `backupVaults/`. */
function vaultNameOf(id: string): string {
  const m = /\/(?:backupVaults|vaults)\/([^/]+)/i.exec(id);
  return m?.[1] ?? id;
}

function isAzureFileShareBackup(item: ArmResource): boolean {
  return equalsIgnoreCase(propString(item, "protectedItemType"), "AzureFileShareProtectedItem");
}

/**
 * A vaulted blob backup copies data into the Backup vault (VaultStore); an operational one keeps
 * it in the account itself (OperationalStore) and is not what the docs call unsupported.
 */
function vaultedReason(instance: ArmResource, estate: EstateReader): string | undefined {
  const parameters = propArray(instance, "policyInfo", "policyParameters", "backupDatasourceParametersList");
  if (parameters.some((p) => equalsIgnoreCase(fieldOf(p, "objectType"), "BlobBackupDatasourceParameters"))) {
    return "BlobBackupDatasourceParameters";
  }
  const policyId = propString(instance, "policyInfo", "policyId");
  const policy = policyId ? estate.get(policyId) : undefined;
  if (policy && mentionsDataStoreType(prop(policy, "policyRules"), "VaultStore")) {
    return `policy ${displayName(policy)} with a VaultStore data store`;
  }
  return undefined;
}

export default defineRule({
  scope: "association",
  meta: {
    id: "storage-azure-backup",
    title: "Azure Backup on a storage account in a perimeter",
    category: "unsupported",
    severity: "high",
    severityLogic:
      "high: an Azure Files share protected by a Recovery Services vault (`AzureFileShareProtectedItem`), or a vaulted blob backup instance in a Backup vault (`BlobBackupDatasourceParameters` or a `VaultStore` policy); medium: an operational blob backup instance only (STORAGE-GA lists Azure Backup as a whole)",
    resource: "the storage account",
    sources: [
      { doc: "FILES", section: "Feature coverage under network security perimeter (integration table, Azure Backup row)", anchor: "feature-coverage-under-network-security-perimeter" },
      { doc: "STORAGE", section: "Limitations (vaulted backups for Azure Blob Storage)", anchor: "limitations" },
      { doc: "STORAGE-GA", section: "Limitations (Azure Backup)", anchor: "limitations" },
    ],
    explanation:
      "Azure Backup is not yet onboarded to network security perimeter: backing up Azure file shares is not supported for an account in a perimeter, and vaulted backups for Azure Blob Storage are listed among the limitations. Microsoft recommends not using a perimeter for such accounts, to avoid failed backups and the data-loss risk that follows.",
    remediation:
      "Keep the account out of the perimeter while Azure Backup protects its file shares or runs vaulted blob backups; or stop that protection (use operational blob backup, or another copy mechanism) before associating the account. Re-check once Azure Backup is onboarded to network security perimeter.",
    reads: [T.association, T.storageAccount, T.protectedItem, T.backupInstance, T.backupPolicy],
  },
  check(association, view) {
    const account = storageAccountOf(association);
    if (!account) return;
    const relations = view.estate.storageRelations(account.id);
    const shareBackups = relations.protectedItems.filter(isAzureFileShareBackup);
    const vaulted: string[] = [];
    const operational: string[] = [];
    for (const instance of relations.backupInstances) {
      const reason = vaultedReason(instance, view.estate);
      if (reason) vaulted.push(`${nameOf(instance.id)} in Backup vault ${vaultNameOf(instance.id)} (${reason})`);
      else operational.push(`${nameOf(instance.id)} in Backup vault ${vaultNameOf(instance.id)}`);
    }
    if (shareBackups.length === 0 && vaulted.length === 0) {
      if (operational.length === 0) return;
      return {
        severity: "medium",
        message: `${nameOf(account.id)} has operational blob backup instance(s) ${listNames(operational)}; the current Storage docs list Azure Backup among the perimeter's limitations (association in ${modeLabel(association.mode)} mode).`,
      };
    }
    const seen = [
      ...(shareBackups.length
        ? [
            `Azure Files backup of share(s) ${listNames(
              shareBackups.map((item) => `${propString(item, "friendlyName") ?? nameOf(item.id)} (Recovery Services vault ${vaultNameOf(item.id)})`),
            )}`,
          ]
        : []),
      ...(vaulted.length ? [`vaulted blob backup instance(s) ${listNames(vaulted)}`] : []),
    ].join(" and ");
    return {
      severity: "high",
      message: `${nameOf(account.id)} is protected by ${seen}; Azure Backup is not onboarded to network security perimeter (association in ${modeLabel(association.mode)} mode).`,
    };
  },
});
