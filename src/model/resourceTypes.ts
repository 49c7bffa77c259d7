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
  link: "microsoft.network/networksecurityperimeters/links",
  linkReference: "microsoft.network/networksecurityperimeters/linkreferences",
  perimeterAssociableResourceType: "microsoft.network/perimeterassociableresourcetypes",
  serviceBusNamespace: "microsoft.servicebus/namespaces",
  serviceBusDisasterRecoveryConfig: "microsoft.servicebus/namespaces/disasterrecoveryconfigs",
  eventHubDisasterRecoveryConfig: "microsoft.eventhub/namespaces/disasterrecoveryconfigs",
  cosmosAccount: "microsoft.documentdb/databaseaccounts",
  sqlServer: "microsoft.sql/servers",
  sqlDatabase: "microsoft.sql/servers/databases",
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

/** Azure REST specifications the per-type facts cite (paths relative to ../shared/azure-rest-api-specs). */
export const SPECS = {
  nsp: "specification/network/resource-manager/Microsoft.Network/Network/stable/2026-01-01/networkSecurityPerimeter.json",
  storage: "specification/storage/resource-manager/Microsoft.Storage/Storage/stable/2026-09-01/openapi.json",
  keyVault: "specification/keyvault/resource-manager/Microsoft.KeyVault/KeyVault/stable/2026-02-01/openapi.json",
} as const;
const NSP_SPEC = SPECS.nsp;
const STORAGE_SPEC = SPECS.storage;
const KEYVAULT_SPEC = SPECS.keyVault;
/** Specs outside the pinned subset: cited by their path in Azure/azure-rest-api-specs; their `etag` facts are UNCONFIRMED. */
const OUTSIDE = (path: string) => `azure-rest-api-specs ${path} (not in the pinned subset)`;

/**
 * Which official management package reads (GET) and lists a type. `arm-resources`: no dedicated
 * package is used, the generic resources client reads it by id with the row's api-version; `raw`:
 * a GET through the arm-resources client's pipeline (Data Protection, Key Vault NSP configurations).
 */
export type TypeClient =
  | "arm-network"
  | "arm-storage"
  | "arm-keyvault"
  | "arm-cognitiveservices"
  | "arm-monitor"
  | "arm-compute"
  | "arm-recoveryservices"
  | "arm-recoveryservicesbackup"
  | "arm-storagesync"
  | "arm-servicebus"
  | "arm-eventhub"
  | "arm-cosmosdb"
  | "arm-sql"
  | "arm-resources"
  | "raw";

/**
 * How the live read reaches a type (src/inventory/liveInventory.ts):
 * - `perimeter`: listed per subscription; `perimeter-child`: listed under each perimeter read;
 * - `member`: an associable resource, read by GET when an association names it;
 * - `member-child`: listed (or its `default` singleton read) under each member read;
 * - `extension`: diagnostic settings, listed on each perimeter (and on members when a rule that
 *   reports on members reads them);
 * - `related`: found by listing the subscription and kept when a relation points at a member;
 * - `container`: an ancestor the related reads walk through (never kept on its own);
 * - `location`: a per-location catalog, read once per location of the perimeters read.
 */
export type TypeReach = "perimeter" | "perimeter-child" | "member" | "member-child" | "extension" | "related" | "container" | "location";

export interface ResourceTypeRow {
  /** Lower-case ARM type: the key everywhere. */
  readonly type: string;
  /** ARM's own casing (operation names and Event Grid filters carry it). */
  readonly armType: string;
  /** ARM path of one resource, `{scope}` for extension resources. */
  readonly route: string;
  /** Lower-case parent type (child resources); undefined for top-level and extension resources. */
  readonly parent?: string;
  /** api-version the reading client speaks for this type (the generic client uses it for `arm-resources` rows). */
  readonly apiVersion: string;
  readonly client: TypeClient;
  readonly reach: TypeReach;
  /** Whether the type has an `etag` and so honours If-Match (see below). */
  readonly etag: boolean;
  /** Where the facts of this row come from. */
  readonly spec: string;
  /** false: no Event Grid write event concerns it (a read-only catalog). Default: routed. */
  readonly events?: false;
}

