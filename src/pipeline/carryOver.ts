/**
 * What a reconcile pass carries over from the perimeter caches instead of reading it from ARM again.
 *
 * Resource Graph answers a thousand rows a call, but some inputs are one ARM call or more per
 * associated member or per perimeter (their "owner"; src/inventory/ownerInputs.ts): NSP
 * configurations, file shares, object replication policies, diagnostic settings, links. Read on every
 * pass, they cost about four calls per member. Events keep them current in the caches in between
 * (an evaluation re-reads what an event names), so a pass re-reads an owner's inputs only when due:
 * - never read, read more than `horizonMs` ago, or read under a policy that read fewer input types;
 * - read less than `SETTLE_MS` after its association last changed (NSP configurations follow an
 *   association asynchronously: a read right after the change may predate them);
 * - otherwise oldest first, as many as keep every owner within the horizon when passes come at the
 *   pace they came: ceil(owners × time since the last pass / horizon), counting the due ones above.
 * What events cannot tell (a share created through the data plane, a lost event) is therefore seen
 * within the horizon, not on the next pass; everything Resource Graph holds is read on every pass.
 *
 * A pure planner: the pipeline applies the plan (pipeline.ts `reconcileReport`).
 */
import { idKey } from "../model/armId.js";
import type { ArmResource } from "../model/resource.js";
import { propString } from "../model/resource.js";
import { T } from "../model/resourceTypes.js";
import { OWNER_INPUT_TYPES } from "../inventory/ownerInputs.js";
import type { PerimeterCache } from "../state/stateStore.js";
import type { ReadCarry } from "./ports.js";

/** Default re-read horizon: every owner's inputs come from ARM at least every 48 hours. */
export const DEFAULT_REREAD_HORIZON_MS = 48 * 3_600_000;
/** How long after an association changed its member's inputs are still re-read on every pass. */
export const SETTLE_MS = 3_600_000;

export interface CarryPlan extends ReadCarry {
  /** The carried owners' inputs, by owner key: added to the pass's read where the owner is still in it. */
  readonly inputs: ReadonlyMap<string, readonly ArmResource[]>;
  /** When each carried owner's inputs were read from ARM (ISO); the caches the pass writes keep it. */
  readonly readAt: ReadonlyMap<string, string>;
  readonly figures: { readonly owners: number; readonly carried: number; readonly due: number };
}

export const CARRY_NOTHING: CarryPlan = { owners: new Set(), associationSystemData: new Map(), inputs: new Map(), readAt: new Map(), figures: { owners: 0, carried: 0, due: 0 } };

interface OwnerEntry {
  key: string;
  readAtMs: number;
  readAt: string;
  inputs: readonly ArmResource[];
}

/** A cache's owner inputs grouped by owner (the longest prefix of the input's id that is an owner), in one pass over the cache. */
function inputsByOwner(cache: PerimeterCache, owners: ReadonlySet<string>): Map<string, ArmResource[]> {
  const out = new Map<string, ArmResource[]>();
  for (const resource of cache.resources) {
    if (!OWNER_INPUT_TYPES.has(resource.type.toLowerCase())) continue;
    const key = idKey(resource.id);
    for (let end = key.lastIndexOf("/"); end > 0; end = key.lastIndexOf("/", end - 1)) {
      const owner = key.slice(0, end);
      if (!owners.has(owner)) continue;
      const list = out.get(owner);
      if (list) list.push(resource);
      else out.set(owner, [resource]);
      break;
    }
  }
  return out;
}

/** The owner input types a read plan reads (sorted): what a cache's read times cover. */
export function ownerInputTypesOf(planTypes: Iterable<string>): string[] {
  return [...new Set([...planTypes].map((t) => t.toLowerCase()).filter((t) => OWNER_INPUT_TYPES.has(t)))].sort();
}

/**
 * The carry-over for a pass starting at `now`, from the caches as they were before it read anything.
 * `inputTypes`: the owner input types this pass's plan reads; a cache whose reads did not cover them
 * all (written before a policy change that reads more) carries nothing.
 */
