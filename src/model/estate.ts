import { armIdRootLength, idKey, lastSegment, parseArmId, trimmedLength } from "./armId.js";
import { blobHostKey, relation, RELATIONS, targetKeysOf, uriHost, vaultHostKeys, vhdUrisOf, type Relation } from "./relations.js";
import { propString, type ArmResource } from "./resource.js";
import { T } from "./resourceTypes.js";

export { uriHost, vhdUrisOf };

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
  /** Sources of the relation (src/model/relations.ts) that point at `target` (a resource, or an id). */
  referrers(relationName: string | Relation, target: ArmResource | string): readonly ArmResource[];
  /** Targets in the estate that a source points at through the relation. */
  targetsOf(relationName: string | Relation, source: ArmResource): readonly ArmResource[];
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

/** The relations an estate indexes (associations have an index of their own), by source type and by keyed target type. */
interface RelationIndex {
  readonly from: Map<string, Relation[]>;
  readonly keyedTo: Map<string, Relation[]>;
  /** The relations with `targetKeys`, by name. */
  readonly keyedByName: Map<string, Relation>;
}
const relationIndexes = new WeakMap<readonly Relation[], RelationIndex>();
function relationIndex(relations: readonly Relation[]): RelationIndex {
  let index = relationIndexes.get(relations);
  if (!index) {
    index = { from: new Map(), keyedTo: new Map(), keyedByName: new Map() };
    for (const r of relations) {
      if (r.from === T.association) continue;
      push(index.from, r.from, r);
      if (r.targetKeys) {
        push(index.keyedTo, r.to, r);
        index.keyedByName.set(r.name, r);
      }
    }
    relationIndexes.set(relations, index);
  }
  return index;
}
const NO_RELATIONS: readonly Relation[] = [];
const NO_TARGETS: ReadonlyMap<string, ArmResource> = new Map();
const PROTECTED_ITEMS = relation("backup-protected-item");
const BACKUP_INSTANCES = relation("backup-instance");
const CLOUD_ENDPOINTS = relation("file-sync-cloud-endpoint");
const CMK_VAULTS = relation("cmk-key-vault");
const VM_DISKS = relation("vm-disk-vhd");
const BLOB_HOST_PREFIX = blobHostKey("");

/** An id asked for, its key and what the estate holds under it. */
interface Lookup {
  id: string;
  key: string;
  held: Held | undefined;
}

type MutableRecord = { -readonly [K in keyof AssociationRecord]: AssociationRecord[K] };

/**
 * What the estate holds under the id key of a top-level resource (or of any id something is filed
 * under): the resource, what lives under it and the associations that name it. Other resources are
 * held as themselves: most of an estate is children, and a node each would be garbage to collect.
 */
class IdNode {
  /** Descendants (itself excluded), by lower-case type. Plain objects: a Map per root costs more. */
  children: Record<string, ArmResource[]> | undefined = undefined;
  /** Associations whose member is this id. */
  associations: AssociationRecord[] | undefined = undefined;

  constructor(
    /** The id key, held once for the map and the association records naming it. */
    readonly key: string,
    /** Undefined for an id known only from its children or from an association naming it. */
    public resource: ArmResource | undefined,
  ) {}
}

/** What the map of ids holds under a key: a node, or a resource nothing is filed under. */
type Held = IdNode | ArmResource;

function resourceOf(held: Held | undefined): ArmResource | undefined {
  return held instanceof IdNode ? held.resource : held;
}

/** An in-memory estate indexed once: the snapshot inventory, and the store of record for tests. */
export class Estate implements EstateReader {
  private readonly list: ArmResource[] = [];
  /** By id key (`idKey`). */
  private readonly nodes = new Map<string, Held>();
  /** By lower-case type, kept as resources are added: every scan asks for the onboarded types. */
  private readonly byType = new Map<string, ArmResource[]>();
  /** Lower-case type of each type string met: an estate holds few types, so each is lower-cased once. */
  private readonly typeKeys = new Map<string, string>();
  /**
   * The last two ids asked for, with their keys and nodes: rules ask about one member after another,
   * each rule with the same id (and a perimeter's id between), so most lookups neither lower-case
   * nor hash an id. Rather than a key cached for every id asked for, which costs more than it saves.
   */
  private readonly recent: [Lookup, Lookup] = [{ id: "", key: "", held: undefined }, { id: "", key: "", held: undefined }];
  private readonly perimeterList = new Map<string, ArmResource | undefined>();
  private readonly associationList: MutableRecord[] = [];
  /** The member's node of each association (same order as associationList), or undefined when it names none. */
  private readonly memberNodes: Array<IdNode | undefined> = [];
  /** The node the last child was filed under. */
  private lastRoot: IdNode | undefined;
  private readonly associationsByPerimeter = new Map<string, AssociationRecord[]>();
  /** Per relation name: index key of a target -> sources pointing at it. */
  private readonly referrersByKey = new Map<string, Map<string, ArmResource[]>>();
  /**
   * Per relation name with `targetKeys`: key -> target (the last one added wins). Built on first use
   * of a relation: most scans never look a target up by key (every storage account is a VHD target).
   */
  private readonly targetsByKey = new Map<string, Map<string, ArmResource>>();
  /** VMs by the first label of a VHD host (the account name), derived from the vm-disk-vhd relation's keys. */
  private readonly vmsByAccountName = new Map<string, ArmResource[]>();
  private readonly perimetersBySubscription = new Map<string, ArmResource[]>();
  private finished = false;

