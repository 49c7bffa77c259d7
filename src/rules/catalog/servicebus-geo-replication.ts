import { propArray, propString } from "../../model/resource.js";
import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { listNames, nameOf } from "../lib/messages.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "servicebus-geo-replication",
    title: "Service Bus namespace with geo-replication or Geo-disaster recovery in a perimeter",
    category: "unsupported",
    severity: "high",
    severityLogic: "high when an associated Service Bus namespace has `geoDataReplication.locations` with more than one entry, or a `disasterRecoveryConfigs` child",
    resource: "the namespace",
    sources: [{ doc: "SB", section: "Network security perimeter scenarios in Service Bus (NOTE)" }],
    explanation:
      "Network security perimeter supports neither Service Bus Geo-Disaster Recovery nor Geo-Replication: a namespace replicating to other regions, or paired through a Geo-DR alias, may lose replication or failover once associated.",
    remediation:
      "Keep namespaces that need geo-replication or Geo-DR out of the perimeter (protect them with private endpoints), or remove the secondary regions or the pairing before associating the namespace.",
    reads: [T.association, T.serviceBusNamespace, T.serviceBusDisasterRecoveryConfig],
  },
  check(association, view) {
    if (association.memberType !== T.serviceBusNamespace) return;
    const locations = propArray(association.member, "geoDataReplication", "locations").flatMap((l) => {
      const name = typeof l === "object" && l !== null ? (l as { locationName?: unknown }).locationName : undefined;
      return typeof name === "string" ? [name] : ["(unnamed)"];
    });
    const aliases = view.estate.descendants(association.memberId, T.serviceBusDisasterRecoveryConfig);
    const seen = [
      ...(locations.length > 1 ? [`geo-replication to ${listNames(locations)}`] : []),
      ...(aliases.length > 0
        ? [`Geo-disaster recovery alias(es) ${listNames(aliases.map((a) => `${nameOf(a.id)}${propString(a, "partnerNamespace") ? ` (partner ${nameOf(propString(a, "partnerNamespace")!)})` : ""}`))}`]
        : []),
    ];
    if (seen.length === 0) return;
    return {
      severity: "high",
      message: `${nameOf(association.memberDisplayId)} has ${seen.join(" and ")}: neither is supported for Service Bus namespaces in a perimeter.`,
    };
  },
});
