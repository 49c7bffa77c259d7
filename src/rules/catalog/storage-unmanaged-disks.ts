import { idKey } from "../../model/armId.js";
import { uriHost, vhdUrisOf } from "../../model/estate.js";
import { displayName, propString, type ArmResource } from "../../model/resource.js";
import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { listNames, nameOf } from "../lib/messages.js";
import { storageAccountOf } from "../lib/members.js";

/**
 * Whether a VHD host is the account's blob endpoint: the account's `primaryEndpoints.blob` host when
 * known; otherwise `<account>.blob.` in any cloud (the index only matched the first label).
 */
function isOnBlobEndpoint(vhdUri: string, account: ArmResource, accountName: string): boolean {
  const host = uriHost(vhdUri);
  if (!host) return false;
  const blobHost = uriHost(propString(account, "primaryEndpoints", "blob"));
  return blobHost ? host === blobHost : host.startsWith(`${accountName.toLowerCase()}.blob.`);
}

/** `https://acct.blob.core.windows.net/vhds/os.vhd` → `vhds/os.vhd`. */
function blobPath(uri: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]+\/([^?#]*)/i.exec(uri);
  return m?.[1] || uri;
}

export default defineRule({
  scope: "association",
  meta: {
    id: "storage-unmanaged-disks",
    title: "Unmanaged VM disks on a storage account in a perimeter",
    category: "unsupported",
    severity: "medium",
    severityLogic: "medium whenever a virtual machine's OS or data disk `vhd.uri` points at the account's blob endpoint",
    resource: "the storage account",
    sources: [{ doc: "STORAGE", section: "Limitations (unmanaged disks)", anchor: "limitations" }],
    explanation:
      "Unmanaged disks do not honor network security perimeter rules: VHDs stored as page blobs in an associated account are read and written outside the perimeter's control, which Microsoft lists among the limitations with a data-loss and data-exfiltration risk. Unmanaged disks are also deprecated.",
    remediation:
      "Migrate the virtual machines' unmanaged disks to managed disks (Azure CLI `az vm convert`, or the portal's Migrate to managed disks), then remove the VHD blobs; or keep the account holding VHDs out of the perimeter.",
    reads: [T.association, T.storageAccount, T.virtualMachine],
  },
  check(association, view) {
    const account = storageAccountOf(association);
    if (!account) return;
    const accountName = account.name ?? nameOf(account.id);
    const listed = view.estate.vmsWithDisksOnAccount(accountName);
    if (listed.length === 0) return;
    // The index lists a VM once per VHD on the account: keep each VM once.
    const vms = [...new Map(listed.map((vm) => [idKey(vm.id), vm])).values()];
    const disksByVm = vms.flatMap((vm) => {
      const vhds = vhdUrisOf(vm).filter((uri) => isOnBlobEndpoint(uri, account, accountName));
      return vhds.length ? [`${displayName(vm)} (${listNames(vhds.map(blobPath), 2)})`] : [];
    });
    if (disksByVm.length === 0) return;
    return {
      severity: "medium",
      message: `${nameOf(account.id)} holds unmanaged disk VHD(s) of virtual machine(s) ${listNames(disksByVm)}: unmanaged disks do not honor network security perimeter rules.`,
    };
  },
});