const RG = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers";
const SUB = "/subscriptions/{subscriptionId}/providers";

/**
 * THE resource-type table: every type the guardrail reads, routes or writes, once.
 *
 * ETags: whether a type has an `etag` (and so honours `If-Match`) per Azure's REST specifications.
 * ARM's front door never checks ETags itself: the resource provider stores and validates them
 * (Azure/azure-resource-manager-rpc, ETags addendum), so a type whose spec has no `etag` ignores
 * `If-Match`. The guardrail's writes and the emulator both read this one column. None of the NSP
 * definitions (NetworkSecurityPerimeter, NspProfile, NspAccessRule, NspAssociation, NspLink,
 * NspLinkReference, NspLoggingConfiguration) has `etag`; no NSP operation declares If-Match.
 * Rows citing a spec outside the pinned subset say `etag: false` as the safe answer (UNCONFIRMED):
 * nothing relies on an ETag that may not exist, and the guardrail never writes those types.
 *
 * The onboarded-types catalog (`T.perimeterAssociableResourceType`): the live read stores each item of
 * `GET /subscriptions/{s}/providers/Microsoft.Network/locations/{location}/perimeterAssociableResourceTypes`
 * (NetworkSecurityPerimeterAssociableResourceTypes_List, `PerimeterAssociableResource`) as a resource
 * of type `Microsoft.Network/perimeterAssociableResourceTypes`, id
 * `/subscriptions/{s}/providers/Microsoft.Network/locations/{location}/perimeterAssociableResourceTypes/{name}`
 * and `location` set, `properties` as ARM returns them: `properties.resourceType` names the onboarded
 * type (`Microsoft.Sql/servers`), with `displayName`, `publicDnsZones`, `serviceTags`,
 * `readinessState`, `outboundSupported`. Rules read them with `estate.ofType(T.perimeterAssociableResourceType)`;
 * none in the estate means the guardrail did not read ARM (snapshot without them): use the dated table.
 */
