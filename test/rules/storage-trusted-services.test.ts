import { storageInPerimeter } from "../helpers/builders.js";
import { networkAcls } from "../helpers/builders-storage-b.js";
import { ruleTester } from "../helpers/ruleTester.js";

const synapseRule = {
  tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  resourceId: "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-data/providers/Microsoft.Synapse/workspaces/syn-analytics",
};

const acls = (name: string, overrides: Record<string, unknown>, accessMode?: string) =>
  storageInPerimeter(name, {
    ...(accessMode ? { accessMode } : {}),
    // Outside Enforced mode the account's own public access setting governs: Enabled, not SecuredByPerimeter.
    properties: { networkAcls: networkAcls(overrides), ...(accessMode && accessMode.toLowerCase() !== "enforced" ? { publicNetworkAccess: "Enabled" } : {}) },
  });

const listBypass = acls("sttrust1", { bypass: "Logging, Metrics, AzureServices" });
const lowerBypass = acls("sttrust2", { bypass: "azureservices" }, "enforced");
const resourceRules = acls("sttrust3", { resourceAccessRules: [synapseRule] });
const both = acls("sttrust4", { bypass: "AzureServices", resourceAccessRules: [synapseRule] }, "ENFORCED");
/** Learning, but SecuredByPerimeter: the exceptions are not honoured either (effectively enforcing). */
const securedLearning = storageInPerimeter("sttrust5", {
  accessMode: "Learning",
  properties: { networkAcls: networkAcls({ bypass: "AzureServices" }), publicNetworkAccess: "SecuredByPerimeter" },
});

ruleTester("storage-trusted-services", {
  fires: [
    {
      name: "Learning with publicNetworkAccess SecuredByPerimeter (previously missed): effectively enforcing",
      resources: securedLearning.resources,
      expect: [{ resourceId: securedLearning.account.id, severity: "medium", messageIncludes: "SecuredByPerimeter" }],
    },
    {
      name: "bypass list containing AzureServices",
      resources: listBypass.resources,
      expect: [{ resourceId: listBypass.account.id, severity: "medium", messageIncludes: "Logging, Metrics, AzureServices" }],
    },
    {
      name: "casing variants: lower-cased bypass value and accessMode",
      resources: lowerBypass.resources,
      expect: [{ resourceId: lowerBypass.account.id, severity: "medium", messageIncludes: "azureservices" }],
    },
    {
      name: "resource instance rule without AzureServices bypass",
      resources: resourceRules.resources,
      expect: [{ resourceId: resourceRules.account.id, severity: "medium", messageIncludes: "syn-analytics" }],
    },
    {
      name: "both exceptions: one finding, upper-case mode",
      resources: both.resources,
      expect: [{ resourceId: both.account.id, severity: "medium", messageIncludes: "syn-analytics" }],
    },
  ],
  passes: [
    { name: "AzureServices bypass in Learning mode (exceptions still honoured)", resources: acls("stpass1", { bypass: "AzureServices" }, "Learning").resources },
    { name: "AzureServices bypass in Audit mode", resources: acls("stpass2", { bypass: "AzureServices", resourceAccessRules: [synapseRule] }, "audit").resources },
    { name: "Enforced, bypass Logging and Metrics only", resources: acls("stpass3", { bypass: "Logging, Metrics" }).resources },
    { name: "Enforced, bypass None and no resource access rules", resources: acls("stpass4", {}).resources },
    { name: "Enforced, no networkAcls at all", resources: storageInPerimeter("stpass5", { properties: { networkAcls: null } }).resources },
  ],
});
