import { cognitiveAccount, keyVault, recase, storageInPerimeter, SUB } from "../helpers/builders.js";
import { armResource, memberInPerimeter } from "../helpers/builders-association.js";
import { ruleTester } from "../helpers/ruleTester.js";

const ai = cognitiveAccount("ai-contoso", {}, { type: "SystemAssigned" });
const aiInNsp = memberInPerimeter(ai);
const sqlId = recase(`/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.Sql/servers/sql-orders`);
const sqlNotInEstate = memberInPerimeter(sqlId, { accessMode: "Learning" });
const cosmos = armResource("Microsoft.DocumentDB/databaseAccounts", "cosmos-orders");
const cosmosFromGraph = { ...cosmos, id: recase(cosmos.id), type: "microsoft.documentdb/databaseaccounts" };
const cosmosInNsp = memberInPerimeter(cosmosFromGraph);

ruleTester("association-preview-type", {
  fires: [
    {
      name: "Cognitive Services (AI Foundry) account",
      resources: aiInNsp.resources,
      expect: [{ resourceId: ai.id, severity: "low", messageIncludes: "Microsoft.CognitiveServices/accounts" }],
    },
    {
      name: "SQL server not in the estate, re-cased id",
      resources: sqlNotInEstate.resources,
      expect: [{ resourceId: sqlId, severity: "low", messageIncludes: "sql-orders" }],
    },
    {
      name: "Cosmos DB with lower-cased type as Resource Graph emits",
      resources: cosmosInNsp.resources,
      expect: [{ resourceId: cosmosFromGraph.id, severity: "low", messageIncludes: "cosmos-orders" }],
    },
  ],
  passes: [
    { name: "storage account (GA)", resources: storageInPerimeter("stga1").resources },
    { name: "key vault (GA)", resources: memberInPerimeter(keyVault("kv-app")).resources },
    {
      name: "type the policy onboards is not a preview type",
      resources: memberInPerimeter(armResource("Microsoft.Web/sites", "app1")).resources,
      policy: { onboardedTypes: ["Microsoft.Web/sites"] },
    },
    { name: "member id that is not an ARM id", resources: memberInPerimeter("sql-orders").resources },
    { name: "Cognitive Services account not associated", resources: [ai, ...storageInPerimeter("stga2").resources] },
  ],
});
