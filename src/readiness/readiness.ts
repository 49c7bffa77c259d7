/**
 * Enforcement readiness: for each association in Learning or Audit, which callers seen in the access
 * logs the perimeter's current configuration would deny once Enforced, why, and the access rules that
 * would admit the fixable ones (contracts.md revision 2, "readiness"). Pure: estate and summarised
 * logs in, a report out.
 */
import { idKey, parseArmId } from "../model/armId.js";
import { InputError } from "../model/errors.js";
import type { AccessMode, AssociationRecord, Estate } from "../model/estate.js";
import { accessRuleView, buildPerimeterView, type AccessRuleView, type PerimeterView } from "../model/perimeterView.js";
import { prop, propArray, propString, type ArmResource } from "../model/resource.js";
import { T } from "../model/resourceTypes.js";
import { isPublicIp, parseSourceIp, perimeterVerdict, sourceAddress, sourceIp, type SourceIp, type AccessConfig, type AccessRequest, type Direction, type LinkConfig, type RuleConfig } from "./accessModel.js";
import { blockKey, coverAddresses } from "./cidrCover.js";
import type { CallerSummary } from "./logs.js";

/** Hard limit of rule elements per direction per profile (../shared/docs/arm-facts.md, limits include). */
export const MAX_ELEMENTS_PER_DIRECTION = 200;

export type Fix = "ip-rule" | "subscription-rule" | "fqdn-rule" | "link" | "none";
export type Verdict = "ready" | "breaks" | "no-data";

export interface WouldBreak {
  direction: Direction;
  sourceIpAddress?: string;
  sourceSubscriptionId?: string;
  sourceAppId?: string;
  sourceResourceId?: string;
  destinationFqdn?: string;
  operations: string[];
  requests: number;
  firstSeen: string;
  lastSeen: string;
  fix: Fix;
  reason: string;
}

export interface ProposedRule {
  profileId: string;
  direction: Direction;
  addressPrefixes: string[];
  subscriptions: string[];
  fullyQualifiedDomainNames: string[];
  /** Callers of this association (wouldBreak entries) the rule admits. */
  covers: number;
  /** Where the proposal comes from: the logs, or a provisioning issue Azure reported. */
  origin: "logs" | "provisioning-issue";
}

/**
 * A perimeter link that would admit callers from another perimeter (`fix: link`): created on this
 * perimeter towards the caller's, with this profile among its local inbound profiles.
 */
export interface ProposedLink {
  profileId: string;
  perimeterId: string;
  /** GUID of the callers' perimeter (`SourcePerimeterGuids`). */
  remotePerimeterGuid: string;
  /** Its ARM id, when the estate holds a perimeter with that GUID. */
  remotePerimeterId?: string;
  localInboundProfiles: string[];
  /** Callers of this association the link admits. */
  covers: number;
}

export interface ProposedAssociation {
  resourceId: string;
  perimeterId: string;
  reason: string;
}

export interface AssociationReadiness {
  associationId: string;
  resourceId: string;
  perimeterId: string;
  profileId: string;
  accessMode: AccessMode;
  verdict: Verdict;
  /** Why the verdict is `no-data`, or a note on `ready`/`breaks` (e.g. stale access rule versions). */
  reason?: string;
  wouldBreak: WouldBreak[];
  proposedRules: ProposedRule[];
  /** Links that would admit the `fix: link` callers (proven by the access model). */
  proposedLinks: ProposedLink[];
  /** Resources Azure suggests associating (`suggestedResourceIds` of provisioning issues). */
  proposedAssociations: ProposedAssociation[];
}

export interface ReadinessReport {
  version: 1;
  window: { from: string; to: string };
  associations: AssociationReadiness[];
  /** What the input held that readiness did not use, and why (never dropped silently). */
  notes: string[];
}

export interface ReadinessSettings {
  maxPrefixLength: number;
  preferSubscriptionRules: boolean;
}

export const DEFAULT_READINESS_SETTINGS: ReadinessSettings = { maxPrefixLength: 24, preferSubscriptionRules: true };

export interface ReadinessOptions {
  window: { from: Date; to: Date };
  /** Association ids to assess; default: every association in Learning or Audit. */
  associations?: readonly string[];
  settings?: ReadinessSettings;
  /** `no-data` reason when the logs source holds no record at all (e.g. "the workspace returned no row"). */
  emptySourceReason?: string;
}

// ---------------------------------------------------------------------------------------------
// Estate → access model configuration

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string" && v.length > 0) : [];
}

