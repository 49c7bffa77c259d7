import { T } from "../../model/resourceTypes.js";
import { isTrue, propArray, type ArmResource } from "../../model/resource.js";
import { defineRule } from "../types.js";
import { listNames, nameOf } from "../lib/messages.js";

/** A `logs[]` entry that is enabled and names what it collects (a category or a category group). */
function isEnabledLog(entry: unknown): boolean {
  if (entry === null || typeof entry !== "object") return false;
  const { enabled, category, categoryGroup } = entry as { enabled?: unknown; category?: unknown; categoryGroup?: unknown };
  const named = (typeof category === "string" && category.length > 0) || (typeof categoryGroup === "string" && categoryGroup.length > 0);
  return isTrue(enabled) && named;
}

/** Why a diagnostic setting does not produce access logs, for the message. */
function whyNoLogs(setting: ArmResource): string {
  const logs = propArray(setting, "logs");
  const metrics = propArray(setting, "metrics").some((m) => isTrue((m as { enabled?: unknown } | null)?.enabled));
  if (logs.length === 0) return metrics ? "metrics only" : "no log categories";
  return metrics ? "all log categories disabled, metrics only" : "all log categories disabled";
}

export default defineRule({
  scope: "perimeter",
  meta: {
    id: "perimeter-no-access-logs",
    title: "Perimeter has no access logs enabled",
    category: "hygiene",
    severity: "medium",
    severityLogic: "medium",
    resource: "the perimeter",
    sources: [
      { doc: "CONCEPTS", section: "Why use a network security perimeter? (access logs)", anchor: "why-use-a-network-security-perimeter" },
      { doc: "CONCEPTS", section: "Logging limitations", anchor: "logging-limitations" },
    ],
    explanation:
      "A perimeter's access logs come from a Microsoft.Insights diagnostic setting on the perimeter itself; without one that enables a log category or category group, there is no record of which traffic was allowed or denied. That record is what audit and compliance rely on, and what shows in Transition mode which access rules are still missing before enforcing.",
    remediation:
      "Add a diagnostic setting on the perimeter that enables the `allLogs` category group (or specific categories such as NspPublicInboundPerimeterRulesDenied) and sends them to a Log Analytics workspace, storage account or Event Hub associated with the same perimeter.",
    reads: [T.perimeter, T.diagnosticSetting],
  },
  check(view) {
    const settings = view.diagnosticSettings;
    if (settings.some((s) => propArray(s, "logs").some(isEnabledLog))) return;
    const perimeterName = nameOf(view.id);
    if (settings.length === 0) {
      return { severity: "medium", message: `Perimeter ${perimeterName} has no diagnostic setting: its access logs are not collected.` };
    }
    const seen = settings.map((s) => `${nameOf(s.id)} (${whyNoLogs(s)})`);
    return {
      severity: "medium",
      message: `Perimeter ${perimeterName} has no diagnostic setting with an enabled log category: ${listNames(seen, 5)}.`,
    };
  },
});
