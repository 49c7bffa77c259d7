/**
 * What the rules read about an associated resource (a member): which kind of resource it is, whether
 * the perimeter effectively enforces on it, its identity and its approved private endpoints.
 */
import { sameId } from "../../model/armId.js";
import type { EstateReader } from "../../model/estate.js";
import type { AssociationView } from "../../model/perimeterView.js";
import { equalsIgnoreCase, propArray, propString, type ArmResource } from "../../model/resource.js";
import { T } from "../../model/resourceTypes.js";
import { modeLabel } from "./messages.js";

export function isStorageMember(association: AssociationView): boolean {
  return association.memberType === T.storageAccount;
}

export function isCognitiveMember(association: AssociationView): boolean {
  return association.memberType === T.cognitiveAccount;
}

/** The member when it is of `type` and the estate holds it (rules read its settings); else undefined. */
export function memberOfType(association: AssociationView, type: string): ArmResource | undefined {
  return association.memberType === type ? association.member : undefined;
}

/** Storage rules read the account itself; an association to an account missing from the estate is skipped. */
export function storageAccountOf(association: AssociationView): ArmResource | undefined {
  return memberOfType(association, T.storageAccount);
}

/** The associated Cognitive Services / Foundry account, when the estate holds it. */
export function cognitiveAccountOf(association: AssociationView): ArmResource | undefined {
  return memberOfType(association, T.cognitiveAccount);
}

/** `properties.publicNetworkAccess` is `SecuredByPerimeter` (any casing). */
export function isSecuredByPerimeter(resource: ArmResource | undefined): boolean {
  const value = propString(resource, "publicNetworkAccess");
  return value === "SecuredByPerimeter" || equalsIgnoreCase(value, "securedbyperimeter");
}

/** Why the perimeter decides a member's public traffic, or that it does not (yet). */
export interface Enforcement {
  /** True when only perimeter rules admit public traffic: Enforced, or SecuredByPerimeter in Learning/Audit. */
  readonly enforcing: boolean;
  /** For messages: `Enforced`, or `Learning (Transition) with publicNetworkAccess SecuredByPerimeter`, or the mode. */
  readonly label: string;
  /** True when the association itself is not Enforced but the member's own setting makes it enforcing. */
  readonly bySetting: boolean;
}

/**
 * Effective enforcement (rules.md Revision 2): the association is Enforced, or the member's
 * `publicNetworkAccess` is SecuredByPerimeter, which admits only perimeter rules even in
 * Learning/Audit mode (FOUNDRY-2026, TRANSITION).
 */
export function enforcementOf(association: Pick<AssociationView, "mode" | "member">): Enforcement {
  if (association.mode === "Enforced") return ENFORCED;
  return (isSecuredByPerimeter(association.member) ? BY_SETTING : NOT_ENFORCING)[association.mode];
}

// The few possible answers, made once: rules ask for every member of every perimeter.
const ENFORCED: Enforcement = Object.freeze({ enforcing: true, label: "Enforced", bySetting: false });
const NON_ENFORCED_MODES = ["Learning", "Audit"] as const;
const BY_SETTING = Object.fromEntries(
  NON_ENFORCED_MODES.map((mode) => [
    mode,
    Object.freeze({ enforcing: true, label: `effectively enforcing (${modeLabel(mode)} mode, but publicNetworkAccess is SecuredByPerimeter)`, bySetting: true }),
  ]),
) as Record<(typeof NON_ENFORCED_MODES)[number], Enforcement>;
const NOT_ENFORCING = Object.fromEntries(
  NON_ENFORCED_MODES.map((mode) => [mode, Object.freeze({ enforcing: false, label: `${modeLabel(mode)} mode`, bySetting: false })]),
) as Record<(typeof NON_ENFORCED_MODES)[number], Enforcement>;

/**
 * `identity.type` of a resource when it names a managed identity (`SystemAssigned`, `UserAssigned`
 * or both), else undefined: identity missing, null, without a type, or `None`.
 */
export function managedIdentityType(resource: ArmResource): string | undefined {
  const type = resource.identity?.type;
  if (typeof type !== "string") return undefined;
  const trimmed = type.trim();
  if (trimmed === "" || equalsIgnoreCase(trimmed, "none")) return undefined;
  return trimmed;
}

export function approvedPrivateEndpoints(resource: ArmResource): unknown[] {
  return propArray(resource, "privateEndpointConnections").filter((c) => {
    const status =
      (c as { properties?: { privateLinkServiceConnectionState?: { status?: unknown } } } | null)?.properties
        ?.privateLinkServiceConnectionState?.status ??
      (c as { privateLinkServiceConnectionState?: { status?: unknown } } | null)?.privateLinkServiceConnectionState?.status;
    return equalsIgnoreCase(status, "approved");
  });
}

export function hasApprovedPrivateEndpoint(resource: ArmResource): boolean {
  return approvedPrivateEndpoints(resource).length > 0;
}

/** Other associations of the same member (a resource in several perimeters), excluding `association`. */
export function otherAssociations(estate: EstateReader, association: AssociationView) {
  return estate.associationsOfMember(association.memberId).filter((a) => !sameId(a.id, association.id));
}

const DAY_MS = 86_400_000;

/** Whole days since the association was created (`systemData.createdAt`), or undefined when unknown. */
export function associationAgeDays(association: AssociationView, now: Date): number | undefined {
  const createdAt = Date.parse(association.resource.systemData?.createdAt ?? "");
  return Number.isNaN(createdAt) ? undefined : Math.floor((now.getTime() - createdAt) / DAY_MS);
}
