/**
 * Builders of ARM resources shaped like the real payloads in shared/docs/examples, for rule tables
 * and fixture estates. Each returns a plain ArmResource; overrides are merged into `properties`.
 */
import { createHash } from "node:crypto";
import type { ArmResource } from "../../src/model/resource.js";

export const SUB = "11111111-1111-1111-1111-111111111111";
export const OTHER_SUB = "22222222-2222-2222-2222-222222222222";
export const SYSTEM_DATA = {
  createdAt: "2026-11-01T08:00:00.0000000Z",
  createdBy: "alice@contoso.com",
  createdByType: "User",
  lastModifiedAt: "2026-11-01T08:00:00.0000000Z",
  lastModifiedBy: "alice@contoso.com",
  lastModifiedByType: "User",
};
/** "Now" for rule tables: 21 days after SYSTEM_DATA.createdAt. */
export const NOW = new Date("2026-11-22T08:00:00Z");

type Props = Record<string, unknown>;
interface Place { sub?: string; rg?: string }

const rgId = (p: Place = {}) => `/subscriptions/${p.sub ?? SUB}/resourceGroups/${p.rg ?? "rg-app"}`;

/**
 * A stable GUID per perimeter name: `perimeterGuid` is a UUID (`format: uuid` in the NSP spec,
 * specification/common-types/resource-management/v5/networksecurityperimeter.json).
 */
export function perimeterGuidOf(name: string): string {
  const h = createHash("sha1").update(`perimeter:${name}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${"89ab"[parseInt(h[16]!, 16) % 4]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function perimeter(name = "nsp1", place: Place = {}, extra: Partial<ArmResource> = {}): ArmResource {
  return {
    id: `${rgId({ rg: "rg-nsp", ...place })}/providers/Microsoft.Network/networkSecurityPerimeters/${name}`,
    name,
    type: "Microsoft.Network/networkSecurityPerimeters",
    location: "westeurope",
    tags: {},
    properties: { perimeterGuid: perimeterGuidOf(name), provisioningState: "Succeeded" },
    systemData: SYSTEM_DATA,
    ...extra,
  };
}

export function profile(nsp: ArmResource, name = "profile1"): ArmResource {
  return {
    id: `${nsp.id}/profiles/${name}`,
    name,
    type: "Microsoft.Network/networkSecurityPerimeters/profiles",
    properties: { accessRulesVersion: "0", diagnosticSettingsVersion: "0" },
    systemData: SYSTEM_DATA,
  };
}

export interface AccessRuleProps {
  direction: "Inbound" | "Outbound" | string;
  addressPrefixes?: string[];
  /** Subscription ids (bare or `/subscriptions/{id}`). */
  subscriptions?: string[];
  fullyQualifiedDomainNames?: string[];
}

export function accessRule(prof: ArmResource, name: string, p: AccessRuleProps): ArmResource {
  return {
    id: `${prof.id}/accessRules/${name}`,
    name,
    type: "Microsoft.Network/networkSecurityPerimeters/profiles/accessRules",
    properties: {
      provisioningState: "Succeeded",
      direction: p.direction,
      addressPrefixes: p.addressPrefixes ?? [],
      fullyQualifiedDomainNames: p.fullyQualifiedDomainNames ?? [],
      subscriptions: (p.subscriptions ?? []).map((s) => ({ id: s.startsWith("/") ? s : `/subscriptions/${s}` })),
      networkSecurityPerimeters: [],
      emailAddresses: [],
      phoneNumbers: [],
      serviceTags: [],
    },
    systemData: SYSTEM_DATA,
  };
}

export interface AssociationOptions {
  profile: ArmResource;
  /** Omit for "no accessMode" (means Learning). */
  accessMode?: "Learning" | "Enforced" | "Audit" | string;
  createdAt?: string;
  hasProvisioningIssues?: string;
}

export function association(nsp: ArmResource, name: string, memberId: string, o: AssociationOptions): ArmResource {
  return {
    id: `${nsp.id}/resourceAssociations/${name}`,
    name,
    type: "Microsoft.Network/networkSecurityPerimeters/resourceAssociations",
    properties: {
      ...(o.accessMode !== undefined ? { accessMode: o.accessMode } : {}),
      hasProvisioningIssues: o.hasProvisioningIssues ?? "no",
      privateLinkResource: { id: memberId },
      profile: { id: o.profile.id },
      provisioningState: "Succeeded",
    },
    systemData: { ...SYSTEM_DATA, ...(o.createdAt ? { createdAt: o.createdAt } : {}) },
  };
}

export function storageAccount(name: string, properties: Props = {}, place: Place = {}, extra: Partial<ArmResource> = {}): ArmResource {
  return {
    id: `${rgId(place)}/providers/Microsoft.Storage/storageAccounts/${name}`,
    name,
    type: "Microsoft.Storage/storageAccounts",
    kind: "StorageV2",
    location: "westeurope",
    sku: { name: "Standard_LRS", tier: "Standard" },
    tags: {},
    properties: {
      provisioningState: "Succeeded",
      allowSharedKeyAccess: false,
      publicNetworkAccess: "SecuredByPerimeter",
      encryption: { keySource: "Microsoft.Storage", services: { blob: { enabled: true, keyType: "Account" }, file: { enabled: true, keyType: "Account" } } },
      networkAcls: { bypass: "None", defaultAction: "Deny", ipRules: [], virtualNetworkRules: [], resourceAccessRules: [] },
      primaryEndpoints: {
        blob: `https://${name}.blob.core.windows.net/`,
        file: `https://${name}.file.core.windows.net/`,
        queue: `https://${name}.queue.core.windows.net/`,
        table: `https://${name}.table.core.windows.net/`,
        dfs: `https://${name}.dfs.core.windows.net/`,
        web: `https://${name}.web.core.windows.net/`,
      },
      privateEndpointConnections: [],
      isHnsEnabled: false,
      isSftpEnabled: false,
      isNfsV3Enabled: false,
      ...properties,
    },
    ...extra,
  };
}

