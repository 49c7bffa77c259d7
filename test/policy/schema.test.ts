/** The policy's JSON Schema: generated from the zod schema, published current, and agreeing with the loader. */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { policyTemplate } from "../../src/cli/init.js";
import { parsePolicy } from "../../src/policy/policy.js";
import { formatPolicyJsonSchema, POLICY_SCHEMA_PATH, policyJsonSchema } from "../../src/policy/schema.js";
import { RULE_IDS } from "../../src/rules/catalog/index.js";
import { ROOT } from "../helpers/cli.js";

const require = createRequire(import.meta.url);
type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };
const Ajv2020 = (require("ajv/dist/2020") as { default: new (options: object) => { compile(schema: object): Validate } }).default;
const validate = new Ajv2020({ allErrors: true, strict: false, validateFormats: false }).compile(policyJsonSchema(RULE_IDS));

describe("policy JSON Schema", () => {
  it(`${POLICY_SCHEMA_PATH} is current (regenerate with npm run gen:schema)`, () => {
    expect(readFileSync(join(ROOT, POLICY_SCHEMA_PATH), "utf8")).toBe(formatPolicyJsonSchema(RULE_IDS));
  });

  it("accepts what the loader accepts: init's template and the README's example", () => {
    expect(validate(parseYaml(policyTemplate())), JSON.stringify(validate.errors)).toBe(true);
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const example = /### Policy file[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)![1]!;
    parsePolicy(example, "README.md", RULE_IDS);
    expect(validate(parseYaml(example)), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each([
    ["a mistyped key", { dryrun: true }],
    ["an unknown rule id", { rules: { "storage-nsf": { action: "off" } } }],
    ["a bad action", { rules: { "storage-nfs": { action: "delete" } } }],
    ["an exemption of an unknown rule", { exemptions: [{ rule: "nope", resource: "/x", reason: "long enough reason" }] }],
  ])("rejects %s, as the loader does", (_name, doc) => {
    expect(validate(doc)).toBe(false);
    expect(() => parsePolicy(JSON.stringify(doc), "p.json", RULE_IDS)).toThrow();
  });
});

describe("policy errors suggest the name meant", () => {
  it.each([
    ["dryrun: false", "p.yaml: dryrun: unknown key (did you mean dryRun?)"],
    ["revert: { maxPerHr: 3 }", "p.yaml: revert.maxPerHr: unknown key (did you mean maxPerHour?)"],
    ["notify: { teams: [ { webhookUrl: x, minSeverty: high } ] }", "p.yaml: notify.teams[0].minSeverty: unknown key (did you mean minSeverity?)"],
    ["rules: { storage-nsf: { action: off } }", "p.yaml: rules.storage-nsf: unknown rule id (did you mean storage-nfs?)"],
    ["exemptions: [ { rule: storage-sftpp, resource: /x, reason: because of the partners } ]", 'p.yaml: exemptions[0].rule: unknown rule id "storage-sftpp" (did you mean storage-sftp?)'],
    ["frobnicate: 1", "p.yaml: frobnicate: unknown key"],
  ])("%s", (text, message) => {
    expect(() => parsePolicy(text, "p.yaml", RULE_IDS)).toThrow(message);
    try {
      parsePolicy(text, "p.yaml", RULE_IDS);
    } catch (error) {
      expect((error as Error).message).toBe(message);
    }
  });
});
