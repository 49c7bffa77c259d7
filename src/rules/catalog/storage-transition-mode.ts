import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { modeLabel, nameOf } from "../lib/messages.js";
import { associationAgeDays, isSecuredByPerimeter, storageAccountOf } from "../lib/members.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "storage-transition-mode",
    title: "Storage account left in Transition (Learning) or Audit mode",
    category: "risky",
    severity: "medium",
    severityLogic:
      "medium; high once the association is older than `transitionGraceDays` (policy, default 30) by `systemData.createdAt`; low when the account's `publicNetworkAccess` is `SecuredByPerimeter` (inbound is already perimeter-only)",
    resource: "the storage account",
    sources: [
      { doc: "FILES", section: "Access modes", anchor: "access-modes" },
      { doc: "CONCEPTS", section: "Access modes in network security perimeter", anchor: "access-modes-in-network-security-perimeter" },
      { doc: "TRANSITION", section: "Access mode configuration point on resource associations", anchor: "access-mode-configuration-point-on-resource-associations" },
    ],
    explanation:
      "In Transition mode (the API's `Learning`, the default) and in `Audit` mode the perimeter does not block: the account falls back to its own firewall and trusted-service exceptions. Microsoft's docs call Transition mode a transitional step only, because malicious actors can exploit the unsecured account to exfiltrate data.",
    remediation:
      "Review the perimeter's access logs for traffic that Enforced mode would deny, add the access rules it needs, then set the association's `accessMode` to `Enforced`.",
    reads: [T.association, T.storageAccount],
  },
  check(association, _view, ctx) {
    const account = storageAccountOf(association);
    if (!account || association.mode === "Enforced") return;
    const ageDays = associationAgeDays(association, ctx.now);
    const overdue = ageDays !== undefined && ageDays > ctx.transitionGraceDays;
    const label = modeLabel(association.mode);
    const age = ageDays === undefined ? "of unknown age" : `${ageDays} day(s) old`;
    if (isSecuredByPerimeter(account)) {
      return {
        severity: "low",
        message: `Association ${nameOf(association.id)} puts ${nameOf(association.memberDisplayId)} in ${label} mode (${age}), but its publicNetworkAccess is SecuredByPerimeter: inbound traffic is already admitted by perimeter rules only; set the association to Enforced to make that explicit.`,
      };
    }
    return {
      severity: overdue ? "high" : "medium",
      message: `Association ${nameOf(association.id)} puts ${nameOf(association.memberDisplayId)} in ${label} mode; it is ${age} (grace period ${ctx.transitionGraceDays} days).`,
    };
  },
});
