import { recase } from "../helpers/builders.js";
import { memberInPerimeter } from "../helpers/builders-association.js";
import { disasterRecoveryConfig, eventHubNamespace, serviceBusNamespace } from "../helpers/builders-services.js";
import { ruleTester } from "../helpers/ruleTester.js";

const primary = eventHubNamespace("eh-orders");
const secondary = eventHubNamespace("eh-orders-dr", {}, { rg: "rg-events-dr" });
const alias = disasterRecoveryConfig(primary, "eh-orders-alias", secondary);

ruleTester("eventhubs-geo-dr", {
  fires: [
    {
      name: "associated namespace with a Geo-DR alias",
      resources: [...memberInPerimeter(primary).resources, secondary, alias],
      expect: [{ resourceId: primary.id, severity: "high", messageIncludes: "eh-orders-alias" }],
    },
    {
      name: "namespace not in the estate, alias present (Learning mode still fires)",
      resources: [...memberInPerimeter(primary.id, { accessMode: "Learning" }).resources, alias],
      expect: [{ resourceId: primary.id, severity: "high" }],
    },
    {
      name: "casing variants: Resource Graph alias (re-cased id, lower-cased type)",
      resources: [...memberInPerimeter(primary).resources, { ...alias, id: recase(alias.id), type: alias.type.toLowerCase() }],
      expect: [{ resourceId: primary.id, severity: "high", messageIncludes: "eh-orders-alias" }],
    },
  ],
  passes: [
    { name: "namespace with single-region geoDataReplication only (the default shape)", resources: memberInPerimeter(primary).resources },
    { name: "alias on a namespace outside the perimeter", resources: [...memberInPerimeter(secondary).resources, primary, alias] },
    {
      name: "a Service Bus alias (servicebus-geo-replication's concern)",
      resources: (() => {
        const bus = serviceBusNamespace("sb-x");
        return [...memberInPerimeter(bus).resources, disasterRecoveryConfig(bus, "sb-alias", serviceBusNamespace("sb-y"))];
      })(),
    },
  ],
});
