import { ancestorOfType, idKey } from "../../model/armId.js";
import { isTrue, prop, type ArmResource } from "../../model/resource.js";
import { T } from "../../model/resourceTypes.js";
import { defineRule, type Severity } from "../types.js";
import { inboundSubscriptionIds, subscriptionOf } from "../lib/accessRules.js";
import { listNames, nameOf } from "../lib/messages.js";
import { storageAccountOf } from "../lib/members.js";

interface SyncServiceUse {
  readonly serviceId: string;
  readonly service: ArmResource | undefined;
  readonly endpoints: string[];
}

export default defineRule({
  scope: "association",
  meta: {
    id: "storage-file-sync",
    title: "Azure File Sync on a storage account in a perimeter",
    category: "unsupported",
    severity: "high",
    severityLogic:
      "high when the Storage Sync Service's `useIdentity` is not true, or the profile has no inbound subscription rule for the sync service's subscription; low otherwise (File Sync is still not fully supported)",
    resource: "the storage account",
    sources: [
      { doc: "FILES", section: "Feature coverage under network security perimeter (integration table, Azure File Sync row)", anchor: "feature-coverage-under-network-security-perimeter" },
    ],
    explanation:
      "Azure File Sync is not onboarded to network security perimeter and Storage Sync Services can't be associated with perimeters. It can only reach an account in a perimeter when the Storage Sync Service authenticates with its managed identity and the account's profile has an inbound rule allowing the sync service's subscription; even then Microsoft calls the scenario not fully supported.",
    remediation:
      "Configure the Storage Sync Service to use managed identities (`useIdentity: true`), then add an inbound access rule to the account's perimeter profile allowing the Storage Sync Service's subscription. Watch sync health after enforcement, or keep the account out of the perimeter.",
    reads: [T.association, T.storageAccount, T.syncCloudEndpoint, T.storageSyncService, T.profile, T.accessRule],
  },
  check(association, view) {
    const account = storageAccountOf(association);
    if (!account) return;
    const endpoints = view.estate.storageRelations(account.id).cloudEndpoints;
    if (endpoints.length === 0) return;

    // Group the cloud endpoints by their Storage Sync Service: the checks are about the service.
    const services = new Map<string, SyncServiceUse>();
    for (const endpoint of endpoints) {
      const serviceId = ancestorOfType(endpoint.id, T.storageSyncService) ?? endpoint.id;
      const key = idKey(serviceId);
      const use = services.get(key) ?? { serviceId, service: view.estate.get(serviceId), endpoints: [] };
      use.endpoints.push(nameOf(endpoint.id));
      services.set(key, use);
    }

    const allowedSubscriptions = inboundSubscriptionIds(association.profile);
    const profileName = association.profile ? nameOf(association.profile.id) : association.profileId ? nameOf(association.profileId) : "(none)";
    let severity: Severity = "low";
    const problems: string[] = [];
    for (const use of services.values()) {
      const serviceName = nameOf(use.service?.id ?? use.serviceId);
      const subscription = subscriptionOf(use.serviceId);
      const reasons: string[] = [];
      if (!use.service) reasons.push("is not in the inventory, so managed identity use cannot be confirmed");
      else if (!isTrue(prop(use.service, "useIdentity"))) reasons.push(`has useIdentity=${JSON.stringify(prop(use.service, "useIdentity") ?? null)}`);
      if (!allowedSubscriptions.has(subscription)) reasons.push(`is in subscription ${subscription}, which no inbound subscription rule of profile ${profileName} allows`);
      if (reasons.length) severity = "high";
      problems.push(`Storage Sync Service ${serviceName} (cloud endpoint(s) ${listNames(use.endpoints)})${reasons.length ? ` ${reasons.join(" and ")}` : " uses its managed identity and its subscription is allowed"}`);
    }
    const account_ = nameOf(account.id);
    if (severity === "high") {
      return {
        severity,
        message: `${account_} is synced by Azure File Sync, which reaches an account in a perimeter only with a managed identity and an inbound subscription rule: ${problems.join("; ")}.`,
      };
    }
    return {
      severity,
      message: `${account_} is synced by Azure File Sync, which is not fully supported in a perimeter: ${problems.join("; ")}.`,
    };
  },
});
