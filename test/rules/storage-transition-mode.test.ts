import { association, keyVault, storageInPerimeter } from "../helpers/builders.js";
import { asResourceGraph } from "../helpers/builders-storage-b.js";
import { ruleTester } from "../helpers/ruleTester.js";
import type { ArmResource } from "../../src/model/resource.js";

// NOW (builders) is 2026-11-22T08:00Z; SYSTEM_DATA.createdAt is 21 days earlier.
/** The account's own public access setting governs in Learning/Audit (not SecuredByPerimeter). */
const OPEN = { publicNetworkAccess: "Enabled" };
const secured = storageInPerimeter("sttm10", { accessMode: "Learning", createdAt: "2026-09-01T00:00:00Z" }); // builders default: SecuredByPerimeter
const securedAudit = storageInPerimeter("sttm11", { accessMode: "Audit", properties: { publicNetworkAccess: "securedbyperimeter" } });
const learning = storageInPerimeter("sttm1", { properties: OPEN, accessMode: "Learning" });
const audit = storageInPerimeter("sttm2", { properties: OPEN, accessMode: "Audit", createdAt: "2026-10-13T08:00:00Z" }); // 40 days
const atGrace = storageInPerimeter("sttm3", { properties: OPEN, accessMode: "Learning", createdAt: "2026-10-23T08:00:00Z" }); // exactly 30 days
const pastGrace = storageInPerimeter("sttm4", { properties: OPEN, accessMode: "Learning", createdAt: "2026-10-22T08:00:00Z" }); // 31 days
const shortGrace = storageInPerimeter("sttm5", { properties: OPEN, accessMode: "Audit" });
const recased = storageInPerimeter("sttm6", { properties: OPEN, accessMode: "AUDIT", createdAt: "2026-09-01T00:00:00Z" });

/** An association written without `accessMode` (means Learning) and without systemData. */
const noModeNoAge = (() => {
  const s = storageInPerimeter("sttm7", { properties: OPEN });
  const { accessMode: _dropped, ...properties } = s.association.properties as Record<string, unknown>;
  const bare: ArmResource = { ...s.association, properties, systemData: null };
  return { ...s, association: bare, resources: [s.nsp, s.profile, s.account, bare] };
})();

/** Resource Graph shape of the association: re-cased id, lower-cased type, lower-cased mode. */
const rgShaped = (() => {
  const s = storageInPerimeter("sttm8", { properties: OPEN, accessMode: "learning" });
  return { ...s, resources: [s.nsp, s.profile, s.account, asResourceGraph(s.association)] };
})();

const vault = keyVault("kv-learning");
const vaultInLearning = (() => {
  const s = storageInPerimeter("sttm9");
  return [...s.resources, vault, association(s.nsp, "assoc-kv", vault.id, { profile: s.profile, accessMode: "Learning" })];
})();

ruleTester("storage-transition-mode", {
  fires: [
    {
      name: "Learning, 21 days old (within the 30-day grace)",
      resources: learning.resources,
      expect: [{ resourceId: learning.account.id, severity: "medium", messageIncludes: "21 day(s)" }],
    },
    {
      name: "Audit, 40 days old",
      resources: audit.resources,
      expect: [{ resourceId: audit.account.id, severity: "high", messageIncludes: "Audit" }],
    },
    {
      name: "exactly at the grace period: still medium",
      resources: atGrace.resources,
      expect: [{ resourceId: atGrace.account.id, severity: "medium", messageIncludes: "30 day(s)" }],
    },
    {
      name: "one day past the grace period",
      resources: pastGrace.resources,
      expect: [{ resourceId: pastGrace.account.id, severity: "high", messageIncludes: "31 day(s)" }],
    },
    {
      name: "policy transitionGraceDays 14: 21 days is overdue",
      resources: shortGrace.resources,
      policy: { transitionGraceDays: 14 },
      expect: [{ resourceId: shortGrace.account.id, severity: "high", messageIncludes: "grace period 14 days" }],
    },
    {
      name: "no accessMode and no systemData: Learning of unknown age",
      resources: noModeNoAge.resources,
      expect: [{ resourceId: noModeNoAge.account.id, severity: "medium", messageIncludes: "unknown age" }],
    },
    {
      name: "casing variants: upper-case AUDIT, overdue",
      resources: recased.resources,
      expect: [{ resourceId: recased.account.id, severity: "high", messageIncludes: "Audit" }],
    },
    {
      name: "casing variants: Resource Graph association (re-cased id, lower-cased type and mode)",
      resources: rgShaped.resources,
      expect: [{ resourceId: rgShaped.account.id, severity: "medium", messageIncludes: "Learning" }],
    },
    {
      name: "Learning long past the grace period, publicNetworkAccess SecuredByPerimeter: low (inbound already perimeter-only)",
      resources: secured.resources,
      expect: [{ resourceId: secured.account.id, severity: "low", messageIncludes: "SecuredByPerimeter" }],
    },
    {
      name: "casing variants: Audit with lower-cased securedbyperimeter: low",
      resources: securedAudit.resources,
      expect: [{ resourceId: securedAudit.account.id, severity: "low", messageIncludes: "Audit" }],
    },
  ],
  passes: [
    { name: "Enforced", resources: storageInPerimeter("stok1").resources },
    { name: "lower-case \"enforced\", old association", resources: storageInPerimeter("stok2", { accessMode: "enforced", createdAt: "2025-01-01T00:00:00Z" }).resources },
    { name: "key vault (not a storage account) in Learning mode", resources: vaultInLearning },
    {
      name: "association to a storage account missing from the estate",
      resources: (() => {
        const s = storageInPerimeter("stgone", { accessMode: "Learning" });
        return [s.nsp, s.profile, s.association];
      })(),
    },
  ],
});
