/**
 * What an alert says, independent of the channel: built once from a decision and its plans, stored
 * in the outbox as JSON, and rendered as an Adaptive Card, an HTML email and a plain-text email that
 * therefore carry the same content.
 */
import { stringify as toYaml } from "yaml";
import { idKey, parseArmId } from "../model/armId.js";
import type { RevertPlan } from "../actions/planner.js";
import { findingKey, type Action, type DecidedFinding, type PerimeterDecision } from "../pipeline/decisions.js";
import { EXEMPT_REASON_TAG, EXEMPT_TAG } from "../policy/policy.js";
import { ALL_RULES } from "../rules/catalog/index.js";
import { docUrl, sourceLabel, type RuleMeta, type Severity } from "../rules/types.js";
import { fieldChangeText, type FieldChange } from "../actions/writtenFields.js";

/**
 * What the alert announces. `reverted`: a new finding the guardrail undid at once (its revert was
 * applied), told as one alert instead of a "new" alert followed by a "resolved" one.
 */
export type AlertChange = "new" | "severity-increase" | "resolved" | "reverted";

/** What the guardrail did about the finding. */
export type GuardrailOutcome = "reverted" | "revert-planned" | "revert-failed" | "alert-only" | "none";

export interface AlertItem {
  /** The finding's identity across evaluations (`findingKey`). */
  key: string;
  change: AlertChange;
  severity: Severity;
  previousSeverity?: Severity;
  ruleId: string;
  title: string;
  category: string;
  /** Why flagged: the rule's message, naming the values seen. */
  message: string;
  /** Why it matters: the rule's explanation. */
  explanation: string;
  remediation: string;
  docUrl: string;
  sources: Array<{ title: string; url: string }>;
  resourceId: string;
  perimeterId?: string;
  profileId?: string;
  associationId?: string;
  /** Who made the change (from the event's claims), when known. */
  caller?: { objectId?: string; appId?: string };
  eventId?: string;
  guardrail: { outcome: GuardrailOutcome; text: string };
  /** For a `reverted` item: the revert that undid the change. */
  revert?: RevertSummary;
  /** Policy snippet (YAML) and resource tag that would exempt the finding. */
  exemption: { yaml: string; tag: string };
  detectedAt: string;
}

/** A revert an alert reports: what it wrote and how to undo it. */
export interface RevertSummary {
  /** The revert's ledger id (`rv-…`): what `nsp-guardrail undo` takes. */
  revertId: string;
  /** The rule whose policy action reverted the change. */
  ruleId: string;
  /** The association or access rule written. */
  targetId: string;
  operation: "restore" | "delete" | "none";
  /** The target's writable fields before → after the revert. */
  written: FieldChange[];
  /** The change's author as ARM's systemData names it (a UPN, a client id), when established. */
  changedBy?: string;
  /** The command that puts the change back. */
  undo: string;
}

export interface AlertPayload {
  version: 1;
  /**
   * One finding; a digest of many from one evaluation; or a change the guardrail reverted (its
   * finding first, then the other findings of the same change the revert settled).
   */
  kind: "single" | "digest" | "reverted";
  /** The perimeter (or subscription) the evaluation was about. */
  perimeterId: string;
  dryRun: boolean;
  items: AlertItem[];
  createdAt: string;
}

const RULE_META = new Map<string, RuleMeta>(ALL_RULES.map((r) => [r.meta.id, r.meta]));

export function ruleMeta(ruleId: string): RuleMeta | undefined {
  return RULE_META.get(ruleId);
}

/** An alert action with the finding it is about and the alert item describing it. */
export interface PreparedAlert {
  action: Action;
  item: AlertItem;
}

/**
 * Pairs each planned alert action with its finding and describes it. Actions whose finding cannot
 * be found (should not happen) are returned in `unmatched`.
 */
