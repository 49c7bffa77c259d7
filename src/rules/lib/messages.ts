/** How rule messages name things: modes, profiles, resources, lists of values. Pure text helpers. */
import { lastSegment, parseArmId } from "../../model/armId.js";
import type { AccessMode } from "../../model/estate.js";
import type { AssociationView, ProfileView } from "../../model/perimeterView.js";

/** Short name of a resource for messages: the last segment of its id. */
export function nameOf(id: string): string {
  return lastSegment(id);
}

export function quote(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : JSON.stringify(value);
}

/** `a, b and 3 more` for messages that name the values seen without flooding. */
export function listNames(values: readonly string[], max = 3): string {
  if (values.length <= max) return values.join(", ");
  return `${values.slice(0, max).join(", ")} and ${values.length - max} more`;
}

/** Mode as users read it: the API's `Learning` is shown as Transition in the portal and docs. */
export function modeLabel(mode: AccessMode): string {
  return mode === "Learning" ? "Learning (Transition)" : mode;
}

/** `profile p1`, or a note that the association names a profile missing from the perimeter. */
export function profileLabel(profile: ProfileView | undefined, profileId: string | undefined): string {
  if (profile) return `profile ${nameOf(profile.id)}`;
  return profileId ? `profile ${nameOf(profileId)} (not found in the perimeter)` : "no profile";
}

/** Short name of the associated resource for messages. */
export function memberName(association: AssociationView): string {
  return nameOf(association.memberDisplayId);
}

/** The associated resource's type as written (resource `type`, else parsed from the id), or undefined for a non-ARM id. */
export function memberTypeLabel(association: AssociationView): string | undefined {
  if (association.member) return association.member.type;
  try {
    return parseArmId(association.memberId).type;
  } catch {
    return undefined;
  }
}
