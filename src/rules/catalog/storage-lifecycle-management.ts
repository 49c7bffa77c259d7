import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { listNames, nameOf } from "../lib/messages.js";
import { storageAccountOf } from "../lib/members.js";
import { activeLifecycleRuleNames } from "../lib/storage.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "storage-lifecycle-management",
    title: "Lifecycle management on a storage account in a perimeter",
    category: "unsupported",
    severity: "medium",
    severityLogic: "medium whenever a `managementPolicies` child has at least one rule not `enabled: false` (a rule without `enabled` runs)",
    resource: "the storage account",
    sources: [{ doc: "STORAGE", section: "Limitations", anchor: "limitations" }],
    explanation:
      "The network security perimeter preview does not support lifecycle management for Azure Blob Storage. Microsoft recommends not enabling the perimeter on an account that relies on it, to prevent potential data loss: tiering and deletion rules may not run as configured.",
    remediation:
      "Disable the lifecycle rules (`enabled: false`) or delete the management policy and tier or expire blobs by another means, or keep the account out of the perimeter until lifecycle management is supported.",
    reads: [T.association, T.storageAccount, T.managementPolicy],
    defaultAction: "off",
    retired: { listedIn: "STORAGE", absentFrom: ["STORAGE-GA"] },
  },
  check(association, view) {
    const account = storageAccountOf(association);
    if (!account) return;
    const active = view.estate.descendants(account.id, T.managementPolicy).flatMap(activeLifecycleRuleNames);
    if (active.length === 0) return;
    return {
      severity: "medium",
      message: `${nameOf(account.id)} has enabled lifecycle management rule(s) ${listNames(active)}: lifecycle management is not supported for accounts in a perimeter.`,
    };
  },
});