export function prepareAlerts(
  decision: PerimeterDecision,
  plans: readonly RevertPlan[],
  options: { dryRun: boolean; now: Date },
): { alerts: PreparedAlert[]; unmatched: Action[] } {
  const used = new Set<DecidedFinding>();
  const alerts: PreparedAlert[] = [];
  const unmatched: Action[] = [];
  for (const action of decision.actions) {
    if (action.type !== "alert" || action.status !== "planned") continue;
    const wantResolved = action.reason.startsWith("finding resolved");
    const finding = decision.findings.find(
      (f) => !used.has(f) && f.ruleId === action.ruleId && idKey(f.resourceId) === idKey(action.resourceId) && (f.status === "resolved") === wantResolved,
    );
    if (!finding) {
      unmatched.push(action);
      continue;
    }
    used.add(finding);
    alerts.push({ action, item: describe(finding, action, decision, plans, options) });
  }
  return { alerts: withRevertCompanions(alerts), unmatched };
}

/**
 * New findings on a reverted target (the transition-mode finding of a downgraded association, say)
 * are settled by the same write, which restores the target's last known good body: they are told
 * in the same "reverted" alert, not as new findings whose resolution follows.
 */
function withRevertCompanions(alerts: PreparedAlert[]): PreparedAlert[] {
  const reverts = alerts.filter((a) => a.item.change === "reverted" && a.item.revert).map((a) => a.item);
  if (reverts.length === 0) return alerts;
  return alerts.map((a) => {
    if (a.item.change !== "new") return a;
    const on = [a.item.associationId, a.item.resourceId].filter((id): id is string => !!id).map(idKey);
    const by = reverts.find((r) => on.includes(idKey(r.revert!.targetId)));
    if (!by) return a;
    const item: AlertItem = {
      ...a.item,
      change: "reverted",
      revert: by.revert!,
      guardrail: { outcome: "reverted", text: `Reverted with ${by.ruleId}, which restored ${nameOf(by.revert!.targetId)}` },
    };
    return { action: a.action, item };
  });
}

const UNDO_COMMAND = /nsp-guardrail undo ((?:rv|un)-[0-9A-Za-z-]+)/;

/** The revert behind an applied revert action: its id comes from the undo command the executor names. */
function revertSummary(revert: Action, plan: RevertPlan | undefined): RevertSummary | undefined {
  const revertId = UNDO_COMMAND.exec(revert.reason)?.[1];
  const targetId = revert.targetId ?? plan?.targetId;
  if (revert.status !== "applied" || !revertId || !targetId) return undefined;
  return {
    revertId,
    ruleId: revert.ruleId,
    targetId,
    operation: revert.operation,
    written: revert.written ?? [],
    ...(plan?.author?.by ? { changedBy: plan.author.by } : {}),
    undo: `nsp-guardrail undo ${revertId}`,
  };
}

function describe(
  finding: DecidedFinding,
  action: Action,
  decision: PerimeterDecision,
  plans: readonly RevertPlan[],
  options: { dryRun: boolean; now: Date },
): AlertItem {
  const sameFinding = (a: Action) => a.ruleId === finding.ruleId && idKey(a.resourceId) === idKey(finding.resourceId);
  const revert = decision.actions.find((a) => a.type === "revert" && sameFinding(a));
  // The alert's own plan may carry the cause; otherwise the revert plan of the same finding does.
  const cause = plans.find((p) => p.action === action)?.cause ?? plans.find((p) => p.action.type === "revert" && sameFinding(p.action) && p.cause)?.cause;
  const meta = ruleMeta(finding.ruleId);
  const revertPlan = plans.find((p) => p.action.type === "revert" && sameFinding(p.action));
  const reverted = finding.status === "new" && revert ? revertSummary(revert, revertPlan) : undefined;
  const change: AlertChange = finding.status === "resolved" ? "resolved" : reverted ? "reverted" : finding.status === "new" ? "new" : "severity-increase";
  return {
    key: findingKey(finding),
    change,
    severity: finding.severity,
    ...(finding.previousSeverity ? { previousSeverity: finding.previousSeverity } : {}),
    ruleId: finding.ruleId,
    title: finding.title,
    category: finding.category,
    message: finding.message,
    explanation: meta?.explanation ?? "",
    remediation: finding.remediation || meta?.remediation || "",
    docUrl: finding.docUrl,
    sources: (meta?.sources ?? []).map((s) => ({ title: `${sourceLabel(s.doc)}: ${s.section}`, url: docUrl(s) })),
    resourceId: finding.resourceId,
    ...(finding.perimeterId ? { perimeterId: finding.perimeterId } : {}),
    ...(finding.profileId ? { profileId: finding.profileId } : {}),
    ...(finding.associationId ? { associationId: finding.associationId } : {}),
    ...(cause?.caller && (cause.caller.objectId || cause.caller.appId) ? { caller: { ...cause.caller } } : {}),
    ...(cause?.eventId ? { eventId: cause.eventId } : {}),
    guardrail: guardrailOutcome(finding, change, revert),
    ...(reverted ? { revert: reverted } : {}),
    exemption: exemptionFor(finding.ruleId, finding.resourceId, options.now),
    detectedAt: options.now.toISOString(),
  };
}

