/**
 * Builders for the Revision 2 rule tables: perimeter links and link references (NSP spec NspLink /
 * NspLinkReference, shared/docs/examples/nsp-link-get.json), the live onboarded list
 * (PerimeterAssociableResource), and the member services the new rules read: Event Hubs and Service
 * Bus namespaces with `disasterRecoveryConfigs` (ArmDisasterRecovery), Cosmos DB accounts, SQL
 * servers and databases, shaped as ARM returns them.
 */
import type { ArmResource } from "../../src/model/resource.js";
import { perimeterGuidOf, SUB, SYSTEM_DATA } from "./builders.js";

type Props = Record<string, unknown>;
interface Place { sub?: string; rg?: string }
const rgId = (p: Place = {}, rg = "rg-app") => `/subscriptions/${p.sub ?? SUB}/resourceGroups/${p.rg ?? rg}`;

export interface LinkOptions {
  status?: "Approved" | "Pending" | "Rejected" | "Disconnected" | string;
  localInboundProfiles?: string[];
  remoteInboundProfiles?: string[];
}

/**
 * A link's or link reference's properties (NspLinkProperties / NspLinkReferenceProperties, NSP spec
 * 2026-01-01), in the order ARM answers them: `remoteKey` names the remote perimeter's id property.
 */
function linkProperties(remoteKey: string, remote: ArmResource, o: LinkOptions, description: string) {
  return {
    provisioningState: "Succeeded",
    [remoteKey]: remote.id,
    remotePerimeterGuid: perimeterGuidOf(remote.name!),
    remotePerimeterLocation: remote.location ?? "westeurope",
    localInboundProfiles: o.localInboundProfiles ?? ["*"],
    localOutboundProfiles: ["*"],
    remoteInboundProfiles: o.remoteInboundProfiles ?? ["*"],
    remoteOutboundProfiles: ["*"],
    description,
    status: o.status ?? "Approved",
  };
}

/** `networkSecurityPerimeters/{p}/links/{l}` pointing at `remote`. */
export function perimeterLink(nsp: ArmResource, name: string, remote: ArmResource, o: LinkOptions = {}): ArmResource {
  return {
    id: `${nsp.id}/links/${name}`,
    name,
    type: "Microsoft.Network/networkSecurityPerimeters/links",
    properties: linkProperties("autoApprovedRemotePerimeterResourceId", remote, o, "Auto Approved"),
    systemData: SYSTEM_DATA,
  };
}

/** The `linkReferences/{name}` ARM creates on the remote perimeter of a link. */
export function perimeterLinkReference(nsp: ArmResource, name: string, remote: ArmResource, o: LinkOptions = {}): ArmResource {
  return {
    id: `${nsp.id}/linkReferences/${name}`,
    name,
    type: "Microsoft.Network/networkSecurityPerimeters/linkReferences",
    properties: linkProperties("remotePerimeterResourceId", remote, o, "Reference of a link from the remote perimeter"),
    systemData: SYSTEM_DATA,
  };
}

/** One entry of the live onboarded list (`Microsoft.Network/locations/{location}/perimeterAssociableResourceTypes`). */
export function associableType(resourceType: string, readinessState: string | undefined, location = "westeurope", sub = SUB): ArmResource {
  const name = resourceType.replace("/", ".");
  return {
    id: `/subscriptions/${sub}/providers/Microsoft.Network/locations/${location}/perimeterAssociableResourceTypes/${name}`,
    name,
    type: "Microsoft.Network/perimeterAssociableResourceTypes",
    properties: {
      displayName: name,
      resourceType,
      publicDnsZones: [],
      ...(readinessState !== undefined ? { readinessState } : {}),
    },
  };
}

export function eventHubNamespace(name: string, properties: Props = {}, place: Place = {}): ArmResource {
  return {
    id: `${rgId(place, "rg-events")}/providers/Microsoft.EventHub/namespaces/${name}`,
    name,
    type: "Microsoft.EventHub/namespaces",
    location: "westeurope",
    sku: { name: "Standard", tier: "Standard", capacity: 1 },
    properties: {
      provisioningState: "Succeeded",
      status: "Active",
      publicNetworkAccess: "SecuredByPerimeter",
      disableLocalAuth: true,
      kafkaEnabled: true,
      geoDataReplication: { maxReplicationLagDurationInSeconds: 0, locations: [{ locationName: "westeurope", roleType: "Primary", replicaState: "Ready" }] },
      serviceBusEndpoint: `https://${name}.servicebus.windows.net:443/`,
      ...properties,
    },
  };
}

