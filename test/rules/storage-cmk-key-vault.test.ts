import { OTHER_SUB, SUB, association, cmkEncryption, keyVault, recase, storageInPerimeter } from "../helpers/builders.js";
import { vaultInOwnPerimeter } from "../helpers/builders-storage-b.js";
import { ruleTester } from "../helpers/ruleTester.js";
import type { ArmResource } from "../../src/model/resource.js";

const cmk = (name: string, vaultName: string, accessMode?: string) =>
  storageInPerimeter(name, { ...(accessMode ? { accessMode } : {}), properties: { encryption: cmkEncryption(vaultName) } });

const kvEnforced = keyVault("kv-enforced");
const kvEnforcedOtherSub = keyVault("kv-othersub");
const kvLearning = keyVault("kv-learning");
const kvLoose = keyVault("kv-loose");
const kvAllowed = keyVault("kv-allowed");
const kvShared = keyVault("kv-shared");

const critical = cmk("stcmk1", "kv-enforced", "Learning");
const criticalOtherSub = cmk("stcmk2", "kv-othersub");
const otherLearning = cmk("stcmk3", "kv-learning");
const noPerimeterEnforced = cmk("stcmk4", "kv-loose");
const noPerimeterLearning = cmk("stcmk5", "kv-loose", "Audit");
const notFound = cmk("stcmk6", "kv-missing");
const allowed = cmk("stcmk7", "kv-allowed");
const samePerimeter = cmk("stcmk8", "kv-shared");

/** CMK settings as some exports write them: upper-case vault host, camel-cased keys, trailing slash. */
const recasedAccount = storageInPerimeter("stcmk9", {
  accessMode: "enforced",
  properties: {
    encryption: { keySource: "Microsoft.KeyVault", keyVaultProperties: { keyVaultUri: "https://KV-ENFORCED.vault.azure.net/", keyName: "k1" } },
  },
});

/** The vault associated with the account's own perimeter through re-cased ids. */
const sameViaRecased: ArmResource = (() => {
  const a = association(samePerimeter.nsp, "assoc-kv-shared", recase(kvShared.id), { profile: samePerimeter.profile, accessMode: "Enforced" });
  return { ...a, id: recase(a.id), type: a.type.toLowerCase() };
})();

ruleTester("storage-cmk-key-vault", {
  fires: [
    {
      name: "vault Enforced in another perimeter without a subscription rule (account in Learning)",
      resources: [...critical.resources, kvEnforced, ...vaultInOwnPerimeter(kvEnforced, "nsp-keys", "Enforced")],
      expect: [{ resourceId: critical.account.id, severity: "critical", messageIncludes: "nsp-keys" }],
    },
    {
      name: "vault Enforced in another perimeter that allows only another subscription",
      resources: [...criticalOtherSub.resources, kvEnforcedOtherSub, ...vaultInOwnPerimeter(kvEnforcedOtherSub, "nsp-keys", "Enforced", { allowSubscriptions: [OTHER_SUB] })],
      expect: [{ resourceId: criticalOtherSub.account.id, severity: "critical", messageIncludes: SUB }],
    },
    {
      name: "vault in another perimeter that does not enforce (no accessMode = Learning)",
      resources: [...otherLearning.resources, kvLearning, ...vaultInOwnPerimeter(kvLearning, "nsp-keys", undefined)],
      expect: [{ resourceId: otherLearning.account.id, severity: "medium", messageIncludes: "Learning" }],
    },
    {
      name: "vault in no perimeter, account Enforced",
      resources: [...noPerimeterEnforced.resources, kvLoose],
      expect: [{ resourceId: noPerimeterEnforced.account.id, severity: "medium", messageIncludes: "kv-loose" }],
    },
    {
      name: "vault not found",
      resources: [...notFound.resources, kvLoose],
      expect: [{ resourceId: notFound.account.id, severity: "medium", messageIncludes: "kv-missing" }],
    },
    {
      name: "vault in no perimeter, account in Audit mode",
      resources: [...noPerimeterLearning.resources, kvLoose],
      expect: [{ resourceId: noPerimeterLearning.account.id, severity: "low", messageIncludes: "Audit" }],
    },
    {
      name: "casing variants: upper-case vault host, camel-cased keys, lower-cased mode \"enforced\" on the vault",
      resources: [...recasedAccount.resources, kvEnforced, ...vaultInOwnPerimeter(kvEnforced, "nsp-keys", "enforced")],
      expect: [{ resourceId: recasedAccount.account.id, severity: "critical", messageIncludes: "kv-enforced" }],
    },
  ],
  passes: [
    {
      name: "vault in the same perimeter (association written with re-cased ids)",
      resources: [...samePerimeter.resources, kvShared, sameViaRecased],
    },
    {
      name: "vault Enforced in another perimeter whose profile allows the account's subscription (upper-case)",
      resources: [...allowed.resources, kvAllowed, ...vaultInOwnPerimeter(kvAllowed, "nsp-keys", "Enforced", { allowSubscriptions: [SUB.toUpperCase()] })],
    },
    {
      name: "Microsoft-managed keys",
      resources: [...storageInPerimeter("stplain").resources, kvLoose],
    },
    {
      name: "CMK account outside any perimeter",
      resources: [kvLoose, { ...cmk("stoutside", "kv-loose").account }],
    },
  ],
});
