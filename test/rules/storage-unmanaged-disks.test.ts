import { storageAccount, storageInPerimeter, virtualMachine } from "../helpers/builders.js";
import { asResourceGraph } from "../helpers/builders-storage-b.js";
import { expect, it } from "vitest";
import { findingsOf, ruleTester } from "../helpers/ruleTester.js";

const osDisk = storageInPerimeter("stvhd1");
const dataDisk = storageInPerimeter("stvhd2", { accessMode: "Learning" });
const noEndpoints = storageInPerimeter("stvhd3", { properties: { primaryEndpoints: undefined } });
const recased = storageInPerimeter("stvhd4", { accessMode: "audit" });
const clean = storageInPerimeter("stvhd5");

ruleTester("storage-unmanaged-disks", {
  fires: [
    {
      name: "OS disk VHD on the account's blob endpoint",
      resources: [...osDisk.resources, virtualMachine("vm-legacy1", "https://stvhd1.blob.core.windows.net/vhds/vm-legacy1-os.vhd")],
      expect: [{ resourceId: osDisk.account.id, severity: "medium", messageIncludes: "vm-legacy1" }],
    },
    {
      name: "data disk only (managed OS disk), Learning mode",
      resources: [...dataDisk.resources, virtualMachine("vm-data", undefined, ["https://stvhd2.blob.core.windows.net/vhds/data0.vhd"])],
      expect: [{ resourceId: dataDisk.account.id, severity: "medium", messageIncludes: "vhds/data0.vhd" }],
    },
    {
      name: "account without primaryEndpoints: <name>.blob. prefix in another cloud",
      resources: [...noEndpoints.resources, virtualMachine("vm-cn", "https://stvhd3.blob.core.chinacloudapi.cn/vhds/os.vhd")],
      expect: [{ resourceId: noEndpoints.account.id, severity: "medium", messageIncludes: "vm-cn" }],
    },
    {
      name: "casing variants: upper-case VHD host, lower-cased VM type and re-cased id, two VMs",
      resources: [
        ...recased.resources,
        asResourceGraph(virtualMachine("vm-a", "HTTPS://STVHD4.BLOB.CORE.WINDOWS.NET/vhds/a.vhd")),
        virtualMachine("vm-b", undefined, ["https://stvhd4.blob.core.windows.net/vhds/b0.vhd", "https://stvhd4.blob.core.windows.net/vhds/b1.vhd"]),
      ],
      expect: [{ resourceId: recased.account.id, severity: "medium", messageIncludes: "vm-b" }],
    },
  ],
  passes: [
    { name: "VM with managed disks only", resources: [...clean.resources, virtualMachine("vm-managed")] },
    {
      name: "VHD on the account's file endpoint, not its blob endpoint",
      resources: [...clean.resources, virtualMachine("vm-odd", "https://stvhd5.file.core.windows.net/share/os.vhd")],
    },
    {
      name: "VHD on a same-named host in another cloud than the account's blob endpoint",
      resources: [...clean.resources, virtualMachine("vm-cloud", "https://stvhd5.blob.core.usgovcloudapi.net/vhds/os.vhd")],
    },
    {
      name: "VHD on another account whose name shares a prefix, and on an account outside the perimeter",
      resources: [
        ...clean.resources,
        storageAccount("stvhd50"),
        virtualMachine("vm-near", "https://stvhd50.blob.core.windows.net/vhds/os.vhd"),
        storageAccount("stoutside"),
        virtualMachine("vm-out", "https://stoutside.blob.core.windows.net/vhds/os.vhd"),
      ],
    },
  ],
});

it("storage-unmanaged-disks names a VM with several VHDs on the account once", () => {
  const findings = findingsOf("storage-unmanaged-disks", {
    name: "two data disks",
    resources: [...clean.resources, virtualMachine("vm-multi", "https://stvhd5.blob.core.windows.net/vhds/os.vhd", ["https://stvhd5.blob.core.windows.net/vhds/d0.vhd"])],
  });
  expect(findings).toHaveLength(1);
  expect(findings[0]!.message.match(/vm-multi/g)).toHaveLength(1);
});
