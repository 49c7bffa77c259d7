import { idKey, parseArmId } from "../model/armId.js";
import type { EstateReader } from "../model/estate.js";
import { buildPerimeterView, type PerimeterView } from "../model/perimeterView.js";
import type { ArmResource } from "../model/resource.js";
import { T } from "../model/resourceTypes.js";
import { DEFAULT_POLICY, findExemption, rulePolicy, tagExemption, type Policy } from "../policy/policy.js";
import { ALL_RULES } from "./catalog/index.js";
import { docUrl, severityRank, type Finding, type Hits, type Rule, type RuleContext, type RuleHit } from "./types.js";

export const ENGINE_ERROR_RULE_ID = "engine-error";

export interface EvaluateOptions {
  readonly rules?: readonly Rule[];
  readonly policy?: Policy;
  readonly now?: Date;
  /** The estate before the change under evaluation (event pipeline and replay only). */
  readonly previous?: EstateReader;
}

function contextOf(options: EvaluateOptions): RuleContext {
  const policy = options.policy ?? DEFAULT_POLICY;
  return {
    now: options.now ?? new Date(),
    transitionGraceDays: policy.transitionGraceDays,
    trustedSubscriptions: policy.trustedSubscriptions,
    onboardedTypes: policy.onboardedTypes.map((t) => t.toLowerCase()),
    ...(options.previous ? { previous: options.previous } : {}),
  };
}

function hitsOf(hits: Hits): readonly RuleHit[] {
  if (!hits) return [];
  return Array.isArray(hits) ? hits : [hits as RuleHit];
}

interface Where {
  resourceId: string;
  perimeterId?: string;
  profileId?: string;
  associationId?: string;
}

/** Applies one rule to one subject, turning a throw into an `engine-error` finding. */
function run(rule: Rule, where: Where, evaluate: () => Hits, out: Finding[], policy: Policy): void {
  const { action, severity: severityOverride } = rulePolicy(policy, rule.meta.id);
  let hits: readonly RuleHit[];
  try {
    hits = hitsOf(evaluate());
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    out.push({
      ruleId: ENGINE_ERROR_RULE_ID,
      title: "A rule failed on this resource",
      severity: "high",
      category: "hygiene",
      ...where,
      message: `rule ${rule.meta.id} failed on ${where.resourceId}: ${reason}`,
      docUrl: docUrl(rule.meta.sources[0]!),
      remediation: `Check the resource's shape; the rest of the scan went on. Report the message if the resource is valid ARM.`,
      exempted: false,
      action: "alert",
    });
    return;
  }
  for (const hit of hits) {
    const finding: Finding = {
      ruleId: rule.meta.id,
      title: rule.meta.title,
      severity: severityOverride ?? hit.severity,
      category: rule.meta.category,
      resourceId: hit.resourceId ?? where.resourceId,
      ...(where.perimeterId && hit.perimeterId !== null ? { perimeterId: hit.perimeterId ?? where.perimeterId } : {}),
      ...(where.profileId ? { profileId: where.profileId } : {}),
      ...(where.associationId ? { associationId: where.associationId } : {}),
      message: hit.message,
      docUrl: docUrl(rule.meta.sources[0]!),
      remediation: rule.meta.remediation,
      exempted: false,
      action: action === "revert" ? "revert" : "alert",
    };
    out.push(finding);
  }
}

/** Evaluates every enabled rule over one perimeter view. Findings are raw: no exemptions yet. */
function evaluateView(view: PerimeterView, rules: readonly Rule[], policy: Policy, ctx: RuleContext, out: Finding[]): void {
  const perimeterId = view.id;
  for (const rule of rules) {
    switch (rule.scope) {
      case "perimeter":
        run(rule, { resourceId: perimeterId, perimeterId }, () => rule.check(view, ctx), out, policy);
        break;
      case "profile":
        for (const profile of view.profiles) {
          run(rule, { resourceId: profile.id, perimeterId, profileId: profile.id }, () => rule.check(profile, view, ctx), out, policy);
        }
        break;
      case "accessRule":
        for (const profile of view.profiles) {
          for (const accessRule of profile.accessRules) {
            run(
              rule,
              { resourceId: accessRule.id, perimeterId, profileId: profile.id },
              () => rule.check(accessRule, profile, view, ctx),
              out,
              policy,
            );
          }
        }
        break;
      case "association":
        for (const association of view.associations) {
          run(
            rule,
            {
              resourceId: association.memberDisplayId,
              perimeterId,
              ...(association.profileId ? { profileId: association.profile?.id ?? association.profileId } : {}),
              associationId: association.id,
            },
            () => rule.check(association, view, ctx),
            out,
            policy,
          );
        }
        break;
    }
  }
}

