import { idKey, lastSegment, parseArmId, type ParsedArmId } from "./armId.js";
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
  /** Comparison key of `memberId` ("" when there is none). */
  readonly memberKey: string;
  /** The associated resource, when the estate holds it. */
  readonly member: ArmResource | undefined;
  readonly mode: AccessMode;
}

/** Resources that point at a storage account from elsewhere in the estate. */
export interface StorageRelations {
  readonly protectedItems: readonly ArmResource[];
  readonly backupInstances: readonly ArmResource[];
  readonly cloudEndpoints: readonly ArmResource[];
}

const EMPTY: readonly ArmResource[] = Object.freeze([]);
const EMPTY_RECORDS: readonly AssociationRecord[] = Object.freeze([]);
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
  /**
   * Every perimeter: the perimeter resources, plus perimeters known only from their profiles or
   * associations (an export that missed the parent still gets evaluated).
   */
  perimeters(): readonly ArmResource[];
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

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

type MutableRecord = { -readonly [K in keyof AssociationRecord]: AssociationRecord[K] };

/** An in-memory estate indexed once: the snapshot inventory, and the store of record for tests. */
export class Estate implements EstateReader {
  private readonly list: ArmResource[] = [];
  private readonly byId = new Map<string, ArmResource>();
  /** Built on first use: scans ask by id and by root, rarely by type. */
  private byType: Map<string, ArmResource[]> | undefined;
  /** Descendants of each top-level resource (itself excluded), by lower-case type. Plain objects: a Map per root costs more. */
  private readonly byRootAndType = new Map<string, Record<string, ArmResource[]>>();
  /** Comparison keys of ids asked for, so that repeated lookups of one member do not lower-case its id each time. */
  private readonly keys = new Map<string, string>();
  private readonly perimeterList = new Map<string, ArmResource | undefined>();
  private readonly associationList: MutableRecord[] = [];
  private readonly associationsByMember = new Map<string, AssociationRecord[]>();
  private readonly associationsByPerimeter = new Map<string, AssociationRecord[]>();
  private readonly relations = new Map<string, { protectedItems: ArmResource[]; backupInstances: ArmResource[]; cloudEndpoints: ArmResource[] }>();
  private readonly vaultsByHost = new Map<string, ArmResource>();
  private readonly vmsByAccountName = new Map<string, ArmResource[]>();
  private readonly perimetersBySubscription = new Map<string, ArmResource[]>();
  private finished = false;

  /** Resources must carry valid ARM ids (the snapshot loader checks); duplicates: the last one wins. */
  constructor(resources: Iterable<ArmResource> = []) {
    for (const resource of resources) this.add(resource);
  }

  get resources(): readonly ArmResource[] {
    return this.list;
  }

  /**
   * Indexes one resource. Returns the resource already held under the same id (compared
   * case-insensitively) without indexing, so that a loader can report duplicates.
   */
  add(resource: ArmResource, parsed: ParsedArmId = parseArmId(resource.id)): ArmResource | undefined {
    const key = idKey(resource.id);
    const existing = this.byId.get(key);
    if (existing) return existing;
    this.finished = false;
    this.list.push(resource);
    this.byId.set(key, resource);
    const type = resource.type.toLowerCase();
    this.byType = undefined;
    const isRoot = parsed.rootId === resource.id;
    const rootKey = isRoot ? key : idKey(parsed.rootId);
    if (!isRoot) {
      const byType = this.byRootAndType.get(rootKey);
      if (!byType) this.byRootAndType.set(rootKey, { [type]: [resource] });
      else (byType[type] ??= []).push(resource);
    }

    switch (type) {
      case T.perimeter:
        this.perimeterList.set(key, resource);
        break;
      case T.profile:
        if (!this.perimeterList.has(rootKey)) this.perimeterList.set(rootKey, undefined);
        break;
      case T.association: {
        if (!this.perimeterList.has(rootKey)) this.perimeterList.set(rootKey, undefined);
        // An association without a member id is still indexed, so that rules can report it.
        const memberId = propString(resource, "privateLinkResource", "id") ?? "";
        const record: MutableRecord = {
          resource,
          id: resource.id,
          perimeterId: parsed.rootId,
          profileId: propString(resource, "profile", "id"),
          memberId,
          memberKey: memberId ? idKey(memberId) : "",
          member: undefined,
          mode: accessModeOf(resource),
        };
        this.associationList.push(record);
        if (memberId) push(this.associationsByMember, record.memberKey, record);
        push(this.associationsByPerimeter, rootKey, record);
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
        this.vaultsByHost.set((resource.name ?? parsed.name).toLowerCase(), resource);
        const host = uriHost(propString(resource, "vaultUri"));
        if (host) this.vaultsByHost.set(host, resource);
        break;
      }
      case T.virtualMachine: {
        const labels = new Set(vhdUrisOf(resource).map((uri) => uriHost(uri)?.split(".")[0]));
        for (const label of labels) if (label) push(this.vmsByAccountName, label, resource);
        break;
      }
    }
    return undefined;
  }

  /** Links associations to their members and stands in for perimeters known only from their children. */
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const record of this.associationList) record.member = record.memberKey ? this.byId.get(record.memberKey) : undefined;
    this.perimetersBySubscription.clear();
    for (const [key, p] of this.perimeterList) {
      let perimeter = p;
      if (!perimeter) {
        const children = this.byRootAndType.get(key);
        const id = children ? Object.values(children)[0]?.[0]?.id : undefined;
        const rootId = id ? parseArmId(id).rootId : key;
        perimeter = { id: rootId, type: "Microsoft.Network/networkSecurityPerimeters", name: lastSegment(rootId) };
        this.perimeterList.set(key, perimeter);
      }
      push(this.perimetersBySubscription, parseArmId(perimeter.id).subscriptionId.toLowerCase(), perimeter);
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

  private keyOf(id: string): string {
    let key = this.keys.get(id);
    if (key === undefined) {
      key = idKey(id);
      this.keys.set(id, key);
    }
    return key;
  }

  get(id: string): ArmResource | undefined {
    return this.byId.get(this.keyOf(id));
  }

  /** `type` must be lower-case (the T.* constants are). */
  descendants(rootId: string, type: string): readonly ArmResource[] {
    return this.byRootAndType.get(this.keyOf(rootId))?.[type] ?? EMPTY;
  }

  ofType(type: string): readonly ArmResource[] {
    if (!this.byType) {
      this.byType = new Map();
      for (const r of this.list) push(this.byType, r.type.toLowerCase(), r);
    }
    return this.byType.get(type.toLowerCase()) ?? EMPTY;
  }

  associationsOfMember(memberId: string): readonly AssociationRecord[] {
    this.finish();
    return this.associationsByMember.get(this.keyOf(memberId)) ?? EMPTY_RECORDS;
  }

  associationsOfPerimeter(perimeterId: string): readonly AssociationRecord[] {
    this.finish();
    return this.associationsByPerimeter.get(this.keyOf(perimeterId)) ?? EMPTY_RECORDS;
  }

  storageRelations(accountId: string): StorageRelations {
    return this.relations.get(this.keyOf(accountId)) ?? EMPTY_RELATIONS;
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
    this.finish();
    return this.perimetersBySubscription.get(subscriptionId.toLowerCase()) ?? EMPTY;
  }

  perimeters(): readonly ArmResource[] {
    this.finish();
    return [...this.perimeterList.values()] as ArmResource[];
  }
}
