import { accessRule, approvedPrivateEndpoint, fileShare, OTHER_SUB, storageAccount, storageInPerimeter } from "../helpers/builders.js";
import { asResourceGraph } from "../helpers/builders-storage-a.js";
import { ruleTester } from "../helpers/ruleTester.js";

/** An account in a perimeter with one SMB share (protocol unset unless given) and the profile's access rules. */
function smbAccount(
  name: string,
  accessMode: string,
  rules: { ip?: boolean; subscription?: boolean; ipDirection?: string } = {},
  protocol?: string,
  properties: Record<string, unknown> = {},
) {
  // Outside Enforced mode the account's own public access setting governs unless it is SecuredByPerimeter.
  const open = accessMode.toLowerCase() === "enforced" ? {} : { publicNetworkAccess: "Enabled" };
  const s = storageInPerimeter(name, { accessMode, properties: { ...open, ...properties } });
  const accessRules = [
    ...(rules.ip ? [accessRule(s.profile, "allow-office", { direction: rules.ipDirection ?? "Inbound", addressPrefixes: ["203.0.113.0/24"] })] : []),
    ...(rules.subscription ? [accessRule(s.profile, "allow-sub", { direction: "Inbound", subscriptions: [OTHER_SUB] })] : []),
  ];
  return { ...s, resources: [...s.resources, ...accessRules, fileShare(s.account, "team", protocol)] };
}

const noRules = smbAccount("stsmb1", "Enforced");
const subscriptionOnly = smbAccount("stsmb2", "Enforced", { subscription: true }, "SMB");
const learningBoth = smbAccount("stsmb3", "Learning", { ip: true, subscription: true }, "SMB");
const enforcedBoth = smbAccount("stsmb4", "Enforced", { ip: true, subscription: true });
const recased = smbAccount("stsmb5", "enforced", {}, "smb");
const missingProfile = storageInPerimeter("stsmb6");
const noShares = storageInPerimeter("stsmb11");
const securedLearning = smbAccount("stsmb12", "Learning", {}, "SMB", { publicNetworkAccess: "SecuredByPerimeter" });
const withPrivateEndpoint = smbAccount("stsmb13", "Enforced", {}, undefined, {
  privateEndpointConnections: [approvedPrivateEndpoint(storageAccount("stsmb13"))],
});

ruleTester("storage-smb-access", {
  fires: [
    {
      name: "Learning with publicNetworkAccess SecuredByPerimeter, no IP rule: effectively enforcing, high",
      resources: securedLearning.resources,
      expect: [{ resourceId: securedLearning.account.id, severity: "high", messageIncludes: "SecuredByPerimeter" }],
    },
    {
      name: "Enforced, no IP rule, approved private endpoint: medium (private link SMB still flows)",
      resources: withPrivateEndpoint.resources,
      expect: [{ resourceId: withPrivateEndpoint.account.id, severity: "medium", messageIncludes: "private endpoint" }],
    },
    {
      name: "share without enabledProtocols (SMB), Enforced, profile has no rules",
      resources: noRules.resources,
      expect: [{ resourceId: noRules.account.id, severity: "high", messageIncludes: "no inbound IP rule in profile profile1" }],
    },
    {
      name: "Enforced, subscription rule only: one high finding naming both problems",
      resources: subscriptionOnly.resources,
      expect: [{ resourceId: subscriptionOnly.account.id, severity: "high", messageIncludes: `allow-sub (${OTHER_SUB})` }],
    },
    {
      name: "Learning, IP rule and subscription rule",
      resources: learningBoth.resources,
      expect: [{ resourceId: learningBoth.account.id, severity: "medium", messageIncludes: "allow-sub" }],
    },
    {
      name: "Enforced with an IP rule, plus a subscription rule",
      resources: enforcedBoth.resources,
      expect: [{ resourceId: enforcedBoth.account.id, severity: "medium", messageIncludes: "team" }],
    },
    {
      name: "casing variants: Resource Graph ids and types, \"smb\" protocol, \"enforced\" mode",
      resources: recased.resources.map(asResourceGraph),
      expect: [{ resourceId: asResourceGraph(recased.account).id, severity: "high", messageIncludes: "stsmb5" }],
    },
    {
      name: "Enforced, association names a profile missing from the perimeter",
      resources: [missingProfile.nsp, missingProfile.account, missingProfile.association, fileShare(missingProfile.account, "team")],
      expect: [{ resourceId: missingProfile.account.id, severity: "high", messageIncludes: "not found in the perimeter" }],
    },
  ],
  passes: [
    { name: "Enforced with an inbound IP rule, no subscription rule", resources: smbAccount("stsmb7", "Enforced", { ip: true }).resources },
    { name: "casing: direction \"inbound\" still counts as an IP rule", resources: smbAccount("stsmb8", "ENFORCED", { ip: true, ipDirection: "inbound" }).resources },
    { name: "Learning with no access rules (not enforced, no subscription rule)", resources: smbAccount("stsmb9", "Learning").resources },
    { name: "NFS share only, Enforced, no rules", resources: smbAccount("stsmb10", "Enforced", {}, "NFS").resources },
    {
      name: "no file shares, Enforced, subscription rule",
      resources: [...noShares.resources, accessRule(noShares.profile, "allow-sub", { direction: "Inbound", subscriptions: [OTHER_SUB] })],
    },
  ],
});
