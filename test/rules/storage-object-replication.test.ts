import { objectReplicationPolicy, storageAccount, storageInPerimeter } from "../helpers/builders.js";
import { asResourceGraph } from "../helpers/builders-storage-a.js";
import { ruleTester } from "../helpers/ruleTester.js";

const source = storageInPerimeter("strepl1");
const two = storageInPerimeter("strepl2", { accessMode: "Learning" });
const recased = storageInPerimeter("strepl3", { accessMode: "audit" });
const none = storageInPerimeter("strepl4");
// Same name prefix as an in-perimeter account: the outside account's policy must not leak onto it.
const prefixOutside = storageAccount("strepl40");

ruleTester("storage-object-replication", {
  fires: [
    {
      name: "one replication policy, Enforced",
      resources: [...source.resources, objectReplicationPolicy(source.account, "policy-a")],
      expect: [{ resourceId: source.account.id, severity: "high", messageIncludes: "policy-a (strepl1 → dstaccount)" }],
    },
    {
      name: "two replication policies, Learning",
      resources: [...two.resources, objectReplicationPolicy(two.account, "policy-a"), objectReplicationPolicy(two.account, "policy-b")],
      expect: [{ resourceId: two.account.id, severity: "high", messageIncludes: "policy-a (strepl2 → dstaccount), policy-b" }],
    },
    {
      name: "casing variants: policy with re-cased id and lower-cased type, \"audit\" mode",
      resources: [...recased.resources, asResourceGraph(objectReplicationPolicy(recased.account, "policy-c"))],
      expect: [{ resourceId: recased.account.id, severity: "high", messageIncludes: "policy-c" }],
    },
  ],
  passes: [
    { name: "account in the perimeter without replication policies", resources: none.resources },
    {
      name: "replication policy on an account outside the perimeter with a similar name",
      resources: [...none.resources, prefixOutside, objectReplicationPolicy(prefixOutside, "policy-x")],
    },
    {
      name: "replication policy on an account not associated, beside a perimeter member",
      resources: [...source.resources, storageAccount("stother"), asResourceGraph(objectReplicationPolicy(storageAccount("stother")))],
    },
  ],
});
