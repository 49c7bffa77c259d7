/**
 * The policy file's JSON Schema, generated from the zod schema the loader validates with (one
 * definition), published as schema/policy.schema.json so that editors validate and complete
 * `policy.yaml` (`# yaml-language-server: $schema=...`). A test keeps the published file current.
 */
import { z } from "zod";
import { TOOL_URI } from "../version.js";
import { policySchema } from "./policy.js";

/** Where the published schema lives in the repository, and its URL for editors. */
export const POLICY_SCHEMA_PATH = "schema/policy.schema.json";
export const POLICY_SCHEMA_URL = `${TOOL_URI.replace("https://github.com/", "https://raw.githubusercontent.com/")}/main/${POLICY_SCHEMA_PATH}`;

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; items?: JsonSchema; additionalProperties?: JsonSchema | boolean };

/**
 * The schema of what a person writes (zod's input side: defaults optional), with the rule ids the
 * catalog knows as the allowed keys of `rules` and values of the rule fields.
 */
export function policyJsonSchema(ruleIds: readonly string[]): JsonSchema {
  const schema = z.toJSONSchema(policySchema, {
    io: "input",
    unrepresentable: "any",
    override: (ctx) => {
      // YAML reads `2027-01-31` as a date; in the file it is a YYYY-MM-DD string.
      if (ctx.zodSchema._zod.def.type === "date") Object.assign(ctx.jsonSchema, { type: "string", format: "date" });
    },
  }) as JsonSchema;
  const ids = [...ruleIds];
  const props = schema.properties!;
  props["rules"]!.propertyNames = { enum: ids };
  const exemption = props["exemptions"]!.items!;
  exemption.properties!["rule"] = { ...exemption.properties!["rule"], enum: ["*", ...ids] };
  const allow = props["tagExemptions"]!.properties!["allow"]!;
  allow.items = { ...allow.items, enum: ids };
  return {
    $schema: schema.$schema,
    $id: POLICY_SCHEMA_URL,
    title: "NSP Guardrail policy",
    description: "Policy file of nsp-guardrail (YAML or JSON): rule actions and severities, exemptions, reverts, notifications.",
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== "$schema")),
  };
}

/** The published file's text. */
export function formatPolicyJsonSchema(ruleIds: readonly string[]): string {
  return `${JSON.stringify(policyJsonSchema(ruleIds), null, 2)}\n`;
}
