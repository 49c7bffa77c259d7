import type { ArmResource } from "../../src/model/resource.js";
import { accessRule, keyVault, storageInPerimeter } from "../helpers/builders.js";
import { memberInPerimeter } from "../helpers/builders-association.js";
import { graphShaped } from "../helpers/builders-perimeter.js";
import { ruleTester } from "../helpers/ruleTester.js";

/** An inbound rule admitting service tags, shaped like the NSP spec's NspAccessRuleProperties. */
function tagRule(prof: ArmResource, name: string, serviceTags: string[], direction = "Inbound"): ArmResource {
  const rule = accessRule(prof, name, { direction });
  return { ...rule, properties: { ...rule.properties, serviceTags } };
}

const vaultOnly = memberInPerimeter(keyVault("kv-tags"));
const withStorage = storageInPerimeter("sttags");

ruleTester("accessrule-service-tag", {
  fires: [
    {
      name: "AzureCloud on a Key Vault profile: high",
      resources: [...vaultOnly.resources, tagRule(vaultOnly.profile, "allow-azure", ["AzureCloud"])],
      expect: [{ resourceId: `${vaultOnly.profile.id}/accessRules/allow-azure`, severity: "high", messageIncludes: "all of Azure's public addresses" }],
    },
    {
      name: "regional AzureCloud.WestEurope (casing variants: Resource Graph rule, \"azurecloud.westeurope\"): high",
      resources: [...vaultOnly.resources, graphShaped(tagRule(vaultOnly.profile, "allow-region", ["azurecloud.westeurope"]))],
      expect: [{ resourceId: graphShaped(tagRule(vaultOnly.profile, "allow-region", [])).id, severity: "high" }],
    },
    {
      name: "AzureMonitor on a profile with storage members: medium, notes that Storage ignores service tags",
      resources: [...withStorage.resources, tagRule(withStorage.profile, "allow-monitor", ["AzureMonitor"])],
      expect: [{ resourceId: `${withStorage.profile.id}/accessRules/allow-monitor`, severity: "medium", messageIncludes: "Azure Storage does not support service tags" }],
    },
    {
      name: "Storage.WestUS on a Key Vault profile: medium",
      resources: [...vaultOnly.resources, tagRule(vaultOnly.profile, "allow-storage-tag", ["Storage.WestUS"])],
      expect: [{ resourceId: `${vaultOnly.profile.id}/accessRules/allow-storage-tag`, severity: "medium", messageIncludes: "Storage.WestUS" }],
    },
  ],
  passes: [
    { name: "inbound rule with an empty serviceTags list (as ARM returns address rules)", resources: [...vaultOnly.resources, accessRule(vaultOnly.profile, "ips", { direction: "Inbound", addressPrefixes: ["203.0.113.0/24"] })] },
    { name: "service tags on an outbound rule are not inbound access", resources: [...vaultOnly.resources, tagRule(vaultOnly.profile, "out", ["AzureCloud"], "Outbound")] },
    {
      name: "serviceTags of another shape (not an array)",
      resources: [...vaultOnly.resources, { ...tagRule(vaultOnly.profile, "odd", []), properties: { direction: "Inbound", serviceTags: "AzureCloud" } }],
    },
  ],
});
