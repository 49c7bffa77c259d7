/**
 * Perimeter links (LINKS; NSP spec NspLink / NspLinkReference): a link on one perimeter and the link
 * reference ARM creates on the remote one. An `Approved` link admits the remote perimeter's members
 * into the local profiles named in `localInboundProfiles` (`*` = all), and the remote side's
 * `remoteInboundProfiles` say the same from the other end.
 */
import { sameId } from "../../model/armId.js";
import type { EstateReader } from "../../model/estate.js";
import { equalsIgnoreCase, propArray, propString, type ArmResource } from "../../model/resource.js";
import { T } from "../../model/resourceTypes.js";
import { nameOf } from "./messages.js";

/** Links and link references of a perimeter, links first. */
export function linksOf(estate: EstateReader, perimeterId: string): readonly ArmResource[] {
  const links = estate.descendants(perimeterId, T.link);
  const references = estate.descendants(perimeterId, T.linkReference);
  return references.length === 0 ? links : links.length === 0 ? references : [...links, ...references];
}

export function isLinkReference(link: ArmResource): boolean {
  return link.type.toLowerCase() === T.linkReference;
}

/** `properties.status` as written (Approved, Pending, Rejected, Disconnected), or undefined. */
export function linkStatus(link: ArmResource): string | undefined {
  return propString(link, "status");
}

export function isApproved(link: ArmResource): boolean {
  return equalsIgnoreCase(linkStatus(link), "approved");
}

/** The remote perimeter a link names: its id (link: `autoApprovedRemotePerimeterResourceId`, reference: `remotePerimeterResourceId`) and GUID. */
export function remotePerimeterOf(link: ArmResource): { id: string | undefined; guid: string | undefined } {
  return {
    id: propString(link, "autoApprovedRemotePerimeterResourceId") ?? propString(link, "remotePerimeterResourceId"),
    guid: propString(link, "remotePerimeterGuid"),
  };
}

/** Short name of a link's remote perimeter for messages. */
export function remotePerimeterLabel(link: ArmResource): string {
  const remote = remotePerimeterOf(link);
  return remote.id ? nameOf(remote.id) : remote.guid ? `perimeter ${remote.guid}` : "an unnamed remote perimeter";
}

function profileList(link: ArmResource, field: "localInboundProfiles" | "remoteInboundProfiles"): string[] {
  return propArray(link, field).filter((p): p is string => typeof p === "string");
}

export function localInboundProfiles(link: ArmResource): string[] {
  return profileList(link, "localInboundProfiles");
}

export function remoteInboundProfiles(link: ArmResource): string[] {
  return profileList(link, "remoteInboundProfiles");
}

function names(list: readonly string[], profileName: string): boolean {
  return list.some((p) => p === "*" || equalsIgnoreCase(p, profileName));
}

function namesPerimeter(link: ArmResource, perimeter: ArmResource | undefined, perimeterId: string): boolean {
  const remote = remotePerimeterOf(link);
  if (remote.id) return sameId(remote.id, perimeterId);
  const guid = propString(perimeter, "perimeterGuid");
  return remote.guid !== undefined && guid !== undefined && equalsIgnoreCase(remote.guid, guid);
}

/**
 * The approved link (or link reference) through which members of perimeter `fromId` reach members
 * of perimeter `toId` associated under profile `toProfileId`, if there is one: on `to`'s side one
 * naming `from` whose `localInboundProfiles` admits the profile, or on `from`'s side one naming `to`
 * whose `remoteInboundProfiles` does.
 */
export function linkAdmitting(estate: EstateReader, fromId: string, toId: string, toProfileId: string | undefined): ArmResource | undefined {
  if (!toProfileId) return undefined;
  const profileName = nameOf(toProfileId);
  const from = estate.get(fromId);
  const to = estate.get(toId);
  for (const link of linksOf(estate, toId)) {
    if (isApproved(link) && namesPerimeter(link, from, fromId) && names(localInboundProfiles(link), profileName)) return link;
  }
  for (const link of linksOf(estate, fromId)) {
    if (isApproved(link) && namesPerimeter(link, to, toId) && names(remoteInboundProfiles(link), profileName)) return link;
  }
  return undefined;
}