export function serviceBusNamespace(name: string, properties: Props = {}, place: Place = {}): ArmResource {
  return {
    id: `${rgId(place, "rg-messaging")}/providers/Microsoft.ServiceBus/namespaces/${name}`,
    name,
    type: "Microsoft.ServiceBus/namespaces",
    location: "westeurope",
    sku: { name: "Premium", tier: "Premium", capacity: 1 },
    properties: {
      provisioningState: "Succeeded",
      status: "Active",
      publicNetworkAccess: "SecuredByPerimeter",
      disableLocalAuth: true,
      serviceBusEndpoint: `https://${name}.servicebus.windows.net:443/`,
      ...properties,
    },
  };
}

/** Geo-replication locations (`properties.geoDataReplication`), the first one primary. */
export function geoReplication(...locations: string[]) {
  return {
    maxReplicationLagDurationInSeconds: 300,
    locations: locations.map((locationName, i) => ({ locationName, roleType: i === 0 ? "Primary" : "Secondary" })),
  };
}

/** `{namespace}/disasterRecoveryConfigs/{alias}` (ArmDisasterRecovery) pairing with `partner`. */
export function disasterRecoveryConfig(namespace: ArmResource, alias: string, partner: ArmResource): ArmResource {
  return {
    id: `${namespace.id}/disasterRecoveryConfigs/${alias}`,
    name: alias,
    type: `${namespace.type}/disasterRecoveryConfigs`,
    properties: { provisioningState: "Succeeded", partnerNamespace: partner.id, role: "Primary", pendingReplicationOperationsCount: 0 },
  };
}

export function cosmosAccount(name: string, properties: Props = {}, place: Place = {}): ArmResource {
  return {
    id: `${rgId(place, "rg-data")}/providers/Microsoft.DocumentDB/databaseAccounts/${name}`,
    name,
    type: "Microsoft.DocumentDB/databaseAccounts",
    kind: "GlobalDocumentDB",
    location: "westeurope",
    identity: { type: "SystemAssigned", principalId: "5c1a0e2f-0000-0000-0000-000000000c05", tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47" },
    properties: {
      provisioningState: "Succeeded",
      databaseAccountOfferType: "Standard",
      publicNetworkAccess: "SecuredByPerimeter",
      enableAnalyticalStorage: false,
      enableMaterializedViews: false,
      backupPolicy: { type: "Periodic", periodicModeProperties: { backupIntervalInMinutes: 240, backupRetentionIntervalInHours: 8 } },
      locations: [{ locationName: "West Europe", failoverPriority: 0, isZoneRedundant: false }],
      ...properties,
    },
  };
}

export function sqlServer(name: string, properties: Props = {}, place: Place = {}): ArmResource {
  return {
    id: `${rgId(place, "rg-data")}/providers/Microsoft.Sql/servers/${name}`,
    name,
    type: "Microsoft.Sql/servers",
    kind: "v12.0",
    location: "westeurope",
    properties: {
      administratorLogin: "sqladmin",
      version: "12.0",
      state: "Ready",
      fullyQualifiedDomainName: `${name}.database.windows.net`,
      publicNetworkAccess: "SecuredByPerimeter",
      minimalTlsVersion: "1.2",
      ...properties,
    },
  };
}

/** A database of `server`; tier `DataWarehouse` is a dedicated SQL pool (formerly SQL DW). */
export function sqlDatabase(server: ArmResource, name: string, tier: "GeneralPurpose" | "DataWarehouse" | string, skuName = tier === "DataWarehouse" ? "DW100c" : "GP_Gen5_2"): ArmResource {
  return {
    id: `${server.id}/databases/${name}`,
    name,
    type: "Microsoft.Sql/servers/databases",
    kind: tier === "DataWarehouse" ? "v12.0,user,datawarehouse,gen2" : "v12.0,user,vcore",
    location: "westeurope",
    sku: { name: skuName, tier },
    properties: { status: "Online", collation: "SQL_Latin1_General_CP1_CI_AS", maxSizeBytes: 268435456000 },
  };
}
