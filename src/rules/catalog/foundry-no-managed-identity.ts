// PLACEHOLDER: to be implemented.
import { defineRule } from "../types.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "foundry-no-managed-identity",
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
