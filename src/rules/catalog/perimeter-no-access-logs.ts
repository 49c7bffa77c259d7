// PLACEHOLDER: to be implemented.
import { defineRule } from "../types.js";

export default defineRule({
  scope: "perimeter",
  meta: {
    id: "perimeter-no-access-logs",
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
