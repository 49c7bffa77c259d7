/** Facts several rules derive from the same resources; pure functions of the view. */
import { idKey, lastSegment, sameId, subscriptionIdOf } from "../model/armId.js";
import type { EstateReader } from "../model/estate.js";
import type { AssociationView, ProfileView } from "../model/perimeterView.js";
import { equalsIgnoreCase, isTrue, prop, propArray, propString, type ArmResource } from "../model/resource.js";
import { T } from "../model/resourceTypes.js";

export function isStorageMember(association: AssociationView): boolean {
  return association.memberType === T.storageAccount;
}

export function isCognitiveMember(association: AssociationView): boolean {
  return association.memberType === T.cognitiveAccount;
}

/** Storage rules read the account itself; an association to an account missing from the estate is skipped. */
export function storageAccountOf(association: AssociationView): ArmResource | undefined {
  return isStorageMember(association) ? association.member : undefined;
}

export function fileSharesOf(estate: EstateReader, accountId: string): readonly ArmResource[] {
  return estate.descendants(accountId, T.fileShare);
}

/** `enabledProtocols` of a share; SMB when unset (create-only property, SMB by default). */
export function shareProtocol(share: ArmResource): "SMB" | "NFS" | string {
  const raw = propString(share, "enabledProtocols");
  if (!raw) return "SMB";
  if (equalsIgnoreCase(raw, "nfs")) return "NFS";
  if (equalsIgnoreCase(raw, "smb")) return "SMB";
  return raw;
}

export function approvedPrivateEndpoints(account: ArmResource): unknown[] {
  return propArray(account, "privateEndpointConnections").filter((c) => {
    const status =
      (c as { properties?: { privateLinkServiceConnectionState?: { status?: unknown } } } | null)?.properties
        ?.privateLinkServiceConnectionState?.status ??
      (c as { privateLinkServiceConnectionState?: { status?: unknown } } | null)?.privateLinkServiceConnectionState?.status;
    return equalsIgnoreCase(status, "approved");
  });
}

export function hasApprovedPrivateEndpoint(account: ArmResource): boolean {
  return approvedPrivateEndpoints(account).length > 0;
}

/** Subscription ids (lower-case, bare GUID form) named by a profile's inbound subscription rules. */
export function inboundSubscriptionIds(profile: ProfileView | undefined): Set<string> {
  const ids = new Set<string>();
  for (const rule of profile?.inboundSubscriptionRules ?? []) {
    for (const s of rule.subscriptions) ids.add(bareSubscriptionId(s));
  }
  return ids;
}

/** `/subscriptions/{id}` or `{id}` → `{id}`, lower-cased. */
export function bareSubscriptionId(value: string): string {
  return (subscriptionIdOf(value) ?? value.replace(/\/+$/, "")).toLowerCase();
}

export function accountSubscription(accountId: string): string {
  return (subscriptionIdOf(accountId) ?? "").toLowerCase();
}

export function isKeyVaultEncrypted(account: ArmResource): boolean {
  return equalsIgnoreCase(propString(account, "encryption", "keySource"), "microsoft.keyvault");
}

export function keyVaultUriOf(account: ArmResource): string | undefined {
  return (
    propString(account, "encryption", "keyvaultproperties", "keyvaulturi") ??
    propString(account, "encryption", "keyVaultProperties", "keyVaultUri")
  );
}

/** Other associations of the same member (a resource in several perimeters), excluding `association`. */
export function otherAssociations(estate: EstateReader, association: AssociationView) {
  return estate.associationsOfMember(association.memberId).filter((a) => !sameId(a.id, association.id));
}

export function quote(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : JSON.stringify(value);
}

/** `a, b and 3 more` for messages that name the values seen without flooding. */
export function listNames(values: readonly string[], max = 3): string {
  if (values.length <= max) return values.join(", ");
  return `${values.slice(0, max).join(", ")} and ${values.length - max} more`;
}

export function nameOf(id: string): string {
  return lastSegment(id);
}

export { idKey, isTrue, prop, propArray, propString, sameId };
