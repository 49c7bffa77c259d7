import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { destinationsOutside } from "../lib/diagnostics.js";
import { listNames, nameOf } from "../lib/messages.js";

export default defineRule({
  scope: "perimeter",
  meta: {
    id: "perimeter-logs-outside",
    title: "Perimeter logs go to a destination outside the perimeter",
    category: "hygiene",
    severity: "low",
    severityLogic: "low",
    resource: "the perimeter",
    sources: [{ doc: "CONCEPTS", section: "Logging limitations", anchor: "logging-limitations" }],
    explanation:
      "Microsoft's docs ask for the log destination (Log Analytics workspace, storage account or Event Hub) to be associated with the same perimeter as the resources it logs. A destination outside the perimeter receives the logs over public paths that the perimeter does not govern, or fails to receive them once it is enforced elsewhere.",
    remediation:
      "Associate the listed workspace, storage account or Event Hub namespace with this perimeter, or point the diagnostic setting at a destination that is already associated with it.",
    reads: [
      T.perimeter,
      T.diagnosticSetting,
      T.association,
      T.logAnalyticsWorkspace,
      T.storageAccount,
      T.eventHubNamespace,
    ],
  },
  check(view) {
    const outside = destinationsOutside(view.estate, view.diagnosticSettings, view.id);
    if (outside.length === 0) return;
    return {
      severity: "low",
      message: `Perimeter ${nameOf(view.id)} sends logs to destination(s) not associated with it: ${listNames(outside, 5)}.`,
    };
  },
});
