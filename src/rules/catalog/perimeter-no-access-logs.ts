import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { ENFORCEMENT_EVIDENCE_CATEGORIES, enabledLogs, isNspLog, whyNoLogs } from "../lib/diagnostics.js";
import { listNames, nameOf } from "../lib/messages.js";

export default defineRule({
  scope: "perimeter",
  meta: {
    id: "perimeter-no-access-logs",
    title: "Perimeter has no (or incomplete) access logs enabled",
    category: "hygiene",
    severity: "medium",
    severityLogic:
      "medium when no diagnostic setting sends any NSP access log; low when one does but neither `allLogs` nor all of the `*Denied` and `*ResourceRules*` categories are enabled",
    resource: "the perimeter",
    sources: [
      { doc: "DIAG", section: "Access logs categories", anchor: "access-logs-categories" },
      { doc: "CONCEPTS", section: "Why use a network security perimeter? (access logs)", anchor: "why-use-a-network-security-perimeter" },
      { doc: "CONCEPTS", section: "Logging limitations", anchor: "logging-limitations" },
    ],
    explanation:
      "A perimeter's access logs come from a Microsoft.Insights diagnostic setting on the perimeter itself; without one that enables NSP log categories there is no record of which traffic was allowed or denied. That record is what audit and compliance rely on. The denied categories and the resource-rules categories are the ones that show, in Transition mode, what enforcement would break: a setting that collects only some other category leaves that question unanswered.",
    remediation:
      "Add (or extend) a diagnostic setting on the perimeter that enables the `allLogs` category group, or at least every `*Denied` and `*ResourceRules*` category, and sends them to a Log Analytics workspace, storage account or Event Hub associated with the same perimeter.",
    reads: [T.perimeter, T.diagnosticSetting],
  },
  check(view) {
    const settings = view.diagnosticSettings;
    const perimeterName = nameOf(view.id);
    const logs = settings.flatMap(enabledLogs);
    const nspLogs = logs.filter(isNspLog);
    if (nspLogs.length === 0) {
      if (settings.length === 0) {
        return { severity: "medium", message: `Perimeter ${perimeterName} has no diagnostic setting: its access logs are not collected.` };
      }
      const seen = settings.map((s) => {
        const other = enabledLogs(s).map((l) => l.category ?? l.categoryGroup ?? "");
        return `${nameOf(s.id)} (${other.length ? `only ${listNames(other)}, not NSP access log categories` : whyNoLogs(s)})`;
      });
      return { severity: "medium", message: `Perimeter ${perimeterName} has no diagnostic setting sending NSP access logs: ${listNames(seen, 5)}.` };
    }
    if (nspLogs.some((l) => l.categoryGroup !== undefined && l.categoryGroup.toLowerCase() === "alllogs")) return;
    const enabled = new Set(nspLogs.flatMap((l) => (l.category ? [l.category.toLowerCase()] : [])));
    const missing = ENFORCEMENT_EVIDENCE_CATEGORIES.filter((c) => !enabled.has(c.toLowerCase()));
    if (missing.length === 0) return;
    return {
      severity: "low",
      message: `Perimeter ${perimeterName} sends some access logs but not allLogs, and misses ${listNames(missing, 6)}: the logs do not show everything enforcement would deny.`,
    };
  },
});