function guardrailOutcome(finding: DecidedFinding, change: AlertChange, revert: Action | undefined): AlertItem["guardrail"] {
  if (change === "resolved") return { outcome: "none", text: "Nothing: the finding is resolved." };
  if (revert) {
    switch (revert.status) {
      case "applied":
        return { outcome: "reverted", text: `Reverted: ${revert.reason}` };
      case "planned":
        return { outcome: "revert-planned", text: `Revert planned, not applied (dry run): ${revert.reason.replace(/^dry run:\s*/i, "")}` };
      case "failed":
        return { outcome: "revert-failed", text: `Revert failed: ${revert.reason}` };
      case "skipped":
        return { outcome: "alert-only", text: `Alert only: revert skipped (${revert.reason})` };
    }
  }
  if (finding.action === "revert" && change === "severity-increase") {
    return { outcome: "alert-only", text: "Alert only: the finding already existed (only new findings are reverted)." };
  }
  return { outcome: "alert-only", text: `Alert only: the policy's action for ${finding.ruleId} is alert.` };
}

/** Glob wildcards and the escape character (and brackets, kept literal), escaped so that the exemption names exactly this resource. */
function escapeGlob(id: string): string {
  return id.replace(/[\\*?[\](){}!+@]/g, (c) => `\\${c}`);
}

/** The policy exemption (YAML) and the resource tag that would exempt this finding. */
export function exemptionFor(ruleId: string, resourceId: string, now: Date): AlertItem["exemption"] {
  const expires = new Date(now.getTime() + 90 * 86_400_000).toISOString().slice(0, 10);
  const yaml =
    "# Add to the policy (NSPG_POLICY). The reason is required; the expiry is optional.\n" +
    toYaml(
      { exemptions: [{ rule: ruleId, resource: escapeGlob(resourceId.replace(/\/+$/, "")), reason: "TODO: why this exception is acceptable", expires }] },
      { lineWidth: 0 },
    );
  return { yaml: yaml.trimEnd(), tag: `${EXEMPT_TAG}=${ruleId}; ${EXEMPT_REASON_TAG}=<why>` };
}

// ---------------------------------------------------------------------------------------------
// Presentation helpers shared by the renderers

export const SEVERITY_LABEL: Record<Severity, string> = { critical: "Critical", high: "High", medium: "Medium", low: "Low", info: "Info" };

export function nameOf(id: string | undefined): string {
  if (!id) return "";
  const parts = id.replace(/\/+$/, "").split("/");
  return parts[parts.length - 1] ?? id;
}

export function portalUrl(portalBase: string, id: string): string {
  return `${portalBase.replace(/\/+$/, "")}/#@/resource${id.replace(/\/+$/, "")}`;
}

export function resourceGroupOf(id: string): string | undefined {
  try {
    return parseArmId(id).resourceGroup;
  } catch {
    return undefined;
  }
}

export function changeLabel(item: AlertItem): string {
  if (item.change === "resolved") return "Resolved";
  if (item.change === "reverted") return "Reverted by the guardrail";
  if (item.change === "severity-increase") return `Severity rose from ${item.previousSeverity ?? "?"} to ${item.severity}`;
  return "New finding";
}

export function callerLabel(item: AlertItem): string {
  const c = item.caller;
  const by = item.revert?.changedBy;
  if (!c && !by) return "not recorded (no resource event names a caller for this finding)";
  const parts = [by ?? "", c?.objectId ? `object id ${c.objectId}` : "", c?.appId ? `app id ${c.appId}` : ""].filter(Boolean);
  return parts.join(", ");
}

