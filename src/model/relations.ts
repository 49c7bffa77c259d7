/**
 * THE relations registry: each way one resource points at another, once. The estate index
 * (estate.ts), the perimeter closure (pipeline/closure.ts), event routing's dependency targets
 * (pipeline/pipeline.ts, events/routing.ts) and the live reader's related reads all derive from it.
 *
 * A relation yields index keys: lower-case ARM ids (`idKey`), or a prefixed key where the reference
 * is not an id (`blobhost:{host}` for a VHD URI, `vaulthost:{host}` for a key URI). A target is found
 * under the keys `targetKeys` gives it (its id key by default).
 */
import { ancestorOfType, idKey, lastSegment, parseArmId } from "./armId.js";
import { equalsIgnoreCase, prop, propArray, propString, type ArmResource } from "./resource.js";
import { T } from "./resourceTypes.js";

/** Host of a URI (lower-cased), or the input itself when it has no scheme. */
export function uriHost(uri: unknown): string | undefined {
  if (typeof uri !== "string" || uri.length === 0) return undefined;
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/:?#]+)/i.exec(uri);
  return (m ? m[1]! : uri.split("/")[0]!).toLowerCase();
}

export function vhdUrisOf(vm: ArmResource): string[] {
  const uris: string[] = [];
  const os = prop(vm, "storageProfile", "osDisk", "vhd", "uri");
  if (typeof os === "string") uris.push(os);
  const data = prop(vm, "storageProfile", "dataDisks");
  if (Array.isArray(data)) {
    for (const disk of data) {
      const uri = (disk as { vhd?: { uri?: unknown } } | null)?.vhd?.uri;
      if (typeof uri === "string") uris.push(uri);
    }
  }
  return uris;
}

/** Index key under which a storage account is found by the host of a VHD URI on it. */
export function blobHostKey(host: string): string {
  return `blobhost:${host.toLowerCase()}`;
}

/** Blob host of a storage account: its `primaryEndpoints.blob`, else the public cloud's default. */
export function blobHostOf(account: ArmResource): string {
  return uriHost(propString(account, "primaryEndpoints", "blob")) ?? `${(account.name ?? parseArmId(account.id).name).toLowerCase()}.blob.core.windows.net`;
}

/** The key vault URI of a customer-managed key (`encryption.keyvaultproperties.keyvaulturi`, as ARM or Resource Graph spell it). */
export function keyVaultUriOf(account: ArmResource): string | undefined {
  return propString(account, "encryption", "keyvaultproperties", "keyvaulturi") ?? propString(account, "encryption", "keyVaultProperties", "keyVaultUri");
}

/** Whether an account encrypts with a customer-managed key (`encryption.keySource` Microsoft.Keyvault). */
export function isKeyVaultEncrypted(account: ArmResource): boolean {
  return equalsIgnoreCase(propString(account, "encryption", "keySource"), "microsoft.keyvault");
}

/** Key of a key vault host; vault names are unique per cloud, so a `*.vault.*` host also yields the name. */
export function vaultHostKeys(host: string): string[] {
  const h = host.toLowerCase();
  return h.includes(".vault.") ? [`vaulthost:${h}`, `vaulthost:${h.split(".")[0]!}`] : [`vaulthost:${h}`];
}

/** Where a Data Protection backup instance's data source lives (`dataSourceInfo.resourceID`, `resourceId` or `resourceUri`). */
export function backupInstanceSource(instance: ArmResource): string | undefined {
  return (
    propString(instance, "dataSourceInfo", "resourceID") ??
    propString(instance, "dataSourceInfo", "resourceId") ??
    propString(instance, "dataSourceInfo", "resourceUri")
  );
}

