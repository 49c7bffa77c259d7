/**
 * Which channel gets which alert: minimum severity, rule ids, resource groups (globs) and resource
 * tags, all of a channel's filters together. Tags come from the perimeter's cached resources: the
 * resource's own tags over those of its top-level resource (an access rule inherits its perimeter's).
 */
import { idKey, parseArmId } from "../model/armId.js";
import { globMatches } from "../policy/glob.js";
import { TAG_EXEMPTION_RULE_ID } from "../policy/policy.js";
import { atLeast } from "../rules/types.js";
import type { StateStore } from "../state/stateStore.js";
import type { AlertItem } from "./model.js";
import { resourceGroupOf } from "./model.js";
import type { RouteFilter } from "./settings.js";

export type Tags = Readonly<Record<string, string>>;

/** Tags of a resource as the guardrail last saw it, if known. */
export type TagLookup = (resourceId: string, perimeterId: string | undefined) => Promise<Tags | undefined>;

/** Why a channel does not take an alert, or undefined when it does. */
export function routeMismatch(filter: RouteFilter, item: AlertItem, tags: Tags | undefined): string | undefined {
  // A tag exemption is `info` yet always worth one alert: it silences rules on someone's say-so.
  if (item.ruleId !== TAG_EXEMPTION_RULE_ID && !atLeast(item.severity, filter.minSeverity)) return `below minSeverity ${filter.minSeverity}`;
  if (filter.rules && !filter.rules.includes(item.ruleId)) return "rule not listed";
  if (filter.resourceGroups) {
    const group = resourceGroupOf(item.resourceId);
    if (!group || !filter.resourceGroups.some((glob) => globMatches(glob, group))) return "resource group not listed";
  }
  if (filter.tags) {
    const lower = new Map(Object.entries(tags ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
    for (const [key, wanted] of Object.entries(filter.tags)) {
      const value = lower.get(key.toLowerCase());
      // "*" asks only that the tag be present.
      if (value === undefined || (wanted !== "*" && value.toLowerCase() !== wanted.toLowerCase())) return `tag ${key} does not match`;
    }
  }
  return undefined;
}

/**
 * Tags from the perimeter caches of the state store. Make one per dispatch: it reads each perimeter's
 * cache once and keeps it for the lookups that follow.
 */
export function perimeterCacheTags(store: Pick<StateStore, "getPerimeterCache">): TagLookup {
  const caches = new Map<string, Promise<Map<string, Tags | undefined> | undefined>>();
  const tagsOfPerimeter = (perimeterId: string) => {
    let hit = caches.get(idKey(perimeterId));
    if (!hit) {
      hit = store.getPerimeterCache(perimeterId).then(({ value }) => (value ? new Map(value.resources.map((r) => [idKey(r.id), r.tags ?? undefined])) : undefined));
      caches.set(idKey(perimeterId), hit);
    }
    return hit;
  };
  return async (resourceId, perimeterId) => {
    if (!perimeterId) return undefined;
    const byId = await tagsOfPerimeter(perimeterId);
    if (!byId) return undefined;
    let rootId: string | undefined;
    try {
      rootId = parseArmId(resourceId).rootId;
    } catch {
      rootId = undefined;
    }
    const own = byId.get(idKey(resourceId));
    const root = rootId ? byId.get(idKey(rootId)) : undefined;
    if (!own && !root) return undefined;
    return { ...(root ?? {}), ...(own ?? {}) };
  };
}

/** Memoises a lookup for the duration of one dispatch. */
export function memoised(lookup: TagLookup): TagLookup {
  const cache = new Map<string, Promise<Tags | undefined>>();
  return (resourceId, perimeterId) => {
    const key = `${idKey(resourceId)}|${idKey(perimeterId ?? "")}`;
    let hit = cache.get(key);
    if (!hit) {
      hit = lookup(resourceId, perimeterId);
      cache.set(key, hit);
    }
    return hit;
  };
}