export function fileShare(account: ArmResource, name: string, enabledProtocols?: "SMB" | "NFS" | string): ArmResource {
  return {
    id: `${account.id}/fileServices/default/shares/${name}`,
    name,
    type: "Microsoft.Storage/storageAccounts/fileServices/shares",
    properties: enabledProtocols === undefined ? {} : { enabledProtocols },
  };
}

export function approvedPrivateEndpoint(account: ArmResource, status = "Approved") {
  return {
    id: `${account.id}/privateEndpointConnections/pe1`,
    name: "pe1",
    type: "Microsoft.Storage/storageAccounts/privateEndpointConnections",
    properties: {
      privateEndpoint: { id: `${rgId()}/providers/Microsoft.Network/privateEndpoints/pe-${account.name}` },
      privateLinkServiceConnectionState: { status, description: "Auto-Approved", actionRequired: "None" },
      provisioningState: "Succeeded",
    },
  };
}

export function objectReplicationPolicy(account: ArmResource, name = "default"): ArmResource {
  return {
    id: `${account.id}/objectReplicationPolicies/${name}`,
    name,
    type: "Microsoft.Storage/storageAccounts/objectReplicationPolicies",
    properties: {
      sourceAccount: account.name,
      destinationAccount: "dstaccount",
      rules: [{ ruleId: "d5d18a48-8801-4554-aeaa-74faf65f5ef9", sourceContainer: "src", destinationContainer: "dst" }],
    },
  };
}

export function managementPolicy(account: ArmResource, rules: Array<{ name: string; enabled?: boolean }>): ArmResource {
  return {
    id: `${account.id}/managementPolicies/default`,
    name: "DefaultManagementPolicy",
    type: "Microsoft.Storage/storageAccounts/managementPolicies",
    properties: {
      policy: {
        rules: rules.map((r) => ({
          name: r.name,
          ...(r.enabled !== undefined ? { enabled: r.enabled } : {}),
          type: "Lifecycle",
          definition: { filters: { blobTypes: ["blockBlob"] }, actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: 365 } } } },
        })),
      },
    },
  };
}

