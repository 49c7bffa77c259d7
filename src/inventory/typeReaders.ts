/**
 * The SDK operation that reads (GET) each type of the resource-type table whose reading client is an
 * official package, and, for the children members' reads list, the list operation under the parent.
 * Rows whose client is `arm-resources` are read by id through the generic client at the row's
 * api-version; `raw` rows through `ArmClients.rawGet` (src/model/resourceTypes.ts says which).
 * The completeness test holds this table to the type table.
 */
import type { SdkCallOptions } from "./armCalls.js";
import type { ArmClients } from "./armClients.js";
import type { Paged } from "./liveInventory.js";
import { T } from "../model/resourceTypes.js";

/** `names`: the names along the id's type path (`[namespace, alias]` for a DR config). */
export type GetOperation = (c: ArmClients, sub: string, rg: string, names: readonly string[]) => (options: SdkCallOptions) => Promise<unknown>;
/** `names`: the parent's names along its type path. */
export type ListOperation = (c: ArmClients, sub: string, rg: string, names: readonly string[]) => (options: SdkCallOptions) => Paged;

/** Every resource of a type in one subscription (the type's list-by-subscription operation). */
export type SubscriptionListOperation = (c: ArmClients, sub: string) => (options: SdkCallOptions) => Paged;

export interface TypeReader {
  /** Undefined only for a catalog with no GET of its own (perimeterAssociableResourceTypes). */
  readonly get?: GetOperation;
  readonly list?: ListOperation;
  /**
   * Associable types with an official package: its list-by-subscription operation (rules about
   * resources outside any perimeter read them all). `arm-resources` rows are listed by a raw GET of
   * `/subscriptions/{s}/providers/{armType}` at the row's api-version instead.
   */
  readonly listInSubscription?: SubscriptionListOperation;
}

const n = (names: readonly string[], i: number) => names[i] ?? "";

