/**
 * The closure of a perimeter: every resource the rules read when evaluating it, and the index keys
 * under which events on those resources find the perimeter again. The perimeter cache holds exactly
 * the closure, so that an evaluation needs ARM only for what changed.
 */
import { ancestorOfType, idKey, parseArmId } from "../model/armId.js";
import { uriHost, type EstateReader } from "../model/estate.js";
import { propArray, propString, type ArmResource } from "../model/resource.js";
import { T } from "../model/resourceTypes.js";
import { blobHostKey } from "../events/routing.js";
import { isKeyVaultEncrypted, keyVaultUriOf } from "../rules/helpers.js";

/** Types under a perimeter that its view reads. */
const PERIMETER_TYPES = [T.profile, T.accessRule, T.association, T.diagnosticSetting];

/** Children of a member that rules read. */
export const MEMBER_CHILD_TYPES = [
  T.fileShare,
  T.objectReplicationPolicy,
  T.managementPolicy,
  T.inventoryPolicy,
  T.storageNspConfiguration,
  T.keyVaultNspConfiguration,
  T.cognitiveNspConfiguration,
];

export interface PerimeterClosure {
  resources: ArmResource[];
  /**
   * Keys for the reverse index: members, resources outside the perimeter's own tree that its rules
   * read (CMK vaults and their perimeters' rules, backups, sync endpoints, VMs, log destinations),
   * and the blob hosts of storage members (a new VM disk names a host, not an account id).
   */
  indexKeys: string[];
  /** References that could not be resolved in the estate (e.g. a CMK vault that is not there). */
  unresolved: string[];
}

export function perimeterClosure(estate: EstateReader, perimeter: ArmResource): PerimeterClosure {
  const seen = new Map<string, ArmResource>();
  const indexKeys = new Set<string>();
  const unresolved = new Set<string>();
  const perimeterKey = idKey(perimeter.id);
  const add = (r: ArmResource | undefined) => {
    if (!r) return;
    const key = idKey(r.id);
    if (seen.has(key)) return;
    seen.set(key, r);
    if (!key.startsWith(`${perimeterKey}/`) && key !== perimeterKey) indexKeys.add(key);
  };
  // A stand-in perimeter (known only from its children) is not a resource to cache.
  if (estate.get(perimeter.id)) add(perimeter);
  for (const type of PERIMETER_TYPES) for (const r of estate.descendants(perimeter.id, type)) add(r);

  for (const association of estate.associationsOfPerimeter(perimeter.id)) {
    if (!association.memberId) continue;
    indexKeys.add(idKey(association.memberId));
    const member = association.member;
    if (!member) continue;
    add(member);
    for (const type of MEMBER_CHILD_TYPES) for (const child of estate.descendants(member.id, type)) add(child);
    if (member.type.toLowerCase() !== T.storageAccount) continue;

    const blobHost = uriHost(propString(member, "primaryEndpoints", "blob")) ?? `${member.name ?? parseArmId(member.id).name}.blob.core.windows.net`;
    indexKeys.add(blobHostKey(blobHost));
    const relations = estate.storageRelations(member.id);
    for (const item of relations.protectedItems) add(item);
    for (const instance of relations.backupInstances) {
      add(instance);
      const policyId = propString(instance, "policyInfo", "policyId");
      if (policyId) {
        const policy = estate.get(policyId);
        if (policy) add(policy);
        else if (propArray(instance, "policyInfo", "policyParameters", "backupDatasourceParametersList").length === 0) unresolved.add(idKey(policyId));
      }
    }
    for (const endpoint of relations.cloudEndpoints) {
      add(endpoint);
      const serviceId = ancestorOfType(endpoint.id, T.storageSyncService);
      const service = serviceId ? estate.get(serviceId) : undefined;
      if (service) add(service);
      else if (serviceId) unresolved.add(idKey(serviceId));
    }
    for (const vm of estate.vmsWithDisksOnAccount(member.name ?? parseArmId(member.id).name)) add(vm);

    // Customer-managed key: the vault, its associations anywhere, and those perimeters' profiles and rules.
    if (isKeyVaultEncrypted(member)) {
      const host = uriHost(keyVaultUriOf(member));
      const vault = host ? estate.keyVaultByHost(host) : undefined;
      if (!vault) {
        if (host) unresolved.add(`vault:${host}`);
        continue;
      }
      add(vault);
      for (const vaultAssociation of estate.associationsOfMember(vault.id)) {
        add(vaultAssociation.resource);
        add(estate.get(vaultAssociation.perimeterId));
        if (vaultAssociation.profileId) {
          add(estate.get(vaultAssociation.profileId));
          for (const rule of estate.descendants(vaultAssociation.perimeterId, T.accessRule)) {
            if (idKey(parseArmId(rule.id).parentId ?? "") === idKey(vaultAssociation.profileId)) add(rule);
          }
        }
      }
    }
  }

  // Log destinations: whether they are associated with this perimeter.
  for (const setting of estate.descendants(perimeter.id, T.diagnosticSetting)) {
    for (const key of ["workspaceId", "storageAccountId", "eventHubAuthorizationRuleId"]) {
      const destination = propString(setting, key);
      if (!destination) continue;
      const namespace = key === "eventHubAuthorizationRuleId" ? ancestorOfType(destination, T.eventHubNamespace) ?? destination : destination;
      indexKeys.add(idKey(namespace));
      for (const a of estate.associationsOfMember(namespace)) add(a.resource);
    }
  }

  // Provisioning issues of members of other types come from their configurations too (already added).
  return { resources: [...seen.values()], indexKeys: [...indexKeys], unresolved: [...unresolved] };
}
