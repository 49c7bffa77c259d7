import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { z } from "zod";
import { SEVERITIES, type Severity } from "../rules/types.js";
import { InputError } from "../model/errors.js";
import { didYouMean } from "../model/suggest.js";
import { compileGlob } from "./glob.js";

export const RULE_ACTIONS = ["off", "alert", "revert"] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

const severity = z.enum(SEVERITIES, { error: () => `expected ${SEVERITIES.join("|")}` });
const action = z.enum(RULE_ACTIONS, { error: () => `expected ${RULE_ACTIONS.join("|")}` });

/** `YYYY-MM-DD` (YAML may also hand us a Date). */
const isoDate = z
  .union([z.string(), z.date()], { error: () => "expected a date (YYYY-MM-DD)" })
  .transform((value, ctx) => {
    const text = value instanceof Date ? value.toISOString().slice(0, 10) : value;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`))) {
      ctx.addIssue({ code: "custom", message: "expected a date (YYYY-MM-DD)" });
      return z.NEVER;
    }
    return text;
  });

const subscriptionId = z
  .string({ error: () => "expected a subscription id" })
  .transform((s) => s.replace(/^\/subscriptions\//i, "").replace(/\/+$/, "").toLowerCase());

const minSeverity = severity.default("high");

export const policySchema = z
  .strictObject({
    dryRun: z.boolean({ error: () => "expected true|false" }).default(true),
    transitionGraceDays: z.number({ error: () => "expected a number of days" }).int().min(0).default(30),
    trustedSubscriptions: z.array(subscriptionId).default([]),
    onboardedTypes: z.array(z.string().regex(/^[^/]+\/[^/]+(\/[^/]+)*$/, "expected a resource type such as Microsoft.Web/sites")).default([]),
    exemptPrincipals: z.array(z.string()).default([]),
    rules: z
      .record(
        z.string(),
        z.strictObject({ action: action.optional(), severity: severity.optional() }),
      )
      .default({}),
    // Off unless listed: a resource tag is written by whoever may write tags, not by whoever owns the policy.
    tagExemptions: z
      .strictObject({
        allow: z.array(z.string({ error: () => "expected a rule id" })).default([]),
        requireReason: z.boolean({ error: () => "expected true|false" }).default(true),
      })
      .default({ allow: [], requireReason: true }),
    exemptions: z
      .array(
        z.strictObject({
          rule: z.string({ error: () => "expected a rule id or \"*\"" }),
          resource: z.string({ error: () => "expected a resource id glob" }).min(1),
          reason: z.string({ error: () => "required: why this is exempt (at least 10 characters)" }).trim().min(10, "must be at least 10 characters"),
          expires: isoDate.optional(),
        }),
      )
      .default([]),
    revert: z
      .strictObject({
        maxPerHour: z.number().int().min(0).default(10),
        cooldownMinutes: z.number().min(0).default(15),
        flapThreshold: z.number().int().min(1).default(3),
      })
      .default({ maxPerHour: 10, cooldownMinutes: 15, flapThreshold: 3 }),
    notify: z
      .strictObject({
        teams: z
          .array(
            z.strictObject({
              webhookUrl: z.string().min(1),
              minSeverity,
              rules: z.array(z.string()).optional(),
              resourceGroups: z.array(z.string()).optional(),
              tags: z.record(z.string(), z.string()).optional(),
            }),
          )
          .default([]),
        email: z
          .array(
            z.strictObject({
              to: z.array(z.string().email("expected an email address")).min(1),
              minSeverity,
              rules: z.array(z.string()).optional(),
              resourceGroups: z.array(z.string()).optional(),
              tags: z.record(z.string(), z.string()).optional(),
            }),
          )
          .default([]),
        digestThreshold: z.number().int().min(1).default(5),
      })
      .default({ teams: [], email: [], digestThreshold: 5 }),
    readiness: z
      .strictObject({
        maxPrefixLength: z.number({ error: () => "expected a prefix length (1-32)" }).int().min(1).max(32).default(24),
        preferSubscriptionRules: z.boolean({ error: () => "expected true|false" }).default(true),
      })
      .default({ maxPrefixLength: 24, preferSubscriptionRules: true }),
  })
  .default({} as never);

export type Policy = z.output<typeof policySchema>;
export type Exemption = Policy["exemptions"][number];

export const DEFAULT_POLICY: Policy = policySchema.parse({});

/** Renders a zod issue path like `rules.storage-nfs.action` or `exemptions[0].reason`. */
function issuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || "(root)";
}

/** The keys the schema allows in the mapping at `path` (for "did you mean"); undefined when any key goes. */
function keysAt(path: readonly PropertyKey[]): string[] | undefined {
  type Node = { _zod?: { def?: { type?: string; innerType?: Node; shape?: Record<string, Node>; element?: Node; valueType?: Node } } } | undefined;
  const unwrap = (n: Node): Node => {
    while (n?._zod?.def?.innerType) n = n._zod.def.innerType;
    return n;
  };
  let node = unwrap(policySchema as unknown as Node);
  for (const key of path) {
    const def = node?._zod?.def;
    if (def?.type === "object") node = def.shape?.[String(key)];
    else if (def?.type === "array") node = def.element;
    else if (def?.type === "record") node = def.valueType;
    else return undefined;
    node = unwrap(node);
  }
  const def = node?._zod?.def;
  return def?.type === "object" && def.shape ? Object.keys(def.shape) : undefined;
}

/**
 * Validates a parsed policy document. `knownRuleIds` makes unknown rule ids an error (a typo in a
 * policy must not silently leave a rule on).
 */
export function validatePolicy(doc: unknown, label: string, knownRuleIds: readonly string[]): Policy {
  const result = policySchema.safeParse(doc ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    let message = issue.message;
    if (issue.code === "unrecognized_keys") {
      const keys = (issue as { keys: string[] }).keys;
      const where = issuePath(issue.path);
      throw new InputError(`${label}: ${where === "(root)" ? keys[0] : `${where}.${keys[0]}`}: unknown key${didYouMean(keys[0]!, keysAt(issue.path) ?? [])}`);
    }
    if (issue.code === "invalid_type" && message.startsWith("Invalid input")) message = `expected ${issue.expected}`;
    throw new InputError(`${label}: ${issuePath(issue.path)}: ${message}`);
  }
  const policy = result.data;
  const known = new Set(knownRuleIds);
  for (const id of Object.keys(policy.rules)) {
    if (!known.has(id)) throw new InputError(`${label}: rules.${id}: unknown rule id${didYouMean(id, knownRuleIds)}`);
  }
  policy.exemptions.forEach((e, i) => {
    if (e.rule !== "*" && !known.has(e.rule)) throw new InputError(`${label}: exemptions[${i}].rule: unknown rule id "${e.rule}"${didYouMean(e.rule, knownRuleIds)}`);
  });
  policy.tagExemptions.allow.forEach((id, i) => {
    if (id === "*") throw new InputError(`${label}: tagExemptions.allow[${i}]: "*" is not allowed: list the rule ids a resource tag may exempt`);
    if (!known.has(id)) throw new InputError(`${label}: tagExemptions.allow[${i}]: unknown rule id "${id}"${didYouMean(id, knownRuleIds)}`);
  });
  for (const [channel, entries] of [["teams", policy.notify.teams], ["email", policy.notify.email]] as const) {
    entries.forEach((entry, i) => {
      for (const id of entry.rules ?? []) {
        if (!known.has(id)) throw new InputError(`${label}: notify.${channel}[${i}].rules: unknown rule id "${id}"${didYouMean(id, knownRuleIds)}`);
      }
    });
  }
  return policy;
}

/** Parses policy text (YAML or JSON; JSON is YAML). */
export function parsePolicy(text: string, label: string, knownRuleIds: readonly string[]): Policy {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? `line ${error.linePos[0].line}` : "(root)";
    const reason = error instanceof Error ? error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "") : String(error);
    throw new InputError(`${label}: ${where}: not valid YAML or JSON: ${reason}`);
  }
  if (doc !== null && doc !== undefined && (typeof doc !== "object" || Array.isArray(doc))) {
    throw new InputError(`${label}: (root): expected a mapping of policy settings`);
  }
  return validatePolicy(doc, label, knownRuleIds);
}

export async function loadPolicyFile(path: string, knownRuleIds: readonly string[]): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new InputError(`${basename(path)}: cannot read policy file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parsePolicy(text, basename(path), knownRuleIds);
}

export interface EffectiveRulePolicy {
  action: RuleAction;
  severity?: Severity;
}

/** The policy's entry for a rule; a rule the policy does not name takes its own default action (`alert` unless it says `off`). */
export function rulePolicy(policy: Policy, ruleId: string, defaultAction: RuleAction = "alert"): EffectiveRulePolicy {
  const entry = policy.rules[ruleId];
  return { action: entry?.action ?? defaultAction, ...(entry?.severity ? { severity: entry.severity } : {}) };
}

const matcherCache = new WeakMap<Exemption, (id: string) => boolean>();

function exemptionMatcher(exemption: Exemption): (id: string) => boolean {
  let matcher = matcherCache.get(exemption);
  if (!matcher) {
    const glob = exemption.resource.replace(/\/+$/, "");
    matcher = compileGlob(glob);
    matcherCache.set(exemption, matcher);
  }
  return matcher;
}

export function isExpired(exemption: Exemption, now: Date): boolean {
  // An exemption expiring on a date still applies on that day.
  return exemption.expires !== undefined && now.getTime() >= Date.parse(`${exemption.expires}T00:00:00Z`) + 86_400_000;
}

/** The first policy exemption that covers this finding, if any. */
export function findExemption(policy: Policy, ruleId: string, resourceId: string, now: Date): Exemption | undefined {
  const id = resourceId.replace(/\/+$/, "");
  return policy.exemptions.find(
    (e) => (e.rule === "*" || e.rule === ruleId) && !isExpired(e, now) && exemptionMatcher(e)(id),
  );
}

export const EXEMPT_TAG = "nsp-guardrail-exempt";
export const EXEMPT_REASON_TAG = "nsp-guardrail-exempt-reason";
/** The `info` finding that makes every tag exemption visible. */
export const TAG_EXEMPTION_RULE_ID = "tag-exemption";

function tagValue(tags: Record<string, string> | null | undefined, name: string): string | undefined {
  if (!tags || typeof tags !== "object") return undefined;
  for (const [key, value] of Object.entries(tags)) if (key.toLowerCase() === name && typeof value === "string") return value;
  return undefined;
}

/** What a resource's exemption tags ask for, and what the policy grants. */
export interface TagExemptionRequest {
  /** Rule ids listed in the tag (lower-case), `*` included when present. */
  readonly requested: readonly string[];
  /** The ones the policy's `tagExemptions` lets the tag exempt. */
  readonly granted: readonly string[];
  readonly reason: string | undefined;
  /** Why the rest is refused, for the finding's message. */
  readonly refused: string | undefined;
}

/** Reads a resource's `nsp-guardrail-exempt` tags against the policy; undefined when untagged. */
export function tagExemptionRequest(tags: Record<string, string> | null | undefined, policy: Pick<Policy, "tagExemptions">): TagExemptionRequest | undefined {
  const listed = tagValue(tags, EXEMPT_TAG);
  if (!listed?.trim()) return undefined;
  const requested = [...new Set(listed.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean))];
  const reason = tagValue(tags, EXEMPT_REASON_TAG)?.trim() || undefined;
  const { allow, requireReason } = policy.tagExemptions;
  if (requireReason && !reason) {
    return { requested, granted: [], reason, refused: `no ${EXEMPT_REASON_TAG} tag (the policy requires a reason)` };
  }
  const allowed = new Set(allow.map((id) => id.toLowerCase()));
  const granted = requested.filter((id) => allowed.has(id));
  const others = requested.filter((id) => !allowed.has(id));
  const refused = others.length === 0 ? undefined : allowed.size === 0 ? "the policy allows no tag exemptions (tagExemptions.allow)" : `not in tagExemptions.allow: ${others.join(", ")}`;
  return { requested, granted, reason, refused };
}

/** The reason a resource's `nsp-guardrail-exempt` tag exempts it from `ruleId` under this policy, if it does. */
export function tagExemption(tags: Record<string, string> | null | undefined, ruleId: string, policy: Pick<Policy, "tagExemptions">): string | undefined {
  const request = tagExemptionRequest(tags, policy);
  if (!request?.granted.includes(ruleId.toLowerCase())) return undefined;
  return request.reason ?? `resource tag ${EXEMPT_TAG}`;
}