function subscriptionGuid(value: string): string {
  return value.replace(/^\/subscriptions\//i, "").replace(/\/.*$/, "").toLowerCase();
}

/** The perimeter view's access rule (direction, prefixes, subscriptions, FQDNs parsed once there), plus what matching adds. */
function ruleConfig(rule: AccessRuleView): RuleConfig | undefined {
  if (!rule.direction) return undefined;
  const perimeters = propArray(rule.resource, "networkSecurityPerimeters")
    .map((p) => (p as { perimeterGuid?: unknown } | null)?.perimeterGuid)
    .filter((g): g is string => typeof g === "string")
    .map((g) => g.toLowerCase());
  return {
    name: rule.resource.name ?? parseArmId(rule.id).name,
    direction: rule.direction,
    addressPrefixes: rule.addressPrefixes,
    subscriptions: rule.subscriptions.map(subscriptionGuid),
    serviceTags: strings(prop(rule.resource, "serviceTags")),
    fullyQualifiedDomainNames: rule.fullyQualifiedDomainNames,
    perimeterGuids: perimeters,
  };
}

/** Service tags are honoured by Key Vault and Azure Monitor, not Storage (arm-facts.md); others UNCONFIRMED: not honoured. */
function honoursServiceTags(memberType: string): boolean {
  return memberType === T.keyVault || memberType.startsWith("microsoft.insights/") || memberType === T.logAnalyticsWorkspace;
}

const LINK_TYPE = "microsoft.network/networksecurityperimeters/links";

function linksOf(view: PerimeterView, estate: Estate): LinkConfig[] {
  return estate.descendants(view.id, LINK_TYPE).map((link) => {
    const remoteId = propString(link, "autoApprovedRemotePerimeterResourceId") ?? propString(link, "manualApprovedRemotePerimeterResourceId");
    const remote = remoteId ? estate.get(remoteId) : undefined;
    const guid = propString(link, "remotePerimeterGuid") ?? propString(remote, "perimeterGuid") ?? "";
    return {
      name: link.name ?? parseArmId(link.id).name,
      remotePerimeterGuid: guid.toLowerCase(),
      status: propString(link, "status") ?? "",
      localInboundProfiles: strings(prop(link, "localInboundProfiles")),
    };
  });
}

/** The access model's input for one association, as the estate holds it now. */
export function accessConfigFor(view: PerimeterView, association: AssociationRecord & { memberType: string }, estate: Estate): AccessConfig {
  const profile = view.profileById(association.profileId);
  const rules = (profile?.accessRules ?? []).map(ruleConfig).filter((r): r is RuleConfig => r !== undefined);
  return {
    perimeterGuid: propString(view.perimeter, "perimeterGuid")?.toLowerCase(),
    profileName: association.profileId ? parseArmId(association.profileId).name : "",
    rules,
    links: linksOf(view, estate),
    serviceTagsHonoured: honoursServiceTags(association.memberType),
  };
}

// ---------------------------------------------------------------------------------------------
// Which logged requests matter, and what enforcing would do to them

/** The request a summary describes, for the access model: a summary carries every field the model reads. */
export function requestOf(s: CallerSummary): AccessRequest {
  return s;
}

/** The request with its source address parsed once, for callers the proposals check again (one shape: monomorphic). */
function parsedRequest(s: CallerSummary): AccessRequest {
  return {
    direction: s.direction,
    trafficType: s.trafficType,
    sourceIpAddress: s.sourceIpAddress,
    sourceSubscriptionId: s.sourceSubscriptionId,
    sourceAppId: s.sourceAppId,
    sourceResourceId: s.sourceResourceId,
    sourcePerimeterGuids: s.sourcePerimeterGuids,
    destinationFqdn: s.destinationFqdn,
    auth: s.auth,
    viaServiceEndpoint: s.viaServiceEndpoint,
    trustedService: s.trustedService,
    parsedSource: sourceIp(s) ?? null,
  };
}

/**
 * Whether the request got through while the records were written, so that enforcing could break it
 * (docs/nsp-access-logs.md, "The 13 categories"). Denied requests cannot break; attempts are not
 * decisions; private endpoint traffic is never subject to perimeter rules.
 */
function succeededThen(s: CallerSummary, mode: AccessMode): boolean {
  switch (s.category) {
    case "NspPublicInboundResourceRulesDenied":
    case "NspPublicOutboundResourceRulesDenied":
    case "NspOutboundAttempt":
    case "NspPrivateInboundAllowed":
      return false;
    case "NspPublicInboundPerimeterRulesDenied":
    case "NspPublicOutboundPerimeterRulesDenied":
      // Audit logs what fails the checks and lets it through (which categories it uses: UNCONFIRMED).
      return mode === "Audit";
    default:
      return true;
  }
}

function isPublicAddress(s: CallerSummary): boolean {
  const ip = parseSourceIp(s.sourceIpAddress);
  return ip !== undefined && isPublicIp(ip);
}

/** What can admit a denied caller, and why (contracts.md: `fix` and `reason`). */
export function fixFor(s: CallerSummary, settings: ReadinessSettings, profileName: string): { fix: Fix; reason: string } {
  if (s.direction === "Outbound") {
    if (s.destinationFqdn) return { fix: "fqdn-rule", reason: `outbound to ${s.destinationFqdn}: no outbound rule lists this FQDN` };
    return { fix: "none", reason: "outbound request without a destination FQDN in the records: no FQDN rule can be written for it" };
  }
  if (s.viaServiceEndpoint) {
    return { fix: "none", reason: `service-endpoint traffic from ${s.sourceIpAddress}: perimeters do not support it (it may be denied even under 0.0.0.0/0); use a private endpoint or public access` };
  }
  const publicIp = isPublicAddress(s);
  if (s.auth === "smb") {
    return publicIp
      ? { fix: "ip-rule", reason: "SMB (NTLM/Kerberos) carries no subscription or perimeter: only an IP rule admits it" }
      : { fix: "none", reason: "SMB from a non-IP source: SMB is admitted by IP rules only and the records hold no public source address" };
  }
  if (s.auth === "sas-or-shared-key") {
    return publicIp
      ? { fix: "ip-rule", reason: "Shared Key or SAS carries no subscription: a subscription rule would not admit it, an IP rule does" }
      : { fix: "none", reason: "SAS or Shared Key under a subscription rule: the request carries no subscription and no public source address, so no access rule admits it; switch the caller to Entra ID (managed identity) or a private endpoint" };
  }
  if (s.trafficType === "Cross" && (s.sourcePerimeterGuids?.length ?? 0) > 0 && s.auth === "entra") {
    return { fix: "link", reason: `caller from perimeter ${s.sourcePerimeterGuids!.join(", ")}: approve a link whose local inbound profiles include "${profileName}"` };
  }
  const entraWithSubscription = s.auth === "entra" && s.sourceSubscriptionId !== undefined;
  if (s.trustedService && !entraWithSubscription) {
    return { fix: "none", reason: "trusted-service access is not honoured once enforced; the service must call with a managed identity (then a subscription rule admits it) or through a private endpoint" };
  }
  if (entraWithSubscription && (settings.preferSubscriptionRules || !publicIp)) {
    return { fix: "subscription-rule", reason: `Entra ID caller from subscription ${s.sourceSubscriptionId}: no rule admits its subscription` };
  }
  if (publicIp) return { fix: "ip-rule", reason: `no inbound rule admits ${s.sourceIpAddress}` };
  if (entraWithSubscription) return { fix: "subscription-rule", reason: `Entra ID caller from subscription ${s.sourceSubscriptionId}: no rule admits its subscription` };
  return { fix: "none", reason: "the records hold neither a public source address nor the caller's subscription: no access rule can name this caller" };
}

// ---------------------------------------------------------------------------------------------
// Proposals

export interface BreakingCaller {
  summary: CallerSummary;
  /** The caller as the access model reads it, source address parsed once (checked again by the proposals). */
  request: AccessRequest;
  /** The request's source address parsed once (`null`: none); parsed on use when absent. */
  source?: SourceIp | null;
  entry: WouldBreak;
}

function countElements(rules: readonly RuleConfig[], direction: Direction): number {
  let n = 0;
  for (const r of rules) {
    if (r.direction !== direction) continue;
    n += direction === "Inbound" ? r.addressPrefixes.length + r.subscriptions.length + r.serviceTags.length : r.fullyQualifiedDomainNames.length;
  }
  return n;
}

function proposedConfig(config: AccessConfig, rules: readonly ProposedRule[]): AccessConfig {
  return {
    ...config,
    rules: [
      ...config.rules,
      ...rules.map((r, i) => ({
        name: `proposed-${i}`,
        direction: r.direction,
        addressPrefixes: r.addressPrefixes,
        subscriptions: r.subscriptions,
        serviceTags: [],
        fullyQualifiedDomainNames: r.fullyQualifiedDomainNames,
        perimeterGuids: [],
      })),
    ],
  };
}

/**
 * Proposed rules for one profile: the fewest IP prefixes no broader than the policy allows, the
 * callers' subscriptions, the outbound FQDNs, within 200 elements per direction counting the
 * profile's existing ones. Callers that do not fit are turned into `fix: none` with the reason.
 * The access model then checks that every remaining fixable caller is admitted.
 */
export function proposeForProfile(profileId: string, config: AccessConfig, callers: readonly BreakingCaller[], settings: ReadinessSettings): ProposedRule[] {
  const usedIn = countElements(config.rules, "Inbound");
  const usedOut = countElements(config.rules, "Outbound");
  const byRequests = [...callers].sort((a, b) => b.entry.requests - a.entry.requests);

  // Inbound: subscriptions and prefixes share the direction's 200 elements; busiest callers first.
  const subscriptions: string[] = [];
  const prefixes = new Map<string, BreakingCaller[]>();
  const ipCallers = byRequests.filter((c) => c.entry.fix === "ip-rule");
  const blockOfCaller = new Map<BreakingCaller, string>();
  for (const c of ipCallers) blockOfCaller.set(c, blockKey(c.source ?? parseSourceIp(c.request.sourceIpAddress)!, settings.maxPrefixLength));
  let roomIn = MAX_ELEMENTS_PER_DIRECTION - usedIn;
  const inbound = byRequests.filter((c) => c.entry.fix === "ip-rule" || c.entry.fix === "subscription-rule");
  // One element per subscription and per address block; each block's prefix is sized once all its callers are known.
  for (const c of inbound) {
    if (c.entry.fix === "subscription-rule") {
      const sub = c.summary.sourceSubscriptionId!;
      if (subscriptions.includes(sub)) continue;
      if (roomIn <= 0) {
        overLimit(c, "Inbound", usedIn);
        continue;
      }
      subscriptions.push(sub);
      roomIn--;
    } else {
      const block = blockOfCaller.get(c)!;
      const list = prefixes.get(block);
      if (list) {
        list.push(c);
        continue;
      }
      if (roomIn <= 0) {
        overLimit(c, "Inbound", usedIn);
        continue;
      }
      prefixes.set(block, [c]);
      roomIn--;
    }
  }
  const addressPrefixes = [...prefixes.values()].flatMap((group) =>
    coverAddresses(
      group.map((c) => sourceAddress(c.request)!),
      settings.maxPrefixLength,
    ),
  );

  let roomOut = MAX_ELEMENTS_PER_DIRECTION - usedOut;
  const fqdns: string[] = [];
  for (const c of byRequests) {
    if (c.entry.fix !== "fqdn-rule") continue;
    const host = c.summary.destinationFqdn!;
    if (fqdns.includes(host)) continue;
    if (roomOut <= 0) {
      overLimit(c, "Outbound", usedOut);
      continue;
    }
    fqdns.push(host);
    roomOut--;
  }

  const rules: ProposedRule[] = [];
  const base = { profileId, subscriptions: [] as string[], addressPrefixes: [] as string[], fullyQualifiedDomainNames: [] as string[], covers: 0, origin: "logs" as const };
  if (addressPrefixes.length > 0) rules.push({ ...base, direction: "Inbound", addressPrefixes: addressPrefixes.sort() });
  if (subscriptions.length > 0) rules.push({ ...base, direction: "Inbound", subscriptions: subscriptions.sort() });
  if (fqdns.length > 0) rules.push({ ...base, direction: "Outbound", fullyQualifiedDomainNames: fqdns.sort() });

  // The proof: with the proposals applied, the access model admits every caller left fixable.
  const after = proposedConfig(config, rules);
  for (const c of callers) {
    if (c.entry.fix === "none" || c.entry.fix === "link") continue;
    if (!perimeterVerdict(c.request, after, c.source).allowed) {
      throw new Error(`readiness: the proposed rules for ${profileId} do not admit ${JSON.stringify(c.entry)} (a bug in the proposals)`);
    }
  }
  return rules;
}

/**
 * Links for the `fix: link` callers of one profile, one per remote perimeter, each proven by the
 * access model to admit its callers (an approved link whose local inbound profiles name this profile).
 */
export function proposeLinks(profileId: string, perimeterId: string, config: AccessConfig, callers: readonly BreakingCaller[], perimeterIdOfGuid: (guid: string) => string | undefined): ProposedLink[] {
  const byRemote = new Map<string, BreakingCaller[]>();
  for (const c of callers) {
    if (c.entry.fix !== "link") continue;
    const guid = c.request.sourcePerimeterGuids?.[0];
    if (!guid) continue;
    const list = byRemote.get(guid);
    if (list) list.push(c);
    else byRemote.set(guid, [c]);
  }
  const links: ProposedLink[] = [];
  for (const [guid, group] of byRemote) {
    const link = linkConfigOf(guid, config.profileName);
    const withLink: AccessConfig = { ...config, links: [...config.links, link] };
    for (const c of group) {
      if (!perimeterVerdict(c.request, withLink, c.source).allowed) {
        throw new Error(`readiness: the proposed link to perimeter ${guid} does not admit ${JSON.stringify(c.entry)} (a bug in the proposals)`);
      }
    }
    const remote = perimeterIdOfGuid(guid);
    links.push({ profileId, perimeterId, remotePerimeterGuid: guid, ...(remote ? { remotePerimeterId: remote } : {}), localInboundProfiles: [config.profileName], covers: 0 });
  }
  return links.sort((a, b) => (a.remotePerimeterGuid < b.remotePerimeterGuid ? -1 : 1));
}

function linkConfigOf(remotePerimeterGuid: string, profileName: string): LinkConfig {
  return { name: "proposed-link", remotePerimeterGuid, status: "Approved", localInboundProfiles: [profileName] };
}

function overLimit(c: BreakingCaller, direction: Direction, used: number): void {
  c.entry.reason = `${c.entry.reason}; no room for a rule: the profile's ${direction} rules would exceed ${MAX_ELEMENTS_PER_DIRECTION} elements (${used} used before the proposals)`;
  c.entry.fix = "none";
}

/** Provisioning issues of the member's NSP configuration for this perimeter, as proposals. */
function provisioningProposals(estate: Estate, association: AssociationRecord, profileId: string): { rules: ProposedRule[]; associations: ProposedAssociation[] } {
  const rules: ProposedRule[] = [];
  const associations: ProposedAssociation[] = [];
  if (!association.memberId) return { rules, associations };
  let memberRoot: string;
  try {
    memberRoot = parseArmId(association.memberId).rootId;
  } catch {
    return { rules, associations };
  }
  const configType = `${parseArmId(association.memberId).type.toLowerCase()}/networksecurityperimeterconfigurations`;
  for (const configuration of estate.descendants(memberRoot, configType)) {
    const perimeterId = propString(configuration, "networkSecurityPerimeter", "id");
    if (perimeterId && idKey(perimeterId) !== idKey(association.perimeterId)) continue;
    for (const issue of propArray(configuration, "provisioningIssues")) {
      const props = (issue as { properties?: Record<string, unknown> } | null)?.properties ?? {};
      const description = typeof props.description === "string" ? props.description : String(props.issueType ?? "provisioning issue");
      for (const suggested of strings(props.suggestedResourceIds)) {
        associations.push({ resourceId: suggested, perimeterId: association.perimeterId, reason: `Azure suggests associating it: ${description}` });
      }
      for (const rule of Array.isArray(props.suggestedAccessRules) ? props.suggestedAccessRules : []) {
        const resource = { id: `${profileId}/accessRules/suggested`, type: T.accessRule, ...(rule as object) } as ArmResource;
        const parsed = ruleConfig(accessRuleView(resource, profileId));
        if (!parsed) continue;
        rules.push({
          profileId,
          direction: parsed.direction,
          addressPrefixes: [...parsed.addressPrefixes],
          subscriptions: [...parsed.subscriptions],
          fullyQualifiedDomainNames: [...parsed.fullyQualifiedDomainNames],
          covers: 0,
          origin: "provisioning-issue",
        });
      }
    }
  }
  return { rules, associations };
}

// ---------------------------------------------------------------------------------------------
// The report

const RESOURCE_RULE_CATEGORIES_FOR_MODE: Record<"Learning" | "Audit", readonly string[]> = {
  Learning: ["NspPublicInboundResourceRulesAllowed"],
  Audit: ["NspPublicInboundResourceRulesAllowed", "NspPublicInboundPerimeterRulesDenied"],
};

/**
 * Why the perimeter's diagnostic settings cannot show breaking callers, when the estate holds them:
 * no setting at all, or none enabling a category that records what enforcement would deny.
 */
function logGap(view: PerimeterView, mode: AccessMode, estateHasDiagnostics: boolean): string | undefined {
  if (view.diagnosticSettings.length === 0) {
    return estateHasDiagnostics ? `the perimeter sends no access logs (no diagnostic setting on ${view.id})` : undefined;
  }
  const needed = mode === "Enforced" ? [] : RESOURCE_RULE_CATEGORIES_FOR_MODE[mode];
  const enables = view.diagnosticSettings.some((d) =>
    propArray(d, "logs").some((l) => {
      const log = l as { enabled?: unknown; category?: unknown; categoryGroup?: unknown } | null;
      if (!log || (log.enabled !== true && log.enabled !== "true")) return false;
      if (typeof log.categoryGroup === "string") return /^(alllogs|audit)$/i.test(log.categoryGroup);
      return typeof log.category === "string" && needed.some((c) => c.toLowerCase() === (log.category as string).toLowerCase());
    }),
  );
  return enables || needed.length === 0 ? undefined : `the perimeter's diagnostic settings enable none of ${needed.join(", ")}: the logs cannot show what enforcing would deny`;
}

/**
 * Entries of one caller are merged (the same caller logged under several categories). The bucket key
 * is a string the entry already holds, so that a million rows build no key strings; `sameCaller`
 * settles collisions field by field.
 */
function bucketOf(e: WouldBreak): string {
  return e.sourceIpAddress ?? e.destinationFqdn ?? e.sourceResourceId ?? e.sourceSubscriptionId ?? e.sourceAppId ?? "";
}

function sameId(a: string | undefined, b: string | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.length === b.length && a.toLowerCase() === b.toLowerCase());
}