export const RESOURCE_TYPES: readonly ResourceTypeRow[] = [
  // --- Network security perimeters (NSP_SPEC) ---
  { type: T.perimeter, armType: "Microsoft.Network/networkSecurityPerimeters", route: `${RG}/Microsoft.Network/networkSecurityPerimeters/{name}`, apiVersion: "2026-01-01", client: "arm-network", reach: "perimeter", etag: false, spec: NSP_SPEC },
  { type: T.profile, armType: "Microsoft.Network/networkSecurityPerimeters/profiles", route: `${RG}/Microsoft.Network/networkSecurityPerimeters/{p}/profiles/{name}`, parent: T.perimeter, apiVersion: "2026-01-01", client: "arm-network", reach: "perimeter-child", etag: false, spec: NSP_SPEC },
  { type: T.accessRule, armType: "Microsoft.Network/networkSecurityPerimeters/profiles/accessRules", route: `${RG}/Microsoft.Network/networkSecurityPerimeters/{p}/profiles/{profile}/accessRules/{name}`, parent: T.profile, apiVersion: "2026-01-01", client: "arm-network", reach: "perimeter-child", etag: false, spec: NSP_SPEC },
  { type: T.association, armType: "Microsoft.Network/networkSecurityPerimeters/resourceAssociations", route: `${RG}/Microsoft.Network/networkSecurityPerimeters/{p}/resourceAssociations/{name}`, parent: T.perimeter, apiVersion: "2026-01-01", client: "arm-network", reach: "perimeter-child", etag: false, spec: NSP_SPEC },
  { type: T.link, armType: "Microsoft.Network/networkSecurityPerimeters/links", route: `${RG}/Microsoft.Network/networkSecurityPerimeters/{p}/links/{name}`, parent: T.perimeter, apiVersion: "2026-01-01", client: "arm-network", reach: "perimeter-child", etag: false, spec: NSP_SPEC },
  { type: T.linkReference, armType: "Microsoft.Network/networkSecurityPerimeters/linkReferences", route: `${RG}/Microsoft.Network/networkSecurityPerimeters/{p}/linkReferences/{name}`, parent: T.perimeter, apiVersion: "2026-01-01", client: "arm-network", reach: "perimeter-child", etag: false, spec: NSP_SPEC },
  { type: "microsoft.network/networksecurityperimeters/loggingconfigurations", armType: "Microsoft.Network/networkSecurityPerimeters/loggingConfigurations", route: `${RG}/Microsoft.Network/networkSecurityPerimeters/{p}/loggingConfigurations/{name}`, parent: T.perimeter, apiVersion: "2026-01-01", client: "arm-network", reach: "perimeter-child", etag: false, spec: NSP_SPEC, events: false },
  { type: T.perimeterAssociableResourceType, armType: "Microsoft.Network/perimeterAssociableResourceTypes", route: `${SUB}/Microsoft.Network/locations/{location}/perimeterAssociableResourceTypes`, apiVersion: "2026-01-01", client: "arm-network", reach: "location", etag: false, spec: NSP_SPEC, events: false },
  // --- Storage (STORAGE_SPEC): StorageAccount has no `etag`; FileShare and BlobContainer are AzureEntityResource (`etag`). ---
  { type: T.storageAccount, armType: "Microsoft.Storage/storageAccounts", route: `${RG}/Microsoft.Storage/storageAccounts/{name}`, apiVersion: "2026-09-01", client: "arm-storage", reach: "member", etag: false, spec: STORAGE_SPEC },
  { type: "microsoft.storage/storageaccounts/fileservices", armType: "Microsoft.Storage/storageAccounts/fileServices", route: `${RG}/Microsoft.Storage/storageAccounts/{account}/fileServices/default`, parent: T.storageAccount, apiVersion: "2026-09-01", client: "arm-storage", reach: "member-child", etag: false, spec: STORAGE_SPEC },
  { type: T.fileShare, armType: "Microsoft.Storage/storageAccounts/fileServices/shares", route: `${RG}/Microsoft.Storage/storageAccounts/{account}/fileServices/default/shares/{name}`, parent: "microsoft.storage/storageaccounts/fileservices", apiVersion: "2026-09-01", client: "arm-storage", reach: "member-child", etag: true, spec: STORAGE_SPEC },
  { type: "microsoft.storage/storageaccounts/blobservices/containers", armType: "Microsoft.Storage/storageAccounts/blobServices/containers", route: `${RG}/Microsoft.Storage/storageAccounts/{account}/blobServices/default/containers/{name}`, parent: T.storageAccount, apiVersion: "2026-09-01", client: "arm-storage", reach: "member-child", etag: true, spec: STORAGE_SPEC, events: false },
  { type: T.objectReplicationPolicy, armType: "Microsoft.Storage/storageAccounts/objectReplicationPolicies", route: `${RG}/Microsoft.Storage/storageAccounts/{account}/objectReplicationPolicies/{name}`, parent: T.storageAccount, apiVersion: "2026-09-01", client: "arm-storage", reach: "member-child", etag: false, spec: STORAGE_SPEC },
  { type: T.managementPolicy, armType: "Microsoft.Storage/storageAccounts/managementPolicies", route: `${RG}/Microsoft.Storage/storageAccounts/{account}/managementPolicies/default`, parent: T.storageAccount, apiVersion: "2026-09-01", client: "arm-storage", reach: "member-child", etag: false, spec: STORAGE_SPEC },
  { type: T.inventoryPolicy, armType: "Microsoft.Storage/storageAccounts/inventoryPolicies", route: `${RG}/Microsoft.Storage/storageAccounts/{account}/inventoryPolicies/default`, parent: T.storageAccount, apiVersion: "2026-09-01", client: "arm-storage", reach: "member-child", etag: false, spec: STORAGE_SPEC },
  { type: "microsoft.storage/storageaccounts/privateendpointconnections", armType: "Microsoft.Storage/storageAccounts/privateEndpointConnections", route: `${RG}/Microsoft.Storage/storageAccounts/{account}/privateEndpointConnections/{name}`, parent: T.storageAccount, apiVersion: "2026-09-01", client: "arm-storage", reach: "member-child", etag: false, spec: STORAGE_SPEC },
  { type: T.storageNspConfiguration, armType: "Microsoft.Storage/storageAccounts/networkSecurityPerimeterConfigurations", route: `${RG}/Microsoft.Storage/storageAccounts/{account}/networkSecurityPerimeterConfigurations/{name}`, parent: T.storageAccount, apiVersion: "2026-09-01", client: "arm-storage", reach: "member-child", etag: false, spec: STORAGE_SPEC },
  // --- Key Vault (KEYVAULT_SPEC): Vault has no `etag`; its private endpoint connections do. ---
  { type: T.keyVault, armType: "Microsoft.KeyVault/vaults", route: `${RG}/Microsoft.KeyVault/vaults/{name}`, apiVersion: "2026-02-01", client: "arm-keyvault", reach: "member", etag: false, spec: KEYVAULT_SPEC },
  { type: "microsoft.keyvault/vaults/privateendpointconnections", armType: "Microsoft.KeyVault/vaults/privateEndpointConnections", route: `${RG}/Microsoft.KeyVault/vaults/{vault}/privateEndpointConnections/{name}`, parent: T.keyVault, apiVersion: "2026-02-01", client: "arm-keyvault", reach: "member-child", etag: true, spec: KEYVAULT_SPEC, events: false },
  // arm-keyvault 5 has no operation for them: a raw GET at the version the spec declares them in (liveArmReader.ts).
  { type: T.keyVaultNspConfiguration, armType: "Microsoft.KeyVault/vaults/networkSecurityPerimeterConfigurations", route: `${RG}/Microsoft.KeyVault/vaults/{vault}/networkSecurityPerimeterConfigurations/{name}`, parent: T.keyVault, apiVersion: "2026-02-01", client: "raw", reach: "member-child", etag: false, spec: KEYVAULT_SPEC },
  // --- Cognitive Services / Foundry ---
  { type: T.cognitiveAccount, armType: "Microsoft.CognitiveServices/accounts", route: `${RG}/Microsoft.CognitiveServices/accounts/{name}`, apiVersion: "2025-09-01", client: "arm-cognitiveservices", reach: "member", etag: false, spec: OUTSIDE("specification/cognitiveservices/resource-manager/Microsoft.CognitiveServices/stable/2025-09-01/cognitiveservices.json") },
  { type: T.cognitiveNspConfiguration, armType: "Microsoft.CognitiveServices/accounts/networkSecurityPerimeterConfigurations", route: `${RG}/Microsoft.CognitiveServices/accounts/{account}/networkSecurityPerimeterConfigurations/{name}`, parent: T.cognitiveAccount, apiVersion: "2025-09-01", client: "arm-cognitiveservices", reach: "member-child", etag: false, spec: OUTSIDE("specification/cognitiveservices/resource-manager/Microsoft.CognitiveServices/stable/2025-09-01/cognitiveservices.json") },
  // --- Service Bus (SB): namespaces and their Geo-DR pairings ---
  { type: T.serviceBusNamespace, armType: "Microsoft.ServiceBus/namespaces", route: `${RG}/Microsoft.ServiceBus/namespaces/{name}`, apiVersion: "2021-11-01", client: "arm-servicebus", reach: "member", etag: false, spec: OUTSIDE("specification/servicebus/resource-manager/Microsoft.ServiceBus/stable/2021-11-01/namespace-preview.json") },
  { type: T.serviceBusDisasterRecoveryConfig, armType: "Microsoft.ServiceBus/namespaces/disasterRecoveryConfigs", route: `${RG}/Microsoft.ServiceBus/namespaces/{namespace}/disasterRecoveryConfigs/{alias}`, parent: T.serviceBusNamespace, apiVersion: "2021-11-01", client: "arm-servicebus", reach: "member-child", etag: false, spec: OUTSIDE("specification/servicebus/resource-manager/Microsoft.ServiceBus/stable/2021-11-01/DisasterRecoveryConfig.json") },
  // --- Event Hubs (EH): namespaces (also log destinations) and their Geo-DR pairings ---
  { type: T.eventHubNamespace, armType: "Microsoft.EventHub/namespaces", route: `${RG}/Microsoft.EventHub/namespaces/{name}`, apiVersion: "2026-01-01", client: "arm-eventhub", reach: "member", etag: false, spec: OUTSIDE("specification/eventhub/resource-manager/Microsoft.EventHub/EventHub/stable/2026-01-01/namespaces.json") },
  { type: T.eventHubAuthorizationRule, armType: "Microsoft.EventHub/namespaces/authorizationRules", route: `${RG}/Microsoft.EventHub/namespaces/{namespace}/authorizationRules/{name}`, parent: T.eventHubNamespace, apiVersion: "2026-01-01", client: "arm-eventhub", reach: "member-child", etag: false, spec: OUTSIDE("specification/eventhub/resource-manager/Microsoft.EventHub/EventHub/stable/2026-01-01/AuthorizationRules.json"), events: false },
  { type: T.eventHubDisasterRecoveryConfig, armType: "Microsoft.EventHub/namespaces/disasterRecoveryConfigs", route: `${RG}/Microsoft.EventHub/namespaces/{namespace}/disasterRecoveryConfigs/{alias}`, parent: T.eventHubNamespace, apiVersion: "2026-01-01", client: "arm-eventhub", reach: "member-child", etag: false, spec: OUTSIDE("specification/eventhub/resource-manager/Microsoft.EventHub/EventHub/stable/2026-01-01/disasterRecoveryConfigs.json") },
  // --- Cosmos DB (COSMOS) ---
  { type: T.cosmosAccount, armType: "Microsoft.DocumentDB/databaseAccounts", route: `${RG}/Microsoft.DocumentDB/databaseAccounts/{name}`, apiVersion: "2026-03-15", client: "arm-cosmosdb", reach: "member", etag: false, spec: OUTSIDE("specification/cosmos-db/resource-manager/Microsoft.DocumentDB/DocumentDB/stable/2026-03-15/cosmos-db.json") },
  // --- SQL (SQL): logical servers and their databases (sku.tier DataWarehouse = dedicated SQL pool) ---
  { type: T.sqlServer, armType: "Microsoft.Sql/servers", route: `${RG}/Microsoft.Sql/servers/{name}`, apiVersion: "2022-08-01-preview", client: "arm-sql", reach: "member", etag: false, spec: OUTSIDE("specification/sql/resource-manager/Microsoft.Sql/preview/2022-08-01-preview/Servers.json") },
  { type: T.sqlDatabase, armType: "Microsoft.Sql/servers/databases", route: `${RG}/Microsoft.Sql/servers/{server}/databases/{name}`, parent: T.sqlServer, apiVersion: "2022-08-01-preview", client: "arm-sql", reach: "member-child", etag: false, spec: OUTSIDE("specification/sql/resource-manager/Microsoft.Sql/preview/2022-08-01-preview/Databases.json") },
  // --- Other onboarded types: read by id through the generic resources client ---
  { type: T.logAnalyticsWorkspace, armType: "Microsoft.OperationalInsights/workspaces", route: `${RG}/Microsoft.OperationalInsights/workspaces/{name}`, apiVersion: "2023-09-01", client: "arm-resources", reach: "member", etag: false, spec: OUTSIDE("specification/operationalinsights/resource-manager/Microsoft.OperationalInsights/OperationalInsights/stable/2023-09-01/Workspaces.json") },
  { type: "microsoft.search/searchservices", armType: "Microsoft.Search/searchServices", route: `${RG}/Microsoft.Search/searchServices/{name}`, apiVersion: "2023-11-01", client: "arm-resources", reach: "member", etag: false, spec: OUTSIDE("specification/search/resource-manager/Microsoft.Search/stable/2023-11-01/search.json") },
  { type: "microsoft.insights/datacollectionendpoints", armType: "Microsoft.Insights/dataCollectionEndpoints", route: `${RG}/Microsoft.Insights/dataCollectionEndpoints/{name}`, apiVersion: "2023-03-11", client: "arm-resources", reach: "member", etag: false, spec: OUTSIDE("specification/monitor/resource-manager/Microsoft.Insights/stable/2023-03-11/dataCollectionEndpoints_API.json") },
  { type: "microsoft.insights/scheduledqueryrules", armType: "Microsoft.Insights/scheduledQueryRules", route: `${RG}/Microsoft.Insights/scheduledQueryRules/{name}`, apiVersion: "2023-12-01", client: "arm-resources", reach: "member", etag: false, spec: OUTSIDE("specification/monitor/resource-manager/Microsoft.Insights/stable/2023-12-01/scheduledQueryRule_API.json") },
  { type: "microsoft.insights/actiongroups", armType: "Microsoft.Insights/actionGroups", route: `${RG}/Microsoft.Insights/actionGroups/{name}`, apiVersion: "2023-01-01", client: "arm-resources", reach: "member", etag: false, spec: OUTSIDE("specification/monitor/resource-manager/Microsoft.Insights/stable/2023-01-01/actionGroups_API.json") },
  { type: "microsoft.web/sites", armType: "Microsoft.Web/sites", route: `${RG}/Microsoft.Web/sites/{name}`, apiVersion: "2023-12-01", client: "arm-resources", reach: "member", etag: false, spec: OUTSIDE("specification/web/resource-manager/Microsoft.Web/stable/2023-12-01/WebApps.json"), events: false },
  // --- Diagnostic settings: extension resources on perimeters and members ---
  { type: T.diagnosticSetting, armType: "Microsoft.Insights/diagnosticSettings", route: "/{scope}/providers/Microsoft.Insights/diagnosticSettings/{name}", apiVersion: "2021-05-01-preview", client: "arm-monitor", reach: "extension", etag: false, spec: OUTSIDE("specification/monitor/resource-manager/Microsoft.Insights/preview/2021-05-01-preview/diagnosticsSettings_API.json") },
  // --- Resources that point at members from elsewhere, and what the reads walk through to find them ---
  { type: T.virtualMachine, armType: "Microsoft.Compute/virtualMachines", route: `${RG}/Microsoft.Compute/virtualMachines/{name}`, apiVersion: "2025-04-01", client: "arm-compute", reach: "related", etag: false, spec: OUTSIDE("specification/compute/resource-manager/Microsoft.Compute/ComputeRP/stable/2025-04-01/virtualMachine.json") },
  { type: "microsoft.recoveryservices/vaults", armType: "Microsoft.RecoveryServices/vaults", route: `${RG}/Microsoft.RecoveryServices/vaults/{name}`, apiVersion: "2025-02-01", client: "arm-recoveryservices", reach: "container", etag: false, spec: OUTSIDE("specification/recoveryservices/resource-manager/Microsoft.RecoveryServices/stable/2025-02-01/vaults.json"), events: false },
  { type: T.protectedItem, armType: "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems", route: `${RG}/Microsoft.RecoveryServices/vaults/{vault}/backupFabrics/{fabric}/protectionContainers/{container}/protectedItems/{name}`, apiVersion: "2025-02-01", client: "arm-recoveryservicesbackup", reach: "related", etag: false, spec: OUTSIDE("specification/recoveryservicesbackup/resource-manager/Microsoft.RecoveryServices/stable/2025-02-01/bms.json") },
  { type: "microsoft.dataprotection/backupvaults", armType: "Microsoft.DataProtection/backupVaults", route: `${RG}/Microsoft.DataProtection/backupVaults/{name}`, apiVersion: "2024-04-01", client: "arm-resources", reach: "container", etag: false, spec: OUTSIDE("specification/dataprotection/resource-manager/Microsoft.DataProtection/stable/2024-04-01/dataprotection.json"), events: false },
  { type: T.backupInstance, armType: "Microsoft.DataProtection/backupVaults/backupInstances", route: `${RG}/Microsoft.DataProtection/backupVaults/{vault}/backupInstances/{name}`, parent: "microsoft.dataprotection/backupvaults", apiVersion: "2024-04-01", client: "raw", reach: "related", etag: false, spec: OUTSIDE("specification/dataprotection/resource-manager/Microsoft.DataProtection/stable/2024-04-01/dataprotection.json") },
  { type: T.backupPolicy, armType: "Microsoft.DataProtection/backupVaults/backupPolicies", route: `${RG}/Microsoft.DataProtection/backupVaults/{vault}/backupPolicies/{name}`, parent: "microsoft.dataprotection/backupvaults", apiVersion: "2024-04-01", client: "raw", reach: "related", etag: false, spec: OUTSIDE("specification/dataprotection/resource-manager/Microsoft.DataProtection/stable/2024-04-01/dataprotection.json") },
  { type: T.storageSyncService, armType: "Microsoft.StorageSync/storageSyncServices", route: `${RG}/Microsoft.StorageSync/storageSyncServices/{name}`, apiVersion: "2022-09-01", client: "arm-storagesync", reach: "related", etag: false, spec: OUTSIDE("specification/storagesync/resource-manager/Microsoft.StorageSync/stable/2022-09-01/storagesync.json") },
  { type: "microsoft.storagesync/storagesyncservices/syncgroups", armType: "Microsoft.StorageSync/storageSyncServices/syncGroups", route: `${RG}/Microsoft.StorageSync/storageSyncServices/{service}/syncGroups/{name}`, parent: T.storageSyncService, apiVersion: "2022-09-01", client: "arm-storagesync", reach: "container", etag: false, spec: OUTSIDE("specification/storagesync/resource-manager/Microsoft.StorageSync/stable/2022-09-01/storagesync.json"), events: false },
  { type: T.syncCloudEndpoint, armType: "Microsoft.StorageSync/storageSyncServices/syncGroups/cloudEndpoints", route: `${RG}/Microsoft.StorageSync/storageSyncServices/{service}/syncGroups/{group}/cloudEndpoints/{name}`, parent: "microsoft.storagesync/storagesyncservices/syncgroups", apiVersion: "2022-09-01", client: "arm-storagesync", reach: "related", etag: false, spec: OUTSIDE("specification/storagesync/resource-manager/Microsoft.StorageSync/stable/2022-09-01/storagesync.json") },
];

