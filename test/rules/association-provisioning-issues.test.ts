import type { ArmResource } from "../../src/model/resource.js";
import { cognitiveAccount, nspConfiguration, perimeter, recase, storageAccount, storageInPerimeter } from "../helpers/builders.js";
import { memberInPerimeter } from "../helpers/builders-association.js";
import { ruleTester } from "../helpers/ruleTester.js";

/** The association name the storage builder uses. */
const assocName = (account: string) => `assoc-${account}`;

const flagged = storageInPerimeter("stprov1");
const flaggedResources = flagged.resources.map((r) =>
  r === flagged.association ? { ...r, properties: { ...r.properties, hasProvisioningIssues: "yes" } } : r,
);

const warn = storageInPerimeter("stprov2");
const warnConfig = nspConfiguration(warn.account, warn.nsp, assocName("stprov2"), [
  { issueType: "ConfigurationPropagationFailure", severity: "Warning", description: "Profile version 3 not yet applied" },
]);

const mixed = storageInPerimeter("stprov3");
const mixedConfig = nspConfiguration(mixed.account, mixed.nsp, assocName("stprov3"), [
  { issueType: "MissingIdentityConfiguration", severity: "Warning", description: "No managed identity" },
  { issueType: "MissingPerimeterConfiguration", severity: "Error", description: "Perimeter configuration missing" },
]);

// Resource Graph shape: lower-cased type, re-cased id and perimeter id, lower-case severity value.
const graph = storageInPerimeter("stprov4");
const graphBase = nspConfiguration(graph.account, graph.nsp, assocName("stprov4"), [
  { issueType: "ConfigurationPropagationFailure", severity: "error", description: "Access rules not propagated" },
]);
const graphConfig: ArmResource = {
  ...graphBase,
  id: recase(graphBase.id),
  type: "microsoft.storage/storageaccounts/networksecurityperimeterconfigurations",
  properties: {
    ...graphBase.properties,
    networkSecurityPerimeter: { id: recase(graph.nsp.id).toLowerCase(), perimeterGuid: "guid-nsp1" },
  },
};

/** A configuration whose payload lacks `networkSecurityPerimeter`: matched by association name. */
function withoutPerimeterId(config: ArmResource): ArmResource {
  const { networkSecurityPerimeter: _dropped, ...rest } = config.properties as Record<string, unknown>;
  return { ...config, properties: rest };
}
const byName = storageInPerimeter("stprov5");
const byNameConfig = withoutPerimeterId(
  nspConfiguration(byName.account, byName.nsp, assocName("stprov5"), [{ issueType: "Unknown", severity: "Warning", description: "Reconcile pending" }]),
);

const ai = cognitiveAccount("ai-prov", {}, { type: "SystemAssigned" });
const aiInNsp = memberInPerimeter(ai, { associationName: "assoc-ai", hasProvisioningIssues: "No" });
const aiConfig = nspConfiguration(ai, aiInNsp.nsp, "assoc-ai", [
  { issueType: "MissingIdentityConfiguration", severity: "Error", description: "Identity not found" },
]);

const both = storageInPerimeter("stprov6");
const bothResources = [
  ...both.resources.map((r) => (r === both.association ? { ...r, properties: { ...r.properties, hasProvisioningIssues: "Yes" } } : r)),
  nspConfiguration(both.account, both.nsp, assocName("stprov6"), [{ issueType: "Unknown", severity: "Warning", description: "Minor drift" }]),
];

// Near-misses
const clean = storageInPerimeter("stok1");
const cleanConfig = nspConfiguration(clean.account, clean.nsp, assocName("stok1"), []);
const noFlag = storageInPerimeter("stok2");
const otherPerimeter = storageInPerimeter("stok3");
const foreignConfig = nspConfiguration(otherPerimeter.account, perimeter("nsp-other"), "assoc-elsewhere", [
  { issueType: "MissingPerimeterConfiguration", severity: "Error", description: "belongs to nsp-other" },
]);
const otherName = storageInPerimeter("stok4");
const otherNameConfig = withoutPerimeterId(
  nspConfiguration(otherName.account, otherName.nsp, "assoc-someone-else", [{ issueType: "Unknown", severity: "Error" }]),
);
const outside = storageAccount("stoutside");

ruleTester("association-provisioning-issues", {
  fires: [
    {
      name: "association hasProvisioningIssues set (not 'no')",
      resources: flaggedResources,
      expect: [{ resourceId: flagged.account.id, severity: "high", messageIncludes: 'hasProvisioningIssues="yes"' }],
    },
    {
      name: "configuration with a Warning issue only",
      resources: [...warn.resources, warnConfig],
      expect: [{ resourceId: warn.account.id, severity: "medium", messageIncludes: "ConfigurationPropagationFailure (Warning): Profile version 3 not yet applied" }],
    },
    {
      name: "Error and Warning issues: one finding at the worst severity, listing both",
      resources: [...mixed.resources, mixedConfig],
      expect: [{ resourceId: mixed.account.id, severity: "high", messageIncludes: "MissingIdentityConfiguration (Warning): No managed identity; MissingPerimeterConfiguration (Error)" }],
    },
    {
      name: "casing variants: lower-cased type, re-cased ids, severity 'error'",
      resources: [...graph.resources, graphConfig],
      expect: [{ resourceId: graph.account.id, severity: "high", messageIncludes: "Access rules not propagated" }],
    },
    {
      name: "configuration without a perimeter id, matched by association name",
      resources: [...byName.resources, byNameConfig],
      expect: [{ resourceId: byName.account.id, severity: "medium", messageIncludes: "Reconcile pending" }],
    },
    {
      name: "Cognitive Services configuration (hasProvisioningIssues 'No')",
      resources: [...aiInNsp.resources, aiConfig],
      expect: [{ resourceId: ai.id, severity: "high", messageIncludes: "Identity not found" }],
    },
    {
      name: "flag and a Warning configuration together: one high finding",
      resources: bothResources,
      expect: [{ resourceId: both.account.id, severity: "high", messageIncludes: "Minor drift" }],
    },
  ],
  passes: [
    { name: "hasProvisioningIssues 'no' and a configuration without issues", resources: [...clean.resources, cleanConfig] },
    {
      name: "hasProvisioningIssues 'NO' (casing) and no configurations",
      resources: noFlag.resources.map((r) => (r === noFlag.association ? { ...r, properties: { ...r.properties, hasProvisioningIssues: "NO" } } : r)),
    },
    { name: "configuration with errors that belongs to another perimeter", resources: [...otherPerimeter.resources, foreignConfig] },
    { name: "configuration (no perimeter id) of another association name", resources: [...otherName.resources, otherNameConfig] },
    {
      name: "configuration with errors on an account outside the perimeter",
      resources: [...clean.resources, outside, nspConfiguration(outside, clean.nsp, "assoc-stoutside", [{ issueType: "Unknown", severity: "Error" }])],
    },
  ],
});
