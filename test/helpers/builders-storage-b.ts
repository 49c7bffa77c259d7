/** Builders for the storage-b rule tables (CMK vaults in perimeters, account network ACLs). */
import type { ArmResource } from "../../src/model/resource.js";
import { accessRule, association, perimeter, profile, recase } from "./builders.js";

/**
 * A key vault associated with its own perimeter `nspName` in `accessMode`, with an optional inbound
 * subscription rule in the vault's profile.
 */
export function vaultInOwnPerimeter(
  vault: ArmResource,
  nspName: string,
  accessMode: string | undefined,
  o: { allowSubscriptions?: string[]; rg?: string } = {},
): ArmResource[] {
  const nsp = perimeter(nspName, { rg: o.rg ?? "rg-keys-nsp" });
  const prof = profile(nsp, `${nspName}-profile`);
  const assoc = association(nsp, `assoc-${vault.name}`, vault.id, {
    profile: prof,
    ...(accessMode !== undefined ? { accessMode } : {}),
  });
  const rules = o.allowSubscriptions ? [accessRule(prof, "allow-subscriptions", { direction: "Inbound", subscriptions: o.allowSubscriptions })] : [];
  return [nsp, prof, assoc, ...rules];
}

/** Storage `networkAcls` with the given overrides on top of the builders' locked-down default. */
export function networkAcls(overrides: Record<string, unknown>) {
  return { bypass: "None", defaultAction: "Deny", ipRules: [], virtualNetworkRules: [], resourceAccessRules: [], ...overrides };
}

/** A resource with its id re-cased as Resource Graph / Event Grid emit it and its type lower-cased. */
export function asResourceGraph(resource: ArmResource): ArmResource {
  return { ...resource, id: recase(resource.id), type: resource.type.toLowerCase() };
}
