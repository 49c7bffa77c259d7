// PLACEHOLDER: to be implemented.
import { defineRule } from "../types.js";

export default defineRule({
  scope: "accessRule",
  meta: {
    id: "accessrule-private-inbound",
    title: "TODO",
    category: "risky",
    severity: "medium",
    severityLogic: "TODO",
    resource: "TODO",
    sources: [{ doc: "CONCEPTS", section: "TODO" }],
    explanation: "TODO",
    remediation: "TODO",
    reads: [],
  },
  check() { return undefined; }
});
