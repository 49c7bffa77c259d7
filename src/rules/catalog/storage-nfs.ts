import { T } from "../../model/resourceTypes.js";
import { isTrue, prop } from "../../model/resource.js";
import { defineRule } from "../types.js";
import { fileSharesOf, shareProtocol } from "../lib/storage.js";
import { enforcementOf, hasApprovedPrivateEndpoint, storageAccountOf } from "../lib/members.js";
import { listNames, nameOf } from "../lib/messages.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "storage-nfs",
    title: "NFS on a storage account in a perimeter",
    category: "unsupported",
    severity: "high",
    severityLogic:
      "critical when effectively enforcing (Enforced, or `publicNetworkAccess` SecuredByPerimeter) and no approved private endpoint; medium when effectively enforcing with one (private link traffic still flows, public and service-endpoint NFS clients are cut); high otherwise (breaks on enforcement)",
    resource: "the storage account",
    sources: [
      { doc: "FILES", section: "Feature coverage under network security perimeter (inbound table, NFS row)", anchor: "feature-coverage-under-network-security-perimeter" },
      { doc: "STORAGE", section: "Limitations", anchor: "limitations" },
    ],
    explanation:
      "NFS is not supported for storage accounts in a perimeter: in Enforced mode all inbound NFS traffic except Private Link is denied, for Azure Files NFS shares and for NFS 3.0 on Blob Storage alike.",
    remediation:
      "Serve NFS clients through a private endpoint (Private Link traffic is not subject to perimeter rules), or keep the account out of the perimeter until NFS is supported.",
    reads: [T.association, T.storageAccount, T.fileShare],
  },
  check(association, view) {
    const account = storageAccountOf(association);
    if (!account) return;
    const nfsShares = fileSharesOf(view.estate, account.id).filter((s) => shareProtocol(s) === "NFS");
    const blobNfs = isTrue(prop(account, "isNfsV3Enabled"));
    if (nfsShares.length === 0 && !blobNfs) return;
    const seen = [
      ...(nfsShares.length ? [`NFS file share(s) ${listNames(nfsShares.map((s) => nameOf(s.id)))}`] : []),
      ...(blobNfs ? ["isNfsV3Enabled=true (Blob NFS 3.0)"] : []),
    ].join(" and ");
    const account_ = nameOf(account.id);
    const enforcement = enforcementOf(association);
    if (!enforcement.enforcing) {
      return {
        severity: "high",
        message: `${account_} has ${seen} and is associated in ${enforcement.label}: NFS clients will be cut off when the association is enforced.`,
      };
    }
    if (hasApprovedPrivateEndpoint(account)) {
      return {
        severity: "medium",
        message: `${account_} has ${seen} and is ${enforcement.label}: only NFS clients using its approved private endpoint still connect; public and service-endpoint NFS clients are denied.`,
      };
    }
    return {
      severity: "critical",
      message: `${account_} has ${seen}, is ${enforcement.label} and has no approved private endpoint: every NFS client is denied.`,
    };
  },
});
