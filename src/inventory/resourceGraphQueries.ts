/**
 * The project's Azure Resource Graph queries (a fixed set) and what Resource Graph does not hold.
 * Tables and what lives in them: ../shared/docs/arm-facts.md "Resource Graph". Every query ends in
 * `order by id asc`: skip-token pages are stable only over a stable order.
 */
import { ONBOARDED_TYPES } from "../model/onboardedTypes.js";
import { T } from "../model/resourceTypes.js";
import { MEMBER_API_VERSIONS } from "./liveInventory.js";

/** Columns every query projects: the ARM resource envelope (no `systemData`: Resource Graph does not project it, UNCONFIRMED). */
export const PROJECTED_COLUMNS = ["id", "name", "type", "location", "kind", "sku", "identity", "tags", "properties", "managedBy", "plan", "zones", "extendedLocation"] as const;

export interface GraphQuery {
  /** What it reads, for messages. */
  readonly label: string;
  readonly table: "resources" | "networkresources" | "recoveryservicesresources" | "resourcecontainers";
  /** Lower-case ARM types. */
  readonly types: readonly string[];
}

function unique(types: readonly string[]): string[] {
  return [...new Set(types.map((t) => t.toLowerCase()))];
}

/** Top-level resources: perimeters, every onboarded type (coverage), members read by generic GET on the ARM path, and what storage rules look at. */
export const TOP_LEVEL_QUERY: GraphQuery = {
  label: "perimeters and PaaS resources",
  table: "resources",
  types: unique([T.perimeter, ...ONBOARDED_TYPES, ...Object.keys(MEMBER_API_VERSIONS), T.keyVault, T.cognitiveAccount, T.virtualMachine, T.storageSyncService]),
};

/** Profiles, access rules and resource associations. */
export const PERIMETER_CHILDREN_QUERY: GraphQuery = {
  label: "perimeter profiles, access rules and associations",
  table: "networkresources",
  types: [T.profile, T.accessRule, T.association],
};

/** Backup items of storage accounts: Recovery Services protected items and Data Protection backup instances. */
export const BACKUP_ITEMS_QUERY: GraphQuery = {
  label: "backup protected items and instances",
  table: "recoveryservicesresources",
  types: [T.protectedItem, T.backupInstance],
};

export const GRAPH_QUERIES: readonly GraphQuery[] = [TOP_LEVEL_QUERY, PERIMETER_CHILDREN_QUERY, BACKUP_ITEMS_QUERY];

/**
 * The subscriptions under a management group (the query's scope): `resourcecontainers` rows of type
 * `microsoft.resources/subscriptions` ("Resource Graph sample queries for management groups",
 * https://learn.microsoft.com/azure/governance/management-groups/resource-graph-samples). Not part
 * of the estate read: the watchdog asks it on each reconcile to learn which subscriptions it watches.
 */
export const SUBSCRIPTIONS_QUERY: GraphQuery = {
  label: "subscriptions",
  table: "resourcecontainers",
  types: ["microsoft.resources/subscriptions"],
};

/** The KQL text of a query. */
export function queryText(query: GraphQuery): string {
  return [`${query.table}`, `| where type in~ (${query.types.map((t) => `'${t}'`).join(", ")})`, `| project ${PROJECTED_COLUMNS.join(", ")}`, "| order by id asc"].join("\n");
}

/**
 * What the rules read that Resource Graph does not hold, and how the reader gets it from ARM instead
 * (each only when the read plan has its type).
 */
export const NOT_IN_RESOURCE_GRAPH: ReadonlyArray<{ readonly type: string; readonly how: string }> = [
  { type: T.storageNspConfiguration, how: "listed per associated storage account" },
  { type: T.cognitiveNspConfiguration, how: "listed per associated Cognitive Services account" },
  { type: T.fileShare, how: "listed per associated storage account (not for Blob-only kinds)" },
  { type: T.objectReplicationPolicy, how: "listed per associated storage account (not for FileStorage, v1 or HNS accounts)" },
  { type: T.managementPolicy, how: "GET of `default` per associated storage account (not for FileStorage or v1)" },
  { type: T.inventoryPolicy, how: "GET of `default` per associated storage account (not for FileStorage or v1)" },
  { type: T.diagnosticSetting, how: "listed per perimeter, and per associated member when a member rule reads them" },
  { type: T.link, how: "listed per perimeter" },
  { type: T.linkReference, how: "listed per perimeter" },
  { type: T.sqlDatabase, how: "each associated SQL server read as the ARM path reads it (GET, then its databases)" },
  { type: T.eventHubDisasterRecoveryConfig, how: "each associated Event Hubs namespace read as the ARM path reads it" },
  { type: T.serviceBusDisasterRecoveryConfig, how: "each associated Service Bus namespace read as the ARM path reads it" },
  { type: T.backupPolicy, how: "GET per policy of a backup instance of an associated account (UNCONFIRMED whether recoveryservicesresources holds them)" },
  { type: T.syncCloudEndpoint, how: "Storage Sync services from Resource Graph, then sync groups and cloud endpoints listed (UNCONFIRMED whether a table holds them)" },
  {
    type: `${T.association} (systemData)`,
    how: "the transition grace period counts from systemData.createdAt, which Resource Graph does not project (UNCONFIRMED): per perimeter with associations not in Enforced mode, a GET of each, or the perimeter's associations listed at $top 20 when that takes fewer requests",
  },
];
