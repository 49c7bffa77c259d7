/** Pure facts shared by the storage-b rules (backup, File Sync, CMK, firewall, disks). */
import { idKey, parseArmId } from "../../model/armId.js";
import type { AccessMode, EstateReader } from "../../model/estate.js";
import { profileView, type ProfileView } from "../../model/perimeterView.js";
import { prop, type ArmResource } from "../../model/resource.js";
import { T } from "../../model/resourceTypes.js";

/** The mode as the docs name it: the API's `Learning` is shown as Transition. */
export function modeLabel(mode: AccessMode): string {
  return mode === "Learning" ? "Learning (Transition)" : mode;
}

/** `networkAcls.<key>` of a storage account as an array; empty when missing or of another shape. */
export function networkAclList(account: ArmResource, key: "ipRules" | "virtualNetworkRules" | "resourceAccessRules"): unknown[] {
  const value = prop(account, "networkAcls", key);
  return Array.isArray(value) ? value : [];
}

/** `networkAcls.bypass` split into its items (`"Logging, Metrics, AzureServices"` → three items). */
export function bypassItems(account: ArmResource): string[] {
  const raw = prop(account, "networkAcls", "bypass");
  if (typeof raw !== "string") return [];
  return raw
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** Reads `field` of an array entry that may be an object; undefined otherwise. */
export function fieldOf(entry: unknown, field: string): unknown {
  return entry !== null && typeof entry === "object" ? (entry as Record<string, unknown>)[field] : undefined;
}

/**
 * The profile `profileId` of perimeter `perimeterId` as a ProfileView, built from the estate (for a
 * perimeter other than the one being evaluated). A profile missing from the estate still gets the
 * access rules found under its id; an undefined id gives a profile without rules.
 */
export function profileViewInEstate(estate: EstateReader, perimeterId: string, profileId: string | undefined): ProfileView | undefined {
  if (!profileId) return undefined;
  const key = idKey(profileId);
  const rules = estate.descendants(perimeterId, T.accessRule).filter((rule) => {
    const parent = parseArmId(rule.id).parentId;
    return parent !== undefined && idKey(parent) === key;
  });
  const resource = estate.get(profileId) ?? { id: profileId, type: "Microsoft.Network/networkSecurityPerimeters/profiles" };
  return profileView(resource, rules);
}

/** True when any `dataStoreType` found at any depth under `value` equals `wanted` (case-insensitive). */
export function mentionsDataStoreType(value: unknown, wanted: string, depth = 0): boolean {
  if (depth > 12 || value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) return value.some((item) => mentionsDataStoreType(item, wanted, depth + 1));
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (key.toLowerCase() === "datastoretype" && typeof child === "string" && child.toLowerCase() === wanted.toLowerCase()) return true;
    if (mentionsDataStoreType(child, wanted, depth + 1)) return true;
  }
  return false;
}
