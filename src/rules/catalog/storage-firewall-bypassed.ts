import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { listNames, nameOf } from "../lib/messages.js";
import { enforcementOf, storageAccountOf } from "../lib/members.js";
import { fieldOf, networkAclList } from "../lib/storage.js";

/** `ipRules[].value` (falls back to the entry itself for odd exports). */
function ipRuleValue(rule: unknown): string {
  const value = fieldOf(rule, "value");
  return typeof value === "string" ? value : JSON.stringify(rule);
}

/** `virtualNetworkRules[].id` is a subnet id: name it `vnet/subnet`. */
function subnetName(rule: unknown): string {
  const id = fieldOf(rule, "id");
  if (typeof id !== "string") return JSON.stringify(rule);
  const m = /\/virtualNetworks\/([^/]+)\/subnets\/([^/]+)/i.exec(id);
  return m ? `${m[1]}/${m[2]}` : nameOf(id);
}

export default defineRule({
  scope: "association",
  meta: {
    id: "storage-firewall-bypassed",
    title: "Storage account firewall rules bypassed by an Enforced perimeter",
    category: "unsupported",
    severity: "medium",
    severityLogic:
      "only when the account is effectively enforcing (Enforced, or `publicNetworkAccess` SecuredByPerimeter): medium when `networkAcls.virtualNetworkRules` is non-empty (service-endpoint traffic is not supported); otherwise low when `networkAcls.ipRules` or `networkAcls.ipv6Rules` is non-empty",
    resource: "the storage account",
    sources: [
      { doc: "FILES", section: "Network priority", anchor: "network-priority" },
      { doc: "CONCEPTS", section: "Limitations of a network security perimeter (service endpoints)", anchor: "limitations-of-a-network-security-perimeter" },
    ],
    explanation:
      "When a storage account is associated in Enforced mode, the profile's access rules override the account's own firewall: its Allowed networks settings are bypassed. Virtual network rules stop admitting their subnets, and service-endpoint traffic is not supported by network security perimeter (it may be denied even when an inbound rule allows 0.0.0.0/0); IP rules stop applying too, leaving a firewall configuration that no longer says what is allowed.",
    remediation:
      "Move the clients behind the virtual network rules to a private endpoint (private link traffic is not subject to perimeter rules); re-create the IP rules that are still needed as inbound address-prefix rules in the perimeter profile; then clear `networkAcls.virtualNetworkRules` and `ipRules` on the account.",
    reads: [T.association, T.storageAccount],
  },
  check(association) {
    const account = storageAccountOf(association);
    if (!account) return;
    const enforcement = enforcementOf(association);
    if (!enforcement.enforcing) return;
    const accountName = nameOf(account.id);
    const vnetRules = networkAclList(account, "virtualNetworkRules");
    if (vnetRules.length > 0) {
      return {
        severity: "medium",
        message: `${accountName} is ${enforcement.label} and has virtual network rule(s) for subnet(s) ${listNames(vnetRules.map(subnetName))}: the account firewall is bypassed and service-endpoint traffic is not supported by the perimeter.`,
      };
    }
    const ipRules = [...networkAclList(account, "ipRules"), ...networkAclList(account, "ipv6Rules")];
    if (ipRules.length > 0) {
      return {
        severity: "low",
        message: `${accountName} is ${enforcement.label} and has firewall IP rule(s) ${listNames(ipRules.map(ipRuleValue))}: the account firewall is bypassed; only the perimeter profile's inbound rules apply.`,
      };
    }
    return undefined;
  },
});
