import type { EstateReader } from "../model/estate.js";
import type { AccessRuleView, AssociationView, PerimeterView, ProfileView } from "../model/perimeterView.js";

export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Higher is worse. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.length - SEVERITIES.indexOf(severity);
}

export function atLeast(severity: Severity, threshold: Severity): boolean {
  return severityRank(severity) >= severityRank(threshold);
}

export type Category = "unsupported" | "risky" | "hygiene";

/** Documents the rules come from; each rule cites the dated source it was written against. */
export const SOURCES = {
  FILES: {
    title: "Use network security perimeter for Azure Files (2026-02-11)",
    url: "https://learn.microsoft.com/azure/storage/files/files-network-security-perimeter",
  },
  STORAGE: {
    title: "Network security perimeter for Azure Storage (preview, 2025-06-18)",
    url: "https://learn.microsoft.com/azure/storage/common/storage-network-security-perimeter",
  },
  CONCEPTS: {
    title: "What is a network security perimeter? (2025-08-01)",
    url: "https://learn.microsoft.com/azure/private-link/network-security-perimeter-concepts",
  },
  FOUNDRY: {
    title: "Add Azure AI Foundry to a network security perimeter (2025-08-28)",
    url: "https://learn.microsoft.com/azure/ai-foundry/how-to/add-foundry-to-network-security-perimeter",
  },
  ARM: {
    title: "Storage resource provider REST API: Network Security Perimeter Configurations",
    url: "https://learn.microsoft.com/rest/api/storagerp/network-security-perimeter-configurations",
  },
} as const;

export type SourceDoc = keyof typeof SOURCES;

export interface SourceRef {
  readonly doc: SourceDoc;
  /** Section heading as it reads in the doc. */
  readonly section: string;
  /** Anchor of the section on learn.microsoft.com, without `#`. */
  readonly anchor?: string;
}

export interface RuleMeta {
  readonly id: string;
  readonly title: string;
  readonly category: Category;
  /** Severity when the rule fires in its plainest form; `severityLogic` explains escalations. */
  readonly severity: Severity;
  readonly severityLogic: string;
  /** What the finding's resourceId names. */
  readonly resource: string;
  readonly sources: readonly SourceRef[];
  /** Why the rule exists (the doc's reasoning), one paragraph. */
  readonly explanation: string;
  readonly remediation: string;
  /** ARM resource types (lower-case) the rule reads; the live inventory reads only what rules declare. */
  readonly reads: readonly string[];
  /** Raised only with the previous state at hand (event pipeline, replay), never by a plain scan. */
  readonly needsPreviousState?: boolean;
  /**
   * How policy action `revert` fixes this rule's findings beyond the default (restore the changed
   * association or access rule to its last known good body, or delete it when it is new), as a
   * fixer does in a linter. Absent: the default.
   */
  readonly revert?: RevertFixer;
}

export interface RevertFixer {
  /** The finding's association is the target even when this batch of changes did not touch it. */
  readonly target: "association";
  /** Properties set on the last known good body before it is written back. */
  readonly patch?: Readonly<Record<string, unknown>>;
  /** What the revert writes, in one sentence (rule pages, `rules explain`). */
  readonly describe: string;
}

/** Options the policy gives the rules; everything else about policy is applied by the engine. */
export interface RuleContext {
  readonly now: Date;
  readonly transitionGraceDays: number;
  readonly trustedSubscriptions: readonly string[];
  readonly onboardedTypes: readonly string[];
  /** The estate before the change being evaluated, when there is one. */
  readonly previous?: EstateReader;
}

/** One thing a rule found. The engine adds rule metadata, perimeter/profile/association ids and policy. */
export interface RuleHit {
  readonly severity: Severity;
  /** Why this resource was flagged, naming the values seen. */
  readonly message: string;
  /** Overrides the scope's default resource (e.g. a subscription for perimeter-limits). */
  readonly resourceId?: string;
  /** `null` drops the perimeter id (findings about a subscription as a whole). */
  readonly perimeterId?: string | null;
}

export type Hits = RuleHit | readonly RuleHit[] | undefined | null | false;

interface RuleBase {
  readonly meta: RuleMeta;
}

/** Evaluated once per association; default resourceId: the associated resource. */
export interface AssociationRule extends RuleBase {
  readonly scope: "association";
  check(association: AssociationView, view: PerimeterView, ctx: RuleContext): Hits;
}

/** Evaluated once per access rule; default resourceId: the access rule. */
export interface AccessRuleRule extends RuleBase {
  readonly scope: "accessRule";
  check(rule: AccessRuleView, profile: ProfileView, view: PerimeterView, ctx: RuleContext): Hits;
}

/** Evaluated once per profile; default resourceId: the profile. */
export interface ProfileRule extends RuleBase {
  readonly scope: "profile";
  check(profile: ProfileView, view: PerimeterView, ctx: RuleContext): Hits;
}

/** Evaluated once per perimeter; default resourceId: the perimeter. */
export interface PerimeterRule extends RuleBase {
  readonly scope: "perimeter";
  check(view: PerimeterView, ctx: RuleContext): Hits;
}

export type Rule = AssociationRule | AccessRuleRule | ProfileRule | PerimeterRule;

/** Identity helper that keeps literal types and checks the rule's shape. */
export function defineRule<R extends Rule>(rule: R): R {
  return rule;
}

export function docUrl(ref: SourceRef): string {
  const base = SOURCES[ref.doc].url;
  return ref.anchor ? `${base}#${ref.anchor}` : base;
}

/** A finding in the scan JSON format of the contract. */
export interface Finding {
  ruleId: string;
  title: string;
  severity: Severity;
  category: Category;
  resourceId: string;
  perimeterId?: string;
  profileId?: string;
  associationId?: string;
  message: string;
  docUrl: string;
  remediation: string;
  exempted: boolean;
  exemptionReason?: string;
  /** What policy says to do about it: alert (default) or revert. */
  action: "alert" | "revert";
}
