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

/**
 * Documents the rules come from, each with the date of the version the rules were checked against
 * (`ms.date` of the Learn page). Revision 2 of the catalog (rules.md) added the newer pages.
 */
export const SOURCES = {
  FILES: {
    title: "Use network security perimeter for Azure Files",
    date: "2026-02-11",
    url: "https://learn.microsoft.com/azure/storage/files/files-network-security-perimeter",
  },
  STORAGE: {
    title: "Network security perimeter for Azure Storage (preview)",
    date: "2025-06-18",
    url: "https://learn.microsoft.com/azure/storage/common/storage-network-security-perimeter",
  },
  CONCEPTS: {
    title: "What is a network security perimeter?",
    date: "2025-08-01",
    url: "https://learn.microsoft.com/azure/private-link/network-security-perimeter-concepts",
  },
  FOUNDRY: {
    title: "Add Azure AI Foundry to a network security perimeter",
    date: "2025-08-28",
    url: "https://learn.microsoft.com/azure/ai-foundry/how-to/add-foundry-to-network-security-perimeter",
  },
  ARM: {
    title: "Storage resource provider REST API: Network Security Perimeter Configurations (api-version 2026-09-01)",
    date: "2026-09-01",
    url: "https://learn.microsoft.com/rest/api/storagerp/network-security-perimeter-configurations",
  },
  TRANSITION: {
    title: "Transition to a network security perimeter in Azure",
    date: "2025-05-16",
    url: "https://learn.microsoft.com/azure/private-link/network-security-perimeter-transition",
  },
  LINKS: {
    title: "Configure a perimeter link between network security perimeters (preview)",
    date: "2026-07-08",
    url: "https://learn.microsoft.com/azure/private-link/configure-perimeter-link",
  },
  TAGS: {
    title: "Configure service tag access in Azure Network Security Perimeter (preview)",
    date: "2026-10-02",
    url: "https://learn.microsoft.com/azure/private-link/configure-network-security-perimeter-service-tag",
  },
  DIAG: {
    title: "Diagnostic logs for Network Security Perimeter",
    date: "2025-08-01",
    url: "https://learn.microsoft.com/azure/private-link/network-security-perimeter-diagnostic-logs",
  },
  LIMITS: {
    // The limits include the concepts page embeds; its per-direction wording is what rules.md
    // Revision 2 cites (the include's own ms.date was not published with it: date as read).
    title: "Network security perimeter scale limitations (200 rule elements per direction)",
    date: "2026-11",
    url: "https://learn.microsoft.com/azure/private-link/network-security-perimeter-concepts",
  },
  "STORAGE-GA": {
    title: "Network security perimeter for Azure Storage (generally available)",
    date: "2025-07-27",
    url: "https://learn.microsoft.com/azure/storage/common/storage-network-security-perimeter",
  },
  "CONCEPTS-2026": {
    title: "What is a network security perimeter? (onboarded resources: Foundry AIServices GA, Azure OpenAI preview, Service Bus GA)",
    date: "2026-04",
    url: "https://learn.microsoft.com/azure/private-link/network-security-perimeter-concepts",
  },
  "FOUNDRY-2026": {
    title: "Add Microsoft Foundry to a network security perimeter",
    date: "2026-02-23",
    url: "https://learn.microsoft.com/azure/ai-foundry/how-to/add-foundry-to-network-security-perimeter",
  },
  KV: {
    title: "Configure network security for Azure Key Vault",
    date: "2026-05-19",
    url: "https://learn.microsoft.com/azure/key-vault/general/network-security",
  },
  EH: {
    title: "Network Security Perimeter for Azure Event Hubs",
    date: "2024-05-13",
    url: "https://learn.microsoft.com/azure/event-hubs/network-security-perimeter",
  },
  SB: {
    title: "Network security perimeter for Azure Service Bus",
    date: "2026-01-15",
    url: "https://learn.microsoft.com/azure/service-bus-messaging/network-security-perimeter",
  },
  COSMOS: {
    title: "Configure Network Security Perimeter for an Azure Cosmos DB account",
    date: "2024-11-20",
    url: "https://learn.microsoft.com/azure/cosmos-db/how-to-configure-nsp",
  },
  SQL: {
    title: "Network Security Perimeter for Azure SQL Database (preview)",
    date: "2025-08-20",
    url: "https://learn.microsoft.com/azure/azure-sql/database/network-security-perimeter",
  },
  MONITOR: {
    title: "Configure Azure Monitor with Network Security Perimeter",
    date: "2025-06-04",
    url: "https://learn.microsoft.com/azure/azure-monitor/fundamentals/network-security-perimeter",
  },
} as const satisfies Record<string, { title: string; date: string; url: string }>;

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
  /** `off`: the rule runs only when policy turns it on (its limitation left the current docs). */
  readonly defaultAction?: "off";
  /** For a rule whose limitation left the docs: which dated doc listed it and which newer one does not. */
  readonly retired?: { readonly listedIn: SourceDoc; readonly absentFrom: readonly SourceDoc[] };
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
  /** Names the association the finding is about when the scope does not (a deleted association). */
  readonly associationId?: string;
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

/**
 * Evaluated once per scan of a whole estate (`scan`, the reconcile timer), for resources that belong
 * to no perimeter; every hit names its `resourceId`. The per-perimeter pipeline does not run these.
 */
export interface EstateRule extends RuleBase {
  readonly scope: "estate";
  check(estate: EstateReader, ctx: RuleContext): Hits;
}

export type Rule = AssociationRule | AccessRuleRule | ProfileRule | PerimeterRule | EstateRule;

/** Identity helper that keeps literal types and checks the rule's shape. */
export function defineRule<R extends Rule>(rule: R): R {
  return rule;
}

/** `Title (2026-02-11)`: how a source is cited in docs and messages. */
export function sourceLabel(doc: SourceDoc): string {
  return `${SOURCES[doc].title} (${SOURCES[doc].date})`;
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
