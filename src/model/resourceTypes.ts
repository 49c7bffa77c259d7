/** Resource types the rules read, lower-cased (the form used as keys everywhere). */
export const T = {
  perimeter: "microsoft.network/networksecurityperimeters",
  profile: "microsoft.network/networksecurityperimeters/profiles",
  accessRule: "microsoft.network/networksecurityperimeters/profiles/accessrules",
  association: "microsoft.network/networksecurityperimeters/resourceassociations",
  storageAccount: "microsoft.storage/storageaccounts",
  fileShare: "microsoft.storage/storageaccounts/fileservices/shares",
  objectReplicationPolicy: "microsoft.storage/storageaccounts/objectreplicationpolicies",
  managementPolicy: "microsoft.storage/storageaccounts/managementpolicies",
  inventoryPolicy: "microsoft.storage/storageaccounts/inventorypolicies",
  storageNspConfiguration: "microsoft.storage/storageaccounts/networksecurityperimeterconfigurations",
  keyVault: "microsoft.keyvault/vaults",
  keyVaultNspConfiguration: "microsoft.keyvault/vaults/networksecurityperimeterconfigurations",
  cognitiveAccount: "microsoft.cognitiveservices/accounts",
  cognitiveNspConfiguration: "microsoft.cognitiveservices/accounts/networksecurityperimeterconfigurations",
  diagnosticSetting: "microsoft.insights/diagnosticsettings",
  protectedItem: "microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems",
  backupInstance: "microsoft.dataprotection/backupvaults/backupinstances",
  backupPolicy: "microsoft.dataprotection/backupvaults/backuppolicies",
  storageSyncService: "microsoft.storagesync/storagesyncservices",
  syncCloudEndpoint: "microsoft.storagesync/storagesyncservices/syncgroups/cloudendpoints",
  virtualMachine: "microsoft.compute/virtualmachines",
  logAnalyticsWorkspace: "microsoft.operationalinsights/workspaces",
  eventHubNamespace: "microsoft.eventhub/namespaces",
  eventHubAuthorizationRule: "microsoft.eventhub/namespaces/authorizationrules",
} as const;

export type KnownType = (typeof T)[keyof typeof T];

/** Types whose `networkSecurityPerimeterConfigurations` children report provisioning issues. */
export const NSP_CONFIGURATION_TYPES: readonly string[] = [
  T.storageNspConfiguration,
  T.keyVaultNspConfiguration,
  T.cognitiveNspConfiguration,
];

/**
 * Onboarded private link resources (CONCEPTS "Onboarded private link resources").
 * The docs list Azure OpenAI as "Microsoft.CognitiveServices"; its ARM type is `accounts`.
 */
export const ONBOARDED_TYPES: readonly string[] = [
  "microsoft.insights/datacollectionendpoints",
  "microsoft.insights/scheduledqueryrules",
  "microsoft.insights/actiongroups",
  "microsoft.operationalinsights/workspaces",
  "microsoft.search/searchservices",
  "microsoft.documentdb/databaseaccounts",
  "microsoft.eventhub/namespaces",
  "microsoft.keyvault/vaults",
  "microsoft.sql/servers",
  "microsoft.storage/storageaccounts",
  "microsoft.cognitiveservices/accounts",
];

/** Onboarded types that are in public preview (CONCEPTS IMPORTANT box, FOUNDRY note). */
export const PREVIEW_TYPES: readonly string[] = [
  "microsoft.documentdb/databaseaccounts",
  "microsoft.sql/servers",
  "microsoft.cognitiveservices/accounts",
];
