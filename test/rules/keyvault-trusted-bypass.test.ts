import { keyVault, recase } from "../helpers/builders.js";
import { memberInPerimeter } from "../helpers/builders-association.js";
import { ruleTester } from "../helpers/ruleTester.js";

const acls = (bypass: string, defaultAction = "Deny") => ({ networkAcls: { bypass, defaultAction, ipRules: [], virtualNetworkRules: [] } });
const enforced = keyVault("kv-bypass", {}, { publicNetworkAccess: "Enabled", ...acls("AzureServices") });
const securedLearning = keyVault("kv-secured", {}, { publicNetworkAccess: "SecuredByPerimeter", ...acls("AzureServices") });
const recased = (() => {
  const v = keyVault("kv-cased", {}, { publicNetworkAccess: "Enabled", ...acls("azureservices") });
  return { ...v, id: recase(v.id), type: v.type.toLowerCase() };
})();

ruleTester("keyvault-trusted-bypass", {
  fires: [
    {
      name: "Enforced vault with bypass AzureServices",
      resources: memberInPerimeter(enforced).resources,
      expect: [{ resourceId: enforced.id, severity: "medium", messageIncludes: "AzureServices" }],
    },
    {
      name: "Learning vault with SecuredByPerimeter (effectively enforcing)",
      resources: memberInPerimeter(securedLearning, { accessMode: "Learning" }).resources,
      expect: [{ resourceId: securedLearning.id, severity: "medium", messageIncludes: "SecuredByPerimeter" }],
    },
    {
      name: "casing variants: Resource Graph vault, \"azureservices\", mode \"ENFORCED\"",
      resources: memberInPerimeter(recased, { accessMode: "ENFORCED" }).resources,
      expect: [{ resourceId: recased.id, severity: "medium", messageIncludes: "azureservices" }],
    },
  ],
  passes: [
    { name: "Learning vault with its own public access: the bypass still applies", resources: memberInPerimeter(keyVault("kv-learn", {}, { publicNetworkAccess: "Enabled", ...acls("AzureServices") }), { accessMode: "Learning" }).resources },
    { name: "Enforced vault with bypass None", resources: memberInPerimeter(keyVault("kv-none", {}, acls("None"))).resources },
    { name: "vault with the bypass but in no perimeter", resources: [keyVault("kv-free", {}, acls("AzureServices"))] },
  ],
});
