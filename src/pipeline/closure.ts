/**
 * The closure of a perimeter: every resource the rules read when evaluating it, and the index keys
 * under which events on those resources find the perimeter again. The perimeter cache holds exactly
 * the closure, so that an evaluation needs ARM only for what changed.
 */
import { idKey, parseArmId } from "../model/armId.js";
import type { EstateReader } from "../model/estate.js";
import { RELATIONS, relationsFrom, relationsTo, targetKeysOf, type Relation } from "../model/relations.js";
import type { ArmResource } from "../model/resource.js";
import { T, typesUnder } from "../model/resourceTypes.js";

/** Types under a perimeter that its view reads: its children in the type table, and its diagnostic settings. */
const PERIMETER_TYPES = [...typesUnder(T.perimeter).map((row) => row.type), T.diagnosticSetting];

const childTypes = new Map<string, string[]>();
/** Children of a member that rules read (the type table's rows under its type), and its own diagnostic settings. */
export function memberChildTypes(memberType: string): readonly string[] {
  const type = memberType.toLowerCase();
  let types = childTypes.get(type);
  if (!types) childTypes.set(type, (types = [...typesUnder(type).map((row) => row.type), T.diagnosticSetting]));
  return types;
}

export interface PerimeterClosure {
  resources: ArmResource[];
  /**
   * Keys for the reverse index: members, resources outside the perimeter's own tree that its rules
   * read (CMK vaults and their perimeters' rules, backups, sync endpoints, VMs, log destinations,
   * linked perimeters), and the blob hosts of storage members (a new VM disk names a host, not an account id).
   */
  indexKeys: string[];
  /** References that could not be resolved in the estate (e.g. a CMK vault that is not there). */
  unresolved: string[];
}

/**
 * Every resource the perimeter's rules read, found by following the relations registry
 * (src/model/relations.ts): forward from what is in the closure (association -> member, CMK ->
 * vault, backup instance -> policy, setting -> log destination, link -> remote perimeter) and, for
 * members, backward from what points at them (backups, File Sync, VM disks).
 */
export function perimeterClosure(estate: EstateReader, perimeter: ArmResource, relations: readonly Relation[] = RELATIONS): PerimeterClosure {
  const seen = new Map<string, ArmResource>();
  const indexKeys = new Set<string>();
  const unresolved = new Set<string>();
  const perimeterKey = idKey(perimeter.id);
  const ownKey = (key: string) => key === perimeterKey || key.startsWith(`${perimeterKey}/`);
  const pending: ArmResource[] = [];
  const add = (r: ArmResource | undefined): boolean => {
    if (!r) return false;
    const key = idKey(r.id);
    if (seen.has(key)) return false;
    seen.set(key, r);
    if (!ownKey(key)) indexKeys.add(key);
    pending.push(r);
    return true;
  };
  const addMember = (member: ArmResource) => {
    if (!add(member)) return;
    const type = member.type.toLowerCase();
    for (const childType of memberChildTypes(type)) for (const child of estate.descendants(member.id, childType)) add(child);
    // What points at the member from elsewhere, and the keys an event on such a resource names it by.
    for (const r of relationsTo(type, relations)) {
      if (r.closure?.direction !== "reverse") continue;
      if (r.targetKeys) for (const key of targetKeysOf(r, member)) indexKeys.add(key);
      for (const source of estate.referrers(r, member)) add(source);
    }
  };
  /** The associations (anywhere) of a resource a rule reads; with `perimeters`, their perimeters and the profiles and rules they name. */
  const readAround = (target: ArmResource, what: "associations" | "perimeters") => {
    for (const association of estate.associationsOfMember(target.id)) {
      add(association.resource);
      if (what === "associations") continue;
      add(estate.get(association.perimeterId));
      if (!association.profileId) continue;
      add(estate.get(association.profileId));
      for (const rule of estate.descendants(association.perimeterId, T.accessRule)) {
        if (idKey(parseArmId(rule.id).parentId ?? "") === idKey(association.profileId)) add(rule);
      }
    }
  };

  // A stand-in perimeter (known only from its children) is not a resource to cache.
  if (estate.get(perimeter.id)) add(perimeter);
  for (const type of PERIMETER_TYPES) for (const r of estate.descendants(perimeter.id, type)) add(r);

  while (pending.length > 0) {
    const source = pending.shift()!;
    for (const r of relationsFrom(source.type.toLowerCase(), relations)) {
      const step = r.closure;
      if (step?.direction !== "forward") continue;
      const keys = r.keys(source);
      if (keys.length === 0) continue;
      for (const key of keys) if (!ownKey(key)) indexKeys.add(key);
      const targets = estate.targetsOf(r, source);
      if (targets.length === 0) {
        if (step.unresolved?.(source)) unresolved.add(keys[0]!);
        continue;
      }
      for (const target of targets) {
        if (step.member) addMember(target);
        else if (step.addTarget !== false) add(target);
        if (step.alsoRead) readAround(target, step.alsoRead);
      }
    }
  }
  return { resources: [...seen.values()], indexKeys: [...indexKeys], unresolved: [...unresolved] };
}