const ROW_BY_TYPE = new Map(RESOURCE_TYPES.map((row) => [row.type, row]));

/** The table's row of a type (any casing), or undefined. */
export function typeRow(type: string): ResourceTypeRow | undefined {
  return ROW_BY_TYPE.get(type.toLowerCase());
}

/** Rows whose parent chain reaches `ancestor` (children, grandchildren...), in table order. */
export function typesUnder(ancestor: string): ResourceTypeRow[] {
  const a = ancestor.toLowerCase();
  const under = (row: ResourceTypeRow): boolean => row.parent !== undefined && (row.parent === a || under(ROW_BY_TYPE.get(row.parent) ?? ({} as ResourceTypeRow)));
  return RESOURCE_TYPES.filter(under);
}

/** The nearest ancestor of `type` (itself included) that is a perimeter member type. */
export function memberTypeOf(type: string): string | undefined {
  for (let row = typeRow(type); row; row = row.parent ? ROW_BY_TYPE.get(row.parent) : undefined) if (row.reach === "member") return row.type;
  return undefined;
}

/**
 * Whether writes of `type` can be made conditional with `If-Match`. A type outside the table is
 * UNCONFIRMED (its spec is not in the pinned subset): treated as having none, so nothing relies on
 * an ETag that may not exist.
 */
export function hasEtag(type: string): boolean {
  return typeRow(type)?.etag ?? false;
}
