import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { nameOf } from "../lib/messages.js";
import { storageAccountOf } from "../lib/members.js";

const DAY_MS = 86_400_000;

export default defineRule({
  scope: "association",
  meta: {
    id: "storage-transition-mode",
    title: "Storage account left in Transition (Learning) or Audit mode",
    category: "risky",
    severity: "medium",
    severityLogic:
      "medium; high once the association is older than `transitionGraceDays` (policy, default 30) by `systemData.createdAt`",
    resource: "the storage account",
    sources: [
      { doc: "FILES", section: "Access modes", anchor: "access-modes" },
      { doc: "CONCEPTS", section: "Access modes in network security perimeter", anchor: "access-modes-in-network-security-perimeter" },
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
    const createdAt = Date.parse(association.resource.systemData?.createdAt ?? "");
    const ageDays = Number.isNaN(createdAt) ? undefined : Math.floor((ctx.now.getTime() - createdAt) / DAY_MS);
    const overdue = ageDays !== undefined && ageDays > ctx.transitionGraceDays;
    const label = association.mode === "Learning" ? "Learning (Transition)" : association.mode;
    const age = ageDays === undefined ? "of unknown age" : `${ageDays} day(s) old`;
    return {
      severity: overdue ? "high" : "medium",
      message: `Association ${nameOf(association.id)} puts ${nameOf(association.memberDisplayId)} in ${label} mode; it is ${age} (grace period ${ctx.transitionGraceDays} days).`,
    };
  },
});
