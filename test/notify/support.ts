/**
 * Shared pieces of the notifier tests: findings shaped as the engine makes them (real rule metadata),
 * evaluations run through the pipeline's own diff and planner (so "new / existing / resolved" and the
 * alert actions are the real ones), and a pino logger whose lines are captured.
 */
import { readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { Ajv } from "ajv";
import { planActions, type RevertPlan } from "../../src/actions/planner.js";
import { createLogger, type Logger } from "../../src/logging.js";
import { Estate } from "../../src/model/estate.js";
import { diffFindings, type PerimeterDecision } from "../../src/pipeline/decisions.js";
import { DEFAULT_POLICY, policySchema, type Policy } from "../../src/policy/policy.js";
import { ALL_RULES } from "../../src/rules/catalog/index.js";
import { docUrl, type Finding, type Severity } from "../../src/rules/types.js";
import type { DirtyMarker, StoredFinding } from "../../src/state/stateStore.js";
import { SUB } from "../helpers/builders.js";

export const NSP_ID = `/subscriptions/${SUB}/resourceGroups/rg-nsp/providers/Microsoft.Network/networkSecurityPerimeters/nsp-data`;
export const PROFILE_ID = `${NSP_ID}/profiles/default`;
export const ALICE = { objectId: "0000000a-0000-0000-0000-000000000001", appId: "0000000b-0000-0000-0000-000000000002" };

export function accountId(name: string, rg = "rg-app"): string {
  return `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Storage/storageAccounts/${name}`;
}

export function associationId(account: string): string {
  return `${NSP_ID}/resourceAssociations/assoc-${account}`;
}

/** A finding of a real rule about a storage account in nsp-data. */
export function finding(ruleId: string, account: string, options: { severity?: Severity; message?: string; rg?: string; action?: "alert" | "revert" } = {}): Finding {
  const rule = ALL_RULES.find((r) => r.meta.id === ruleId);
  if (!rule) throw new Error(`no rule ${ruleId}`);
  return {
    ruleId,
    title: rule.meta.title,
    severity: options.severity ?? rule.meta.severity,
    category: rule.meta.category,
    resourceId: accountId(account, options.rg),
    perimeterId: NSP_ID,
    profileId: PROFILE_ID,
    associationId: associationId(account),
    message: options.message ?? `${account} has isSftpEnabled=true and is associated with the perimeter in Enforced mode.`,
    docUrl: docUrl(rule.meta.sources[0]!),
    remediation: rule.meta.remediation,
    exempted: false,
    action: options.action ?? "alert",
  };
}

export function policyWith(doc: Record<string, unknown>): Policy {
  return policySchema.parse(doc);
}

export { DEFAULT_POLICY };

/**
 * One perimeter evaluated twice, thrice…: each `evaluate` diffs with what the previous one stored,
 * as the pipeline does, and plans the actions with the real planner.
 */
export class Evaluations {
  stored: StoredFinding[] = [];

  constructor(
    private readonly policy: Policy,
    private readonly perimeterId = NSP_ID,
  ) {}

  evaluate(findings: Finding[], now: Date, changes: DirtyMarker["changes"] = []): { decision: PerimeterDecision; plans: RevertPlan[] } {
    const diff = diffFindings(findings, this.stored, now);
    this.stored = diff.stored;
    // ARM holds each changed association as its change left it: systemData names the change's caller.
    const current = changes
      .filter((c) => !c.deleted)
      .map((c) => ({
        id: c.resourceId,
        name: c.resourceId.split("/").pop()!,
        type: "Microsoft.Network/networkSecurityPerimeters/resourceAssociations",
        properties: {},
        systemData: { lastModifiedBy: c.caller?.name ?? c.caller?.appId ?? "", lastModifiedByType: c.caller?.name ? "User" : "Application", lastModifiedAt: now.toISOString() },
      }));
    const plans = planActions(diff.decided, { policy: this.policy, changes, previous: new Estate([]), lastKnownGood: new Estate([]), current: new Estate(current) });
    return { decision: { perimeterId: this.perimeterId, findings: diff.decided, actions: plans.map((p) => p.action) }, plans };
  }
}

/** The change event that "made" a finding, with its caller (what the pipeline records from Event Grid). */
export function changeOf(account: string, eventId = `evt-${account}`): DirtyMarker["changes"][number] {
  return { resourceId: associationId(account), deleted: false, eventId, eventType: "Microsoft.Resources.ResourceWriteSuccess", caller: ALICE };
}

/** A real pino logger (with the project's redaction) writing into an array of lines. */
export function capturedLogger(level = "debug"): { logger: Logger; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      callback();
    },
  });
  const logger = createLogger({ level, name: "test" }, stream);
  return { logger, lines, text: () => lines.join("\n") };
}

/** A clock the test moves by hand. */
export class ManualClock {
  constructor(private at: number) {}
  now = (): Date => new Date(this.at);
  advance(ms: number): void {
    this.at += ms;
  }
}

/** Validates an Adaptive Card against the 1.5 subset schema in test/fixtures. */
export function cardValidator(): ((card: unknown) => boolean) & { errorsText: () => string } {
  const schema = JSON.parse(readFileSync(new URL("../fixtures/adaptive-card-1.5.subset.schema.json", import.meta.url), "utf8")) as object;
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
  ajv.addFormat("uri-reference", true);
  ajv.addFormat("uri", (value: string) => /^[a-z][a-z0-9+.-]*:/i.test(value));
  const validate = ajv.compile(schema);
  return Object.assign((card: unknown) => validate(card) as boolean, { errorsText: () => ajv.errorsText(validate.errors) });
}
