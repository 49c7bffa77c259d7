/**
 * App settings of the Functions app (contracts.md §4), validated once at start: a missing or bad
 * setting is an error naming it, not a failure deep inside the first event.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { CLOUD_NAMES } from "../inventory/cloud.js";
import { InputError } from "../model/errors.js";
import { DEFAULT_POLICY, validatePolicy, type Policy } from "../policy/policy.js";
import { RULE_IDS } from "../rules/catalog/index.js";

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A management group id (its name, not its ARM id). UNCONFIRMED which characters Azure allows: those
 * of a resource group name are assumed (up to 90 letters, digits, `-`, `_`, `.`, `(`, `)`); the
 * point is to refuse an ARM id or a display name with a clear message.
 */
const managementGroupId = /^[A-Za-z0-9_.()-]{1,90}$/;

const REREAD_HOURS_RANGE = "expected 0 to 720 hours (0: re-read everything on every reconcile pass)";

const settingsSchema = z.object({
  NSPG_SUBSCRIPTION_IDS: z
    .string()
    .transform((s) => s.split(/[,\s]+/).filter(Boolean))
    .refine((ids) => ids.length > 0 && ids.every((id) => guid.test(id)), "expected comma-separated subscription GUIDs")
    .optional(),
  NSPG_MANAGEMENT_GROUP_ID: z
    .string()
    .transform((s) => s.trim())
    .refine((id) => managementGroupId.test(id), "expected a management group id (its name, e.g. mg-contoso; not its ARM id /providers/Microsoft.Management/managementGroups/...)")
    .optional(),
  NSPG_POLICY: z.string().optional(),
  NSPG_ARM_ENDPOINT: z.string().regex(/^https:\/\/[^\s/]+/i, "expected an https URL").optional(),
  NSPG_ARM_CA_FILE: z.string().optional(),
  NSPG_CLOUD: z
    .string()
    .refine((v) => CLOUD_NAMES.some((n) => n.toLowerCase() === v.trim().toLowerCase()), `expected ${CLOUD_NAMES.join("|")}`)
    .optional(),
  NSPG_ARM_TRUSTED_HOSTS: z.string().optional(),
  NSPG_STATE_CONNECTION: z.string().optional(),
  AzureWebJobsStorage: z.string().optional(),
  AzureWebJobsStorage__accountName: z.string().optional(),
  AZURE_CLIENT_ID: z.string().optional(),
  NSPG_DEBOUNCE_SECONDS: z.coerce.number({ error: () => "expected a number of seconds" }).min(0).max(600).default(5),
  NSPG_EVENT_TTL_HOURS: z.coerce.number().min(1).max(24 * 14).default(24),
  // What Resource Graph does not hold (NSP configurations, links, diagnostic settings...) is carried
  // over between reconcile passes and re-read from ARM at least once per this many hours.
  NSPG_RECONCILE_REREAD_HOURS: z.coerce
    .number({ error: () => "expected a number of hours" })
    .min(0, REREAD_HOURS_RANGE)
    .max(24 * 30, REREAD_HOURS_RANGE)
    .default(48),
  NSPG_SELF_PRINCIPAL_IDS: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(/[,\s]+/).filter(Boolean) : [])),
  NSPG_LOGS_WORKSPACE_ID: z.string().regex(guid, "expected the Log Analytics workspace id (a GUID, the workspace's Workspace ID, not its ARM id)").optional(),
  NSPG_LOGS_ENDPOINT: z.string().regex(/^https:\/\/[^\s/]+/i, "expected an https URL").optional(),
  NSPG_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Settings = Omit<z.output<typeof settingsSchema>, "NSPG_SUBSCRIPTION_IDS"> & {
  /** Subscriptions watched by name (empty when only a management group is). */
  NSPG_SUBSCRIPTION_IDS: string[];
  policy: Policy;
  storage: StorageSettings;
};

export type StorageSettings =
  | { kind: "connectionString"; connectionString: string }
  | { kind: "identity"; accountName: string; clientId: string | undefined };

/** `NSPG_POLICY`: inline JSON/YAML (starts with `{` or contains a newline) or a file path. */
export function loadPolicySetting(value: string | undefined): Policy {
  if (!value || value.trim() === "") return DEFAULT_POLICY;
  const trimmed = value.trim();
  if (trimmed.startsWith("{") || trimmed.includes("\n")) {
    return parsePolicyText(trimmed, "NSPG_POLICY");
  }
  let text: string;
  try {
    text = readFileSync(trimmed, "utf8");
  } catch (error) {
    throw new InputError(`NSPG_POLICY: cannot read policy file ${trimmed}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parsePolicyText(text, trimmed);
}

function parsePolicyText(text: string, label: string): Policy {
  // JSON is YAML; the YAML parser gives the better error positions.
  return validatePolicy(parseYamlOrJson(text, label), label, RULE_IDS);
}

import { parse as parseYaml } from "yaml";
function parseYamlOrJson(text: string, label: string): unknown {
  try {
    return parseYaml(text);
  } catch (error) {
    throw new InputError(`${label}: not valid YAML or JSON: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
  }
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  // A blank setting is an unset one (the portal and local.settings.json keep empty values).
  const present: Record<string, string> = {};
  for (const key of Object.keys(settingsSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== "") present[key] = value;
  }
  const result = settingsSchema.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new InputError(`app setting ${issue.path.join(".")}: ${issue.message}`);
  }
  const s = result.data;
  if (!s.NSPG_SUBSCRIPTION_IDS && !s.NSPG_MANAGEMENT_GROUP_ID) {
    throw new InputError(
      "app setting NSPG_SUBSCRIPTION_IDS: required: comma-separated subscription ids to watch (or NSPG_MANAGEMENT_GROUP_ID: a management group whose subscriptions are all watched)",
    );
  }
  const connection = s.NSPG_STATE_CONNECTION ?? s.AzureWebJobsStorage;
  let storage: StorageSettings;
  if (connection) storage = { kind: "connectionString", connectionString: connection };
  else if (s.AzureWebJobsStorage__accountName) storage = { kind: "identity", accountName: s.AzureWebJobsStorage__accountName, clientId: s.AZURE_CLIENT_ID };
  else throw new InputError("app setting NSPG_STATE_CONNECTION: required (or AzureWebJobsStorage / AzureWebJobsStorage__accountName)");
  return { ...s, NSPG_SUBSCRIPTION_IDS: s.NSPG_SUBSCRIPTION_IDS ?? [], policy: loadPolicySetting(s.NSPG_POLICY), storage };
}
