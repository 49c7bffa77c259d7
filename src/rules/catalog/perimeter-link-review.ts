import { T } from "../../model/resourceTypes.js";
import { defineRule, type RuleHit } from "../types.js";
import { isApproved, isLinkReference, linksOf, linkStatus, localInboundProfiles, remoteInboundProfiles, remotePerimeterLabel } from "../lib/links.js";
import { nameOf } from "../lib/messages.js";

/** More links than this on one perimeter deserve a review (rules.md Revision 2). */
const MANY_LINKS = 10;

export default defineRule({
  scope: "perimeter",
  meta: {
    id: "perimeter-link-review",
    title: "Perimeter link to review (wildcard profiles, not approved, or many links)",
    category: "hygiene",
    severity: "medium",
    severityLogic:
      "medium when a link or link reference admits `*` in `localInboundProfiles` or `remoteInboundProfiles`, or the perimeter has more than 10 links; low when a link is not Approved (Pending, Rejected, Disconnected)",
    resource: "the link (the perimeter for the link count)",
    sources: [{ doc: "LINKS", section: "Create the perimeter link; Verify automatically created rules" }],
    explanation:
      "An approved perimeter link admits every member of the remote perimeter's linked profiles into the local ones, with no further access rule. `*` admits all profiles on that side, including profiles created later, so the link grants more than its creator may have meant. A link that is not Approved grants nothing (callers relying on it are denied once enforced), and many links make the perimeter's effective boundary hard to review. Perimeter links are a preview feature.",
    remediation:
      "Name the specific local and remote profiles the link is for instead of `*`; approve or delete links that are Pending, Rejected or Disconnected; consolidate perimeters that need many links.",
    reads: [T.perimeter, T.link, T.linkReference],
  },
  check(view) {
    const links = linksOf(view.estate, view.id);
    const hits: RuleHit[] = [];
    for (const link of links) {
      const kind = isLinkReference(link) ? "Link reference" : "Link";
      const wildcards = [
        ...(localInboundProfiles(link).includes("*") ? ["localInboundProfiles"] : []),
        ...(remoteInboundProfiles(link).includes("*") ? ["remoteInboundProfiles"] : []),
      ];
      const approved = isApproved(link);
      if (wildcards.length === 0 && approved) continue;
      const parts = [
        ...(wildcards.length ? [`admits "*" in ${wildcards.join(" and ")} (every profile on that side, including future ones)`] : []),
        ...(!approved ? [`is ${linkStatus(link) ?? "without a status"}, not Approved (it admits nothing)`] : []),
      ];
      hits.push({
        severity: wildcards.length ? "medium" : "low",
        resourceId: link.id,
        message: `${kind} ${nameOf(link.id)} of perimeter ${nameOf(view.id)} with ${remotePerimeterLabel(link)} ${parts.join(" and ")}.`,
      });
    }
    const linkCount = view.estate.descendants(view.id, T.link).length;
    if (linkCount > MANY_LINKS) {
      hits.push({
        severity: "medium",
        resourceId: view.id,
        message: `Perimeter ${nameOf(view.id)} has ${linkCount} links (more than ${MANY_LINKS}): its effective boundary is hard to review.`,
      });
    }
    return hits;
  },
});
