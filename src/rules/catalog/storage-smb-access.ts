import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { fileSharesOf, shareProtocol } from "../lib/storage.js";
import { listNames, nameOf, profileLabel } from "../lib/messages.js";
import { enforcementOf, hasApprovedPrivateEndpoint, storageAccountOf } from "../lib/members.js";
import { subscriptionRulesSummary } from "../lib/accessRules.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "storage-smb-access",
    title: "SMB file shares behind a perimeter that only IP rules can open",
    category: "unsupported",
    severity: "high",
    severityLogic:
      "high when the account is effectively enforcing (Enforced, or `publicNetworkAccess` SecuredByPerimeter) and its profile has no inbound IP rule (public SMB clients are denied), medium instead when it has an approved private endpoint (private link SMB still flows); medium when the profile has inbound subscription rules (they never apply to SMB). When both hold, one finding names both.",
    resource: "the storage account",
    sources: [
      { doc: "FILES", section: "Feature coverage under network security perimeter (inbound table, SMB row)", anchor: "feature-coverage-under-network-security-perimeter" },
      { doc: "STORAGE", section: "Limitations", anchor: "limitations" },
    ],
    explanation:
      "SMB with NTLM or Kerberos is not OAuth-based, so an SMB request carries no source perimeter or subscription: the perimeter honours only inbound IP rules for it (up to 200). In Enforced mode, an account whose profile has no IP rule denies every public SMB client; and subscription rules meant to admit SMB clients never match them.",
    remediation:
      "Add inbound IP rules for the public addresses of the SMB clients to the association's profile, or connect SMB clients through a private endpoint (Private Link traffic is not subject to perimeter rules). Do not rely on subscription rules for SMB access.",
    reads: [T.association, T.storageAccount, T.fileShare, T.profile, T.accessRule],
  },
  check(association, view) {
    const account = storageAccountOf(association);
    if (!account) return;
    const profile = association.profile;
    const enforcement = enforcementOf(association);
    const noIpRule = enforcement.enforcing && (profile?.inboundIpRules.length ?? 0) === 0;
    const subscriptionRules = profile !== undefined && profile.inboundSubscriptionRules.length > 0;
    if (!noIpRule && !subscriptionRules) return;
    const smbShares = fileSharesOf(view.estate, account.id).filter((s) => shareProtocol(s) === "SMB");
    if (smbShares.length === 0) return;

    const shares = `SMB file share(s) ${listNames(smbShares.map((s) => nameOf(s.id)))}`;
    const where = profileLabel(profile, association.profileId);
    const subscriptionNote = subscriptionRules
      ? `inbound subscription rule(s) ${subscriptionRulesSummary(profile)} never apply to SMB (NTLM/Kerberos requests carry no subscription)`
      : "";
    // One finding per account: the high branch wins and names the subscription rules too.
    if (noIpRule) {
      const privateLink = hasApprovedPrivateEndpoint(account);
      return {
        severity: privateLink ? "medium" : "high",
        message: `${nameOf(account.id)} has ${shares} and is ${enforcement.label} with no inbound IP rule in ${where}: every public SMB client is denied, SMB honours only IP rules${privateLink ? " (SMB clients on its approved private endpoint still connect)" : ""}${subscriptionNote ? `; also, its ${subscriptionNote}` : ""}.`,
      };
    }
    return {
      severity: "medium",
      message: `${nameOf(account.id)} has ${shares}; in ${where}, ${subscriptionNote}: only inbound IP rules admit SMB clients.`,
    };
  },
});
