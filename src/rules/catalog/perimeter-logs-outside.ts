import { ancestorOfType, idKey, isArmId, sameId } from "../../model/armId.js";
import { T } from "../../model/resourceTypes.js";
import { propString } from "../../model/resource.js";
import { defineRule } from "../types.js";
import { listNames, nameOf } from "../lib/messages.js";

interface Destination {
  readonly kind: string;
  readonly id: string;
  readonly settings: string[];
}

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
    const destinations = new Map<string, Destination>();
    const add = (kind: string, id: string | undefined, setting: string) => {
      // A value that is not an ARM id (empty, a legacy workspace GUID) cannot be looked up: skip it.
      if (!id || !isArmId(id)) return;
      const key = idKey(id);
      const known = destinations.get(key);
      if (known) {
        if (!known.settings.includes(setting)) known.settings.push(setting);
      } else {
        destinations.set(key, { kind, id, settings: [setting] });
      }
    };
    for (const setting of view.diagnosticSettings) {
      const name = nameOf(setting.id);
      add("Log Analytics workspace", propString(setting, "workspaceId"), name);
      add("storage account", propString(setting, "storageAccountId"), name);
      // The setting names an authorization rule; the namespace is what gets associated.
      const authRule = propString(setting, "eventHubAuthorizationRuleId");
      if (authRule) add("Event Hub namespace", ancestorOfType(authRule, T.eventHubNamespace) ?? authRule, name);
    }

    const outside: string[] = [];
    for (const destination of destinations.values()) {
      const associations = view.estate.associationsOfMember(destination.id);
      if (associations.some((a) => sameId(a.perimeterId, view.id))) continue;
      const where = associations.length
        ? `associated with ${listNames([...new Set(associations.map((a) => nameOf(a.perimeterId)))])} only`
        : "in no perimeter";
      outside.push(`${destination.kind} ${nameOf(destination.id)} (from ${listNames(destination.settings)}; ${where})`);
    }
    if (outside.length === 0) return;
    return {
      severity: "low",
      message: `Perimeter ${nameOf(view.id)} sends logs to destination(s) not associated with it: ${listNames(outside, 5)}.`,
    };
  },
});
