import {
  backupPolicy,
  blobBackupInstance,
  protectedFileShare,
  recase,
  storageAccount,
  storageInPerimeter,
} from "../helpers/builders.js";
import { asResourceGraph } from "../helpers/builders-storage-b.js";
import { ruleTester } from "../helpers/ruleTester.js";
import type { ArmResource } from "../../src/model/resource.js";

const BACKUP_VAULT = (account: ArmResource) =>
  `/subscriptions/${account.id.split("/")[2]}/resourceGroups/rg-backup/providers/Microsoft.DataProtection/backupVaults/bv1`;

const files = storageInPerimeter("stbackup1");
const vaultedBlob = storageInPerimeter("stbackup2");
const policyVaulted = storageInPerimeter("stbackup3", { accessMode: "Learning" });
const operational = storageInPerimeter("stbackup4");
const recased = storageInPerimeter("stbackup5", { accessMode: "audit" });

/** An operational-parameters instance whose policy (held in the estate) copies to the vault. */
function operationalInstanceWithPolicy(account: ArmResource, dataStoreTypes: string[], policyName = "operational-policy") {
  const instance = blobBackupInstance(account, "operational");
  const policy = backupPolicy(BACKUP_VAULT(account), policyName, dataStoreTypes);
  return { instance, policy };
}

const mixedPolicy = operationalInstanceWithPolicy(policyVaulted.account, ["OperationalStore", "VaultStore"]);
const operationalOnly = operationalInstanceWithPolicy(operational.account, ["OperationalStore"]);

/** A policy whose VaultStore appears only as a copy target (targetDataStoreCopySettings). */
const copyTargetPolicy: ArmResource = (() => {
  const p = backupPolicy(BACKUP_VAULT(recased.account), "copy-policy", ["OperationalStore"]);
  const rules = (p.properties as { policyRules: Array<Record<string, unknown>> }).policyRules;
  rules[0]!.lifecycles = [
    {
      deleteAfter: { duration: "P30D", objectType: "AbsoluteDeleteOption" },
      sourceDataStore: { dataStoreType: "OperationalStore", objectType: "DataStoreInfoBase" },
      targetDataStoreCopySettings: [{ copyAfter: { objectType: "ImmediateCopyOption" }, dataStore: { dataStoreType: "vaultstore", objectType: "DataStoreInfoBase" } }],
    },
  ];
  return { ...p, id: recase(p.id), type: p.type.toLowerCase() };
})();
const copyTargetInstance: ArmResource = (() => {
  const i = blobBackupInstance(recased.account, "operational");
  const props = i.properties as { dataSourceInfo: Record<string, unknown>; policyInfo: Record<string, unknown> };
  return {
    ...asResourceGraph(i),
    properties: {
      ...props,
      dataSourceInfo: { ...props.dataSourceInfo, resourceID: recase(recased.account.id), resourceUri: recase(recased.account.id) },
      policyInfo: { ...props.policyInfo, policyId: `${BACKUP_VAULT(recased.account)}/backupPolicies/COPY-POLICY` },
    },
  };
})();

/** Azure Files protection re-cased as Resource Graph emits it. */
function recasedProtectedShare(account: ArmResource, share: string): ArmResource {
  const item = asResourceGraph(protectedFileShare(account, share));
  return { ...item, properties: { ...item.properties, protectedItemType: "azurefileshareprotecteditem", sourceResourceId: recase(account.id) } };
}

ruleTester("storage-azure-backup", {
  fires: [
    {
      name: "Azure Files share protected by a Recovery Services vault",
      resources: [...files.resources, protectedFileShare(files.account, "finance")],
      expect: [{ resourceId: files.account.id, severity: "high", messageIncludes: "finance" }],
    },
    {
      name: "vaulted blob backup (BlobBackupDatasourceParameters)",
      resources: [...vaultedBlob.resources, blobBackupInstance(vaultedBlob.account, "vaulted")],
      expect: [{ resourceId: vaultedBlob.account.id, severity: "high", messageIncludes: "BlobBackupDatasourceParameters" }],
    },
    {
      name: "blob backup whose policy has a VaultStore lifecycle (Learning mode still fires)",
      resources: [...policyVaulted.resources, mixedPolicy.instance, mixedPolicy.policy],
      expect: [{ resourceId: policyVaulted.account.id, severity: "high", messageIncludes: "operational-policy" }],
    },
    {
      name: "casing variants: lower-cased types and enums, re-cased ids, VaultStore only as a copy target",
      resources: [...recased.resources, copyTargetInstance, copyTargetPolicy, recasedProtectedShare(recased.account, "hr")],
      expect: [{ resourceId: recased.account.id, severity: "high", messageIncludes: "copy-policy" }],
    },
    {
      name: "operational blob backup only (OperationalStore policy): medium, STORAGE-GA lists backup as a whole",
      resources: [...operational.resources, operationalOnly.instance, operationalOnly.policy],
      expect: [{ resourceId: operational.account.id, severity: "medium", messageIncludes: "operational blob backup" }],
    },
    {
      name: "operational blob backup whose policy is not in the inventory: medium",
      resources: [...operational.resources, blobBackupInstance(operational.account, "operational")],
      expect: [{ resourceId: operational.account.id, severity: "medium", messageIncludes: "bv1" }],
    },
  ],
  passes: [
    {
      name: "operational blob backup of another account (not the member)",
      resources: [...operational.resources, storageAccount("stother"), blobBackupInstance(storageAccount("stother"), "operational")],
    },
    {
      name: "protected item of another type pointing at the account",
      resources: [
        ...files.resources,
        (() => {
          const item = protectedFileShare(files.account, "x");
          return { ...item, properties: { ...item.properties, protectedItemType: "AzureVmWorkloadSQLDatabaseProtectedItem" } };
        })(),
      ],
    },
    {
      name: "Azure Files backup of an account outside any perimeter",
      resources: [...files.resources, storageAccount("stoutside"), protectedFileShare(storageAccount("stoutside"), "finance")],
    },
  ],
});