export function planCarryOver(caches: readonly PerimeterCache[], now: Date, horizonMs: number, inputTypes: readonly string[]): CarryPlan {
  if (!(horizonMs > 0) || caches.length === 0) return CARRY_NOTHING;
  const nowMs = now.getTime();
  // Each owner as its most recently read cache knows it (a member can sit in more than one perimeter's closure).
  const owners = new Map<string, OwnerEntry>();
  const associationSystemData = new Map<string, unknown>();
  /** The latest change of each member's association(s), from the cached bodies' systemData. */
  const associationChangedAt = new Map<string, number>();
  let lastPassMs: number | undefined;
  for (const cache of caches) {
    const reconciled = Date.parse(cache.reconciledAt ?? "");
    if (Number.isFinite(reconciled)) lastPassMs = Math.max(lastPassMs ?? reconciled, reconciled);
    const covered = new Set(cache.ownerInputTypes ?? []);
    const times = inputTypes.every((t) => covered.has(t)) ? Object.entries(cache.ownersReadAt ?? {}) : [];
    const grouped = times.length > 0 ? inputsByOwner(cache, new Set(times.map(([key]) => key))) : undefined;
    for (const [key, readAt] of times) {
      const readAtMs = Date.parse(readAt);
      if (!Number.isFinite(readAtMs)) continue;
      const known = owners.get(key);
      if (!known || readAtMs > known.readAtMs) owners.set(key, { key, readAtMs, readAt, inputs: grouped?.get(key) ?? [] });
    }
    for (const resource of cache.resources) {
      if (resource.type.toLowerCase() !== T.association || !resource.systemData) continue;
      associationSystemData.set(idKey(resource.id), resource.systemData);
      const member = propString(resource, "privateLinkResource", "id");
      const changed = Date.parse(resource.systemData.lastModifiedAt ?? resource.systemData.createdAt ?? "");
      if (member && Number.isFinite(changed)) associationChangedAt.set(idKey(member), Math.max(associationChangedAt.get(idKey(member)) ?? changed, changed));
    }
  }
  if (owners.size === 0) return { ...CARRY_NOTHING, associationSystemData };

  const due = new Set<string>();
  const rest: OwnerEntry[] = [];
  for (const entry of owners.values()) {
    const changed = associationChangedAt.get(entry.key);
    if (entry.readAtMs <= nowMs - horizonMs || (changed !== undefined && entry.readAtMs < changed + SETTLE_MS)) due.add(entry.key);
    else rest.push(entry);
  }
  const elapsed = lastPassMs === undefined ? horizonMs : Math.min(horizonMs, Math.max(0, nowMs - lastPassMs));
  const share = Math.ceil((owners.size * elapsed) / horizonMs);
  rest.sort((a, b) => a.readAtMs - b.readAtMs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const entry of rest.slice(0, Math.max(0, share - due.size))) due.add(entry.key);

  const carried = new Set<string>();
  const inputs = new Map<string, readonly ArmResource[]>();
  const readAt = new Map<string, string>();
  for (const entry of owners.values()) {
    if (due.has(entry.key)) continue;
    carried.add(entry.key);
    inputs.set(entry.key, entry.inputs);
    readAt.set(entry.key, entry.readAt);
  }
  return { owners: carried, associationSystemData, inputs, readAt, figures: { owners: owners.size, carried: carried.size, due: due.size } };
}

/**
 * The pass's read with the carried inputs added, for owners the read still holds (a deleted member's
 * inputs go with it). A resource the read has already (by id) is the read's.
 */
export function withCarriedInputs(read: readonly ArmResource[], plan: CarryPlan): ArmResource[] {
  if (plan.inputs.size === 0) return [...read];
  const ids = new Set(read.map((r) => idKey(r.id)));
  const out = [...read];
  for (const [owner, inputs] of plan.inputs) {
    if (!ids.has(owner)) continue;
    for (const resource of inputs) if (!ids.has(idKey(resource.id))) out.push(resource);
  }
  return out;
}

/**
 * When the inputs of each owner of a perimeter's closure were read from ARM: the carried ones keep
 * their time, the others were read by this pass (`readAt`). Owners: the perimeter and its members.
 */
export function ownersReadAt(perimeterId: string, closure: readonly ArmResource[], plan: Pick<CarryPlan, "readAt">, readAt: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ownersOf(perimeterId, closure)) out[key] = plan.readAt.get(key) ?? readAt;
  return out;
}

/** The owners of a perimeter's closure, by id key: the perimeter, and each member its associations name that the closure holds. */
export function ownersOf(perimeterId: string, closure: readonly ArmResource[]): string[] {
  const held = new Set(closure.map((r) => idKey(r.id)));
  const out = new Set<string>([idKey(perimeterId)]);
  for (const r of closure) {
    if (r.type.toLowerCase() !== T.association) continue;
    const member = propString(r, "privateLinkResource", "id");
    if (member && held.has(idKey(member))) out.add(idKey(member));
  }
  return [...out];
}

/**
 * The owners' read times after an event evaluation: a full read (`"all"`) read every owner now; a
 * patch read the named members whole and kept the others' times (an owner with no time stays without).
 */
export function patchedOwnersReadAt(perimeterId: string, closure: readonly ArmResource[], before: Readonly<Record<string, string>> | undefined, read: ReadonlySet<string> | "all", now: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ownersOf(perimeterId, closure)) {
    const time = read === "all" || read.has(key) ? now : before?.[key];
    if (time !== undefined) out[key] = time;
  }
  return out;
}

/**
 * What an event evaluation's cache write records of the read times: `patchedOwnersReadAt` over the
 * previous cache's times when they cover this plan's input types (none otherwise), and those types.
 */
export function ownerTimesAfterEvaluation(
  perimeterId: string,
  closure: readonly ArmResource[],
  before: PerimeterCache | undefined,
  read: ReadonlySet<string> | "all",
  now: string,
  inputTypes: readonly string[],
): Pick<PerimeterCache, "ownersReadAt" | "ownerInputTypes"> {
  const covered = new Set(before?.ownerInputTypes ?? []);
  const previous = inputTypes.every((t) => covered.has(t)) ? before?.ownersReadAt : undefined;
  return { ownersReadAt: patchedOwnersReadAt(perimeterId, closure, previous, read, now), ownerInputTypes: [...inputTypes] };
}
