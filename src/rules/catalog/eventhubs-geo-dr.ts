import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { listNames, nameOf } from "../lib/messages.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "eventhubs-geo-dr",
    title: "Event Hubs namespace with Geo-disaster recovery in a perimeter",
    category: "unsupported",
    severity: "high",
    severityLogic: "high whenever an associated Event Hubs namespace has a `disasterRecoveryConfigs` child (a Geo-DR alias)",
    resource: "the namespace",
    sources: [{ doc: "EH", section: "Network Security Perimeter for Azure Event Hubs (note on Geo-disaster recovery)" }],
    explanation: "Network security perimeter does not support Event Hubs Geo-disaster recovery: a paired namespace's alias and failover are not covered, so recovery may fail when it is needed.",
    remediation:
      "Keep namespaces that need Geo-disaster recovery out of the perimeter (protect them with private endpoints), or break the pairing and rely on another continuity design before associating the namespace.",
    reads: [T.association, T.eventHubNamespace, T.eventHubDisasterRecoveryConfig],
  },
  check(association, view) {
    if (association.memberType !== T.eventHubNamespace) return;
    const aliases = view.estate.descendants(association.memberId, T.eventHubDisasterRecoveryConfig);
    if (aliases.length === 0) return;
    return {
      severity: "high",
      message: `${nameOf(association.memberDisplayId)} has Geo-disaster recovery alias(es) ${listNames(aliases.map((a) => nameOf(a.id)))}: Geo-DR is not supported for namespaces in a perimeter.`,
    };
  },
});