export interface LabelledLink {
  title: string;
  url: string;
}

/** Azure portal links of the resources an item names (resource first). */
export function portalLinks(portalBase: string, item: AlertItem): LabelledLink[] {
  const links: LabelledLink[] = [{ title: `Open ${nameOf(item.resourceId)} in the Azure portal`, url: portalUrl(portalBase, item.resourceId) }];
  const seen = new Set([idKey(item.resourceId)]);
  for (const [what, id] of [["perimeter", item.perimeterId], ["profile", item.profileId], ["association", item.associationId]] as const) {
    if (!id || seen.has(idKey(id))) continue;
    seen.add(idKey(id));
    links.push({ title: `Open ${what} ${nameOf(id)}`, url: portalUrl(portalBase, id) });
  }
  return links;
}

/** One-line subject of an email or heading of a card. */
export function headline(payload: AlertPayload): string {
  if (payload.kind === "digest") {
    const resolved = payload.items.filter((i) => i.change === "resolved").length;
    const reverted = payload.items.filter((i) => i.change === "reverted").length;
    const raised = payload.items.length - resolved - reverted;
    const parts = [raised ? `${raised} finding${raised === 1 ? "" : "s"}` : "", reverted ? `${reverted} reverted` : "", resolved ? `${resolved} resolved` : ""].filter(Boolean).join(", ");
    return `NSP Guardrail digest: ${parts} on ${nameOf(payload.perimeterId)}`;
  }
  const item = payload.items[0]!;
  if (item.change === "resolved") return `Resolved: ${item.title} (${nameOf(item.resourceId)})`;
  if (item.change === "reverted") return `Reverted: ${item.title} (${nameOf(item.resourceId)})`;
  const what = item.change === "new" ? "new finding" : `severity rose to ${item.severity}`;
  return `${SEVERITY_LABEL[item.severity]} ${what}: ${item.title} (${nameOf(item.resourceId)})`;
}

/** Counts of raised items by severity, worst first, e.g. "2 critical, 5 high". */
export function severityCounts(items: readonly AlertItem[]): string {
  const order: Severity[] = ["critical", "high", "medium", "low", "info"];
  return order
    .map((s) => [s, items.filter((i) => i.change !== "resolved" && i.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
}

/** Items worst first, then reverted, then resolved ones. */
export function sortItems(items: readonly AlertItem[]): AlertItem[] {
  const rank = (i: AlertItem) => (i.change === "resolved" ? 20 : (i.change === "reverted" ? 10 : 0) + ["critical", "high", "medium", "low", "info"].indexOf(i.severity));
  return [...items].sort((a, b) => rank(a) - rank(b) || a.ruleId.localeCompare(b.ruleId) || a.resourceId.localeCompare(b.resourceId));
}

/** What a revert put back, one line per field: `accessMode: Learning → Enforced`. */
export function restoredLines(revert: RevertSummary): string[] {
  if (revert.operation === "delete") return [`deleted ${nameOf(revert.targetId)}, which did not exist before the change`];
  if (revert.written.length === 0) return [`restored ${nameOf(revert.targetId)} to its last known good body`];
  return revert.written.map(fieldChangeText);
}

/** The facts of a reverted change: what, who, which write, how to undo. */
export function revertedFacts(item: AlertItem): Array<[string, string]> {
  const revert = item.revert!;
  const rows: Array<[string, string | undefined]> = [
    ["Severity", SEVERITY_LABEL[item.severity]],
    ["Rule", `${item.ruleId} (${item.category})`],
    ["Resource", nameOf(item.resourceId)],
    ["Resource group", resourceGroupOf(item.resourceId)],
    ["Perimeter", item.perimeterId ? nameOf(item.perimeterId) : undefined],
    ["Changed by", callerLabel(item)],
    ["Event", item.eventId],
    ["Restored", nameOf(revert.targetId)],
    ["Revert", revert.revertId],
  ];
  return rows.filter((r): r is [string, string] => Boolean(r[1]));
}

export const UNDO_ADVICE = "If the change was intended, undo puts it back; exempt it too, or the guardrail reverts it again.";
