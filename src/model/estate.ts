import { idKey, parseArmId, type ParsedArmId } from "./armId.js";
import { prop, propString, type ArmResource } from "./resource.js";
import { T } from "./resourceTypes.js";

export type AccessMode = "Learning" | "Audit" | "Enforced";

/** `properties.accessMode` of an association; missing (or unknown) means Learning, the default. */
export function accessModeOf(association: ArmResource | undefined): AccessMode {
  const raw = propString(association, "accessMode")?.toLowerCase();
  if (raw === "enforced") return "Enforced";
  if (raw === "audit") return "Audit";
  return "Learning";
}

export function isEnforced(mode: AccessMode): boolean {
  return mode === "Enforced";
}

/** One resource association, read once from the estate. */
export interface AssociationRecord {
  readonly resource: ArmResource;
  readonly id: string;
  readonly perimeterId: string;
  readonly profileId: string | undefined;
  /** `properties.privateLinkResource.id` as written in the association. */
  readonly memberId: string;
  readonly mode: AccessMode;
}

/** Resources that point at a storage account from elsewhere in the estate. */
export interface StorageRelations {
  readonly protectedItems: readonly ArmResource[];
  readonly backupInstances: readonly ArmResource[];
  readonly cloudEndpoints: readonly ArmResource[];
}

const EMPTY: readonly ArmResource[] = Object.freeze([]);
const EMPTY_RELATIONS: StorageRelations = Object.freeze({
  protectedItems: EMPTY,
  backupInstances: EMPTY,
  cloudEndpoints: EMPTY,
});

/**
 * Read-only lookups over an estate. Rules reach other resources only through this port, so the
 * same rules run over a snapshot, a live inventory or the state store.
 */
