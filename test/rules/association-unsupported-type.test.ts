import { recase, storageAccount, storageInPerimeter, SUB } from "../helpers/builders.js";
import { armResource, memberInPerimeter } from "../helpers/builders-association.js";
import { associableType, serviceBusNamespace } from "../helpers/builders-services.js";
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
const serviceBus = memberInPerimeter(serviceBusNamespace("sb-orders"));
/** The live onboarded list (ARM, per region) names a type the built-in table does not know yet. */
const containerApps = memberInPerimeter(armResource("Microsoft.App/containerApps", "ca-orders"));
/** Read tolerant of shape: an entry without `properties.resourceType` is named by `Microsoft.App.containerApps`. */
const liveList = [
  (() => {
    const entry = associableType("Microsoft.App/containerApps", "Preview");
    const { resourceType: _dropped, ...properties } = entry.properties as Record<string, unknown>;
    return { ...entry, properties };
  })(),
  associableType("Microsoft.Storage/storageAccounts", "GA"),
];
const notReadyList = [associableType("Microsoft.App/containerApps", "NotReady")];

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
    {
      name: "the live list names the type but NotReady: still not onboarded",
      resources: [...containerApps.resources, ...notReadyList],
      expect: [{ resourceId: containerApps.memberId, severity: "high", messageIncludes: "Microsoft.App/containerApps" }],
    },
  ],
  passes: [
    { name: "Service Bus namespace (GA since 2026-04; previously a false high)", resources: serviceBus.resources },
    { name: "a type only the live onboarded list names (entry without properties.resourceType, named Microsoft.App.containerApps)", resources: [...containerApps.resources, ...liveList] },
    { name: "storage account (onboarded, GA)", resources: storageInPerimeter("stok1").resources },
    { name: "key vault with lower-cased type and re-cased id, as Resource Graph emits", resources: vaultRecased.resources },
    { name: "AI Search not in the estate, upper-cased provider in the id", resources: searchNotInEstate.resources },
    { name: "Cognitive Services account (onboarded, preview)", resources: cognitive.resources },
    { name: "policy onboardedTypes adds Microsoft.Web/sites", resources: webInNsp.resources, policy: { onboardedTypes: ["Microsoft.Web/sites"] } },
    { name: "policy type in another casing", resources: webInNsp.resources, policy: { onboardedTypes: ["MICROSOFT.WEB/SITES"] } },
    { name: "unsupported resource that is not associated", resources: [webApp, ...storageInPerimeter("stok2").resources] },
  ],
});
