import { idKey } from "../../model/armId.js";
import type { PerimeterView } from "../../model/perimeterView.js";
import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { elementsOf } from "../lib/accessRules.js";
import { listNames, nameOf } from "../lib/messages.js";

/** `AzureCloud` and its regional forms (`AzureCloud.WestEurope`): every Azure public address. */
function isAzureCloud(tag: string): boolean {
  const t = tag.toLowerCase();
  return t === "azurecloud" || t.startsWith("azurecloud.");
}

const storageProfiles = new WeakMap<PerimeterView, Set<string>>();

/** Keys of the profiles of a perimeter that have storage account members (computed once per view). */
function profilesWithStorage(view: PerimeterView): Set<string> {
  let keys = storageProfiles.get(view);
  if (!keys) {
    keys = new Set(view.associations.filter((a) => a.memberType === T.storageAccount && a.profileId).map((a) => idKey(a.profileId!)));
    storageProfiles.set(view, keys);
  }
  return keys;
}

export default defineRule({
  scope: "accessRule",
  meta: {
    id: "accessrule-service-tag",
    title: "Inbound access rule admits a service tag",
    category: "risky",
    severity: "medium",
    severityLogic: "high for `AzureCloud` (and regional `AzureCloud.*`); medium for any other service tag",
    resource: "the access rule",
    sources: [{ doc: "TAGS", section: "Limitations and the note on service tags", anchor: "limitations" }],
    explanation:
      "A service tag admits every address of a Microsoft service, which can include multi-tenant workloads running third-party or untrusted code; `AzureCloud` admits all of Azure's public addresses, anyone's virtual machines included. Azure Storage does not support service tags as inbound rules: for storage members such a rule may appear to work in some scenarios and fail in others.",
    remediation:
      "Use the narrowest (regional) service tag that meets the need, or replace it with subscription rules or the specific public ranges of the callers. Never use AzureCloud. For profiles with storage members, do not rely on service tags at all.",
    reads: [T.profile, T.accessRule, T.association],
  },
  check(rule, profile, view) {
    if (rule.direction !== "Inbound") return;
    const tags = elementsOf(rule).serviceTags;
    if (tags.length === 0) return;
    const cloud = tags.filter(isAzureCloud);
    const storageNote = profilesWithStorage(view).has(idKey(profile.id))
      ? "; the profile has storage members, and Azure Storage does not support service tags as inbound rules (access may work inconsistently)"
      : "";
    return {
      severity: cloud.length > 0 ? "high" : "medium",
      message: `${nameOf(rule.id)} in profile ${nameOf(profile.id)} admits service tag(s) ${listNames(tags, 5)}${cloud.length > 0 ? ` (${listNames(cloud)} admits all of Azure's public addresses)` : ""}${storageNote}.`,
    };
  },
});
