import { cognitiveAccount, keyVault, recase, storageInPerimeter } from "../helpers/builders.js";
import { armResource, memberInPerimeter } from "../helpers/builders-association.js";
import { cosmosAccount, serviceBusNamespace, sqlServer } from "../helpers/builders-services.js";
import { ruleTester } from "../helpers/ruleTester.js";

// NOW (builders) is 2026-11-22T08:00Z; SYSTEM_DATA.createdAt is 21 days earlier.
const vault = keyVault("kv-app", {}, { publicNetworkAccess: "Enabled" });
const vaultLearning = memberInPerimeter(vault, { accessMode: "Learning" });
const sql = sqlServer("sql-orders", { publicNetworkAccess: "Enabled" });
const sqlAudit = (() => {
  const m = memberInPerimeter(sql, { accessMode: "Audit" });
  const assoc = { ...m.association, systemData: { ...m.association.systemData, createdAt: "2026-09-01T00:00:00Z" } };
  return { ...m, resources: [m.nsp, m.profile, sql, assoc] };
})();
/** Resource Graph shape: re-cased member id and lower-cased type; association without accessMode (Learning). */
const busFromGraph = (() => {
  const bus = serviceBusNamespace("sb-orders", { publicNetworkAccess: "Disabled" });
  const graph = { ...bus, id: recase(bus.id), type: bus.type.toLowerCase() };
  const m = memberInPerimeter(graph, { accessMode: "learning" });
  return { ...m, member: graph };
})();
const cosmosSecured = memberInPerimeter(cosmosAccount("cosmos-orders"), { accessMode: "Learning" }); // SecuredByPerimeter
const foundrySecured = memberInPerimeter(cognitiveAccount("ai-secured", { publicNetworkAccess: "SecuredByPerimeter" }), { accessMode: "Audit" });

ruleTester("association-transition-mode", {
  fires: [
    {
      name: "Key Vault in Learning with public access Enabled, 21 days old: medium",
      resources: vaultLearning.resources,
      expect: [{ resourceId: vault.id, severity: "medium", messageIncludes: "21 day(s)" }],
    },
    {
      name: "SQL server in Audit past the grace period: high",
      resources: sqlAudit.resources,
      expect: [{ resourceId: sql.id, severity: "high", messageIncludes: "Audit" }],
    },
    {
      name: "casing variants: Service Bus from Resource Graph, lower-cased mode \"learning\"",
      resources: busFromGraph.resources,
      expect: [{ resourceId: busFromGraph.member.id, severity: "medium", messageIncludes: "Learning (Transition)" }],
    },
  ],
  passes: [
    { name: "Cosmos DB in Learning with publicNetworkAccess SecuredByPerimeter (already perimeter-only)", resources: cosmosSecured.resources },
    { name: "Foundry account in Audit with SecuredByPerimeter", resources: foundrySecured.resources },
    { name: "Key Vault Enforced", resources: memberInPerimeter(keyVault("kv-enforced", {}, { publicNetworkAccess: "Enabled" })).resources },
    { name: "storage account in Learning (storage-transition-mode's concern)", resources: storageInPerimeter("stlearn", { accessMode: "Learning", properties: { publicNetworkAccess: "Enabled" } }).resources },
    { name: "type that is not onboarded (association-unsupported-type's concern)", resources: memberInPerimeter(armResource("Microsoft.Web/sites", "app1"), { accessMode: "Learning" }).resources },
  ],
});
