/** Writes schema/policy.schema.json from the policy's zod schema (`npm run gen:schema`); test/policy/schema.test.ts checks it is current. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { RULE_IDS } from "../src/rules/catalog/index.js";
import { formatPolicyJsonSchema, POLICY_SCHEMA_PATH } from "../src/policy/schema.js";

const root = process.argv[2] ?? process.cwd();
writeFileSync(join(root, POLICY_SCHEMA_PATH), formatPolicyJsonSchema(RULE_IDS));
process.stdout.write(`wrote ${POLICY_SCHEMA_PATH}\n`);
