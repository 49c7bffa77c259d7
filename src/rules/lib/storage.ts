/** Storage account facts: file shares, network ACLs, customer-managed keys, lifecycle rules. */
import type { EstateReader } from "../../model/estate.js";
import { equalsIgnoreCase, isFalse, prop, propArray, propString, type ArmResource } from "../../model/resource.js";
import { T } from "../../model/resourceTypes.js";

export function fileSharesOf(estate: EstateReader, accountId: string): readonly ArmResource[] {
  return estate.descendants(accountId, T.fileShare);
}

/** `enabledProtocols` of a share; SMB when unset (create-only property, SMB by default). */
export function shareProtocol(share: ArmResource): "SMB" | "NFS" | string {
  const raw = propString(share, "enabledProtocols");
  if (!raw || raw === "SMB") return "SMB";
  if (raw === "NFS") return "NFS";
  if (equalsIgnoreCase(raw, "nfs")) return "NFS";
  if (equalsIgnoreCase(raw, "smb")) return "SMB";
  return raw;
}

export type NetworkAclList = "ipRules" | "ipv6Rules" | "virtualNetworkRules" | "resourceAccessRules";

/** `networkAcls.<key>` of a resource (storage account, key vault) as an array; empty when missing or of another shape. */
export function networkAclList(resource: ArmResource, key: NetworkAclList): unknown[] {
  const value = prop(resource, "networkAcls", key);
  return Array.isArray(value) ? value : [];
}

/** `networkAcls.bypass` split into its items (`"Logging, Metrics, AzureServices"` → three items). */
export function bypassItems(resource: ArmResource): string[] {
  const raw = prop(resource, "networkAcls", "bypass");
  if (typeof raw !== "string") return [];
  return raw
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** `networkAcls.bypass` names AzureServices: trusted Microsoft services pass the resource's own firewall. */
export function trustsAzureServices(resource: ArmResource): boolean {
  const raw = prop(resource, "networkAcls", "bypass");
  // Most accounts say "None": skip the split unless the word is there at all.
  return typeof raw === "string" && /azureservices/i.test(raw) && bypassItems(resource).some((item) => equalsIgnoreCase(item, "azureservices"));
}

/** Reads `field` of an array entry that may be an object; undefined otherwise. */
export function fieldOf(entry: unknown, field: string): unknown {
  return entry !== null && typeof entry === "object" ? (entry as Record<string, unknown>)[field] : undefined;
}

/** Customer-managed keys are a cross-resource link: the relations registry reads them (src/model/relations.ts). */
export { isKeyVaultEncrypted, keyVaultUriOf } from "../../model/relations.js";

/** Names of the rules of a lifecycle management policy that run: `enabled` missing means enabled. */
export function activeLifecycleRuleNames(policy: ArmResource): string[] {
  const rules = propArray(policy, "policy", "rules");
  const names: string[] = [];
  rules.forEach((rule, index) => {
    if (rule === null || typeof rule !== "object") return;
    const { enabled, name } = rule as { enabled?: unknown; name?: unknown };
    if (isFalse(enabled)) return;
    names.push(typeof name === "string" && name.length > 0 ? name : `rule #${index + 1}`);
  });
  return names;
}
