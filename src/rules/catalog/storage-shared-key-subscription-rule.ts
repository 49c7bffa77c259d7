import { T } from "../../model/resourceTypes.js";
import { isFalse, prop } from "../../model/resource.js";
import { defineRule } from "../types.js";
import { nameOf, profileLabel } from "../lib/messages.js";
import { storageAccountOf } from "../lib/members.js";
import { subscriptionRulesSummary } from "../lib/accessRules.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "storage-shared-key-subscription-rule",
    title: "Subscription rule on a storage account that accepts Shared Key and SAS",
    category: "unsupported",
    severity: "medium",
    severityLogic:
      "medium whenever the association's profile has an inbound subscription rule and the account's `allowSharedKeyAccess` is not false (missing or null means true)",
    resource: "the storage account",
    sources: [
      { doc: "FILES", section: "Feature coverage under network security perimeter (inbound table, Shared Key/SAS row)", anchor: "feature-coverage-under-network-security-perimeter" },
    ],
    explanation:
      "Shared Key and SAS are not OAuth-based, so their requests carry no source perimeter or subscription: inbound subscription rules are never honoured for them, only IP rules are. Clients the subscription rule is meant to admit are denied when they authenticate with an account key or a SAS token.",
    remediation:
      "Move clients to Microsoft Entra ID (OAuth) authorization and set `allowSharedKeyAccess` to false on the account; where Shared Key or SAS must stay, admit those clients with inbound IP rules instead of subscription rules.",
    reads: [T.association, T.storageAccount, T.profile, T.accessRule],
  },
  check(association) {
    const account = storageAccountOf(association);
    const profile = association.profile;
    if (!account || !profile || profile.inboundSubscriptionRules.length === 0) return;
    const sharedKey = prop(account, "allowSharedKeyAccess");
    if (isFalse(sharedKey)) return;
    const seen = sharedKey === undefined || sharedKey === null ? "allowSharedKeyAccess unset (defaults to true)" : `allowSharedKeyAccess=${String(sharedKey)}`;
    return {
      severity: "medium",
      message: `${nameOf(account.id)} has ${seen} while ${profileLabel(profile, association.profileId)} admits it through inbound subscription rule(s) ${subscriptionRulesSummary(profile)}: Shared Key and SAS requests carry no subscription, so only IP rules match them.`,
    };
  },
});
