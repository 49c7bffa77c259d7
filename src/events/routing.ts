/**
 * Which perimeters a resource change concerns. The routing table is the one source of truth for what
 * the guardrail listens to: the Event Grid filters of the deployment are generated from it.
 */
import { parseArmId, type ParsedArmId } from "../model/armId.js";
import { blobHostKey, RELATIONS } from "../model/relations.js";
import { RESOURCE_TYPES, T, typeRow, type ResourceTypeRow } from "../model/resourceTypes.js";

export { blobHostKey };

/**
 * - `perimeter`: an NSP resource or a diagnostic setting on a perimeter; the perimeter is in the id.
 * - `member`: a resource that may be associated with a perimeter, or a child of one (a diagnostic
 *   setting on one too); found through the reverse index by the top-level resource.
 * - `dependency`: a resource that points at a member from elsewhere (VM disks, backups, File Sync,
 *   backup policies); found through the reverse index, or by reading it once to see what it points at.
 */
export type RouteVia = "perimeter" | "member" | "dependency";

export interface Route {
  /** Lower-case ARM type. */
  type: string;
  via: RouteVia;
  why: string;
}

/** Types that point at something a perimeter's rules read (the relations registry), or are read through one. */
const DEPENDENCY_TYPES = new Set(RELATIONS.filter((r) => r.closure !== undefined).flatMap((r) => [r.from, ...(r.to !== "*" ? [r.to] : [])]));

function routeOf(row: ResourceTypeRow): Route | undefined {
  if (row.events === false) return undefined;
  if (row.type === T.diagnosticSetting) return { type: row.type, via: "perimeter", why: "access logs of a perimeter, resource logs of a member" };
  if (row.reach === "perimeter" || row.reach === "perimeter-child") return { type: row.type, via: "perimeter", why: "perimeter resource" };
  if (row.reach === "member") return { type: row.type, via: "member", why: "associable resource type (possible member)" };
  if (row.reach === "member-child") return { type: row.type, via: "member", why: "member child that rules read" };
  if (row.reach === "related" && DEPENDENCY_TYPES.has(row.type)) return { type: row.type, via: "dependency", why: "points at a member, or is read through what does" };
  return undefined;
}

/** The routing table, derived from the resource-type table and the relations registry. */
export const ROUTES: readonly Route[] = RESOURCE_TYPES.map(routeOf).filter((r): r is Route => r !== undefined);

const MEMBER_DIAGNOSTIC_SETTING: Route = { type: T.diagnosticSetting, via: "member", why: "resource logs of a possible member" };
const ROUTE_BY_TYPE = new Map(ROUTES.map((r) => [r.type, r]));

export interface Classified {
  route: Route;
  parsed: ParsedArmId;
  /** For `perimeter` routes: the perimeter the resource belongs to. */
  perimeterId?: string;
  /** For `member` routes: the top-level resource (the possible member). */
  memberId?: string;
}

/**
 * Classifies a resource id by the routing table, without any I/O. Undefined: not something the
 * guardrail watches (the event is acknowledged and dropped).
 */
export function classify(resourceId: string): Classified | undefined {
  let parsed: ParsedArmId;
  try {
    parsed = parseArmId(resourceId);
  } catch {
    return undefined;
  }
  const type = parsed.type.toLowerCase();
  const route = ROUTE_BY_TYPE.get(type);
  if (!route) return undefined;
  if (route.via === "perimeter") {
    if (type === T.diagnosticSetting) {
      // Only diagnostic settings on a perimeter; those on other resources are not watched.
      if (!parsed.scopeId) return undefined;
      let scope: ParsedArmId;
      try {
        scope = parseArmId(parsed.scopeId);
      } catch {
        return undefined;
      }
      if (scope.type.toLowerCase() === T.perimeter) return { route, parsed, perimeterId: scope.id };
      // A member's own resource logs: routed by the member, as its children are.
      const scopeRow = typeRow(parseArmId(scope.rootId).type);
      if (scopeRow?.reach === "member") return { route: MEMBER_DIAGNOSTIC_SETTING, parsed, memberId: scope.rootId };
      return undefined;
    }
    return { route, parsed, perimeterId: parsed.rootId };
  }
  if (route.via === "member") return { route, parsed, memberId: parsed.rootId };
  return { route, parsed };
}
