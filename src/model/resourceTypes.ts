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
  // Read by the Revision 2 rules (rules.md): links, the live onboarded list, more member services.
  link: "microsoft.network/networksecurityperimeters/links",
  linkReference: "microsoft.network/networksecurityperimeters/linkreferences",
  perimeterAssociableResourceType: "microsoft.network/perimeterassociableresourcetypes",
  eventHubDisasterRecoveryConfig: "microsoft.eventhub/namespaces/disasterrecoveryconfigs",
  serviceBusNamespace: "microsoft.servicebus/namespaces",
  serviceBusDisasterRecoveryConfig: "microsoft.servicebus/namespaces/disasterrecoveryconfigs",
  cosmosAccount: "microsoft.documentdb/databaseaccounts",
  sqlServer: "microsoft.sql/servers",
  sqlDatabase: "microsoft.sql/servers/databases",
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

/** Azure REST specifications the per-type facts cite (paths relative to ../shared/azure-rest-api-specs). */
export const SPECS = {
  nsp: "specification/network/resource-manager/Microsoft.Network/Network/stable/2026-01-01/networkSecurityPerimeter.json",
  storage: "specification/storage/resource-manager/Microsoft.Storage/Storage/stable/2026-09-01/openapi.json",
  keyVault: "specification/keyvault/resource-manager/Microsoft.KeyVault/KeyVault/stable/2026-02-01/openapi.json",
} as const;
const NSP_SPEC = SPECS.nsp;
const STORAGE_SPEC = SPECS.storage;
const KEYVAULT_SPEC = SPECS.keyVault;

/**
 * Whether a resource type has an `etag` (and so honours `If-Match`), per Azure's REST specifications
 * (paths relative to ../shared/azure-rest-api-specs). ARM's front door never checks ETags itself: the
 * resource provider stores and validates them (Azure/azure-resource-manager-rpc, ETags addendum), so a
 * type whose spec has no `etag` ignores `If-Match`. The guardrail's writes and the emulator both read
 * this one table.
 */
export const ETAG_SUPPORT: ReadonlyArray<{ type: string; etag: boolean; spec: string }> = [
  // None of the NSP definitions (NetworkSecurityPerimeter, NspProfile, NspAccessRule, NspAssociation,
  // NspLink, NspLinkReference, NspLoggingConfiguration) has `etag`; no NSP operation declares If-Match.
  { type: T.perimeter, etag: false, spec: NSP_SPEC },
  { type: T.profile, etag: false, spec: NSP_SPEC },
  { type: T.accessRule, etag: false, spec: NSP_SPEC },
  { type: T.association, etag: false, spec: NSP_SPEC },
  { type: "microsoft.network/networksecurityperimeters/links", etag: false, spec: NSP_SPEC },
  { type: "microsoft.network/networksecurityperimeters/linkreferences", etag: false, spec: NSP_SPEC },
  { type: "microsoft.network/networksecurityperimeters/loggingconfigurations", etag: false, spec: NSP_SPEC },
  // StorageAccount has no `etag`; FileShare and BlobContainer are AzureEntityResource (`etag`).
  { type: T.storageAccount, etag: false, spec: STORAGE_SPEC },
  { type: T.fileShare, etag: true, spec: STORAGE_SPEC },
  { type: "microsoft.storage/storageaccounts/blobservices/containers", etag: true, spec: STORAGE_SPEC },
  { type: T.storageNspConfiguration, etag: false, spec: STORAGE_SPEC },
  // Vault has no `etag`; its private endpoint connections do.
  { type: T.keyVault, etag: false, spec: KEYVAULT_SPEC },
  { type: "microsoft.keyvault/vaults/privateendpointconnections", etag: true, spec: KEYVAULT_SPEC },
  { type: T.keyVaultNspConfiguration, etag: false, spec: KEYVAULT_SPEC },
];

/**
 * Whether writes of `type` can be made conditional with `If-Match`. A type outside the table is
 * UNCONFIRMED (its spec is not in the pinned subset): treated as having none, so nothing relies on
 * an ETag that may not exist.
 */
export function hasEtag(type: string): boolean {
  return ETAG_SUPPORT.find((row) => row.type === type.toLowerCase())?.etag ?? false;
}