export function inventoryPolicy(account: ArmResource, enabled: boolean | string): ArmResource {
  return {
    id: `${account.id}/inventoryPolicies/default`,
    name: "DefaultInventoryPolicy",
    type: "Microsoft.Storage/storageAccounts/inventoryPolicies",
    properties: {
      policy: {
        enabled,
        type: "Inventory",
        rules: [{ enabled: true, name: "inventoryPolicyRule1", destination: "container1", definition: { format: "Csv", schedule: "Daily", objectType: "Blob", schemaFields: ["Name"] } }],
      },
    },
  };
}

export function nspConfiguration(
  account: ArmResource,
  nsp: ArmResource,
  associationName: string,
  issues: Array<{ issueType: string; severity: "Error" | "Warning" | string; description?: string }>,
): ArmResource {
  return {
    id: `${account.id}/networkSecurityPerimeterConfigurations/${(nsp.properties as Props).perimeterGuid}.${associationName}`,
    name: `${(nsp.properties as Props).perimeterGuid}.${associationName}`,
    type: `${account.type}/networkSecurityPerimeterConfigurations`,
    properties: {
      provisioningState: "Succeeded",
      provisioningIssues: issues.map((i) => ({ name: i.issueType, properties: { issueType: i.issueType, severity: i.severity, description: i.description ?? i.issueType } })),
      networkSecurityPerimeter: { id: nsp.id, perimeterGuid: (nsp.properties as Props).perimeterGuid, location: "westeurope" },
      resourceAssociation: { name: associationName, accessMode: "Enforced" },
      profile: { name: "profile1", accessRulesVersion: 1, accessRules: [] },
    },
  };
}

export function keyVault(name: string, place: Place = {}, properties: Props = {}): ArmResource {
  return {
    id: `${rgId({ rg: "rg-keys", ...place })}/providers/Microsoft.KeyVault/vaults/${name}`,
    name,
    type: "Microsoft.KeyVault/vaults",
    location: "westeurope",
    properties: {
      tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
      sku: { family: "A", name: "standard" },
      vaultUri: `https://${name}.vault.azure.net/`,
      enableRbacAuthorization: true,
      publicNetworkAccess: "Disabled",
      ...properties,
    },
  };
}

/** Storage account encryption with a customer-managed key in `vaultName`. */
export function cmkEncryption(vaultName: string) {
  return {
    keySource: "Microsoft.Keyvault",
    keyvaultproperties: { keyvaulturi: `https://${vaultName}.vault.azure.net`, keyname: "wrappingKey", keyversion: "" },
    services: { blob: { enabled: true, keyType: "Account" }, file: { enabled: true, keyType: "Account" } },
  };
}

export function diagnosticSetting(scope: ArmResource, name: string, properties: Props): ArmResource {
  return {
    id: `${scope.id}/providers/Microsoft.Insights/diagnosticSettings/${name}`,
    name,
    type: "Microsoft.Insights/diagnosticSettings",
    properties,
  };
}

export function logAnalyticsWorkspace(name: string, place: Place = {}): ArmResource {
  return {
    id: `${rgId({ rg: "rg-logs", ...place })}/providers/Microsoft.OperationalInsights/workspaces/${name}`,
    name,
    type: "Microsoft.OperationalInsights/workspaces",
    location: "westeurope",
    properties: { sku: { name: "PerGB2018" }, retentionInDays: 30 },
  };
}

