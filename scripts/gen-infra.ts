/**
 * `npm run gen:infra`: writes infra/event-filters.json (from the routing table) and
 * infra/role-definition.json (from the ARM operations the last `npm test` saw the guardrail perform).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { eventFilters } from "../src/infra/eventFilters.js";
import { operationsIn, roleDefinition } from "../src/infra/roleDefinition.js";

const root = process.argv[2] ?? process.cwd();
writeFileSync(join(root, "infra", "event-filters.json"), `${JSON.stringify(eventFilters(), null, 2)}\n`);
const operations = operationsIn(join(root, "test-results", "arm-operations"));
if (operations.length === 0) {
  console.error("gen:infra: no operation logs in test-results/arm-operations: run `npm test` first");
  process.exitCode = 2;
} else {
  const role = roleDefinition(operations);
  writeFileSync(join(root, "infra", "role-definition.json"), `${JSON.stringify(role, null, 2)}\n`);
  console.log(`wrote infra/event-filters.json and infra/role-definition.json (${role.actions.length} actions)`);
}
