import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { isTrue, prop } from "../../model/resource.js";
import { listNames, nameOf } from "../lib/messages.js";
import { storageAccountOf } from "../lib/members.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "storage-blob-inventory",
    title: "Blob inventory on a storage account in a perimeter",
    category: "unsupported",
    severity: "medium",
    severityLogic: "medium whenever an `inventoryPolicies` child has `policy.enabled` true",
    resource: "the storage account",
    sources: [{ doc: "STORAGE", section: "Limitations", anchor: "limitations" }],
    explanation:
      "The network security perimeter preview does not support Azure Blob Inventory. Microsoft recommends not enabling the perimeter on an account that uses it: inventory runs may fail to produce or deliver their reports.",
    remediation:
      "Set the inventory policy's `policy.enabled` to false (or delete it) and list blobs by other means, or keep the account out of the perimeter until blob inventory is supported.",
    reads: [T.association, T.storageAccount, T.inventoryPolicy],
    defaultAction: "off",
    retired: { listedIn: "STORAGE", absentFrom: ["STORAGE-GA"] },
  },
  check(association, view) {
    const account = storageAccountOf(association);
    if (!account) return;
    const enabled = view.estate.descendants(account.id, T.inventoryPolicy).filter((p) => isTrue(prop(p, "policy", "enabled")));
    if (enabled.length === 0) return;
    return {
      severity: "medium",
      message: `${nameOf(account.id)} has enabled blob inventory polic${enabled.length === 1 ? "y" : "ies"} ${listNames(enabled.map((p) => nameOf(p.id)))}: blob inventory is not supported for accounts in a perimeter.`,
    };
  },
});