  private readonly relationIndex: RelationIndex;

  /**
   * Resources must carry valid ARM ids (the snapshot loader checks); duplicates: the last one wins.
   * `relations`: the registry to index (tests add made-up ones).
   */
  constructor(
    resources: Iterable<ArmResource> = [],
    private readonly relations: readonly Relation[] = RELATIONS,
  ) {
    this.relationIndex = relationIndex(relations);
    for (const resource of resources) this.add(resource);
  }

  get resources(): readonly ArmResource[] {
    return this.list;
  }

  /**
   * Indexes one resource. Returns the resource already held under the same id (compared
   * case-insensitively) without indexing, so that a loader can report duplicates.
   */
  add(resource: ArmResource, rootLength: number = armIdRootLength(resource.id)): ArmResource | undefined {
    if (rootLength < 0) parseArmId(resource.id); // throws, saying why
    const id = resource.id;
    const key = idKey(id);
    const held = this.nodes.get(key);
    const existing = resourceOf(held);
    if (existing) return existing;
    const isRoot = rootLength === id.length;
    if (held instanceof IdNode) held.resource = resource;
    else {
      // A top-level resource gets its node at once: its children and associations mostly follow.
      this.nodes.set(key, isRoot ? new IdNode(key, resource) : resource);
      this.forget(key);
    }
    this.finished = false;
    this.list.push(resource);
    const type = this.typeKey(resource.type);
    push(this.byType, type, resource);
    // The root's key is a prefix of the key, unless lower-casing changed the (trimmed) id's length.
    const rootKey = isRoot ? key : key.length === trimmedLength(id) ? key.slice(0, rootLength) : idKey(id.slice(0, rootLength));
    if (!isRoot) {
      // Children mostly follow their parent: the root of the previous child is often this one's.
      let root = this.lastRoot;
      if (root?.key !== rootKey) this.lastRoot = root = this.node(rootKey);
      const children = (root.children ??= {});
      const list = children[type];
      if (list) list.push(resource);
      else children[type] = [resource];
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
        const member = memberId ? this.node(idKey(memberId)) : undefined;
        const record: MutableRecord = {
          resource,
          id: resource.id,
          perimeterId: id.slice(0, rootLength),
          profileId: propString(resource, "profile", "id"),
          memberId,
          memberKey: member ? member.key : "",
          member: undefined,
          mode: accessModeOf(resource),
        };
        this.associationList.push(record);
        // A list made with its first element has room for one: most members have one association.
        if (member?.associations) member.associations.push(record);
        else if (member) member.associations = [record];
        this.memberNodes.push(member);
        push(this.associationsByPerimeter, rootKey, record);
        break;
      }
    }
    for (const r of this.relationIndex.from.get(type) ?? NO_RELATIONS) {
      const keys = r.keys(resource);
      if (keys.length === 0) continue;
      let index = this.referrersByKey.get(r.name);
      if (!index) this.referrersByKey.set(r.name, (index = new Map()));
      for (const k of keys) push(index, k, resource);
      if (r === VM_DISKS) {
        const labels = new Set(keys.map((k) => k.slice(BLOB_HOST_PREFIX.length).split(".")[0]));
        for (const label of labels) if (label) push(this.vmsByAccountName, label, resource);
      }
    }
    for (const r of this.relationIndex.keyedTo.get(type) ?? NO_RELATIONS) {
      // Only a target index already built is kept up to date; the others are built from byType when asked.
      const index = this.targetsByKey.get(r.name);
      if (index) for (const k of targetKeysOf(r, resource)) index.set(k, resource);
    }
    return undefined;
  }

  /** The node of an id key, made (around the resource held, if any) when there is none yet. */
  private node(key: string): IdNode {
    const held = this.nodes.get(key);
    if (held instanceof IdNode) return held;
    const node = new IdNode(key, held);
    this.nodes.set(key, node);
    this.forget(key);
    return node;
  }

  /** What is held under `key` changed: so may the answer for an id remembered as missing or of that key. */
  private forget(key: string): void {
    for (const entry of this.recent) {
      if (entry.held === undefined || entry.key === key) {
        entry.id = "";
        entry.key = "";
        entry.held = undefined;
      }
    }
  }

  private typeKey(type: string): string {
    let key = this.typeKeys.get(type);
    if (key === undefined) {
      key = type.toLowerCase();
      this.typeKeys.set(type, key);
    }
    return key;
  }

  /**
   * Key -> target of the indexed relation named like `r`, over the targets added so far, in order (the
   * last one wins); empty when this estate does not index that relation.
   */
  private targetIndex(r: Relation): ReadonlyMap<string, ArmResource> {
    let index = this.targetsByKey.get(r.name);
    if (!index) {
      const indexed = this.relationIndex.keyedByName.get(r.name);
      if (!indexed) return NO_TARGETS;
      index = new Map();
      for (const target of this.ofType(indexed.to)) for (const k of targetKeysOf(indexed, target)) index.set(k, target);
      this.targetsByKey.set(r.name, index);
    }
    return index;
  }

  /** Links associations to their members and stands in for perimeters known only from their children. */
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    const records = this.associationList;
    for (let i = 0; i < records.length; i++) records[i]!.member = this.memberNodes[i]?.resource;
    this.perimetersBySubscription.clear();
    for (const [key, p] of this.perimeterList) {
      let perimeter = p;
      if (!perimeter) {
        const held = this.nodes.get(key);
        const children = held instanceof IdNode ? held.children : undefined;
        const id = children ? Object.values(children)[0]?.[0]?.id : undefined;
        const rootId = id ? parseArmId(id).rootId : key;
        perimeter = { id: rootId, type: "Microsoft.Network/networkSecurityPerimeters", name: lastSegment(rootId) };
        this.perimeterList.set(key, perimeter);
      }
      push(this.perimetersBySubscription, parseArmId(perimeter.id).subscriptionId.toLowerCase(), perimeter);
    }
  }

  /** The key and node of an id, from the last two asked for when it is one of them. */
  private lookup(id: string): Lookup {
    const [first, second] = this.recent;
    if (id === first.id) return first;
    if (id === second.id) {
      this.recent[0] = second;
      this.recent[1] = first;
      return second;
    }
    // Reuse the older entry: lookups allocate nothing once the key is made.
    const key = idKey(id);
    second.id = id;
    second.key = key;
    second.held = this.nodes.get(key);
    this.recent[0] = second;
    this.recent[1] = first;
    return second;
  }

  private keyOf(id: string): string {
    return this.lookup(id).key;
  }

  get(id: string): ArmResource | undefined {
    return resourceOf(this.lookup(id).held);
  }

  /** `type` must be lower-case (the T.* constants are). */
  descendants(rootId: string, type: string): readonly ArmResource[] {
    const held = this.lookup(rootId).held;
    return (held instanceof IdNode ? held.children?.[type] : undefined) ?? EMPTY;
  }

  ofType(type: string): readonly ArmResource[] {
    return this.byType.get(this.typeKey(type)) ?? EMPTY;
  }

  associationsOfMember(memberId: string): readonly AssociationRecord[] {
    this.finish();
    const held = this.lookup(memberId).held;
    return (held instanceof IdNode ? held.associations : undefined) ?? EMPTY_RECORDS;
  }

  associationsOfPerimeter(perimeterId: string): readonly AssociationRecord[] {
    this.finish();
    return this.associationsByPerimeter.get(this.keyOf(perimeterId)) ?? EMPTY_RECORDS;
  }

  storageRelations(accountId: string): StorageRelations {
    const key = this.keyOf(accountId);
    const protectedItems = this.referrersByKey.get(PROTECTED_ITEMS.name)?.get(key) ?? EMPTY;
    const backupInstances = this.referrersByKey.get(BACKUP_INSTANCES.name)?.get(key) ?? EMPTY;
    const cloudEndpoints = this.referrersByKey.get(CLOUD_ENDPOINTS.name)?.get(key) ?? EMPTY;
    if (protectedItems === EMPTY && backupInstances === EMPTY && cloudEndpoints === EMPTY) return EMPTY_RELATIONS;
    return { protectedItems, backupInstances, cloudEndpoints };
  }

  private relationNamed(name: string): Relation {
    return this.relations.find((r) => r.name === name) ?? relation(name);
  }

  referrers(relationName: string | Relation, target: ArmResource | string): readonly ArmResource[] {
    const r = typeof relationName === "string" ? this.relationNamed(relationName) : relationName;
    const index = this.referrersByKey.get(r.name);
    if (!index) return EMPTY;
    const keys = typeof target === "string" ? [this.keyOf(target)] : targetKeysOf(r, target);
    if (keys.length === 1) return index.get(keys[0]!) ?? EMPTY;
    const out = new Map<string, ArmResource>();
    for (const k of keys) for (const source of index.get(k) ?? EMPTY) out.set(idKey(source.id), source);
    return [...out.values()];
  }

  targetsOf(relationName: string | Relation, source: ArmResource): readonly ArmResource[] {
    const r = typeof relationName === "string" ? this.relationNamed(relationName) : relationName;
    const byKey = r.targetKeys ? this.targetIndex(r) : undefined;
    const out = new Map<string, ArmResource>();
    for (const k of r.keys(source)) {
      const target = r.targetKeys ? byKey?.get(k) : resourceOf(this.nodes.get(k));
      if (target) out.set(idKey(target.id), target);
    }
    return [...out.values()];
  }

  keyVaultByHost(host: string): ArmResource | undefined {
    // Vault names are unique per cloud: a vault host of any cloud suffix also finds the vault by name.
    const byKey = this.targetIndex(CMK_VAULTS);
    for (const k of vaultHostKeys(host)) {
      const vault = byKey.get(k);
      if (vault) return vault;
    }
    return undefined;
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
