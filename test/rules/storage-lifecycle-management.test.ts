import { managementPolicy, storageAccount, storageInPerimeter } from "../helpers/builders.js";
import { asResourceGraph } from "../helpers/builders-storage-a.js";
import { ruleTester } from "../helpers/ruleTester.js";
import type { ArmResource } from "../../src/model/resource.js";

const explicit = storageInPerimeter("stlcm1");
const implicit = storageInPerimeter("stlcm2", { accessMode: "Learning" });
const mixed = storageInPerimeter("stlcm3");
const recased = storageInPerimeter("stlcm4", { accessMode: "enforced" });
const quiet = storageInPerimeter("stlcm5");

/** A management policy whose rules carry `enabled` as Resource Graph may stringify it. */
function stringEnabledPolicy(account: ArmResource, enabled: string): ArmResource {
  return {
    ...managementPolicy(account, []),
    properties: { policy: { rules: [{ name: "archive-old", enabled, type: "Lifecycle", definition: {} }] } },
  };
}

ruleTester("storage-lifecycle-management", {
  fires: [
    {
      name: "rule with enabled: true",
      resources: [...explicit.resources, managementPolicy(explicit.account, [{ name: "delete-old", enabled: true }])],
      expect: [{ resourceId: explicit.account.id, severity: "medium", messageIncludes: "delete-old" }],
    },
    {
      name: "rule without enabled (enabled by default)",
      resources: [...implicit.resources, managementPolicy(implicit.account, [{ name: "tier-cool" }])],
      expect: [{ resourceId: implicit.account.id, severity: "medium", messageIncludes: "tier-cool" }],
    },
    {
      name: "one disabled rule and one enabled rule: names the enabled one",
      resources: [...mixed.resources, managementPolicy(mixed.account, [{ name: "off-rule", enabled: false }, { name: "on-rule", enabled: true }])],
      expect: [{ resourceId: mixed.account.id, severity: "medium", messageIncludes: "rule(s) on-rule:" }],
    },
    {
      name: "casing variants: Resource Graph policy and account, \"True\" string",
      resources: [...recased.resources.map(asResourceGraph), asResourceGraph(stringEnabledPolicy(recased.account, "True"))],
      expect: [{ resourceId: asResourceGraph(recased.account).id, severity: "medium", messageIncludes: "archive-old" }],
    },
  ],
  passes: [
    {
      name: "every rule enabled: false",
      resources: [...quiet.resources, managementPolicy(quiet.account, [{ name: "a", enabled: false }, { name: "b", enabled: false }])],
    },
    { name: "rule disabled as the string \"FALSE\"", resources: [...quiet.resources, stringEnabledPolicy(quiet.account, "FALSE")] },
    { name: "management policy with no rules", resources: [...quiet.resources, managementPolicy(quiet.account, [])] },
    {
      name: "enabled rules on an account outside the perimeter",
      resources: [...quiet.resources, storageAccount("stlcmout"), managementPolicy(storageAccount("stlcmout"), [{ name: "x", enabled: true }])],
    },
  ],
});
