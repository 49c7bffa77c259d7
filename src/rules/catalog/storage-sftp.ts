import { T } from "../../model/resourceTypes.js";
import { isTrue, prop } from "../../model/resource.js";
import { defineRule } from "../types.js";
import { modeLabel, nameOf } from "../lib/messages.js";
import { storageAccountOf } from "../lib/members.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "storage-sftp",
    title: "SFTP enabled on a storage account in a perimeter",
    category: "unsupported",
    severity: "high",
    severityLogic: "high whenever `isSftpEnabled` is true, in any access mode",
    resource: "the storage account",
    sources: [{ doc: "STORAGE", section: "Limitations", anchor: "limitations" }],
    explanation:
      "The network security perimeter preview does not support SSH File Transfer Protocol (SFTP) over Azure Blob Storage. Microsoft recommends not enabling the perimeter on an account that needs SFTP, to prevent potential data loss or data exfiltration.",
    remediation:
      "Move SFTP clients to HTTPS (Blob REST, AzCopy, or the Data Lake APIs) and set `isSftpEnabled` to false, or remove the account from the perimeter (or keep SFTP on a separate account outside it) until SFTP is supported.",
    reads: [T.association, T.storageAccount],
  },
  check(association) {
    const account = storageAccountOf(association);
    if (!account || !isTrue(prop(account, "isSftpEnabled"))) return;
    return {
      severity: "high",
      message: `${nameOf(account.id)} has isSftpEnabled=true and is associated with the perimeter in ${modeLabel(association.mode)} mode: SFTP is not supported for accounts in a perimeter.`,
    };
  },
});
