import { association, keyVault, perimeter, profile, storageInPerimeter } from "../helpers/builders.js";
import { asResourceGraph, replacing, withAccessMode } from "../helpers/builders-storage-a.js";
import { ruleTester } from "../helpers/ruleTester.js";

/** The estate after a change of the association's mode, and the estate before it. */
function modeChange(accountName: string, before: string | undefined, after: string | undefined) {
  const s = storageInPerimeter(accountName);
  return {
    account: s.account,
    resources: replacing(s.resources, withAccessMode(s.association, after)),
    previous: replacing(s.resources, withAccessMode(s.association, before)),
  };
}

const toLearning = modeChange("stdown1", "Enforced", "Learning");
const toAudit = modeChange("stdown2", "Enforced", "Audit");
const modeRemoved = modeChange("stdown3", "Enforced", undefined);
const learningToAudit = modeChange("stdown5", "Learning", "Audit");
const unchanged = modeChange("stdown6", "Enforced", "enforced");

// Casing: the previous state came from Resource Graph (re-cased ids, lower-cased type and mode value).
const recased = storageInPerimeter("stdown4", { accessMode: "audit" });
const recasedPrevious = [asResourceGraph(withAccessMode(recased.association, "enforced"))];

// A plain scan of an account left in Learning: never a downgrade without the previous state.
const plainScan = storageInPerimeter("stdown7", { accessMode: "Learning" });

// A new association created in Learning: the previous estate does not hold it.
const created = storageInPerimeter("stdown8", { accessMode: "Learning" });

// A key vault (not a storage account) downgraded from Enforced.
const nsp = perimeter("nspkv");
const kvProfile = profile(nsp);
const vault = keyVault("kvdown1");
const kvAssociation = association(nsp, "assoc-kvdown1", vault.id, { profile: kvProfile, accessMode: "Learning" });

ruleTester("storage-enforcement-downgrade", {
  fires: [
    {
      name: "Enforced → Learning",
      resources: toLearning.resources,
      previous: toLearning.previous,
      expect: [{ resourceId: toLearning.account.id, severity: "high", messageIncludes: "from Enforced to Learning" }],
    },
    {
      name: "Enforced → Audit",
      resources: toAudit.resources,
      previous: toAudit.previous,
      expect: [{ resourceId: toAudit.account.id, severity: "high", messageIncludes: "to Audit" }],
    },
    {
      name: "Enforced → accessMode removed (missing means Learning)",
      resources: modeRemoved.resources,
      previous: modeRemoved.previous,
      expect: [{ resourceId: modeRemoved.account.id, severity: "high", messageIncludes: "stdown3" }],
    },
    {
      name: "casing variants: previous association re-cased by Resource Graph with mode \"enforced\", now \"audit\"",
      resources: recased.resources,
      previous: recasedPrevious,
      expect: [{ resourceId: recased.account.id, severity: "high", messageIncludes: "assoc-stdown4" }],
    },
  ],
  passes: [
    { name: "plain scan (no previous state) of a Learning association", resources: plainScan.resources },
    { name: "Learning → Audit (never was Enforced)", resources: learningToAudit.resources, previous: learningToAudit.previous },
    { name: "Enforced → \"enforced\" (unchanged, other casing)", resources: unchanged.resources, previous: unchanged.previous },
    { name: "new association created in Learning (absent from the previous state)", resources: created.resources, previous: [created.account] },
    {
      name: "key vault association downgraded (not a storage account)",
      resources: [nsp, kvProfile, vault, kvAssociation],
      previous: [nsp, kvProfile, vault, withAccessMode(kvAssociation, "Enforced")],
    },
  ],
});
