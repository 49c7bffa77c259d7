import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { listNames, nameOf } from "../lib/messages.js";
import { enforcementOf, storageAccountOf } from "../lib/members.js";
import { bypassItems, fieldOf, networkAclList, trustsAzureServices } from "../lib/storage.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "storage-trusted-services",
    title: "Trusted-service exceptions ignored on an Enforced storage account",
    category: "unsupported",
    severity: "medium",
    severityLogic:
      "medium when the account is effectively enforcing (Enforced, or `publicNetworkAccess` SecuredByPerimeter) and `networkAcls.bypass` contains `AzureServices` or `networkAcls.resourceAccessRules` is non-empty",
    resource: "the storage account",
    sources: [
      { doc: "FILES", section: "Access modes", anchor: "access-modes" },
      { doc: "FILES", section: "Network priority", anchor: "network-priority" },
    ],
    explanation:
      "In Enforced mode, Azure's trusted service exceptions aren't honored: only services onboarded to network security perimeter get through, by perimeter access rules, and other trusted services are blocked even though the storage account firewall trusts them. The account's `AzureServices` bypass and its resource instance rules therefore no longer admit anything, and the services relying on them fail.",
    remediation:
      "For each service that relied on the exception, add a perimeter access rule instead: associate onboarded services with the same perimeter, allow other services by an inbound subscription rule, or reach the account through a private endpoint. Then remove the obsolete `AzureServices` bypass and resource access rules so the account's configuration says what really applies.",
    reads: [T.association, T.storageAccount],
  },
  check(association) {
    const account = storageAccountOf(association);
    if (!account) return;
    const enforcement = enforcementOf(association);
    if (!enforcement.enforcing) return;
    const trustsServices = trustsAzureServices(account);
    const resourceRules = networkAclList(account, "resourceAccessRules");
    if (!trustsServices && resourceRules.length === 0) return;
    const bypass = bypassItems(account);
    const seen = [
      ...(trustsServices ? [`networkAcls.bypass "${bypass.join(", ")}"`] : []),
      ...(resourceRules.length
        ? [
            `resource access rule(s) for ${listNames(
              resourceRules.map((rule) => {
                const resourceId = fieldOf(rule, "resourceId");
                return typeof resourceId === "string" ? nameOf(resourceId) : JSON.stringify(rule);
              }),
            )}`,
          ]
        : []),
    ].join(" and ");
    return {
      severity: "medium",
      message: `${nameOf(account.id)} is ${enforcement.label} and has ${seen}: these trusted-service exceptions are not honoured in a perimeter.`,
    };
  },
});
