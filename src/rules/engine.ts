import { idKey } from "../model/armId.js";
import type { EstateReader } from "../model/estate.js";
import { buildPerimeterView, type PerimeterView } from "../model/perimeterView.js";
import type { ArmResource } from "../model/resource.js";
import { DEFAULT_POLICY, EXEMPT_TAG, findExemption, rulePolicy, TAG_EXEMPTION_RULE_ID, tagExemptionRequest, type Policy, type TagExemptionRequest } from "../policy/policy.js";
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

interface Where {
  resourceId: string;
  perimeterId?: string;
  profileId?: string;
  associationId?: string;
}

/** Policy for one rule, resolved once per evaluation. */
interface PreparedRule {
  rule: Rule;
  action: "alert" | "revert";
  severity: Finding["severity"] | undefined;
  docUrl: string;
}

function prepare(rules: readonly Rule[], policy: Policy): PreparedRule[] {
  return rules.map((rule) => {
    const p = rulePolicy(policy, rule.meta.id, rule.meta.defaultAction);
    return { rule, action: p.action === "revert" ? "revert" : "alert", severity: p.severity, docUrl: docUrl(rule.meta.sources[0]!) };
  });
}

function engineError(prepared: PreparedRule, where: Where, error: unknown): Finding {
  const reason = error instanceof Error ? error.message : String(error);
  return {
    ruleId: ENGINE_ERROR_RULE_ID,
    title: "A rule failed on this resource",
    severity: "high",
    category: "hygiene",
    ...where,
    message: `rule ${prepared.rule.meta.id} failed on ${where.resourceId}: ${reason}`,
    docUrl: prepared.docUrl,
    remediation: "Check the resource's shape; the rest of the scan went on. Report the message if the resource is valid ARM.",
    exempted: false,
    action: "alert",
  };
}

function collect(prepared: PreparedRule, where: Where, hits: Hits, out: Finding[]): void {
  if (!hits) return;
  const list: readonly RuleHit[] = Array.isArray(hits) ? hits : [hits as RuleHit];
  const meta = prepared.rule.meta;
  for (const hit of list) {
    const finding: Finding = {
      ruleId: meta.id,
      title: meta.title,
      severity: prepared.severity ?? hit.severity,
      category: meta.category,
      resourceId: hit.resourceId ?? where.resourceId,
      message: hit.message,
      docUrl: prepared.docUrl,
      remediation: meta.remediation,
      exempted: false,
      action: prepared.action,
    };
    if (where.perimeterId && hit.perimeterId !== null) finding.perimeterId = hit.perimeterId ?? where.perimeterId;
    if (where.profileId) finding.profileId = where.profileId;
    const associationId = hit.associationId ?? where.associationId;
    if (associationId) finding.associationId = associationId;
    out.push(finding);
  }
}

/**
 * Evaluates every enabled rule over one perimeter view. Findings are raw: no exemptions yet. A rule
 * that throws on a subject yields an `engine-error` finding for that subject and the rest goes on.
 * Subjects are the outer loop so that each one's location is built once, whatever the rule count.
 */
function evaluateView(view: PerimeterView, rules: readonly PreparedRule[], ctx: RuleContext, out: Finding[]): void {
  const perimeterId = view.id;
  const perimeterWhere: Where = { resourceId: perimeterId, perimeterId };
  for (const p of rules) {
    if (p.rule.scope !== "perimeter") continue;
    try {
      collect(p, perimeterWhere, p.rule.check(view, ctx), out);
    } catch (error) {
      out.push(engineError(p, perimeterWhere, error));
    }
  }
  for (const profile of view.profiles) {
    const where: Where = { resourceId: profile.id, perimeterId, profileId: profile.id };
    for (const p of rules) {
      if (p.rule.scope !== "profile") continue;
      try {
        collect(p, where, p.rule.check(profile, view, ctx), out);
      } catch (error) {
        out.push(engineError(p, where, error));
      }
    }
    for (const accessRule of profile.accessRules) {
      const ruleWhere: Where = { resourceId: accessRule.id, perimeterId, profileId: profile.id };
      for (const p of rules) {
        if (p.rule.scope !== "accessRule") continue;
        try {
          collect(p, ruleWhere, p.rule.check(accessRule, profile, view, ctx), out);
        } catch (error) {
          out.push(engineError(p, ruleWhere, error));
        }
      }
    }
  }
  const associationRules = rules.filter((p) => p.rule.scope === "association");
  for (const association of view.associations) {
    const where: Where = { resourceId: association.memberDisplayId, perimeterId, associationId: association.id };
    if (association.profileId) where.profileId = association.profile?.id ?? association.profileId;
    for (const p of associationRules) {
      try {
        collect(p, where, (p.rule as Extract<Rule, { scope: "association" }>).check(association, view, ctx), out);
      } catch (error) {
        out.push(engineError(p, where, error));
      }
    }
  }
}

/** Rules about resources outside every perimeter, once per estate; each hit names its resource. */
function evaluateEstateRules(estate: EstateReader, rules: readonly PreparedRule[], ctx: RuleContext, out: Finding[]): void {
  for (const p of rules) {
    if (p.rule.scope !== "estate") continue;
    try {
      const hits = p.rule.check(estate, ctx);
      if (!hits) continue;
      for (const hit of Array.isArray(hits) ? hits : [hits as RuleHit]) {
        if (!hit.resourceId) throw new Error("an estate-wide rule's finding must name its resourceId");
        collect(p, { resourceId: hit.resourceId }, hit, out);
      }
    } catch (error) {
      out.push(engineError(p, { resourceId: "(the estate)" }, error));
    }
  }
}