function sameCaller(a: WouldBreak, b: WouldBreak): boolean {
  return (
    a.direction === b.direction &&
    a.fix === b.fix &&
    a.sourceIpAddress === b.sourceIpAddress &&
    a.sourceSubscriptionId === b.sourceSubscriptionId &&
    a.sourceAppId === b.sourceAppId &&
    a.destinationFqdn === b.destinationFqdn &&
    sameId(a.sourceResourceId, b.sourceResourceId)
  );
}

function compareText(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return a < b ? -1 : 1;
}

/** Busiest callers first; ties in a fixed order of the caller's fields (no key strings built). */
function byRequestsThenCaller(x: BreakingCaller, y: BreakingCaller): number {
  const a = x.entry;
  const b = y.entry;
  return (
    b.requests - a.requests ||
    compareText(a.direction, b.direction) ||
    compareText(a.sourceIpAddress, b.sourceIpAddress) ||
    compareText(a.sourceSubscriptionId, b.sourceSubscriptionId) ||
    compareText(a.sourceAppId, b.sourceAppId) ||
    compareText(a.sourceResourceId?.toLowerCase(), b.sourceResourceId?.toLowerCase()) ||
    compareText(a.destinationFqdn, b.destinationFqdn) ||
    compareText(a.fix, b.fix)
  );
}