/** What the perimeter closure does with a relation. */
export interface ClosureStep {
  /**
   * `forward`: when the source is in the closure, so is the target (and the target's key is indexed);
   * `reverse`: when the target is a member in the closure, so are the sources pointing at it.
   */
  readonly direction: "forward" | "reverse";
  /** forward: the target is a perimeter member: its children (type table) and what points at it (`reverse` relations) come too. */
  readonly member?: true;
  /** forward: false = only the target's key and what `alsoRead` names, not the target itself. */
  readonly addTarget?: false;
  /**
   * forward: also read around the target: `associations` = its associations in any perimeter;
   * `perimeters` = those, their perimeters, and the profiles (with their access rules) they name.
   */
  readonly alsoRead?: "associations" | "perimeters";
  /** forward: a target missing from the estate is reported as unresolved, unless this says it is not needed. */
  readonly unresolved?: (source: ArmResource) => boolean;
}

export interface Relation {
  /** Stable name, used by the estate's lookups (`estate.referrers(name, id)`). */
  readonly name: string;
  /** Lower-case source type. */
  readonly from: string;
  /** Lower-case target type. */
  readonly to: string;
  /** Where the source names the target, for people and docs. */
  readonly path: string;
  /** Index keys of the targets the source names. */
  readonly keys: (source: ArmResource) => string[];
  /** Keys under which a target is found (default: its id key). */
  readonly targetKeys?: (target: ArmResource) => string[];
  /** How the perimeter closure follows it (undefined: it does not). */
  readonly closure?: ClosureStep;
  /**
   * Event routing: an event on a source that the reverse index does not know yet is routed through
   * these keys (the source is read once). Only for sources that are not themselves members.
   */
  readonly routing: boolean;
}

const ids = (...values: Array<string | undefined>): string[] => values.filter((v): v is string => typeof v === "string" && v.length > 0).map(idKey);

/** Diagnostic setting destinations: workspace, storage account, Event Hubs namespace (from its authorization rule). */
function logDestinations(setting: ArmResource): string[] {
  const rule = propString(setting, "eventHubAuthorizationRuleId");
  return ids(propString(setting, "workspaceId"), propString(setting, "storageAccountId"), rule ? (ancestorOfType(rule, T.eventHubNamespace) ?? rule) : undefined);
}

