import { OTHER_SUB, SUB, association, cmkEncryption, keyVault, perimeter, recase, storageInPerimeter } from "../helpers/builders.js";
import { perimeterLink, perimeterLinkReference, type LinkOptions } from "../helpers/builders-services.js";
import { vaultInOwnPerimeter } from "../helpers/builders-storage-b.js";
import { ruleTester } from "../helpers/ruleTester.js";
import type { ArmResource } from "../../src/model/resource.js";

/** Outside Enforced mode the account's own public access (Enabled here) governs, unless SecuredByPerimeter. */
const cmk = (name: string, vaultName: string, accessMode?: string, publicNetworkAccess = "Enabled") =>
  storageInPerimeter(name, {
    ...(accessMode ? { accessMode } : {}),
    properties: { encryption: cmkEncryption(vaultName), ...(accessMode && accessMode.toLowerCase() !== "enforced" ? { publicNetworkAccess } : {}) },
  });

/** The vault in its own Enforced perimeter plus a link (or link reference) there naming the account's perimeter `nsp1`. */
function linkedVault(vault: ArmResource, o: LinkOptions & { reference?: boolean; allowSubscriptions?: string[] } = {}): ArmResource[] {
  const [nsp, prof, ...rest] = vaultInOwnPerimeter(vault, `nsp-${vault.name}`, "Enforced", o.allowSubscriptions ? { allowSubscriptions: o.allowSubscriptions } : {});
  const accountPerimeter = perimeter("nsp1");
  const link = o.reference ? perimeterLinkReference(nsp!, "from-nsp1", accountPerimeter, o) : perimeterLink(nsp!, "to-nsp1", accountPerimeter, o);
  return [nsp!, prof!, ...rest, link];
}
const firewalled = (name: string, bypass: string) => keyVault(name, {}, { publicNetworkAccess: "Enabled", networkAcls: { bypass, defaultAction: "Deny", ipRules: [], virtualNetworkRules: [] } });

const kvLinked = keyVault("kv-linked");
const kvLinkedRef = keyVault("kv-linkedref");
const kvPendingLink = keyVault("kv-pending");
const kvOtherProfile = keyVault("kv-otherprofile");
const kvLinkedAllowed = keyVault("kv-linkedallowed");
const kvDeny = firewalled("kv-deny", "None");
const kvDenyTrusted = firewalled("kv-denytrusted", "AzureServices");
const linked = cmk("stcmk10", "kv-linked");
const linkedRef = cmk("stcmk11", "kv-linkedref");
const pendingLink = cmk("stcmk12", "kv-pending");
const otherProfile = cmk("stcmk13", "kv-otherprofile");
const linkedAllowed = cmk("stcmk14", "kv-linkedallowed");
const denied = cmk("stcmk15", "kv-deny", "Learning");
const deniedTrustedEnforced = cmk("stcmk16", "kv-denytrusted");
const deniedTrustedSecured = cmk("stcmk17", "kv-denytrusted", "Learning", "SecuredByPerimeter");
const deniedTrustedOpen = cmk("stcmk18", "kv-denytrusted", "Learning");

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
      name: "vault Enforced in a linked perimeter (approved link, all local profiles): low, reachable through a preview link",
      resources: [...linked.resources, kvLinked, ...linkedVault(kvLinked)],
      expect: [{ resourceId: linked.account.id, severity: "low", messageIncludes: "perimeter link to-nsp1" }],
    },
    {
      name: "casing variants: approved link reference naming the vault's profile in upper case",
      resources: [...linkedRef.resources, kvLinkedRef, ...linkedVault(kvLinkedRef, { reference: true, localInboundProfiles: ["NSP-KV-LINKEDREF-PROFILE"], status: "approved" })],
      expect: [{ resourceId: linkedRef.account.id, severity: "low", messageIncludes: "from-nsp1" }],
    },
    {
      name: "a Pending link admits nothing: critical",
      resources: [...pendingLink.resources, kvPendingLink, ...linkedVault(kvPendingLink, { status: "Pending" })],
      expect: [{ resourceId: pendingLink.account.id, severity: "critical", messageIncludes: "no approved link" }],
    },
    {
      name: "an approved link into another profile of the vault's perimeter: critical",
      resources: [...otherProfile.resources, kvOtherProfile, ...linkedVault(kvOtherProfile, { localInboundProfiles: ["reporting"] })],
      expect: [{ resourceId: otherProfile.account.id, severity: "critical" }],
    },
    {
      name: "vault in no perimeter whose firewall denies without trusted services: critical even in Learning",
      resources: [...denied.resources, kvDeny],
      expect: [{ resourceId: denied.account.id, severity: "critical", messageIncludes: "no AzureServices" }],
    },
    {
      name: "vault firewall trusts Azure services but the account is Enforced (bypass not honoured): critical",
      resources: [...deniedTrustedEnforced.resources, kvDenyTrusted],
      expect: [{ resourceId: deniedTrustedEnforced.account.id, severity: "critical", messageIncludes: "not honoured" }],
    },
    {
      name: "vault firewall trusts Azure services, account Learning but SecuredByPerimeter (effectively enforcing): critical",
      resources: [...deniedTrustedSecured.resources, kvDenyTrusted],
      expect: [{ resourceId: deniedTrustedSecured.account.id, severity: "critical", messageIncludes: "SecuredByPerimeter" }],
    },
    {
      name: "vault firewall trusts Azure services, account Learning with its own public access: low",
      resources: [...deniedTrustedOpen.resources, kvDenyTrusted],
      expect: [{ resourceId: deniedTrustedOpen.account.id, severity: "low", messageIncludes: "kv-denytrusted" }],
    },
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
      name: "vault in a linked perimeter whose profile also admits the account's subscription (previous false critical)",
      resources: [...linkedAllowed.resources, kvLinkedAllowed, ...linkedVault(kvLinkedAllowed, { allowSubscriptions: [SUB] })],
    },
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