interface Assessed {
  readiness: AssociationReadiness;
  breaking: BreakingCaller[];
  config: AccessConfig;
}

/** Computes the readiness report. Throws InputError for an `--association` the estate does not hold. */
export function assessReadiness(estate: Estate, summaries: readonly CallerSummary[], options: ReadinessOptions): ReadinessReport {
  const settings = options.settings ?? DEFAULT_READINESS_SETTINGS;
  const notes: string[] = [];
  const allAssociations: { view: PerimeterView; record: PerimeterView["associations"][number] }[] = [];
  for (const perimeter of estate.perimeters()) {
    const view = buildPerimeterView(estate, perimeter);
    for (const record of view.associations) allAssociations.push({ view, record });
  }

  let selected: typeof allAssociations;
  if (options.associations && options.associations.length > 0) {
    const byId = new Map(allAssociations.map((a) => [idKey(a.record.id), a]));
    selected = options.associations.map((id) => {
      const found = byId.get(idKey(id));
      if (!found) throw new InputError(`--association ${id}: no such resource association in the estate`);
      return found;
    });
  } else {
    selected = allAssociations.filter((a) => a.record.mode !== "Enforced");
    if (allAssociations.length > 0 && selected.length === 0) notes.push("every association is already Enforced: nothing to assess");
  }

  // Summaries repeat the same few ids: lower-case each distinct one once.
  const keys = new Map<string, string>();
  const keyOf = (id: string): string => {
    let key = keys.get(id);
    if (key === undefined) {
      key = idKey(id);
      keys.set(id, key);
    }
    return key;
  };
  const estateHasDiagnostics = estate.ofType(T.diagnosticSetting).length > 0;
  const memberOfPerimeter = (resourceId: string, perimeterKey: string): boolean =>
    estate.associationsOfMember(resourceId).some((a) => idKey(a.perimeterId) === perimeterKey);

  // What each selected association needs while the records stream past.
  interface Pending {
    assessed: Assessed;
    perimeterKey: string;
    mode: AccessMode;
    currentVersion: number;
    /** Why the logs may not show this association's callers (the reason of `no-data` when there is no record). */
    gap: string | undefined;
    /** The diagnostic settings exist but enable no category that shows breaks: records prove nothing. */
    blind: boolean;
    records: number;
    /** Breaking callers by `bucketOf` (one, or several when different callers share the bucket). */
    merged: Map<string, BreakingCaller | BreakingCaller[]>;
    breaking: BreakingCaller[];
    stale: number;
  }
  const assessed: Assessed[] = [];
  const configs = new Map<string, AccessConfig>();
  const pendingByMember = new Map<string, Pending[]>();
  const pendingList: Pending[] = [];
  for (const { view, record } of selected) {
    const profileId = record.profileId ?? "";
    const configKey = `${idKey(view.id)}|${idKey(profileId)}|${honoursServiceTags(record.memberType)}`;
    let config = configs.get(configKey);
    if (!config) {
      config = accessConfigFor(view, record, estate);
      configs.set(configKey, config);
    }
    const readiness: AssociationReadiness = {
      associationId: record.id,
      resourceId: record.memberDisplayId,
      perimeterId: view.id,
      profileId,
      accessMode: record.mode,
      verdict: "no-data",
      wouldBreak: [],
      proposedRules: [],
      proposedLinks: [],
      proposedAssociations: [],
    };
    const profile = view.profileById(profileId)?.resource;
    const pending: Pending = {
      assessed: { readiness, breaking: [], config },
      perimeterKey: idKey(view.id),
      mode: record.mode,
      currentVersion: Number(propString(profile, "accessRulesVersion") ?? prop(profile, "accessRulesVersion")),
      gap: undefined,
      blind: false,
      records: 0,
      merged: new Map(),
      breaking: [],
      stale: 0,
    };
    pending.gap = logGap(view, record.mode, estateHasDiagnostics);
    pending.blind = pending.gap !== undefined && !/no diagnostic setting/.test(pending.gap);
    pendingList.push(pending);
    if (record.memberKey) {
      const list = pendingByMember.get(record.memberKey);
      if (list) list.push(pending);
      else pendingByMember.set(record.memberKey, [pending]);
    }
  }

  // One pass over the records in input order: a million records do not fit in a cache, so every
  // extra pass over them (or a pass in another order) costs more than the checks themselves.
  const members = new Set(allAssociations.map((a) => a.record.memberKey).filter(Boolean));
  const outside = new Set<string>();
  let outsideRequests = 0;
  for (const s of summaries) {
    const key = keyOf(s.serviceResourceId);
    const targets = pendingByMember.get(key);
    if (!targets) {
      // Members of associations not selected (Enforced, not named) are simply not assessed.
      if (!members.has(key)) {
        outside.add(s.serviceResourceId);
        outsideRequests += s.requests;
      }
      continue;
    }
    for (const t of targets) {
      // Several perimeters may log one member: keep the records of this perimeter when they say which.
      if (s.perimeterId && keyOf(s.perimeterId) !== t.perimeterKey) continue;
      t.records++;
      if (t.blind || !succeededThen(s, t.mode)) continue;
      // A perimeter rule admitted it under the same access rule version: the rules have not changed since.
      if (
        (s.category === "NspPublicInboundPerimeterRulesAllowed" || s.category === "NspPublicOutboundPerimeterRulesAllowed") &&
        s.accessRuleVersion !== undefined &&
        s.accessRuleVersion === t.currentVersion
      ) {
        continue;
      }
      const config = t.assessed.config;
      let request = requestOf(s);
      if (s.category === "NspIntraPerimeterInboundAllowed") {
        // Intra-perimeter traffic stays allowed while the caller is a member of the perimeter. The log
        // says it was one; a caller no longer associated with it is checked as public traffic.
        if (!s.sourceResourceId || memberOfPerimeter(s.sourceResourceId, t.perimeterKey)) continue;
        request = { ...parsedRequest(s), trafficType: "Public" };
      }
      const source = parseSourceIp(s.sourceIpAddress) ?? null;
      if (perimeterVerdict(request, config, source).allowed) continue;
      if (s.category.includes("PerimeterRulesAllowed") || s.category.startsWith("NspCrossPerimeter")) t.stale++;
      const { fix, reason } = fixFor(s, settings, config.profileName);
      // Every field assigned, in the contract's order, so that all entries share one shape (absent
      // fields stay undefined and JSON leaves them out).
      const entry: WouldBreak = {
        direction: s.direction,
        sourceIpAddress: s.sourceIpAddress || undefined,
        sourceSubscriptionId: s.sourceSubscriptionId || undefined,
        sourceAppId: s.sourceAppId || undefined,
        sourceResourceId: s.sourceResourceId || undefined,
        destinationFqdn: s.destinationFqdn || undefined,
        operations: s.operations as string[],
        requests: s.requests,
        firstSeen: s.firstSeen,
        lastSeen: s.lastSeen,
        fix,
        reason,
      };
      const bucket = bucketOf(entry);
      const held = t.merged.get(bucket);
      const existing = held === undefined ? undefined : Array.isArray(held) ? held.find((c) => sameCaller(c.entry, entry)) : sameCaller(held.entry, entry) ? held : undefined;
      if (existing) {
        const e = existing.entry;
        e.requests += entry.requests;
        e.operations = [...new Set([...e.operations, ...entry.operations])].sort();
        if (entry.firstSeen < e.firstSeen) e.firstSeen = entry.firstSeen;
        if (entry.lastSeen > e.lastSeen) e.lastSeen = entry.lastSeen;
        continue;
      }
      // The summary is the request; only a caller re-checked as public traffic needs its own.
      const caller: BreakingCaller = { summary: s, request, source, entry };
      t.breaking.push(caller);
      if (held === undefined) t.merged.set(bucket, caller);
      else if (Array.isArray(held)) held.push(caller);
      else t.merged.set(bucket, [held, caller]);
    }
  }
  if (outside.size > 0) {
    const examples = [...outside].slice(0, 3).join(", ");
    notes.push(`${outside.size} resource(s) in the logs are in no association of the estate (${outsideRequests} request(s) not assessed), e.g. ${examples}`);
  }

  for (const t of pendingList) {
    const { readiness } = t.assessed;
    if (t.records === 0) {
      readiness.reason =
        t.gap ??
        (summaries.length === 0 && options.emptySourceReason
          ? options.emptySourceReason
          : `the window ${options.window.from.toISOString()} – ${options.window.to.toISOString()} holds no access-log record for ${readiness.resourceId}`);
    } else if (t.blind) {
      readiness.reason = t.gap;
    } else {
      t.assessed.breaking = t.breaking;
      readiness.verdict = t.assessed.breaking.length > 0 ? "breaks" : "ready";
      if (t.stale > 0) {
        readiness.reason = `${t.stale} caller(s) a perimeter rule admitted when logged are no longer admitted: the profile's access rules changed since (access rule version now ${Number.isFinite(t.currentVersion) ? t.currentVersion : "unknown"})`;
      }
    }
    assessed.push(t.assessed);
  }

  // Proposals per profile, from every assessed association of the profile.
  const byProfile = new Map<string, Assessed[]>();
  for (const a of assessed) {
    const key = idKey(a.readiness.profileId || a.readiness.associationId);
    const list = byProfile.get(key);
    if (list) list.push(a);
    else byProfile.set(key, [a]);
  }
  const recordById = new Map(selected.map((s) => [s.record.id, s.record]));
  const perimeterByGuid = new Map<string, string>();
  for (const perimeter of estate.perimeters()) {
    const guid = propString(perimeter, "perimeterGuid");
    if (guid) perimeterByGuid.set(guid.toLowerCase(), perimeter.id);
  }
  const perimeterIdOfGuid = (guid: string) => perimeterByGuid.get(guid.toLowerCase());
  for (const group of byProfile.values()) {
    const first = group[0]!;
    const callers = group.flatMap((a) => a.breaking);
    const rules = callers.length > 0 && first.readiness.profileId ? proposeForProfile(first.readiness.profileId, first.config, callers, settings) : [];
    const links = callers.length > 0 && first.readiness.profileId ? proposeLinks(first.readiness.profileId, first.readiness.perimeterId, first.config, callers, perimeterIdOfGuid) : [];
    // Each proposed rule alone, to count the callers it admits.
    const alone = rules.map((rule) => proposedConfig({ ...first.config, rules: [] }, [rule]));
    for (const a of group) {
      a.readiness.wouldBreak = a.breaking.sort(byRequestsThenCaller).map((c) => c.entry);
      rules.forEach((rule, i) => {
        // Only callers of the rule's direction can be admitted by it: skip the others without a check.
        let covers = 0;
        for (const c of a.breaking) {
          if (c.entry.fix !== "none" && c.entry.direction === rule.direction && perimeterVerdict(c.request, alone[i]!, c.source).allowed) covers++;
        }
        if (covers > 0) a.readiness.proposedRules.push({ ...rule, covers });
      });
      for (const link of links) {
        const withLink: AccessConfig = { ...a.config, links: [...a.config.links, linkConfigOf(link.remotePerimeterGuid, a.config.profileName)] };
        const covers = a.breaking.filter((c) => c.entry.fix === "link" && c.request.sourcePerimeterGuids?.includes(link.remotePerimeterGuid) && perimeterVerdict(c.request, withLink, c.source).allowed).length;
        if (covers > 0) a.readiness.proposedLinks.push({ ...link, covers });
      }
      const record = recordById.get(a.readiness.associationId)!;
      const issues = provisioningProposals(estate, record, a.readiness.profileId);
      for (const rule of issues.rules) {
        const admits = proposedConfig({ ...a.config, rules: [] }, [rule]);
        rule.covers = a.breaking.filter((c) => perimeterVerdict(c.request, admits, c.source).allowed).length;
        a.readiness.proposedRules.push(rule);
      }
      a.readiness.proposedAssociations = issues.associations;
    }
  }

  return {
    version: 1,
    window: { from: options.window.from.toISOString(), to: options.window.to.toISOString() },
    associations: assessed.map((a) => a.readiness),
    notes,
  };
}

/** Exit code (contracts.md): 0 when every association is ready, 1 when one breaks or has no data. */
export function readinessExitCode(report: ReadinessReport): 0 | 1 {
  return report.associations.every((a) => a.verdict === "ready") ? 0 : 1;
}
