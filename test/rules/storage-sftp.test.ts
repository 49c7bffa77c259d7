import { storageAccount, storageInPerimeter } from "../helpers/builders.js";
import { asResourceGraph } from "../helpers/builders-storage-a.js";
import { ruleTester } from "../helpers/ruleTester.js";

const sftp = { isHnsEnabled: true, isSftpEnabled: true, isLocalUserEnabled: true };
const enforced = storageInPerimeter("stsftp1", { properties: sftp });
const learningString = storageInPerimeter("stsftp2", { accessMode: "Learning", properties: { ...sftp, isSftpEnabled: "True" } });
const audit = storageInPerimeter("stsftp3", { accessMode: "audit", properties: sftp });
const recased = storageInPerimeter("stsftp4", { accessMode: "enforced", properties: sftp });

ruleTester("storage-sftp", {
  fires: [
    {
      name: "isSftpEnabled true, Enforced",
      resources: enforced.resources,
      expect: [{ resourceId: enforced.account.id, severity: "high", messageIncludes: "isSftpEnabled=true" }],
    },
    {
      name: "isSftpEnabled \"True\" (stringified boolean), Learning mode",
      resources: learningString.resources,
      expect: [{ resourceId: learningString.account.id, severity: "high", messageIncludes: "Learning (Transition)" }],
    },
    {
      name: "Audit mode (\"audit\")",
      resources: audit.resources,
      expect: [{ resourceId: audit.account.id, severity: "high", messageIncludes: "Audit" }],
    },
    {
      name: "casing variants: Resource Graph ids and types, \"enforced\"",
      resources: recased.resources.map(asResourceGraph),
      expect: [{ resourceId: asResourceGraph(recased.account).id, severity: "high", messageIncludes: "stsftp4" }],
    },
  ],
  passes: [
    { name: "isSftpEnabled false (HNS on)", resources: storageInPerimeter("stsftp5", { properties: { isHnsEnabled: true } }).resources },
    { name: "isSftpEnabled \"False\" string", resources: storageInPerimeter("stsftp6", { properties: { ...sftp, isSftpEnabled: "False" } }).resources },
    {
      name: "SFTP on an account outside any perimeter",
      resources: [...storageInPerimeter("stsftp7").resources, storageAccount("stsftpout", sftp)],
    },
  ],
});