export function protectedFileShare(account: ArmResource, share: string, vault = "rsv1"): ArmResource {
  const [, , sub, , rg] = account.id.split("/");
  const id = `/subscriptions/${sub}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/${vault}/backupFabrics/Azure/protectionContainers/StorageContainer;Storage;${rg};${account.name}/protectedItems/AzureFileShare;${share}`;
  return {
    id,
    name: `AzureFileShare;${share}`,
    type: "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems",
    properties: {
      protectedItemType: "AzureFileShareProtectedItem",
      friendlyName: share,
      sourceResourceId: account.id,
      policyId: `/subscriptions/${sub}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/${vault}/backupPolicies/daily`,
      workloadType: "AzureFileShare",
    },
  };
}

export function blobBackupInstance(account: ArmResource, kind: "vaulted" | "operational", vault = "bv1"): ArmResource {
  const [, , sub] = account.id.split("/");
  const vaultId = `/subscriptions/${sub}/resourceGroups/rg-backup/providers/Microsoft.DataProtection/backupVaults/${vault}`;
  const name = `${account.name}-${account.name}-${kind}`;
  return {
    id: `${vaultId}/backupInstances/${name}`,
    name,
    type: "Microsoft.DataProtection/backupVaults/backupInstances",
    properties: {
      friendlyName: account.name,
      objectType: "BackupInstance",
      dataSourceInfo: {
        datasourceType: "Microsoft.Storage/storageAccounts/blobServices",
        objectType: "Datasource",
        resourceID: account.id,
        resourceName: account.name,
        resourceType: "Microsoft.Storage/storageAccounts",
        resourceUri: account.id,
      },
      policyInfo: {
        policyId: `${vaultId}/backupPolicies/${kind}-policy`,
        policyParameters:
          kind === "vaulted"
            ? { backupDatasourceParametersList: [{ objectType: "BlobBackupDatasourceParameters", containersList: ["container1"] }] }
            : { dataStoreParametersList: [{ dataStoreType: "OperationalStore", objectType: "AzureOperationalStoreParameters", resourceGroupId: "" }] },
      },
      provisioningState: "Succeeded",
    },
  };
}

export function backupPolicy(vaultId: string, name: string, dataStoreTypes: string[]): ArmResource {
  return {
    id: `${vaultId}/backupPolicies/${name}`,
    name,
    type: "Microsoft.DataProtection/backupVaults/backupPolicies",
    properties: {
      objectType: "BackupPolicy",
      datasourceTypes: ["Microsoft.Storage/storageAccounts/blobServices"],
      policyRules: dataStoreTypes.map((t, i) => ({
        name: `Default${i}`,
        objectType: "AzureRetentionRule",
        isDefault: true,
        lifecycles: [{ deleteAfter: { duration: "P30D", objectType: "AbsoluteDeleteOption" }, sourceDataStore: { dataStoreType: t, objectType: "DataStoreInfoBase" } }],
      })),
    },
  };
}

export function storageSyncService(name: string, useIdentity: boolean | undefined, place: Place = {}): ArmResource {
  return {
    id: `${rgId({ rg: "rg-sync", ...place })}/providers/Microsoft.StorageSync/storageSyncServices/${name}`,
    name,
    type: "Microsoft.StorageSync/storageSyncServices",
    location: "westeurope",
    ...(useIdentity ? { identity: { type: "SystemAssigned", principalId: "3b4a1c6e-0000-0000-0000-000000000001" } } : {}),
    properties: { incomingTrafficPolicy: "AllowAllTraffic", ...(useIdentity !== undefined ? { useIdentity } : {}) },
  };
}

export function cloudEndpoint(service: ArmResource, group: string, name: string, account: ArmResource, share = "share1"): ArmResource {
  return {
    id: `${service.id}/syncGroups/${group}/cloudEndpoints/${name}`,
    name,
    type: "Microsoft.StorageSync/storageSyncServices/syncGroups/cloudEndpoints",
    properties: { storageAccountResourceId: account.id, azureFileShareName: share, provisioningState: "Succeeded" },
  };
}

