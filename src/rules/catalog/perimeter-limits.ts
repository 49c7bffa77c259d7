import { T } from "../../model/resourceTypes.js";
import { defineRule, type RuleHit } from "../types.js";
import { nameOf } from "../lib/messages.js";

/** Recommended limits (NSP limits). */
const MAX_ASSOCIATIONS_PER_PERIMETER = 1000;
const MAX_PROFILES_PER_PERIMETER = 200;
const MAX_PERIMETERS_PER_SUBSCRIPTION = 100;

export default defineRule({
  scope: "perimeter",
  meta: {
    id: "perimeter-limits",
    title: "Perimeter or subscription beyond the network security perimeter limits",
    category: "hygiene",
    severity: "medium",
    severityLogic: "medium",
    resource: "the perimeter; `/subscriptions/{id}` for more than 100 perimeters in a subscription",
    sources: [
      { doc: "CONCEPTS", section: "Limitations of a network security perimeter (limits)", anchor: "limitations-of-a-network-security-perimeter" },
    ],
    explanation:
      "Network security perimeter documents scale limits: 1000 associated resources and 200 profiles per perimeter, and 100 perimeters per subscription. Beyond them, Microsoft does not commit to the perimeter's behaviour and new associations, profiles or perimeters may be rejected.",
    remediation:
      "Split the perimeter's members across several perimeters, merge profiles with the same access needs, or spread perimeters over more subscriptions.",
    reads: [T.perimeter, T.profile, T.association],
  },
  check(view) {
    const hits: RuleHit[] = [];
    const exceeded = [
      ...(view.associations.length > MAX_ASSOCIATIONS_PER_PERIMETER
        ? [`${view.associations.length} resource associations (limit ${MAX_ASSOCIATIONS_PER_PERIMETER})`]
        : []),
      ...(view.profiles.length > MAX_PROFILES_PER_PERIMETER
        ? [`${view.profiles.length} profiles (limit ${MAX_PROFILES_PER_PERIMETER})`]
        : []),
    ];
    if (exceeded.length > 0) {
      hits.push({ severity: "medium", message: `Perimeter ${nameOf(view.id)} has ${exceeded.join(" and ")}.` });
    }

    // Raised identically from every perimeter of the subscription (same resourceId and message,
    // no perimeter id) so the engine keeps exactly one finding.
    const subscription = view.subscriptionId.toLowerCase();
    const perimeters = view.estate.perimetersInSubscription(subscription).length;
    if (perimeters > MAX_PERIMETERS_PER_SUBSCRIPTION) {
      hits.push({
        severity: "medium",
        resourceId: `/subscriptions/${subscription}`,
        perimeterId: null,
        message: `Subscription ${subscription} has ${perimeters} network security perimeters (limit ${MAX_PERIMETERS_PER_SUBSCRIPTION}).`,
      });
    }
    return hits;
  },
});
