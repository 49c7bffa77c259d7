/**
 * `nsp-guardrail init`: a commented policy file to start from, with the line that makes editors
 * validate it against the published JSON Schema. Every value written is the default, so the file
 * changes nothing until edited; a test loads it with the policy loader.
 */
import { writeFile } from "node:fs/promises";
import { InputError } from "../model/errors.js";
import { ALL_RULES } from "../rules/catalog/index.js";
import { POLICY_SCHEMA_URL } from "../policy/schema.js";

export function policyTemplate(): string {
  const width = Math.max(...ALL_RULES.map((r) => r.meta.id.length));
  const rules = ALL_RULES.map((r) => `  # ${`${r.meta.id}:`.padEnd(width + 1)} { action: alert }   # ${r.meta.severity}: ${r.meta.title}`);
  return [
    `# yaml-language-server: $schema=${POLICY_SCHEMA_URL}`,
    "# NSP Guardrail policy. Every value below is the default: edit what you want to change.",
    "# Rule pages: `nsp-guardrail rules explain RULE-ID`; the catalog: `nsp-guardrail rules`.",
    "",
    "dryRun: true                  # reverts are planned and reported, not applied; set false to apply them",
    "transitionGraceDays: 30       # storage-transition-mode turns high after this many days in Transition (Learning) mode",
    "trustedSubscriptions: []      # subscription ids; enables accessrule-untrusted-subscription when non-empty",
    "onboardedTypes: []            # extra resource types treated as onboarded to network security perimeter",
    "exemptPrincipals: []          # object ids whose changes are never reverted (pipelines, break-glass accounts)",
    "",
    "# Per rule: action off | alert (default) | revert, and optionally severity to override the rule's own.",
    "rules: {}",
    ...rules,
    "",
    "# Which rules a resource tag (nsp-guardrail-exempt: rule-id,...) may exempt; none by default.",
    "tagExemptions:",
    "  allow: []",
    "  requireReason: true         # the tag nsp-guardrail-exempt-reason must say why",
    "",
    "# Accepted findings: rule id or \"*\", a resource id glob (case-insensitive), a reason of 10+ characters.",
    "exemptions: []",
    "#  - rule: storage-sftp",
    '#    resource: "/subscriptions/*/resourceGroups/legacy-*/**"',
    '#    reason: "SFTP partners move to HTTPS in Q1"',
    "#    expires: 2027-01-31",
    "",
    "revert:",
    "  maxPerHour: 10              # at most this many reverts per hour, across instances",
    "  cooldownMinutes: 15         # the window flapThreshold counts reverts of one resource in",
    "  flapThreshold: 3            # a resource reverted this many times within cooldownMinutes is only alerted until the window passes",
    "",
    "readiness:                    # proposals of `nsp-guardrail readiness`",
    "  maxPrefixLength: 24",
    "  preferSubscriptionRules: true",
    "",
    "notify:",
    "  teams: []",
    '#    - { webhookUrl: "env:TEAMS_WEBHOOK_URL", minSeverity: high }',
    "  email: []",
    '#    - { to: ["secops@example.com"], minSeverity: medium }',
    "  digestThreshold: 5          # more alerts than this at once go out as one digest",
    "",
  ].join("\n");
}

export interface InitOptions {
  output: string;
  force?: boolean;
}

/** Writes the template to `--output` (default policy.yaml; `-` for stdout), never over a file unless `--force`. */
export async function runInit(options: InitOptions): Promise<{ code: number; wrote?: string }> {
  const text = policyTemplate();
  if (options.output === "-") {
    process.stdout.write(text);
    return { code: 0 };
  }
  try {
    await writeFile(options.output, text, { encoding: "utf8", flag: options.force ? "w" : "wx" });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new InputError(`init: ${options.output}: already exists (--force overwrites it)`);
    throw new InputError(`init: ${options.output}: cannot write: ${code ?? String(error)}`);
  }
  return { code: 0, wrote: options.output };
}