export function virtualMachine(name: string, osVhd?: string, dataVhds: string[] = []): ArmResource {
  return {
    id: `${rgId({ rg: "rg-vms" })}/providers/Microsoft.Compute/virtualMachines/${name}`,
    name,
    type: "Microsoft.Compute/virtualMachines",
    location: "westeurope",
    properties: {
      storageProfile: {
        osDisk: osVhd
          ? { osType: "Linux", name: `${name}-os`, createOption: "FromImage", vhd: { uri: osVhd } }
          : { osType: "Linux", name: `${name}-os`, createOption: "FromImage", managedDisk: { id: `${rgId({ rg: "rg-vms" })}/providers/Microsoft.Compute/disks/${name}-os` } },
        dataDisks: dataVhds.map((uri, lun) => ({ lun, name: `${name}-data${lun}`, createOption: "Empty", diskSizeGB: 128, vhd: { uri } })),
      },
    },
  };
}

export function cognitiveAccount(name: string, properties: Props = {}, identity?: ArmResource["identity"], place: Place = {}): ArmResource {
  return {
    id: `${rgId({ rg: "rg-ai", ...place })}/providers/Microsoft.CognitiveServices/accounts/${name}`,
    name,
    type: "Microsoft.CognitiveServices/accounts",
    kind: "AIServices",
    location: "westeurope",
    sku: { name: "S0" },
    ...(identity !== undefined ? { identity } : {}),
    properties: { customSubDomainName: name, publicNetworkAccess: "Disabled", provisioningState: "Succeeded", ...properties },
  };
}

/** Upper-cases provider namespaces and lower-cases `resourceGroups`, as Event Grid and Resource Graph do. */
export function recase(id: string): string {
  return id
    .replace(/\/resourceGroups\//g, "/resourcegroups/")
    .replace(/\/providers\/([^/]+)/g, (_m, ns: string) => `/providers/${ns.toUpperCase()}`);
}

/** A storage account associated with a perimeter through one profile: the usual starting point. */
export function storageInPerimeter(
  accountName = "stapp1",
  o: { accessMode?: string; properties?: Props; nspName?: string; createdAt?: string } = {},
) {
  const nsp = perimeter(o.nspName ?? "nsp1");
  const prof = profile(nsp);
  const account = storageAccount(accountName, o.properties);
  const assoc = association(nsp, `assoc-${accountName}`, account.id, {
    profile: prof,
    ...(o.accessMode !== undefined ? { accessMode: o.accessMode } : { accessMode: "Enforced" }),
    ...(o.createdAt ? { createdAt: o.createdAt } : {}),
  });
  return { nsp, profile: prof, account, association: assoc, resources: [nsp, prof, account, assoc] as ArmResource[] };
}

/** The vaults and groups that backup items and sync endpoints live under (ARM lists children through them). */
export function recoveryServicesVault(name = "rsv1", place: Place = {}): ArmResource {
  return {
    id: `${rgId({ rg: "rg-backup", ...place })}/providers/Microsoft.RecoveryServices/vaults/${name}`,
    name,
    type: "Microsoft.RecoveryServices/vaults",
    location: "westeurope",
    sku: { name: "RS0", tier: "Standard" },
    properties: { provisioningState: "Succeeded", publicNetworkAccess: "Enabled" },
  };
}

export function backupVault(name = "bv1", place: Place = {}): ArmResource {
  return {
    id: `${rgId({ rg: "rg-backup", ...place })}/providers/Microsoft.DataProtection/backupVaults/${name}`,
    name,
    type: "Microsoft.DataProtection/backupVaults",
    location: "westeurope",
    identity: { type: "SystemAssigned" },
    properties: { provisioningState: "Succeeded", storageSettings: [{ datastoreType: "VaultStore", type: "LocallyRedundant" }] },
  };
}

export function syncGroup(service: ArmResource, name: string): ArmResource {
  return {
    id: `${service.id}/syncGroups/${name}`,
    name,
    type: "Microsoft.StorageSync/storageSyncServices/syncGroups",
    properties: { syncGroupStatus: "0", uniqueId: `${name}-0000` },
  };
}
