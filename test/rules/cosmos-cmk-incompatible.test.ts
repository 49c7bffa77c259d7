import { recase } from "../helpers/builders.js";
import { memberInPerimeter } from "../helpers/builders-association.js";
import { cosmosAccount } from "../helpers/builders-services.js";
import { ruleTester } from "../helpers/ruleTester.js";

const KEY = "https://kv-cosmos.vault.azure.net/keys/cosmos-cmk";
const analytical = cosmosAccount("cosmos-analytics", { keyVaultKeyUri: KEY, enableAnalyticalStorage: true });
const continuous = cosmosAccount("cosmos-pitr", { keyVaultKeyUri: KEY, backupPolicy: { type: "Continuous", continuousModeProperties: { tier: "Continuous30Days" } } });
const graph = (() => {
  const a = cosmosAccount("cosmos-views", { keyVaultKeyUri: KEY, enableMaterializedViews: "true", backupPolicy: { type: "continuous" } });
  return { ...a, id: recase(a.id), type: a.type.toLowerCase() };
})();

ruleTester("cosmos-cmk-incompatible", {
  fires: [
    {
      name: "CMK with analytical store",
      resources: memberInPerimeter(analytical).resources,
      expect: [{ resourceId: analytical.id, severity: "high", messageIncludes: "analytical store" }],
    },
    {
      name: "CMK with continuous backup (point-in-time restore), Learning mode",
      resources: memberInPerimeter(continuous, { accessMode: "Learning" }).resources,
      expect: [{ resourceId: continuous.id, severity: "high", messageIncludes: "continuous backup" }],
    },
    {
      name: "casing variants: Resource Graph account, \"true\" string, \"continuous\"",
      resources: memberInPerimeter(graph).resources,
      expect: [{ resourceId: graph.id, severity: "high", messageIncludes: "materialized views" }],
    },
  ],
  passes: [
    { name: "CMK with periodic backup and no analytical store", resources: memberInPerimeter(cosmosAccount("cosmos-cmk", { keyVaultKeyUri: KEY })).resources },
    { name: "analytical store without CMK", resources: memberInPerimeter(cosmosAccount("cosmos-smk", { enableAnalyticalStorage: true })).resources },
    { name: "the incompatible combination outside any perimeter", resources: [analytical] },
  ],
});
