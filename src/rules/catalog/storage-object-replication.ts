import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { listNames, nameOf } from "../lib/messages.js";
import { propString } from "../../model/resource.js";
import { storageAccountOf } from "../lib/members.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "storage-object-replication",
    title: "Object replication on a storage account in a perimeter",
    category: "unsupported",
    severity: "high",
    severityLogic: "high whenever the account has an `objectReplicationPolicies` child, as source or destination",
    resource: "the storage account",
    sources: [{ doc: "STORAGE", section: "Limitations", anchor: "limitations" }],
    explanation:
      "The network security perimeter preview does not support object replication for Azure Blob Storage. Microsoft recommends not enabling the perimeter on an account that uses it, to prevent potential data loss or data exfiltration: replication between accounts may stop or bypass the perimeter.",
    remediation:
      "Delete the object replication policy (on both the source and the destination account) and replicate by other means, such as AzCopy or Data Factory through allowed paths, or keep the account out of the perimeter until object replication is supported.",
    reads: [T.association, T.storageAccount, T.objectReplicationPolicy],
  },
  check(association, view) {
    const account = storageAccountOf(association);
    if (!account) return;
    const policies = view.estate.descendants(account.id, T.objectReplicationPolicy);
    if (policies.length === 0) return;
    const described = policies.map((p) => {
      const source = propString(p, "sourceAccount");
      const destination = propString(p, "destinationAccount");
      return source && destination ? `${nameOf(p.id)} (${nameOf(source)} → ${nameOf(destination)})` : nameOf(p.id);
    });
    return {
      severity: "high",
      message: `${nameOf(account.id)} has object replication polic${policies.length === 1 ? "y" : "ies"} ${listNames(described)}: object replication is not supported for accounts in a perimeter.`,
    };
  },
});