export const TYPE_READERS: Readonly<Record<string, TypeReader>> = {
  [T.perimeter]: { get: (c, sub, rg, x) => (o) => c.network(sub).networkSecurityPerimeters.get(rg, n(x, 0), o) },
  [T.profile]: {
    get: (c, sub, rg, x) => (o) => c.network(sub).networkSecurityPerimeterProfiles.get(rg, n(x, 0), n(x, 1), o),
    list: (c, sub, rg, x) => (o) => c.network(sub).networkSecurityPerimeterProfiles.list(rg, n(x, 0), o),
  },
  [T.accessRule]: {
    get: (c, sub, rg, x) => (o) => c.network(sub).networkSecurityPerimeterAccessRules.get(rg, n(x, 0), n(x, 1), n(x, 2), o),
    list: (c, sub, rg, x) => (o) => c.network(sub).networkSecurityPerimeterAccessRules.list(rg, n(x, 0), n(x, 1), o),
  },
  [T.association]: {
    get: (c, sub, rg, x) => (o) => c.network(sub).networkSecurityPerimeterAssociations.get(rg, n(x, 0), n(x, 1), o),
    list: (c, sub, rg, x) => (o) => c.network(sub).networkSecurityPerimeterAssociations.list(rg, n(x, 0), o),
  },
  [T.link]: {
    get: (c, sub, rg, x) => (o) => c.network(sub).networkSecurityPerimeterLinks.get(rg, n(x, 0), n(x, 1), o),
    list: (c, sub, rg, x) => (o) => c.network(sub).networkSecurityPerimeterLinks.list(rg, n(x, 0), o),
  },
  [T.linkReference]: {
    get: (c, sub, rg, x) => (o) => c.network(sub).networkSecurityPerimeterLinkReferences.get(rg, n(x, 0), n(x, 1), o),
    list: (c, sub, rg, x) => (o) => c.network(sub).networkSecurityPerimeterLinkReferences.list(rg, n(x, 0), o),
  },
  "microsoft.network/networksecurityperimeters/loggingconfigurations": {
    get: (c, sub, rg, x) => (o) => c.network(sub).networkSecurityPerimeterLoggingConfigurations.get(rg, n(x, 0), n(x, 1), o),
  },
  // The list is per location: `names` = [location]; its items have no GET of their own.
  [T.perimeterAssociableResourceType]: {
    list: (c, sub, _rg, x) => (o) => c.network(sub).networkSecurityPerimeterAssociableResourceTypes.list(n(x, 0), o),
  },
  [T.storageAccount]: {
    get: (c, sub, rg, x) => (o) => c.storage(sub).storageAccounts.getProperties(rg, n(x, 0), o),
    // StorageAccounts_List: GET /subscriptions/{s}/providers/Microsoft.Storage/storageAccounts
    listInSubscription: (c, sub) => (o) => c.storage(sub).storageAccounts.list(o),
  },
  // The file service is the account's `default` singleton.
  "microsoft.storage/storageaccounts/fileservices": { get: (c, sub, rg, x) => (o) => c.storage(sub).fileServices.getServiceProperties(rg, n(x, 0), o) },
  [T.fileShare]: { get: (c, sub, rg, x) => (o) => c.storage(sub).fileShares.get(rg, n(x, 0), n(x, 2), o) },
  "microsoft.storage/storageaccounts/blobservices/containers": { get: (c, sub, rg, x) => (o) => c.storage(sub).blobContainers.get(rg, n(x, 0), n(x, 2), o) },
  [T.objectReplicationPolicy]: { get: (c, sub, rg, x) => (o) => c.storage(sub).objectReplicationPolicies.get(rg, n(x, 0), n(x, 1), o) },
  [T.managementPolicy]: { get: (c, sub, rg, x) => (o) => c.storage(sub).managementPolicies.get(rg, n(x, 0), n(x, 1) as "default", o) },
  [T.inventoryPolicy]: { get: (c, sub, rg, x) => (o) => c.storage(sub).blobInventoryPolicies.get(rg, n(x, 0), n(x, 1) as "default", o) },
  "microsoft.storage/storageaccounts/privateendpointconnections": { get: (c, sub, rg, x) => (o) => c.storage(sub).privateEndpointConnections.get(rg, n(x, 0), n(x, 1), o) },
  [T.storageNspConfiguration]: { get: (c, sub, rg, x) => (o) => c.storage(sub).networkSecurityPerimeterConfigurations.get(rg, n(x, 0), n(x, 1), o) },
  [T.keyVault]: {
    get: (c, sub, rg, x) => (o) => c.keyVault(sub).vaults.get(rg, n(x, 0), o),
    // Vaults_ListBySubscription: GET /subscriptions/{s}/providers/Microsoft.KeyVault/vaults
    listInSubscription: (c, sub) => (o) => c.keyVault(sub).vaults.listBySubscription(o),
  },
  "microsoft.keyvault/vaults/privateendpointconnections": { get: (c, sub, rg, x) => (o) => c.keyVault(sub).privateEndpointConnections.get(rg, n(x, 0), n(x, 1), o) },
  [T.cognitiveAccount]: {
    get: (c, sub, rg, x) => (o) => c.cognitive(sub).accounts.get(rg, n(x, 0), o),
    // Accounts_List: GET /subscriptions/{s}/providers/Microsoft.CognitiveServices/accounts
    listInSubscription: (c, sub) => (o) => c.cognitive(sub).accounts.list(o),
  },
  [T.cognitiveNspConfiguration]: { get: (c, sub, rg, x) => (o) => c.cognitive(sub).networkSecurityPerimeterConfigurations.get(rg, n(x, 0), n(x, 1), o) },
  [T.serviceBusNamespace]: {
    get: (c, sub, rg, x) => (o) => c.serviceBus(sub).namespaces.get(rg, n(x, 0), o),
    // Namespaces_List: GET /subscriptions/{s}/providers/Microsoft.ServiceBus/namespaces
    listInSubscription: (c, sub) => (o) => c.serviceBus(sub).namespaces.list(o),
  },
  [T.serviceBusDisasterRecoveryConfig]: {
    get: (c, sub, rg, x) => (o) => c.serviceBus(sub).disasterRecoveryConfigs.get(rg, n(x, 0), n(x, 1), o),
    list: (c, sub, rg, x) => (o) => c.serviceBus(sub).disasterRecoveryConfigs.list(rg, n(x, 0), o),
  },
  [T.eventHubNamespace]: {
    get: (c, sub, rg, x) => (o) => c.eventHub(sub).namespaces.get(rg, n(x, 0), o),
    // Namespaces_List: GET /subscriptions/{s}/providers/Microsoft.EventHub/namespaces
    listInSubscription: (c, sub) => (o) => c.eventHub(sub).namespaces.list(o),
  },
  [T.eventHubAuthorizationRule]: { get: (c, sub, rg, x) => (o) => c.eventHub(sub).namespaces.getAuthorizationRule(rg, n(x, 0), n(x, 1), o) },
  [T.eventHubDisasterRecoveryConfig]: {
    get: (c, sub, rg, x) => (o) => c.eventHub(sub).disasterRecoveryConfigs.get(rg, n(x, 0), n(x, 1), o),
    list: (c, sub, rg, x) => (o) => c.eventHub(sub).disasterRecoveryConfigs.list(rg, n(x, 0), o),
  },
  [T.cosmosAccount]: {
    get: (c, sub, rg, x) => (o) => c.cosmos(sub).databaseAccounts.get(rg, n(x, 0), o),
    // DatabaseAccounts_List: GET /subscriptions/{s}/providers/Microsoft.DocumentDB/databaseAccounts
    listInSubscription: (c, sub) => (o) => c.cosmos(sub).databaseAccounts.list(o),
  },
  [T.sqlServer]: {
    get: (c, sub, rg, x) => (o) => c.sql(sub).servers.get(rg, n(x, 0), o),
    // Servers_List: GET /subscriptions/{s}/providers/Microsoft.Sql/servers
    listInSubscription: (c, sub) => (o) => c.sql(sub).servers.list(o),
  },
  [T.sqlDatabase]: {
    get: (c, sub, rg, x) => (o) => c.sql(sub).databases.get(rg, n(x, 0), n(x, 1), o),
    list: (c, sub, rg, x) => (o) => c.sql(sub).databases.listByServer(rg, n(x, 0), o),
  },
  [T.virtualMachine]: { get: (c, sub, rg, x) => (o) => c.compute(sub).virtualMachines.get(rg, n(x, 0), o) },
  "microsoft.recoveryservices/vaults": { get: (c, sub, rg, x) => (o) => c.recoveryServices(sub).vaults.get(rg, n(x, 0), o) },
  // vaults/{0}/backupFabrics/{1}/protectionContainers/{2}/protectedItems/{3}
  [T.protectedItem]: { get: (c, sub, rg, x) => (o) => c.backup(sub).protectedItems.get(n(x, 0), rg, n(x, 1), n(x, 2), n(x, 3), o) },
  [T.storageSyncService]: { get: (c, sub, rg, x) => (o) => c.storageSync(sub).storageSyncServices.get(rg, n(x, 0), o) },
  "microsoft.storagesync/storagesyncservices/syncgroups": { get: (c, sub, rg, x) => (o) => c.storageSync(sub).syncGroups.get(rg, n(x, 0), n(x, 1), o) },
  [T.syncCloudEndpoint]: { get: (c, sub, rg, x) => (o) => c.storageSync(sub).cloudEndpoints.get(rg, n(x, 0), n(x, 1), n(x, 2), o) },
};
