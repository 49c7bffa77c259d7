import { recase } from "../helpers/builders.js";
import { memberInPerimeter } from "../helpers/builders-association.js";
import { disasterRecoveryConfig, geoReplication, serviceBusNamespace } from "../helpers/builders-services.js";
import { ruleTester } from "../helpers/ruleTester.js";

const replicated = serviceBusNamespace("sb-replicated", { geoDataReplication: geoReplication("westeurope", "northeurope") });
const paired = serviceBusNamespace("sb-paired");
const partner = serviceBusNamespace("sb-paired-dr", {}, { rg: "rg-messaging-dr" });
const alias = disasterRecoveryConfig(paired, "sb-alias", partner);
const graph = (() => {
  const ns = serviceBusNamespace("sb-graph", { geoDataReplication: geoReplication("westeurope", "swedencentral", "germanywestcentral") });
  return { ...ns, id: recase(ns.id), type: ns.type.toLowerCase() };
})();

ruleTester("servicebus-geo-replication", {
  fires: [
    {
      name: "geo-replication to a second region",
      resources: memberInPerimeter(replicated).resources,
      expect: [{ resourceId: replicated.id, severity: "high", messageIncludes: "northeurope" }],
    },
    {
      name: "Geo-DR alias child",
      resources: [...memberInPerimeter(paired, { accessMode: "Learning" }).resources, partner, alias],
      expect: [{ resourceId: paired.id, severity: "high", messageIncludes: "partner sb-paired-dr" }],
    },
    {
      name: "casing variants: Resource Graph namespace with three regions",
      resources: memberInPerimeter(graph).resources,
      expect: [{ resourceId: graph.id, severity: "high", messageIncludes: "swedencentral" }],
    },
  ],
  passes: [
    { name: "single primary location (previous false positives: Service Bus is onboarded)", resources: memberInPerimeter(serviceBusNamespace("sb-one", { geoDataReplication: geoReplication("westeurope") })).resources },
    { name: "no geoDataReplication at all", resources: memberInPerimeter(serviceBusNamespace("sb-plain")).resources },
    { name: "replicated namespace outside any perimeter", resources: [replicated] },
  ],
});
