import { T } from "../../model/resourceTypes.js";
import { defineRule, type RuleHit } from "../types.js";
import { isSecuredByPerimeter } from "../lib/members.js";
import { nameOf } from "../lib/messages.js";
import { BUILT_IN_ONBOARDED, liveOnboardedList } from "../lib/onboarded.js";

export default defineRule({
  scope: "estate",
  meta: {
    id: "member-secured-unassociated",
    title: "Resource secured by a perimeter it is not associated with",
    category: "risky",
    severity: "high",
    severityLogic: "high whenever a resource of an onboarded type has `publicNetworkAccess` SecuredByPerimeter but no association",
    resource: "the resource",
    sources: [
      { doc: "TRANSITION", section: "Access mode configuration point on resource associations", anchor: "access-mode-configuration-point-on-resource-associations" },
    ],
    explanation:
      "`publicNetworkAccess: SecuredByPerimeter` tells the resource to admit public traffic only through its perimeter's access rules. Without any association there are no such rules: the resource is locked down and every public client, including ones that worked yesterday, is refused. This usually follows an association deleted or never created after the setting was changed.",
    remediation:
      "Associate the resource with the perimeter meant to govern it (and the profile whose rules admit its clients), or set `publicNetworkAccess` back to Enabled or Disabled to let its own network settings decide.",
    reads: [...BUILT_IN_ONBOARDED.map((row) => row.type), T.association, T.perimeterAssociableResourceType],
  },
  check(estate, ctx) {
    const types = new Set([...BUILT_IN_ONBOARDED.map((row) => row.type), ...(liveOnboardedList(estate)?.types.keys() ?? []), ...ctx.onboardedTypes]);
    const hits: RuleHit[] = [];
    for (const type of types) {
      for (const resource of estate.ofType(type)) {
        if (!isSecuredByPerimeter(resource) || estate.associationsOfMember(resource.id).length > 0) continue;
        hits.push({
          severity: "high",
          resourceId: resource.id,
          message: `${nameOf(resource.id)} (${resource.type}) has publicNetworkAccess SecuredByPerimeter but no perimeter association: no access rule admits its public clients, so it is locked down.`,
        });
      }
    }
    return hits;
  },
});