function findingKey(f: Finding): string {
  return `${f.ruleId}|${idKey(f.resourceId)}|${idKey(f.perimeterId ?? "")}|${idKey(f.associationId ?? "")}|${f.message}`;
}

/** Marks exempted findings (policy exemptions, then resource tags) and drops duplicates; sorts worst first. */
export function applyExemptions(findings: Finding[], estate: EstateReader, policy: Policy, now: Date): Finding[] {
  const seen = new Set<string>();
  const result: Finding[] = [];
  for (const finding of findings) {
    const key = findingKey(finding);
    if (seen.has(key)) continue;
    seen.add(key);
    const exemption = findExemption(policy, finding.ruleId, finding.resourceId, now);
    const reason = exemption?.reason ?? tagExemption(estate.get(finding.resourceId)?.tags, finding.ruleId);
    if (reason !== undefined && finding.ruleId !== ENGINE_ERROR_RULE_ID) {
      finding.exempted = true;
      finding.exemptionReason = reason;
    }
    result.push(finding);
  }
  return result.sort(compareFindings);
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0) ||
    (idKey(a.resourceId) < idKey(b.resourceId) ? -1 : idKey(a.resourceId) > idKey(b.resourceId) ? 1 : 0) ||
    (a.associationId ?? "").localeCompare(b.associationId ?? "")
  );
}

/** Rules left on by the policy. */
export function enabledRules(policy: Policy, rules: readonly Rule[] = ALL_RULES): Rule[] {
  return rules.filter((r) => rulePolicy(policy, r.meta.id).action !== "off");
}

/**
 * Every perimeter of the estate: the perimeter resources, plus perimeters known only from their
 * children (an export that missed the parent still gets evaluated).
 */
export function perimetersOf(estate: EstateReader): ArmResource[] {
  const perimeters = new Map<string, ArmResource>();
  for (const p of estate.ofType(T.perimeter)) perimeters.set(idKey(p.id), p);
  for (const type of [T.association, T.profile]) {
    for (const child of estate.ofType(type)) {
      const parentId = parseArmId(child.id).rootId;
      const key = idKey(parentId);
      if (!perimeters.has(key)) perimeters.set(key, { id: parentId, type: "Microsoft.Network/networkSecurityPerimeters", name: parentId.split("/").pop()! });
    }
  }
  return [...perimeters.values()];
}

/** Evaluates one perimeter: the unit of work of the event pipeline. */
export function evaluatePerimeter(estate: EstateReader, perimeter: ArmResource, options: EvaluateOptions = {}): Finding[] {
  const policy = options.policy ?? DEFAULT_POLICY;
  const ctx = contextOf(options);
  const out: Finding[] = [];
  evaluateView(buildPerimeterView(estate, perimeter), enabledRules(policy, options.rules), policy, ctx, out);
  return applyExemptions(out, estate, policy, ctx.now);
}

export interface ScanResult {
  perimeters: number;
  associations: number;
  findings: Finding[];
}

/** Evaluates every perimeter of an estate: what `scan` and the reconcile timer do. */
export function evaluateEstate(estate: EstateReader, options: EvaluateOptions = {}): ScanResult {
  const policy = options.policy ?? DEFAULT_POLICY;
  const ctx = contextOf(options);
  const rules = enabledRules(policy, options.rules);
  const out: Finding[] = [];
  let associations = 0;
  const perimeters = perimetersOf(estate);
  for (const perimeter of perimeters) {
    const view = buildPerimeterView(estate, perimeter);
    associations += view.associations.length;
    evaluateView(view, rules, policy, ctx, out);
  }
  return { perimeters: perimeters.length, associations, findings: applyExemptions(out, estate, policy, ctx.now) };
}
