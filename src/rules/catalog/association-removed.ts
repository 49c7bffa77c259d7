import { T } from "../../model/resourceTypes.js";
import { defineRule, type RuleHit } from "../types.js";
import { enforcementOf } from "../lib/members.js";
import { nameOf } from "../lib/messages.js";

export default defineRule({
  scope: "perimeter",
  meta: {
    id: "association-removed",
    title: "An enforcing association was deleted",
    category: "risky",
    severity: "high",
    severityLogic:
      "high whenever a change deleted an association that was effectively enforcing (Enforced, or its member SecuredByPerimeter); raised only with the previous state at hand (event pipeline, replay), never by a plain scan",
    resource: "the member",
    sources: [
      { doc: "FILES", section: "Network priority", anchor: "network-priority" },
      { doc: "TRANSITION", section: "Access mode configuration point on resource associations", anchor: "access-mode-configuration-point-on-resource-associations" },
    ],
    explanation:
      "While a resource is associated in Enforced mode, the perimeter's rules replace its own firewall. Deleting the association silently hands the resource back to its own network settings, which were often left open because the perimeter governed: public traffic the perimeter denied is admitted again, and nothing in the perimeter shows it.",
    remediation:
      "Re-create the association (same profile, Enforced), or, if the resource really leaves the perimeter, first lock down its own network settings (firewall, private endpoints, `publicNetworkAccess`).",
    reads: [T.association, T.perimeter],
    needsPreviousState: true,
    revert: {
      target: "association",
      describe: "re-creates the deleted association from its last known good body (the association as it was when it last passed evaluation)",
    },
  },
  check(view, ctx) {
    // Without the previous state (a plain scan) a deletion cannot be seen.
    if (!ctx.previous) return;
    const hits: RuleHit[] = [];
    for (const before of ctx.previous.associationsOfPerimeter(view.id)) {
      if (view.estate.get(before.id)) continue;
      const enforcement = enforcementOf({ mode: before.mode, member: before.member });
      if (!enforcement.enforcing) continue;
      const member = view.estate.get(before.memberId) ?? before.member;
      hits.push({
        severity: "high",
        resourceId: member?.id ?? before.memberId,
        associationId: before.id,
        message: `Association ${nameOf(before.id)} of ${nameOf(member?.id ?? before.memberId)}, which was ${enforcement.label}, was deleted from perimeter ${nameOf(view.id)}: the member now falls back to its own firewall.`,
      });
    }
    return hits;
  },
});