function findingKey(f: Finding): string {
  return `${f.ruleId}|${idKey(f.resourceId)}|${idKey(f.perimeterId ?? "")}|${idKey(f.associationId ?? "")}|${f.message}`;
}

/** Who last wrote the resource (and so, at the latest, its tags), from ARM's `systemData`. */
function writerOf(resource: ArmResource | undefined): string {
  const data = resource?.systemData;
  const who = data?.lastModifiedBy ?? data?.createdBy;
  if (!who) return "unknown (the resource carries no systemData)";
  const kind = data?.lastModifiedBy ? data.lastModifiedByType : data?.createdByType;
  const at = data?.lastModifiedBy ? data.lastModifiedAt : data?.createdAt;
  return `${who}${kind ? ` (${kind})` : ""}${at ? ` at ${at}` : ""}`;
}

export const TAGS_DOC_URL = "https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources";

/** The `info` finding that reports a tag exemption the policy granted, naming who set it. */
function tagExemptionFinding(resource: ArmResource | undefined, resourceId: string, perimeterId: string | undefined, request: TagExemptionRequest, exempted: ReadonlySet<string>): Finding {
  const rules = [...exempted].sort().join(", ");
  const refused = request.refused ? `; refused for the rest (${request.refused})` : "";
  const finding: Finding = {
    ruleId: TAG_EXEMPTION_RULE_ID,
    title: "A resource tag exempts this resource from rules",
    severity: "info",
    category: "hygiene",
    resourceId,
    message:
      `tag ${EXEMPT_TAG}=${JSON.stringify(request.requested.join(","))} exempts this resource from ${rules}` +
      ` (reason: ${JSON.stringify(request.reason ?? "none given")})${refused}; last written by ${writerOf(resource)}`,
    docUrl: TAGS_DOC_URL,
    remediation:
      "Check that the exemption is intended. Remove the tag, or move it into the policy's exemptions (reviewed with the policy); " +
      "tagExemptions.allow decides which rules a tag may exempt.",
    exempted: false,
    action: "alert",
  };
  if (perimeterId) finding.perimeterId = perimeterId;
  return finding;
}

/**
 * Marks exempted findings (policy exemptions, then resource tags the policy allows) and drops
 * duplicates; sorts worst first. Every tag exemption that applied adds a `tag-exemption` finding.
 */
export function applyExemptions(findings: Finding[], estate: EstateReader, policy: Policy, now: Date): Finding[] {
  const seen = new Set<string>();
  const result: Finding[] = [];
  const requests = new Map<string, TagExemptionRequest | undefined>();
  /** Tag exemptions used, by resource and perimeter: the rules they exempted. */
  const used = new Map<string, { resourceId: string; perimeterId: string | undefined; request: TagExemptionRequest; rules: Set<string> }>();
  for (const finding of findings) {
    // Only findings about something wider than a perimeter (a subscription) are raised once per
    // perimeter; everything else is unique by construction.
    if (finding.perimeterId === undefined) {
      const key = findingKey(finding);
      if (seen.has(key)) continue;
      seen.add(key);
    }
    result.push(finding);
    if (finding.ruleId === ENGINE_ERROR_RULE_ID) continue;
    const exemption = findExemption(policy, finding.ruleId, finding.resourceId, now);
    if (exemption) {
      finding.exempted = true;
      finding.exemptionReason = exemption.reason;
      continue;
    }
    const resourceKey = idKey(finding.resourceId);
    if (!requests.has(resourceKey)) requests.set(resourceKey, tagExemptionRequest(estate.get(finding.resourceId)?.tags, policy));
    const request = requests.get(resourceKey);
    if (!request?.granted.includes(finding.ruleId.toLowerCase())) continue;
    finding.exempted = true;
    finding.exemptionReason = request.reason ?? `resource tag ${EXEMPT_TAG}`;
    const usedKey = `${resourceKey}|${idKey(finding.perimeterId ?? "")}`;
    let entry = used.get(usedKey);
    if (!entry) {
      entry = { resourceId: finding.resourceId, perimeterId: finding.perimeterId, request, rules: new Set() };
      used.set(usedKey, entry);
    }
    entry.rules.add(finding.ruleId);
  }
  for (const entry of used.values()) {
    result.push(tagExemptionFinding(estate.get(entry.resourceId), entry.resourceId, entry.perimeterId, entry.request, entry.rules));
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
  return rules.filter((r) => rulePolicy(policy, r.meta.id, r.meta.defaultAction).action !== "off");
}

/** Evaluates one perimeter: the unit of work of the event pipeline. */
export function evaluatePerimeter(estate: EstateReader, perimeter: ArmResource, options: EvaluateOptions = {}): Finding[] {
  const policy = options.policy ?? DEFAULT_POLICY;
  const ctx = contextOf(options);
  const out: Finding[] = [];
  evaluateView(buildPerimeterView(estate, perimeter), prepare(enabledRules(policy, options.rules), policy), ctx, out);
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
  const rules = prepare(enabledRules(policy, options.rules), policy);
  const out: Finding[] = [];
  let associations = 0;
  const perimeters = estate.perimeters();
  for (const perimeter of perimeters) {
    const view = buildPerimeterView(estate, perimeter);
    associations += view.associations.length;
    evaluateView(view, rules, ctx, out);
  }
  evaluateEstateRules(estate, rules, ctx, out);
  return { perimeters: perimeters.length, associations, findings: applyExemptions(out, estate, policy, ctx.now) };
}
