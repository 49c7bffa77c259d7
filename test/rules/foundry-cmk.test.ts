import { cmkEncryption, cognitiveAccount, recase, storageInPerimeter } from "../helpers/builders.js";
import { memberInPerimeter } from "../helpers/builders-association.js";
import { ruleTester } from "../helpers/ruleTester.js";

const id = { type: "SystemAssigned" };
const cmk = cognitiveAccount("ai-cmk", { encryption: { keySource: "Microsoft.KeyVault", keyVaultProperties: { keyVaultUri: "https://kv-ai.vault.azure.net/", keyName: "k1" } } }, id);
const lowerBase = cognitiveAccount("ai-cmk2", { encryption: { keySource: "microsoft.keyvault" } }, id);
const lowerFromGraph = { ...lowerBase, id: recase(lowerBase.id), type: "microsoft.cognitiveservices/accounts" };
const storageStyle = cognitiveAccount("ai-cmk3", { encryption: { keySource: "Microsoft.Keyvault", keyvaultproperties: { keyvaulturi: "https://kv-old.vault.azure.net" } } }, id);

ruleTester("foundry-cmk", {
  fires: [
    { name: "keySource Microsoft.KeyVault", resources: memberInPerimeter(cmk).resources, expect: [{ resourceId: cmk.id, severity: "medium", messageIncludes: "kv-ai.vault.azure.net" }] },
    {
      name: "lower-cased keySource, type and re-cased id (Resource Graph)",
      resources: memberInPerimeter(lowerFromGraph, { accessMode: "Learning" }).resources,
      expect: [{ resourceId: lowerFromGraph.id, severity: "medium", messageIncludes: '"microsoft.keyvault"' }],
    },
    { name: "storage-style casing Microsoft.Keyvault / keyvaultproperties", resources: memberInPerimeter(storageStyle).resources, expect: [{ resourceId: storageStyle.id, severity: "medium", messageIncludes: "kv-old" }] },
  ],
  passes: [
    { name: "Microsoft-managed keys", resources: memberInPerimeter(cognitiveAccount("ai-mmk", { encryption: { keySource: "Microsoft.CognitiveServices" } }, id)).resources },
    { name: "no encryption block", resources: memberInPerimeter(cognitiveAccount("ai-plain", {}, id)).resources },
    { name: "storage account with a customer-managed key is not a Foundry account", resources: storageInPerimeter("stcmk", { properties: { encryption: cmkEncryption("kv1") } }).resources },
    { name: "CMK account that is not associated", resources: [cmk, ...storageInPerimeter("sty").resources] },
  ],
});
