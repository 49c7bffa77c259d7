import { NSP_CONFIGURATION_TYPES, T } from "../../model/resourceTypes.js";
import {
  associationProvisioningFlag,
  issueSeverity,
  nspConfigurationsOf,
  provisioningIssuesOf,
  type ProvisioningIssue,
} from "../lib/nspConfigurations.js";
import { defineRule, severityRank, type Severity } from "../types.js";
import { nameOf, quote } from "../lib/messages.js";

function describeIssue(issue: ProvisioningIssue): string {
  const severity = issue.severity ?? "no severity";
  return `${issue.issueType} (${severity})${issue.description ? `: ${issue.description.replace(/[.\s]+$/, "")}` : ""}`;
}

export default defineRule({
  scope: "association",
  meta: {
    id: "association-provisioning-issues",
    title: "Perimeter configuration has provisioning issues on the associated resource",
    category: "risky",
    severity: "high",
    severityLogic:
      "high when the association's `hasProvisioningIssues` is set and not `no`, or a `networkSecurityPerimeterConfigurations` issue of this association has severity Error; medium when its issues are Warnings only. One finding per association at the worst severity.",
    resource: "the associated resource",
    sources: [
      { doc: "ARM", section: "Network Security Perimeter Configurations (provisioningIssues)" },
      { doc: "FOUNDRY", section: "View and manage network security perimeter configuration", anchor: "view-and-manage-network-security-perimeter-configuration" },
    ],
    explanation:
      "The resource provider reports, in the resource's `networkSecurityPerimeterConfigurations`, whether the perimeter's configuration (association, profile, access rules) actually reached the resource; the association mirrors it in `hasProvisioningIssues`. Issues such as ConfigurationPropagationFailure, MissingPerimeterConfiguration or MissingIdentityConfiguration mean the access rules in force on the resource may differ from the perimeter's: traffic may be denied or allowed unexpectedly.",
    remediation:
      "Read the issue descriptions on the resource's networkSecurityPerimeterConfigurations, fix the cause (e.g. assign the managed identity the resource needs, re-create a missing profile), then call the configuration's `reconcile` action and check that `hasProvisioningIssues` returns to `no`.",
    reads: [T.association, ...NSP_CONFIGURATION_TYPES],
  },
  check(association, view) {
    const parts: string[] = [];
    let worst: Severity | undefined;
    const raise = (severity: Severity) => {
      if (!worst || severityRank(severity) > severityRank(worst)) worst = severity;
    };

    const flag = associationProvisioningFlag(association);
    if (flag !== undefined) {
      raise("high");
      parts.push(`association ${nameOf(association.id)} has hasProvisioningIssues=${quote(flag)}`);
    }
    for (const configuration of nspConfigurationsOf(association, view)) {
      const issues = provisioningIssuesOf(configuration);
      if (issues.length === 0) continue;
      for (const issue of issues) raise(issueSeverity(issue));
      parts.push(`configuration ${issues[0]!.configuration} reports ${issues.map(describeIssue).join("; ")}`);
    }
    if (!worst) return;
    return {
      severity: worst,
      message: `Perimeter provisioning issues on ${nameOf(association.memberDisplayId)}: ${parts.join(". ")}.`,
    };
  },
});
