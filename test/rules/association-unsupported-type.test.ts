import { recase, storageAccount, storageInPerimeter, SUB } from "../helpers/builders.js";
import { armResource, memberInPerimeter } from "../helpers/builders-association.js";
import { ruleTester } from "../helpers/ruleTester.js";

const webApp = armResource("Microsoft.Web/sites", "app-contoso");
const webInNsp = memberInPerimeter(webApp);
const vmId = recase(`/subscriptions/${SUB}/resourceGroups/rg-vms/providers/Microsoft.Compute/virtualMachines/vm-build`);
const vmNotInEstate = memberInPerimeter(vmId);
const notArm = memberInPerimeter("contoso-web");
const blobService = `${storageAccount("stchild").id}/blobServices/default`;
const blobServiceInNsp = memberInPerimeter(blobService, { associationName: "assoc-blobservice" });
const logicApp = memberInPerimeter(armResource("Microsoft.Logic/workflows", "wf-orders"));

// Near-misses: onboarded types in various casings, and a type the policy onboards.
const vaultFromGraph = armResource("Microsoft.KeyVault/vaults", "kv-app", {}, "rg-keys");
const vaultRecased = memberInPerimeter({ ...vaultFromGraph, id: recase(vaultFromGraph.id), type: "microsoft.keyvault/vaults" });
const searchNotInEstate = memberInPerimeter(recase(`/subscriptions/${SUB}/resourceGroups/rg-search/providers/Microsoft.Search/searchServices/srch1`));
const cognitive = memberInPerimeter(armResource("Microsoft.CognitiveServices/accounts", "ai-contoso"));

ruleTester("association-unsupported-type", {
  fires: [
    {
      name: "Microsoft.Web/sites associated (resource in the estate)",
      resources: webInNsp.resources,
      expect: [{ resourceId: webApp.id, severity: "high", messageIncludes: "Microsoft.Web/sites" }],
    },
    {
      name: "member not in the estate, type parsed from a re-cased id (MICROSOFT.COMPUTE, resourcegroups)",
      resources: vmNotInEstate.resources,
      expect: [{ resourceId: vmId, severity: "high", messageIncludes: "MICROSOFT.COMPUTE/virtualMachines" }],
    },
    {
      name: "member id that is not an ARM id at all: fires naming the raw value",
      resources: notArm.resources,
      expect: [{ resourceId: "contoso-web", severity: "high", messageIncludes: '"contoso-web"' }],
    },
    {
      name: "child of an onboarded type (storage blobServices) is not itself onboarded",
      resources: blobServiceInNsp.resources,
      expect: [{ resourceId: blobService, severity: "high", messageIncludes: "blobServices" }],
    },
    {
      name: "policy onboards Microsoft.Web/sites, but the member is a Logic App",
      resources: logicApp.resources,
      policy: { onboardedTypes: ["Microsoft.Web/sites"] },
      expect: [{ resourceId: logicApp.memberId, severity: "high", messageIncludes: "Microsoft.Logic/workflows" }],
    },
  ],
  passes: [
    { name: "storage account (onboarded, GA)", resources: storageInPerimeter("stok1").resources },
    { name: "key vault with lower-cased type and re-cased id, as Resource Graph emits", resources: vaultRecased.resources },
    { name: "AI Search not in the estate, upper-cased provider in the id", resources: searchNotInEstate.resources },
    { name: "Cognitive Services account (onboarded, preview)", resources: cognitive.resources },
    { name: "policy onboardedTypes adds Microsoft.Web/sites", resources: webInNsp.resources, policy: { onboardedTypes: ["Microsoft.Web/sites"] } },
    { name: "policy type in another casing", resources: webInNsp.resources, policy: { onboardedTypes: ["MICROSOFT.WEB/SITES"] } },
    { name: "unsupported resource that is not associated", resources: [webApp, ...storageInPerimeter("stok2").resources] },
  ],
});
