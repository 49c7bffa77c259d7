import { equalsIgnoreCase, isTrue, prop, propString } from "../../model/resource.js";
import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { memberOfType } from "../lib/members.js";
import { nameOf } from "../lib/messages.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "cosmos-cmk-incompatible",
    title: "Cosmos DB account combines customer-managed keys with a feature the perimeter does not support",
    category: "unsupported",
    severity: "high",
    severityLogic:
      "high when an associated Cosmos DB account with `keyVaultKeyUri` also has `enableAnalyticalStorage` true, `backupPolicy.type` Continuous (point-in-time restore), or `enableMaterializedViews` true",
    resource: "the account",
    sources: [{ doc: "COSMOS", section: "Feature overview (NOTE on customer-managed keys)" }],
    explanation:
      "Cosmos DB does not support the combination of a network security perimeter, customer-managed keys and its log-store features: analytical store, continuous backup (point-in-time restore), materialized views (and all-versions-and-deletes change feed). The account may fail to reach its key for those features; restores of a CMK account need the vault's perimeter relaxed.",
    remediation:
      "Disable the listed feature, use service-managed keys, or keep the account out of the perimeter (protect it with private endpoints) until the combination is supported.",
    reads: [T.association, T.cosmosAccount],
  },
  check(association) {
    const account = memberOfType(association, T.cosmosAccount);
    const keyUri = propString(account, "keyVaultKeyUri");
    if (!account || !keyUri) return;
    const features = [
      ...(isTrue(prop(account, "enableAnalyticalStorage")) ? ["analytical store (enableAnalyticalStorage)"] : []),
      ...(equalsIgnoreCase(propString(account, "backupPolicy", "type"), "continuous") ? ["continuous backup (backupPolicy.type Continuous)"] : []),
      ...(isTrue(prop(account, "enableMaterializedViews")) ? ["materialized views (enableMaterializedViews)"] : []),
    ];
    if (features.length === 0) return;
    return {
      severity: "high",
      message: `${nameOf(account.id)} uses a customer-managed key (${keyUri}) together with ${features.join(", ")}: not supported for Cosmos DB accounts in a perimeter.`,
    };
  },
});
