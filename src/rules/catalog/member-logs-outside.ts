import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { destinationsOutside, diagnosticSettingsUnder } from "../lib/diagnostics.js";
import { listNames, nameOf } from "../lib/messages.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "member-logs-outside",
    title: "A member's resource logs go to a destination outside its perimeter",
    category: "risky",
    severity: "medium",
    severityLogic: "medium whenever one of the member's own diagnostic settings sends to a workspace, storage account or Event Hub namespace not associated with the member's perimeter",
    resource: "the member",
    sources: [
      { doc: "CONCEPTS", section: "Logging limitations (note on PaaS resource logs)", anchor: "logging-limitations" },
      { doc: "MONITOR", section: "Current limitations (diagnostic settings)", anchor: "current-limitations" },
      { doc: "DIAG", section: "Diagnostic logs for Network Security Perimeter" },
    ],
    explanation:
      "A PaaS resource's own logs (diagnostic settings on the member or its sub-services) must go to a Log Analytics workspace, storage account or Event Hub associated with the same perimeter: once the member is enforced, the perimeter blocks the export to a destination outside it and the logs silently stop flowing.",
    remediation:
      "Associate the destination with the member's perimeter, or point the diagnostic setting at a destination already associated with it.",
    reads: [T.association, T.diagnosticSetting, T.logAnalyticsWorkspace, T.storageAccount, T.eventHubNamespace],
  },
  check(association, view) {
    if (!association.memberKey) return;
    const settings = diagnosticSettingsUnder(view.estate, association.memberId);
    if (settings.length === 0) return;
    const outside = destinationsOutside(view.estate, settings, view.id);
    if (outside.length === 0) return;
    return {
      severity: "medium",
      message: `${nameOf(association.memberDisplayId)} sends its resource logs to destination(s) not associated with perimeter ${nameOf(view.id)}: ${listNames(outside, 5)}; the export stops once the member is enforced.`,
    };
  },
});
