import { inventoryPolicy, storageAccount, storageInPerimeter } from "../helpers/builders.js";
import { asResourceGraph } from "../helpers/builders-storage-a.js";
import { ruleTester } from "../helpers/ruleTester.js";

const enforced = storageInPerimeter("stinv1");
const learning = storageInPerimeter("stinv2", { accessMode: "Learning" });
const recased = storageInPerimeter("stinv3", { accessMode: "AUDIT" });
const quiet = storageInPerimeter("stinv4");

ruleTester("storage-blob-inventory", {
  fires: [
    {
      name: "policy.enabled true, Enforced",
      resources: [...enforced.resources, inventoryPolicy(enforced.account, true)],
      expect: [{ resourceId: enforced.account.id, severity: "medium", messageIncludes: "stinv1" }],
    },
    {
      name: "policy.enabled \"true\" string, Learning",
      resources: [...learning.resources, inventoryPolicy(learning.account, "true")],
      expect: [{ resourceId: learning.account.id, severity: "medium", messageIncludes: "default" }],
    },
    {
      name: "casing variants: Resource Graph policy, \"True\", \"AUDIT\" mode",
      resources: [...recased.resources, asResourceGraph(inventoryPolicy(recased.account, "True"))],
      expect: [{ resourceId: recased.account.id, severity: "medium" }],
    },
  ],
  passes: [
    { name: "policy.enabled false", resources: [...quiet.resources, inventoryPolicy(quiet.account, false)] },
    { name: "policy.enabled \"False\" string", resources: [...quiet.resources, inventoryPolicy(quiet.account, "False")] },
    {
      name: "enabled inventory on an account outside the perimeter",
      resources: [...quiet.resources, storageAccount("stinvout"), inventoryPolicy(storageAccount("stinvout"), true)],
    },
  ],
});
