import { approvedPrivateEndpoint, fileShare, recase, storageAccount, storageInPerimeter } from "../helpers/builders.js";
import { ruleTester } from "../helpers/ruleTester.js";

const enforced = storageInPerimeter("stnfs1");
const learning = storageInPerimeter("stnfs2", { accessMode: "Learning", properties: { publicNetworkAccess: "Enabled" } });
/** Learning, but SecuredByPerimeter: only perimeter rules admit public traffic already. */
const securedLearning = storageInPerimeter("stnfs6", { accessMode: "Audit", properties: { publicNetworkAccess: "SecuredByPerimeter" } });
const withPe = storageInPerimeter("stnfs3", {
  properties: { privateEndpointConnections: [approvedPrivateEndpoint(storageAccount("stnfs3"))] },
});
const pendingPe = storageInPerimeter("stnfs4", {
  properties: { privateEndpointConnections: [approvedPrivateEndpoint(storageAccount("stnfs4"), "Pending")] },
});
const blobNfs = storageInPerimeter("stnfs5", { properties: { isNfsV3Enabled: true, isHnsEnabled: true } });
const smbOnly = storageInPerimeter("stsmb1");

ruleTester("storage-nfs", {
  fires: [
    {
      name: "NFS share, Enforced, no private endpoint",
      resources: [...enforced.resources, fileShare(enforced.account, "data", "NFS")],
      expect: [{ resourceId: enforced.account.id, severity: "critical", messageIncludes: "data" }],
    },
    {
      name: "NFS share, Learning mode",
      resources: [...learning.resources, fileShare(learning.account, "data", "NFS")],
      expect: [{ resourceId: learning.account.id, severity: "high" }],
    },
    {
      name: "NFS share, Audit mode with publicNetworkAccess SecuredByPerimeter: effectively enforcing, critical",
      resources: [...securedLearning.resources, fileShare(securedLearning.account, "data", "NFS")],
      expect: [{ resourceId: securedLearning.account.id, severity: "critical", messageIncludes: "SecuredByPerimeter" }],
    },
    {
      name: "NFS share, Enforced, approved private endpoint",
      resources: [...withPe.resources, fileShare(withPe.account, "data", "NFS")],
      expect: [{ resourceId: withPe.account.id, severity: "medium" }],
    },
    {
      name: "pending private endpoint does not count",
      resources: [...pendingPe.resources, fileShare(pendingPe.account, "data", "NFS")],
      expect: [{ resourceId: pendingPe.account.id, severity: "critical" }],
    },
    {
      name: "Blob NFS 3.0 (isNfsV3Enabled)",
      resources: blobNfs.resources,
      expect: [{ resourceId: blobNfs.account.id, severity: "critical", messageIncludes: "isNfsV3Enabled" }],
    },
    {
      name: "casing variants: lower-cased protocol and share id with re-cased providers",
      resources: [
        ...enforced.resources,
        { ...fileShare(enforced.account, "data", "nfs"), id: recase(fileShare(enforced.account, "data").id), type: "microsoft.storage/storageaccounts/fileservices/shares" },
      ],
      expect: [{ resourceId: enforced.account.id, severity: "critical" }],
    },
  ],
  passes: [
    { name: "SMB share (explicit)", resources: [...smbOnly.resources, fileShare(smbOnly.account, "docs", "SMB")] },
    { name: "share without enabledProtocols (SMB by default)", resources: [...smbOnly.resources, fileShare(smbOnly.account, "docs")] },
    { name: "isNfsV3Enabled false", resources: storageInPerimeter("stx", { properties: { isNfsV3Enabled: false } }).resources },
    {
      name: "NFS share on an account outside any perimeter",
      resources: [storageAccount("stoutside"), fileShare(storageAccount("stoutside"), "data", "NFS"), ...smbOnly.resources],
    },
  ],
});
