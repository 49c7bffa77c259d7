/**
 * Which perimeters a resource change concerns. The routing table is the one source of truth for what
 * the guardrail listens to: the Event Grid filters of the deployment are generated from it.
 */
import { parseArmId, type ParsedArmId } from "../model/armId.js";
import { ONBOARDED_TYPES, T } from "../model/resourceTypes.js";

/**
 * - `perimeter`: an NSP resource or a diagnostic setting on a perimeter; the perimeter is in the id.
 * - `member`: a resource that may be associated with a perimeter, or a child of one; found through
 *   the reverse index by the top-level resource.
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

/** Children of members that rules read (their parent member routes them). */
const MEMBER_CHILDREN: readonly string[] = [
  T.fileShare,
  "microsoft.storage/storageaccounts/fileservices",
  T.objectReplicationPolicy,
  T.managementPolicy,
  T.inventoryPolicy,
  "microsoft.storage/storageaccounts/privateendpointconnections",
  T.storageNspConfiguration,
  T.keyVaultNspConfiguration,
  T.cognitiveNspConfiguration,
];

export const ROUTES: readonly Route[] = [
  { type: T.perimeter, via: "perimeter", why: "the perimeter itself" },
  { type: T.profile, via: "perimeter", why: "profiles hold the access rules" },
  { type: T.accessRule, via: "perimeter", why: "inbound and outbound access rules" },
  { type: T.association, via: "perimeter", why: "membership and access mode" },
  { type: T.diagnosticSetting, via: "perimeter", why: "access logs of a perimeter" },
  ...ONBOARDED_TYPES.map((type) => ({ type, via: "member" as const, why: "onboarded resource type (possible member)" })),
  ...MEMBER_CHILDREN.map((type) => ({ type, via: "member" as const, why: "member child that rules read" })),
  { type: T.virtualMachine, via: "dependency", why: "unmanaged disks on member accounts" },
  { type: T.protectedItem, via: "dependency", why: "Azure Files backup of a member" },
  { type: T.backupInstance, via: "dependency", why: "blob backup of a member" },
  { type: T.backupPolicy, via: "dependency", why: "vaulted blob backup policy" },
  { type: T.storageSyncService, via: "dependency", why: "File Sync managed identity" },
  { type: T.syncCloudEndpoint, via: "dependency", why: "File Sync of a member share" },
];

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
      if (scope.type.toLowerCase() !== T.perimeter) return undefined;
      return { route, parsed, perimeterId: scope.id };
    }
    return { route, parsed, perimeterId: parsed.rootId };
  }
  if (route.via === "member") return { route, parsed, memberId: parsed.rootId };
  return { route, parsed };
}

/** Index key under which a storage account is found by the host of a VHD URI on it. */
export function blobHostKey(host: string): string {
  return `blobhost:${host.toLowerCase()}`;
}
