/**
 * What ARM reads per associated member or per perimeter (an "owner") and Resource Graph does not hold
 * (resourceGraphQueries.ts `NOT_IN_RESOURCE_GRAPH`): one call or more per owner, where Resource Graph
 * answers a thousand rows a call. The reconcile may carry these over from its previous pass
 * (src/pipeline/carryOver.ts) and re-read them from ARM only when due; both readers then skip them
 * for the carried owners (`carried` in their options) and read everything else as usual.
 */
import { T } from "../model/resourceTypes.js";

/** Lower-case types read under (or as an extension of) one member or one perimeter, none of them held by Resource Graph. */
export const OWNER_INPUT_TYPES: ReadonlySet<string> = new Set([
  T.storageNspConfiguration,
  T.cognitiveNspConfiguration,
  T.fileShare,
  T.objectReplicationPolicy,
  T.managementPolicy,
  T.inventoryPolicy,
  T.diagnosticSetting,
  T.link,
  T.linkReference,
  T.sqlDatabase,
  T.eventHubDisasterRecoveryConfig,
  T.serviceBusDisasterRecoveryConfig,
]);

/** The owners whose inputs a read leaves to its caller, by id key. */
export type CarriedOwners = ReadonlySet<string>;

export const NOTHING_CARRIED: CarriedOwners = new Set();