export interface EstateReader {
  get(id: string): ArmResource | undefined;
  /** Resources of `type` living under the top-level resource `rootId` (children, grandchildren, extension resources). */
  descendants(rootId: string, type: string): readonly ArmResource[];
  ofType(type: string): readonly ArmResource[];
  associationsOfMember(memberId: string): readonly AssociationRecord[];
  associationsOfPerimeter(perimeterId: string): readonly AssociationRecord[];
  storageRelations(accountId: string): StorageRelations;
  /** Key vault whose name or `vaultUri` host matches the host of a key vault URI. */
  keyVaultByHost(host: string): ArmResource | undefined;
  /** VMs with an OS or data disk VHD whose host's first label is `accountName`. */
  vmsWithDisksOnAccount(accountName: string): readonly ArmResource[];
  perimetersInSubscription(subscriptionId: string): readonly ArmResource[];
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function hostOf(uri: unknown): string | undefined {
  if (typeof uri !== "string" || uri.length === 0) return undefined;
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/:?#]+)/i.exec(uri);
  return (m ? m[1]! : uri.split("/")[0]!).toLowerCase();
}

/** Host of a URI (lower-cased), or the input itself when it has no scheme. */
export function uriHost(uri: unknown): string | undefined {
  return hostOf(uri);
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

/** An in-memory estate indexed once: the snapshot inventory, and the store of record for tests. */
export class Estate implements EstateReader {
  readonly resources: readonly ArmResource[];
  private readonly byId = new Map<string, ArmResource>();
  private readonly byType = new Map<string, ArmResource[]>();
  private readonly byRootAndType = new Map<string, ArmResource[]>();
  private readonly associationsByMember = new Map<string, AssociationRecord[]>();
  private readonly associationsByPerimeter = new Map<string, AssociationRecord[]>();
  private readonly relations = new Map<string, { protectedItems: ArmResource[]; backupInstances: ArmResource[]; cloudEndpoints: ArmResource[] }>();
  private readonly vaultsByHost = new Map<string, ArmResource>();
  private readonly vmsByAccountName = new Map<string, ArmResource[]>();
  private readonly perimetersBySubscription = new Map<string, ArmResource[]>();

  /** Resources must carry valid ARM ids (the snapshot loader checks); duplicates: the last one wins. */
  constructor(resources: readonly ArmResource[]) {
    this.resources = resources;
    for (const resource of resources) this.index(resource, parseArmId(resource.id));
  }

  private index(resource: ArmResource, parsed: ParsedArmId): void {
    const key = idKey(resource.id);
    const type = resource.type.toLowerCase();
    this.byId.set(key, resource);
    push(this.byType, type, resource);
    push(this.byRootAndType, `${idKey(parsed.rootId)}|${type}`, resource);

    switch (type) {
      case T.perimeter:
        push(this.perimetersBySubscription, parsed.subscriptionId.toLowerCase(), resource);
        break;
      case T.association: {
        // An association without a member id is still indexed, so that rules can report it.
        const memberId = propString(resource, "privateLinkResource", "id") ?? "";
        if (!parsed.parentId) break;
        const record: AssociationRecord = {
          resource,
          id: resource.id,
          perimeterId: parsed.parentId,
          profileId: propString(resource, "profile", "id"),
          memberId,
          mode: accessModeOf(resource),
        };
        if (memberId) push(this.associationsByMember, idKey(memberId), record);
        push(this.associationsByPerimeter, idKey(parsed.parentId), record);
        break;
      }
      case T.protectedItem: {
        const source = propString(resource, "sourceResourceId");
        if (source) this.relationsOf(source).protectedItems.push(resource);
        break;
      }
      case T.backupInstance: {
        const source =
          propString(resource, "dataSourceInfo", "resourceID") ??
          propString(resource, "dataSourceInfo", "resourceId") ??
          propString(resource, "dataSourceInfo", "resourceUri");
        if (source) this.relationsOf(source).backupInstances.push(resource);
        break;
      }
      case T.syncCloudEndpoint: {
        const account = propString(resource, "storageAccountResourceId");
        if (account) this.relationsOf(account).cloudEndpoints.push(resource);
        break;
      }
      case T.keyVault: {
        const name = (resource.name ?? parsed.name).toLowerCase();
        this.vaultsByHost.set(name, resource);
        const host = hostOf(propString(resource, "vaultUri"));
        if (host) this.vaultsByHost.set(host, resource);
        break;
      }
      case T.virtualMachine: {
        const labels = new Set(vhdUrisOf(resource).map((uri) => hostOf(uri)?.split(".")[0]));
        for (const label of labels) if (label) push(this.vmsByAccountName, label, resource);
        break;
      }
    }
  }

  private relationsOf(accountId: string) {
    const key = idKey(accountId);
    let entry = this.relations.get(key);
    if (!entry) {
      entry = { protectedItems: [], backupInstances: [], cloudEndpoints: [] };
      this.relations.set(key, entry);
    }
    return entry;
  }

  get(id: string): ArmResource | undefined {
    return this.byId.get(idKey(id));
  }

  descendants(rootId: string, type: string): readonly ArmResource[] {
    return this.byRootAndType.get(`${idKey(rootId)}|${type.toLowerCase()}`) ?? EMPTY;
  }

  ofType(type: string): readonly ArmResource[] {
    return this.byType.get(type.toLowerCase()) ?? EMPTY;
  }

  associationsOfMember(memberId: string): readonly AssociationRecord[] {
    return this.associationsByMember.get(idKey(memberId)) ?? [];
  }

  associationsOfPerimeter(perimeterId: string): readonly AssociationRecord[] {
    return this.associationsByPerimeter.get(idKey(perimeterId)) ?? [];
  }

  storageRelations(accountId: string): StorageRelations {
    return this.relations.get(idKey(accountId)) ?? EMPTY_RELATIONS;
  }

  keyVaultByHost(host: string): ArmResource | undefined {
    const h = host.toLowerCase();
    // Vault names are unique per cloud; fall back to the name for vault hosts of any cloud suffix.
    return this.vaultsByHost.get(h) ?? (h.includes(".vault.") ? this.vaultsByHost.get(h.split(".")[0]!) : undefined);
  }

  vmsWithDisksOnAccount(accountName: string): readonly ArmResource[] {
    return this.vmsByAccountName.get(accountName.toLowerCase()) ?? EMPTY;
  }

  perimetersInSubscription(subscriptionId: string): readonly ArmResource[] {
    return this.perimetersBySubscription.get(subscriptionId.toLowerCase()) ?? EMPTY;
  }
}
