/** Builders for the storage-a rule tables (SFTP, SMB, Shared Key, replication, lifecycle, inventory, downgrade). */
import type { ArmResource } from "../../src/model/resource.js";
import { recase } from "./builders.js";

/**
 * The resource as Azure Resource Graph returns it: ids re-cased (`resourcegroups`, upper-case
 * provider namespaces), the type lower-cased, and the ids an association points at re-cased too.
 */
export function asResourceGraph(resource: ArmResource): ArmResource {
  const properties = resource.properties ? { ...resource.properties } : resource.properties;
  if (properties) {
    for (const key of ["privateLinkResource", "profile"]) {
      const ref = properties[key] as { id?: unknown } | undefined;
      if (ref && typeof ref.id === "string") properties[key] = { ...ref, id: recase(ref.id) };
    }
  }
  return { ...resource, id: recase(resource.id), type: resource.type.toLowerCase(), properties };
}

/** A copy of an association with another `accessMode`; `undefined` removes it (meaning Learning). */
export function withAccessMode(association: ArmResource, accessMode: string | undefined): ArmResource {
  const { accessMode: _old, ...rest } = association.properties ?? {};
  return { ...association, properties: accessMode === undefined ? rest : { ...rest, accessMode } };
}

/** A copy of a resource with `properties` merged (or keys removed when the value is `undefined`). */
export function withProps(resource: ArmResource, patch: Record<string, unknown>): ArmResource {
  const properties: Record<string, unknown> = { ...(resource.properties ?? {}) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete properties[key];
    else properties[key] = value;
  }
  return { ...resource, properties };
}

/** Replaces resources of a list by id (exact), keeping the order: swaps a variant into a builder's set. */
export function replacing(resources: readonly ArmResource[], ...replacements: ArmResource[]): ArmResource[] {
  return resources.map((r) => replacements.find((x) => x.id.toLowerCase() === r.id.toLowerCase()) ?? r);
}
