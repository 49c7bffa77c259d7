import { accessModeOf } from "../../model/estate.js";
import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { isStorageMember } from "../lib/members.js";
import { modeLabel, nameOf } from "../lib/messages.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "storage-enforcement-downgrade",
    title: "Storage account association moved from Enforced to a non-enforcing mode",
    category: "risky",
    severity: "high",
    severityLogic:
      "high whenever a change moves the association from Enforced to Learning (Transition) or Audit; raised only with the previous state at hand (event pipeline, replay), never by a plain scan",
    resource: "the storage account",
    sources: [
      { doc: "FILES", section: "Access modes", anchor: "access-modes" },
      { doc: "CONCEPTS", section: "Access modes in network security perimeter", anchor: "access-modes-in-network-security-perimeter" },
    ],
    explanation:
      "Only Enforced mode blocks public traffic the perimeter does not allow. Moving an association back to Transition (the API's `Learning`) or `Audit` reopens the account to its own firewall and trusted-service exceptions; Microsoft's docs warn that malicious actors can exploit an unsecured account to exfiltrate data, so a step back from Enforced is a regression to be reviewed at once.",
    remediation:
      "Confirm who changed the association and why (the activity log names the caller). If the change was not intended, set the association's `accessMode` back to `Enforced` (policy action `revert` does this automatically); if a workload broke under enforcement, add the access rule it needs instead of downgrading the mode.",
    reads: [T.association, T.storageAccount],
    needsPreviousState: true,
    revert: {
      target: "association",
      patch: { accessMode: "Enforced" },
      describe: "writes the association's last known good body back with `accessMode: Enforced`, whatever else changed in the batch",
    },
  },
  check(association, _view, ctx) {
    // Without the previous state (a plain scan) a downgrade cannot be told from an account never enforced.
    if (!ctx.previous || !isStorageMember(association) || association.mode === "Enforced") return;
    const before = ctx.previous.get(association.id);
    if (!before || accessModeOf(before) !== "Enforced") return;
    return {
      severity: "high",
      message: `Association ${nameOf(association.id)} of ${nameOf(association.memberDisplayId)} was changed from Enforced to ${modeLabel(association.mode)}: the perimeter no longer blocks traffic its rules do not allow.`,
    };
  },
});
