import { cognitiveAccount, keyVault, recase, storageInPerimeter, SUB } from "../helpers/builders.js";
import { armResource, memberInPerimeter } from "../helpers/builders-association.js";
import { associableType, serviceBusNamespace } from "../helpers/builders-services.js";
import { ruleTester } from "../helpers/ruleTester.js";

/** Azure OpenAI: kind `OpenAI` is preview (CONCEPTS-2026); Foundry's kind `AIServices` is GA. */
const openAi = { ...cognitiveAccount("oai-contoso", {}, { type: "SystemAssigned" }), kind: "OpenAI" };
const openAiInNsp = memberInPerimeter(openAi);
const foundry = cognitiveAccount("ai-contoso", {}, { type: "SystemAssigned" });
const foundryLowerKind = { ...cognitiveAccount("ai-lower", {}, { type: "SystemAssigned" }), kind: "aiservices" };
/** The live onboarded list reports Service Bus GA and Key Vault in Preview (a made-up state, to see the list win). */
const liveList = [associableType("Microsoft.ServiceBus/namespaces", "GA"), associableType("Microsoft.KeyVault/vaults", "Preview")];
const vaultLive = keyVault("kv-live");
const sqlId = recase(`/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.Sql/servers/sql-orders`);
const sqlNotInEstate = memberInPerimeter(sqlId, { accessMode: "Learning" });
const cosmos = armResource("Microsoft.DocumentDB/databaseAccounts", "cosmos-orders");
const cosmosFromGraph = { ...cosmos, id: recase(cosmos.id), type: "microsoft.documentdb/databaseaccounts" };
const cosmosInNsp = memberInPerimeter(cosmosFromGraph);

ruleTester("association-preview-type", {
  fires: [
    {
      name: "Cognitive Services account of kind OpenAI (Azure OpenAI, preview)",
      resources: openAiInNsp.resources,
      expect: [{ resourceId: openAi.id, severity: "low", messageIncludes: "of kind OpenAI" }],
    },
    {
      name: "live onboarded list says Preview for a type the built-in table has as GA",
      resources: [...memberInPerimeter(vaultLive).resources, ...liveList],
      expect: [{ resourceId: vaultLive.id, severity: "low", messageIncludes: "live list" }],
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
    { name: "Microsoft Foundry account, kind AIServices (GA; previously a false low)", resources: memberInPerimeter(foundry).resources },
    { name: "casing variants: kind \"aiservices\"", resources: memberInPerimeter(foundryLowerKind).resources },
    {
      name: "Service Bus namespace (GA since 2026-04), with the live list present",
      resources: [...memberInPerimeter(serviceBusNamespace("sb-orders")).resources, ...liveList],
    },
    {
      name: "type the policy onboards is not a preview type",
      resources: memberInPerimeter(armResource("Microsoft.Web/sites", "app1")).resources,
      policy: { onboardedTypes: ["Microsoft.Web/sites"] },
    },
    { name: "member id that is not an ARM id", resources: memberInPerimeter("sql-orders").resources },
    { name: "Azure OpenAI account not associated", resources: [openAi, ...storageInPerimeter("stga2").resources] },
  ],
});