export const RELATIONS: readonly Relation[] = [
  {
    name: "association-member",
    from: T.association,
    to: "*",
    path: "properties.privateLinkResource.id",
    keys: (a) => ids(propString(a, "privateLinkResource", "id")),
    closure: { direction: "forward", member: true },
    // An association is a perimeter resource: its route finds its perimeter; the pipeline reads it to find other perimeters of its member.
    routing: false,
  },
  {
    name: "cmk-key-vault",
    from: T.storageAccount,
    to: T.keyVault,
    path: "properties.encryption.keyvaultproperties.keyvaulturi (host)",
    keys: (account) => {
      if (!isKeyVaultEncrypted(account)) return [];
      const host = uriHost(keyVaultUriOf(account));
      return host ? vaultHostKeys(host) : [];
    },
    targetKeys: (vault) => [`vaulthost:${(vault.name ?? lastSegment(vault.id)).toLowerCase()}`, ...(uriHost(propString(vault, "vaultUri")) ? [`vaulthost:${uriHost(propString(vault, "vaultUri"))}`] : [])],
    closure: { direction: "forward", alsoRead: "perimeters", unresolved: () => true },
    // The account is a member: events on it route by the index; the vault is indexed by the closure.
    routing: false,
  },
  {
    name: "backup-protected-item",
    from: T.protectedItem,
    to: T.storageAccount,
    path: "properties.sourceResourceId",
    keys: (item) => ids(propString(item, "sourceResourceId")),
    closure: { direction: "reverse" },
    routing: true,
  },
  {
    name: "backup-instance",
    from: T.backupInstance,
    to: T.storageAccount,
    path: "properties.dataSourceInfo.resourceID | resourceId | resourceUri",
    keys: (instance) => ids(backupInstanceSource(instance)),
    closure: { direction: "reverse" },
    routing: true,
  },
  {
    name: "backup-instance-policy",
    from: T.backupInstance,
    to: T.backupPolicy,
    path: "properties.policyInfo.policyId",
    keys: (instance) => ids(propString(instance, "policyInfo", "policyId")),
    // Not needed when the instance's own parameters say "vaulted".
    closure: { direction: "forward", unresolved: (instance) => propArray(instance, "policyInfo", "policyParameters", "backupDatasourceParametersList").length === 0 },
    routing: false,
  },
  {
    name: "file-sync-cloud-endpoint",
    from: T.syncCloudEndpoint,
    to: T.storageAccount,
    path: "properties.storageAccountResourceId",
    keys: (endpoint) => ids(propString(endpoint, "storageAccountResourceId")),
    closure: { direction: "reverse" },
    routing: true,
  },
  {
    name: "file-sync-service",
    from: T.syncCloudEndpoint,
    to: T.storageSyncService,
    path: "(the endpoint's Storage Sync service ancestor)",
    keys: (endpoint) => ids(ancestorOfType(endpoint.id, T.storageSyncService)),
    closure: { direction: "forward", unresolved: () => true },
    routing: false,
  },
  {
    name: "vm-disk-vhd",
    from: T.virtualMachine,
    to: T.storageAccount,
    path: "properties.storageProfile.osDisk.vhd.uri, dataDisks[].vhd.uri (host)",
    keys: (vm) => [...new Set(vhdUrisOf(vm).map((uri) => uriHost(uri)).filter((h): h is string => !!h).map(blobHostKey))],
    targetKeys: (account) => [blobHostKey(blobHostOf(account))],
    closure: { direction: "reverse" },
    routing: true,
  },
  {
    name: "diagnostic-destination",
    from: T.diagnosticSetting,
    to: "*",
    path: "properties.workspaceId, storageAccountId, eventHubAuthorizationRuleId (its namespace)",
    keys: logDestinations,
    // Whether the destination is associated with the perimeter: its associations, not the destination itself.
    closure: { direction: "forward", addTarget: false, alsoRead: "associations" },
    routing: false,
  },
  {
    name: "link-remote-perimeter",
    from: T.link,
    to: T.perimeter,
    // NspLinkProperties (NSP_SPEC) name the remote side `autoApprovedRemotePerimeterResourceId`; link references `remotePerimeterResourceId`.
    path: "properties.autoApprovedRemotePerimeterResourceId (| remotePerimeterResourceId)",
    keys: (link) => ids(propString(link, "autoApprovedRemotePerimeterResourceId") ?? propString(link, "remotePerimeterResourceId")),
    closure: { direction: "forward" },
    routing: false,
  },
  {
    name: "link-reference-remote-perimeter",
    from: T.linkReference,
    to: T.perimeter,
    path: "properties.remotePerimeterResourceId",
    keys: (reference) => ids(propString(reference, "remotePerimeterResourceId")),
    closure: { direction: "forward" },
    routing: false,
  },
];

const BY_NAME = new Map(RELATIONS.map((r) => [r.name, r]));

export function relation(name: string): Relation {
  const found = BY_NAME.get(name);
  if (!found) throw new Error(`no relation named ${name}`);
  return found;
}

/** Relations whose source is of `type` (lower-case). */
export function relationsFrom(type: string, relations: readonly Relation[] = RELATIONS): Relation[] {
  return relations.filter((r) => r.from === type);
}

/** Relations whose target is of `type` (lower-case); `*` targets match any type. */
export function relationsTo(type: string, relations: readonly Relation[] = RELATIONS): Relation[] {
  return relations.filter((r) => r.to === type);
}

/** Keys under which a target is found through `relation`. */
export function targetKeysOf(relation: Relation, target: ArmResource): string[] {
  return relation.targetKeys ? relation.targetKeys(target) : [idKey(target.id)];
}

/**
 * Index keys an event on a dependency routes through: the member ids (and blob host keys) a source
 * resource points at, by every routed relation from its type.
 */
export function routingKeysOf(body: ArmResource | undefined, relations: readonly Relation[] = RELATIONS): string[] {
  if (!body || typeof body.type !== "string") return [];
  const out = new Set<string>();
  for (const r of relationsFrom(body.type.toLowerCase(), relations)) if (r.routing) for (const key of r.keys(body)) out.add(key);
  return [...out];
}
