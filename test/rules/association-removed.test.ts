import { association, keyVault, recase, storageInPerimeter } from "../helpers/builders.js";
import { memberInPerimeter } from "../helpers/builders-association.js";
import { ruleTester } from "../helpers/ruleTester.js";

const enforced = storageInPerimeter("strm1");
const securedLearning = storageInPerimeter("strm2", { accessMode: "Learning" }); // builders default: SecuredByPerimeter
const openLearning = storageInPerimeter("strm3", { accessMode: "Learning", properties: { publicNetworkAccess: "Enabled" } });
const vault = keyVault("kv-rm", {}, { publicNetworkAccess: "Enabled" });
const vaultEnforced = memberInPerimeter(vault);
/** The previous state as Resource Graph wrote it: re-cased association id, lower-cased mode. */
const recasedBefore = { ...vaultEnforced.association, id: recase(vaultEnforced.association.id), properties: { ...vaultEnforced.association.properties, accessMode: "enforced" } };

const without = (resources: { id: string }[], id: string) => resources.filter((r) => r.id !== id) as typeof enforced.resources;

ruleTester("association-removed", {
  fires: [
    {
      name: "an Enforced storage association was deleted",
      previous: enforced.resources,
      resources: without(enforced.resources, enforced.association.id),
      expect: [{ resourceId: enforced.account.id, severity: "high", messageIncludes: "assoc-strm1" }],
    },
    {
      name: "a Learning association of a SecuredByPerimeter member was deleted (effectively enforcing)",
      previous: securedLearning.resources,
      resources: without(securedLearning.resources, securedLearning.association.id),
      expect: [{ resourceId: securedLearning.account.id, severity: "high", messageIncludes: "SecuredByPerimeter" }],
    },
    {
      name: "casing variants: previous association re-cased with \"enforced\"; Key Vault member",
      previous: [vaultEnforced.nsp, vaultEnforced.profile, vault, recasedBefore],
      resources: [vaultEnforced.nsp, vaultEnforced.profile, vault],
      expect: [{ resourceId: vault.id, severity: "high", messageIncludes: "Enforced" }],
    },
  ],
  passes: [
    { name: "no previous state (a plain scan)", resources: without(enforced.resources, enforced.association.id) },
    {
      name: "a Learning association of a member with its own public access was deleted (not enforcing)",
      previous: openLearning.resources,
      resources: without(openLearning.resources, openLearning.association.id),
    },
    {
      name: "the association was re-pointed to another profile, not deleted",
      previous: enforced.resources,
      resources: [
        ...without(enforced.resources, enforced.association.id),
        association(enforced.nsp, "assoc-strm1", enforced.account.id, { profile: enforced.profile, accessMode: "Enforced" }),
      ],
    },
  ],
});
