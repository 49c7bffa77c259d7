/**
 * The picture of one perimeter in the HTML report: its profiles with their access rules, its members
 * coloured by worst finding and linked to their findings, and arrows to the other perimeters it
 * depends on (customer-managed key vaults, log destinations, perimeter links). First a value (what
 * the picture says, testable without drawing), then the SVG.
 */
import { idKey } from "../model/armId.js";
import { uriHost, type AccessMode, type EstateReader } from "../model/estate.js";
import { logDestinationsOf } from "../model/logDestinations.js";
import { buildPerimeterView, type AccessRuleView, type AssociationView } from "../model/perimeterView.js";
import { propArray, propString, type ArmResource } from "../model/resource.js";
import broadInbound from "../rules/catalog/accessrule-broad-inbound.js";
import { isKeyVaultEncrypted, keyVaultUriOf } from "../model/relations.js";
import { SEVERITIES, severityRank, type Finding, type Severity } from "../rules/types.js";
import { escapeHtml as esc } from "./escape.js";
import { shortName } from "./scanReport.js";

/** What a node of the picture is coloured by: its worst finding that is not exempted. */
export type NodeStatus = Severity | "none" | "exempted";
export const NODE_STATUSES: readonly NodeStatus[] = [...SEVERITIES, "none", "exempted"];

export const FILL: Record<NodeStatus, { fill: string; text: string; label: string }> = {
  critical: { fill: "#8b0000", text: "#ffffff", label: "critical" },
  high: { fill: "#d32f2f", text: "#ffffff", label: "high" },
  medium: { fill: "#f57c00", text: "#000000", label: "medium" },
  low: { fill: "#fdd835", text: "#000000", label: "low" },
  info: { fill: "#64b5f6", text: "#000000", label: "info" },
  none: { fill: "#2e7d32", text: "#ffffff", label: "no findings" },
  exempted: { fill: "#9e9e9e", text: "#000000", label: "exempted only" },
};

/**
 * Perimeter links (NSP spec 2026-01-01, `NspLinkProperties`): the remote perimeter is
 * `autoApprovedRemotePerimeterResourceId`. `manualApprovedRemotePerimeterResourceId` (older API
 * versions, per ../shared/docs/arm-facts.md) and `remotePerimeterResourceId` on a link are
 * UNCONFIRMED in the pinned spec and read as fallbacks. The remote side's `linkReferences` carry
 * `remotePerimeterResourceId` (`NspLinkReferenceProperties`).
 */
const LINK_TYPE = "microsoft.network/networksecurityperimeters/links";
const LINK_REFERENCE_TYPE = "microsoft.network/networksecurityperimeters/linkreferences";
const LINK_REMOTE_FIELDS: Record<string, readonly string[]> = {
  [LINK_TYPE]: ["autoApprovedRemotePerimeterResourceId", "manualApprovedRemotePerimeterResourceId", "remotePerimeterResourceId"],
  [LINK_REFERENCE_TYPE]: ["remotePerimeterResourceId"],
};

/** The rule whose findings say an inbound access rule is broad: the picture does not judge it again. */
export const BROAD_RULE_ID = broadInbound.meta.id;

export function worstStatus(findings: readonly Finding[]): NodeStatus {
  const active = findings.filter((f) => !f.exempted);
  if (active.length === 0) return findings.length > 0 ? "exempted" : "none";
  return active.reduce((w, f) => (severityRank(f.severity) > severityRank(w) ? f.severity : w), active[0]!.severity);
}

export function countLabel(findings: readonly Finding[]): string {
  const active = findings.filter((f) => !f.exempted).length;
  const exempted = findings.length - active;
  return `${active} finding${active === 1 ? "" : "s"}${exempted ? `, ${exempted} exempted` : ""}`;
}

/** Shortens a label to `max` characters (before escaping, so that no entity is cut). */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join("")}…`;
}

// --- what the picture says ----------------------------------------------------------------------

export interface RuleCounts {
  readonly addressPrefixes: number;
  readonly subscriptions: number;
  readonly fullyQualifiedDomainNames: number;
  readonly serviceTags: number;
}

export interface AccessRuleBox {
  readonly id: string;
  readonly name: string;
  readonly direction: "Inbound" | "Outbound" | undefined;
  readonly counts: RuleCounts;
  /** The first address prefixes, FQDNs or subscriptions, for the tooltip. */
  readonly sample: readonly string[];
  /** Findings naming this access rule. */
  readonly findings: readonly Finding[];
  readonly status: NodeStatus;
  /** An active accessrule-broad-inbound finding names it. */
  readonly broad: boolean;
}

export interface MemberBox {
  readonly associationId: string;
  readonly memberId: string;
  readonly label: string;
  readonly mode: AccessMode;
  readonly findings: readonly Finding[];
  readonly status: NodeStatus;
}

export interface ProfileBox {
  /** "" for the members whose profile is not in the estate. */
  readonly id: string;
  readonly name: string;
  readonly rules: readonly AccessRuleBox[];
  readonly inbound: RuleCounts;
  readonly outbound: RuleCounts;
  /** Findings on the profile and its access rules (not on its members). */
  readonly findings: readonly Finding[];
  readonly status: NodeStatus;
  readonly members: MemberBox[];
}

export type ArrowKind = "cmk" | "logs" | "link";

/** A dependency on something outside this perimeter. */
export interface Arrow {
  readonly kind: ArrowKind;
  /** The member it starts from, or undefined for the perimeter itself (logs, links). */
  readonly fromMemberId: string | undefined;
  /** The key vault, log destination or link it goes through. */
  readonly viaId: string;
  /** Key of the target: the other perimeter's id key, or OUTSIDE. */
  readonly target: string;
  readonly title: string;
  /** A link that is not (yet) Approved. */
  readonly pending: boolean;
}

export const OUTSIDE = "";

export interface Target {
  readonly key: string;
  /** The other perimeter's id; undefined for "outside any perimeter". */
  readonly perimeterId: string | undefined;
  readonly name: string;
  readonly notes: string[];
}

export interface PerimeterPicture {
  readonly perimeter: ArmResource;
  readonly name: string;
  /** Every finding inside the perimeter: the perimeter, its profiles, access rules and members. */
  readonly findings: readonly Finding[];
  /** Findings on the perimeter resource itself. */
  readonly own: readonly Finding[];
  /** The worst finding inside, which colours the border. */
  readonly status: NodeStatus;
  readonly profiles: readonly ProfileBox[];
  readonly memberCount: number;
  readonly arrows: readonly Arrow[];
  readonly targets: readonly Target[];
}

const NO_COUNTS: RuleCounts = { addressPrefixes: 0, subscriptions: 0, fullyQualifiedDomainNames: 0, serviceTags: 0 };

function add(a: RuleCounts, b: RuleCounts): RuleCounts {
  return {
    addressPrefixes: a.addressPrefixes + b.addressPrefixes,
    subscriptions: a.subscriptions + b.subscriptions,
    fullyQualifiedDomainNames: a.fullyQualifiedDomainNames + b.fullyQualifiedDomainNames,
    serviceTags: a.serviceTags + b.serviceTags,
  };
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "190 prefixes · 1 subscription", leaving out what is zero; "empty" when everything is. */
export function countsLabel(c: RuleCounts): string {
  const parts = [
    c.addressPrefixes ? plural(c.addressPrefixes, "prefix", "prefixes") : "",
    c.subscriptions ? plural(c.subscriptions, "subscription") : "",
    c.fullyQualifiedDomainNames ? plural(c.fullyQualifiedDomainNames, "FQDN") : "",
    c.serviceTags ? plural(c.serviceTags, "service tag") : "",
  ].filter(Boolean);
  return parts.length ? parts.join(" · ") : "empty";
}

function serviceTagsOf(rule: AccessRuleView): string[] {
  // `serviceTags` (inbound, preview) is not part of the rules' view: only the picture counts it.
  return propArray(rule.resource, "serviceTags").filter((t): t is string => typeof t === "string");
}

function groupBy(findings: readonly Finding[], keyOf: (f: Finding) => string | undefined): Map<string, Finding[]> {
  const map = new Map<string, Finding[]>();
  for (const f of findings) {
    const id = keyOf(f);
    if (!id) continue;
    const key = idKey(id);
    const list = map.get(key);
    if (list) list.push(f);
    else map.set(key, [f]);
  }
  return map;
}

function accessRuleBox(rule: AccessRuleView, findings: readonly Finding[]): AccessRuleBox {
  const serviceTags = serviceTagsOf(rule);
  return {
    id: rule.id,
    name: rule.resource.name ?? shortName(rule.id),
    direction: rule.direction,
    counts: {
      addressPrefixes: rule.addressPrefixes.length,
      subscriptions: rule.subscriptions.length,
      fullyQualifiedDomainNames: rule.fullyQualifiedDomainNames.length,
      serviceTags: serviceTags.length,
    },
    sample: [...rule.addressPrefixes, ...rule.fullyQualifiedDomainNames, ...rule.subscriptions.map((s) => shortName(s)), ...serviceTags].slice(0, 8),
    findings,
    status: worstStatus(findings),
    broad: findings.some((f) => f.ruleId === BROAD_RULE_ID && !f.exempted),
  };
}

function isSeverity(status: NodeStatus): status is Severity {
  return (SEVERITIES as readonly string[]).includes(status);
}

/** Flagged rules first (worst first), then the others in their order. */
function byConcern(a: AccessRuleBox, b: AccessRuleBox): number {
  const rank = (r: AccessRuleBox) => (isSeverity(r.status) ? severityRank(r.status) : 0);
  return rank(b) - rank(a);
}

/** Builds what the picture of `perimeter` says from the estate and the scan's findings. */
export function describePerimeter(perimeter: ArmResource, estate: EstateReader, findings: readonly Finding[]): PerimeterPicture {
  const pKey = idKey(perimeter.id);
  const inPerimeter = findings.filter((f) => f.perimeterId !== undefined && idKey(f.perimeterId) === pKey);
  const byResource = groupBy(inPerimeter, (f) => f.resourceId);
  const byAssociation = groupBy(inPerimeter, (f) => f.associationId);
  const view = buildPerimeterView(estate, perimeter);

  const profiles: ProfileBox[] = view.profiles.map((p) => {
    const rules = p.accessRules.map((r) => accessRuleBox(r, byResource.get(idKey(r.id)) ?? [])).sort(byConcern);
    const sum = (direction: "Inbound" | "Outbound") => rules.filter((r) => r.direction === direction).reduce((c, r) => add(c, r.counts), NO_COUNTS);
    return {
      id: p.id,
      name: p.resource.name ?? shortName(p.id),
      rules,
      inbound: sum("Inbound"),
      outbound: sum("Outbound"),
      findings: [],
      status: "none",
      members: [],
    };
  });
  const profileByKey = new Map(profiles.map((p) => [idKey(p.id), p]));
  let orphan: ProfileBox | undefined;
  const memberKeys = new Set<string>();
  const members: Array<{ association: AssociationView; box: MemberBox }> = [];
  for (const association of view.associations) {
    let profile = association.profileId ? profileByKey.get(idKey(association.profileId)) : undefined;
    if (!profile) {
      orphan ??= { id: "", name: "(no profile)", rules: [], inbound: NO_COUNTS, outbound: NO_COUNTS, findings: [], status: "none", members: [] };
      profile = orphan;
    }
    const assocKey = idKey(association.id);
    const mine = [...new Set([...(association.memberKey ? (byResource.get(association.memberKey) ?? []) : []), ...(byAssociation.get(assocKey) ?? [])])];
    if (association.memberKey) memberKeys.add(association.memberKey);
    memberKeys.add(assocKey);
    const box: MemberBox = {
      associationId: association.id,
      memberId: association.memberId || association.id,
      label: association.member?.name ?? (association.memberId ? shortName(association.memberId) : shortName(association.id)),
      mode: association.mode,
      findings: mine,
      status: worstStatus(mine),
    };
    profile.members.push(box);
    members.push({ association, box });
  }
  if (orphan) profiles.push(orphan);
  // Profile-level findings: the profile itself and its access rules, not its members.
  const withFindings = profiles.map((p): ProfileBox => {
    if (!p.id) return p;
    const key = idKey(p.id);
    const own = inPerimeter.filter(
      (f) =>
        f.profileId !== undefined &&
        idKey(f.profileId) === key &&
        !memberKeys.has(idKey(f.resourceId)) &&
        !(f.associationId && memberKeys.has(idKey(f.associationId))),
    );
    return { ...p, findings: own, status: worstStatus(own) };
  });

  const targets = new Map<string, Target>();
  const arrows: Arrow[] = [];
  const nameOfPerimeter = (id: string) => estate.get(id)?.name ?? shortName(id);
  const point = (kind: ArrowKind, fromMemberId: string | undefined, viaId: string, targetPerimeterId: string | undefined, title: string, note: string, pending = false) => {
    const key = targetPerimeterId ? idKey(targetPerimeterId) : OUTSIDE;
    let target = targets.get(key);
    if (!target) {
      target = { key, perimeterId: targetPerimeterId, name: targetPerimeterId ? nameOfPerimeter(targetPerimeterId) : "outside any perimeter", notes: [] };
      targets.set(key, target);
    }
    if (!target.notes.includes(note)) target.notes.push(note);
    arrows.push({ kind, fromMemberId, viaId, target: key, title, pending });
  };
  /** The other perimeters holding `resourceId` ([] for none); undefined when this one holds it too. */
  const elsewhere = (resourceId: string): string[] | undefined => {
    const perimeters = [...new Map(estate.associationsOfMember(resourceId).map((a) => [idKey(a.perimeterId), a.perimeterId])).entries()];
    if (perimeters.some(([key]) => key === pKey)) return undefined;
    return perimeters.map(([, id]) => id);
  };
  const where = (ids: readonly string[]) => (ids.length ? `associated with perimeter ${ids.map(nameOfPerimeter).join(", ")}` : "in no perimeter");

  // Customer-managed keys: the vault that storage-cmk-key-vault (and foundry-cmk) look up.
  for (const { association, box } of members) {
    const member = association.member;
    if (!member || !isKeyVaultEncrypted(member)) continue;
    const host = uriHost(keyVaultUriOf(member));
    const vault = host ? estate.keyVaultByHost(host) : undefined;
    if (!vault) continue; // Not in the inventory: the finding says so; there is nowhere to point.
    const others = elsewhere(vault.id);
    if (!others) continue;
    const vaultName = vault.name ?? shortName(vault.id);
    const title = `${box.label} uses a customer-managed key from Key Vault ${vaultName}, ${where(others)}`;
    if (others.length === 0) point("cmk", box.memberId, vault.id, undefined, title, `key vault ${vaultName}`);
    for (const other of others) point("cmk", box.memberId, vault.id, other, title, `key vault ${vaultName}`);
  }
  // Log destinations: the perimeter's diagnostic settings, as perimeter-logs-outside reads them.
  const name = perimeter.name ?? shortName(perimeter.id);
  for (const setting of view.diagnosticSettings) {
    for (const destination of logDestinationsOf(setting)) {
      const others = elsewhere(destination.id);
      if (!others) continue;
      const destName = shortName(destination.id);
      const title = `Perimeter ${name} sends its logs (diagnostic setting ${shortName(setting.id)}) to ${destination.kind} ${destName}, ${where(others)}`;
      if (others.length === 0) point("logs", undefined, destination.id, undefined, title, `logs to ${destName}`);
      for (const other of others) point("logs", undefined, destination.id, other, title, `logs to ${destName}`);
    }
  }
  // Perimeter links and the references other perimeters' links left here.
  for (const [type, fields] of Object.entries(LINK_REMOTE_FIELDS)) {
    for (const link of estate.descendants(perimeter.id, type)) {
      const remote = fields.map((f) => propString(link, f)).find((v) => v);
      if (!remote || idKey(remote) === pKey) continue;
      const status = propString(link, "status") ?? "status unknown";
      const linkName = link.name ?? shortName(link.id);
      const what = type === LINK_TYPE ? "Link" : "Link reference";
      point("link", undefined, link.id, remote, `${what} ${linkName} with perimeter ${nameOfPerimeter(remote)} (${status})`, `link ${linkName} (${status})`, status.toLowerCase() !== "approved");
    }
  }

  return {
    perimeter,
    name,
    findings: inPerimeter,
    own: byResource.get(pKey) ?? [],
    status: worstStatus(inPerimeter),
    profiles: withFindings,
    memberCount: members.length,
    arrows,
    targets: [...targets.values()],
  };
}

// --- the drawing --------------------------------------------------------------------------------

const PAD = 16;
const NODE_W = 234;
/** Members per sub-column before a profile grows sideways, and the most sub-columns it gets. */
const ROWS_BEFORE_WRAP = 6;
const MAX_SUB_COLUMNS = 4;
const SUB_GAP = 20;
const GAP = 28;
const TOP = 48;
const PROFILE_HEAD = 30;
const SUMMARY_LINE = 15;
const RULE_H = 30;
const RULE_GAP = 4;
const MAX_RULE_ROWS = 5;
const MORE_H = 16;
const MEMBERS_HEAD = 22;
const NODE_H = 36;
const NODE_GAP = 10;
const BAND_STEP = 8;
const TARGET_W = 230;
const TARGET_H = 44;
const TARGET_GAP = 20;

export const ARROW_STYLE: Record<ArrowKind, { stroke: string; dash: string; label: string }> = {
  cmk: { stroke: "#6a1b9a", dash: "", label: "customer-managed key vault" },
  logs: { stroke: "#00695c", dash: "7 4", label: "log destination" },
  link: { stroke: "#1565c0", dash: "2 3", label: "perimeter link" },
};
const PENDING_OPACITY = 0.45;
const NEUTRAL_RULE = "#eceff1";

function dash(mode: AccessMode): string {
  return mode === "Enforced" ? "" : ` stroke-dasharray="5 3"`;
}

/** Names the rules behind a set of findings, worst first: "storage-nfs (critical), storage-sftp (high)". */
export function rulesNamed(findings: readonly Finding[]): string {
  const seen = new Map<string, Finding>();
  for (const f of findings) if (!seen.has(f.ruleId)) seen.set(f.ruleId, f);
  return [...seen.values()]
    .sort((a, b) => severityRank(b.severity) - severityRank(a.severity))
    .map((f) => `${f.ruleId} (${f.exempted ? "exempted" : f.severity})`)
    .join(", ");
}

/** The finding a box links to: its worst active one, else its first. */
function headline(findings: readonly Finding[]): Finding | undefined {
  const active = findings.filter((f) => !f.exempted);
  const pool = active.length ? active : findings;
  return pool.reduce<Finding | undefined>((w, f) => (!w || severityRank(f.severity) > severityRank(w.severity) ? f : w), undefined);
}

/** Wraps `body` in a link to the finding's row when it has one. */
function linked(findings: readonly Finding[], anchorOf: (f: Finding) => string | undefined, cls: string, body: string): string {
  const target = headline(findings);
  const anchor = target && anchorOf(target);
  return anchor ? `<a class="${cls}" href="#${esc(anchor)}">${body}</a>` : body;
}

/** Access rules drawn in a profile `sub` sub-columns wide; the rest are counted. */
function shownRules(profile: ProfileBox, sub: number): number {
  return Math.min(profile.rules.length, MAX_RULE_ROWS * sub);
}

function rulesBlockHeight(profile: ProfileBox, sub: number): number {
  const rows = Math.ceil(shownRules(profile, sub) / sub);
  return SUMMARY_LINE * 2 + 6 + rows * (RULE_H + RULE_GAP) + (profile.rules.length > shownRules(profile, sub) ? MORE_H : 0);
}

export interface DrawOptions {
  /** Prefix of every id in this SVG (unique in the page). */
  readonly idPrefix: string;
  /** The anchor (element id) of a finding's row in the page. */
  readonly anchorOf: (finding: Finding) => string | undefined;
  /** The anchor of another perimeter's picture in the page. */
  readonly perimeterAnchor: (perimeterId: string) => string | undefined;
}

/** The picture as an inline SVG. */
export function drawPerimeter(picture: PerimeterPicture, options: DrawOptions): string {
  const { idPrefix: pid, anchorOf, perimeterAnchor } = options;
  const columns = picture.profiles;
  const layouts = columns.map((c) => {
    const sub = Math.min(MAX_SUB_COLUMNS, Math.max(1, Math.ceil(c.members.length / ROWS_BEFORE_WRAP)));
    return { sub, rows: Math.ceil(c.members.length / sub), width: 16 + sub * NODE_W + (sub - 1) * SUB_GAP };
  });
  const lefts: number[] = [];
  layouts.reduce((x, l) => (lefts.push(x), x + l.width + GAP), PAD);
  const rows = Math.max(1, ...layouts.map((l) => l.rows));
  const rulesH = Math.max(0, ...columns.map((c, ci) => rulesBlockHeight(c, layouts[ci]!.sub)));
  const membersTop = TOP + PROFILE_HEAD + rulesH + MEMBERS_HEAD;
  const profileH = PROFILE_HEAD + rulesH + MEMBERS_HEAD + rows * (NODE_H + NODE_GAP);
  const contentW = PAD * 2 + layouts.reduce((w, l) => w + l.width + GAP, 0);
  const targetsW = PAD * 2 + picture.targets.length * (TARGET_W + TARGET_GAP);
  const width = Math.max(contentW, targetsW, 560);
  const boxBottom = TOP + profileH + PAD;
  const bandTop = boxBottom + 12;
  const targetsY = bandTop + picture.arrows.length * BAND_STEP + 10;
  const height = picture.arrows.length ? targetsY + TARGET_H + 4 : boxBottom + 4;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="perimeter-svg" id="${pid}-svg" data-perimeter="${esc(picture.perimeter.id)}" ` +
      `width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${pid}-svg-title">`,
    `<title id="${pid}-svg-title">${esc(
      `Perimeter ${picture.perimeter.id}: ${picture.profiles.filter((p) => p.id).length} profile(s), ${picture.memberCount} member(s), ${countLabel(picture.findings)}`,
    )}</title>`,
    `<g class="perimeter" id="${pid}-box" data-perimeter="${esc(picture.perimeter.id)}" data-severity="${picture.status}">`,
    `<title>${esc(
      `${picture.perimeter.id}\nBorder: worst finding inside (${FILL[picture.status].label})\n${countLabel(picture.own)} on the perimeter itself; ${countLabel(picture.findings)} in all` +
        (picture.findings.length ? `\nRules: ${rulesNamed(picture.findings)}` : ""),
    )}</title>`,
    `<rect class="perimeter-border sev-${picture.status}" x="1" y="1" width="${width - 2}" height="${boxBottom - 1}" rx="10" fill="#f5f7fa" ` +
      `stroke="${picture.status === "none" ? "#455a64" : FILL[picture.status].fill}" stroke-width="${picture.status === "none" ? 2 : 4}"/>`,
    `<text x="${PAD}" y="${PAD + 14}" class="perimeter-label">${esc(truncate(picture.name, 60))}</text>`,
    `</g>`,
  ];
  if (columns.length === 0) out.push(`<text x="${PAD}" y="${TOP + 20}" class="empty-label">(no profiles, no members)</text>`);

  const memberAnchor = new Map<string, { x: number; y: number; lane: number }>();
  columns.forEach((column, ci) => {
    const x = lefts[ci]!;
    const { sub, rows: perSub, width: colW } = layouts[ci]!;
    const cid = `${pid}-profile-${ci + 1}`;
    const flagged = column.rules.filter((r) => r.status !== "none").length;
    out.push(
      `<g class="profile" id="${cid}" data-profile="${esc(column.id)}" data-severity="${column.status}" data-access-rules="${column.rules.length}">`,
      `<title>${esc(
        `${column.id || "Associations without a known profile"}\n${column.members.length} member(s); ${column.rules.length} access rule(s), ${flagged} flagged\n` +
          `Inbound: ${countsLabel(column.inbound)}\nOutbound: ${countsLabel(column.outbound)}\n${countLabel(column.findings)} on the profile and its access rules` +
          (column.findings.length ? `\nRules: ${rulesNamed(column.findings)}` : ""),
      )}</title>`,
      `<rect x="${x}" y="${TOP}" width="${colW}" height="${profileH}" rx="6" fill="#ffffff" stroke="#607d8b"${column.id ? "" : ` stroke-dasharray="2 2"`}/>`,
      linked(
        column.findings,
        anchorOf,
        "profile-link",
        `<rect x="${x}" y="${TOP}" width="${colW}" height="${PROFILE_HEAD - 6}" rx="6" fill="${FILL[column.status].fill}"/>` +
          `<text x="${x + 8}" y="${TOP + 17}" class="profile-label" fill="${FILL[column.status].text}">${esc(truncate(column.name, 30))}</text>`,
      ),
    );
    // Access rules: the totals, then the rules themselves, flagged ones first.
    let y = TOP + PROFILE_HEAD + 10;
    if (column.id) {
      out.push(
        `<text x="${x + 8}" y="${y}" class="access-summary" data-direction="Inbound">${esc(`Inbound: ${column.rules.some((r) => r.direction === "Inbound") ? countsLabel(column.inbound) : "no rules"}`)}</text>`,
        `<text x="${x + 8}" y="${y + SUMMARY_LINE}" class="access-summary" data-direction="Outbound">${esc(`Outbound: ${column.rules.some((r) => r.direction === "Outbound") ? countsLabel(column.outbound) : "no rules"}`)}</text>`,
      );
    }
    y += SUMMARY_LINE * 2 - 6;
    const shown = shownRules(column, sub);
    const ruleRows = Math.ceil(shown / sub);
    column.rules.slice(0, shown).forEach((rule, ri) => {
      const rx = x + 8 + Math.floor(ri / ruleRows) * (NODE_W + SUB_GAP);
      const ry = y + (ri % ruleRows) * (RULE_H + RULE_GAP);
      const fill = rule.status === "none" ? NEUTRAL_RULE : FILL[rule.status].fill;
      const text = rule.status === "none" ? "#1b1b1b" : FILL[rule.status].text;
      const arrow = rule.direction === "Inbound" ? "→" : rule.direction === "Outbound" ? "←" : "?";
      const c = rule.counts;
      out.push(
        `<g class="access-rule${rule.broad ? " broad" : ""}" id="${cid}-rule-${ri + 1}" data-rule-id="${esc(rule.id)}" data-direction="${rule.direction ?? ""}" ` +
          `data-severity="${rule.status}" data-broad="${rule.broad}" data-address-prefixes="${c.addressPrefixes}" data-subscriptions="${c.subscriptions}" ` +
          `data-fqdns="${c.fullyQualifiedDomainNames}" data-service-tags="${c.serviceTags}">`,
        `<title>${esc(
          `${rule.id}\n${rule.direction ?? "no direction"}: ${countsLabel(c)}` +
            (rule.sample.length ? `\n${rule.sample.join(", ")}${rule.sample.length < c.addressPrefixes + c.subscriptions + c.fullyQualifiedDomainNames + c.serviceTags ? ", …" : ""}` : "") +
            (rule.findings.length ? `\nRules: ${rulesNamed(rule.findings)}` : ""),
        )}</title>`,
        linked(
          rule.findings,
          anchorOf,
          "rule-link",
          `<rect x="${rx}" y="${ry}" width="${NODE_W}" height="${RULE_H}" rx="3" fill="${fill}" stroke="${rule.broad ? "#000000" : "#b0bec5"}" stroke-width="${rule.broad ? 3 : 1}"/>` +
            `<text x="${rx + 6}" y="${ry + 12}" class="rule-label" fill="${text}">${esc(truncate(`${arrow} ${rule.direction ?? "?"} ${rule.name}`, 34))}</text>` +
            `<text x="${rx + 6}" y="${ry + 25}" class="rule-sub" fill="${text}">${esc(truncate(`${countsLabel(c)}${rule.broad ? " · broad" : ""}`, 42))}</text>`,
        ),
        `</g>`,
      );
    });
    if (column.rules.length > shown) {
      const rest = column.rules.slice(shown);
      const restFlagged = rest.filter((r) => r.status !== "none").length;
      out.push(
        `<text x="${x + 8}" y="${y + ruleRows * (RULE_H + RULE_GAP) + 10}" class="more-rules">${esc(
          `+${plural(rest.length, "more access rule")}${restFlagged ? ` (${restFlagged} flagged)` : ""}`,
        )}</text>`,
      );
    }
    out.push(`<text x="${x + 8}" y="${membersTop - 7}" class="members-head">${esc(`Members (${column.members.length})`)}</text>`, `</g>`);

    column.members.forEach((member, mi) => {
      // Down each sub-column, then the next: reading order stays the report's.
      const sj = Math.floor(mi / perSub);
      const mx = x + 8 + sj * (NODE_W + SUB_GAP);
      const my = membersTop + (mi % perSub) * (NODE_H + NODE_GAP);
      // Arrows leave through the gap right of the member: the next sub-column's, or the profile's.
      memberAnchor.set(idKey(member.memberId), { x: mx + NODE_W, y: my + NODE_H / 2, lane: sj < sub - 1 ? mx + NODE_W + SUB_GAP / 2 : x + colW + GAP / 2 });
      const target = headline(member.findings);
      out.push(
        `<g class="member" id="${cid}-member-${mi + 1}" data-member="${esc(member.memberId)}" data-association="${esc(member.associationId)}" ` +
          `data-severity="${member.status}" data-access-mode="${member.mode}" data-findings="${member.findings.filter((f) => !f.exempted).length}"` +
          `${target ? ` data-finding-rule="${esc(target.ruleId)}"` : ""}>`,
        `<title>${esc(
          `${member.memberId}\nAccess mode: ${member.mode}\n${countLabel(member.findings)}` +
            (member.findings.length ? `\nRules: ${rulesNamed(member.findings)}\nClick to go to its findings` : ""),
        )}</title>`,
        linked(
          member.findings,
          anchorOf,
          "member-link",
          `<rect x="${mx}" y="${my}" width="${NODE_W}" height="${NODE_H}" rx="4" fill="${FILL[member.status].fill}" stroke="#222" stroke-width="2"${dash(member.mode)}/>` +
            `<text x="${mx + 8}" y="${my + 15}" class="member-label" fill="${FILL[member.status].text}">${esc(truncate(member.label, 30))}</text>` +
            `<text x="${mx + 8}" y="${my + 29}" class="member-sub" fill="${FILL[member.status].text}">${esc(`${member.mode} · ${countLabel(member.findings)}`)}</text>`,
        ),
        `</g>`,
      );
    });
  });

  // Arrows leave through the lane right of their column (members) or left of the first (the
  // perimeter), run along the band under the box, and drop into their target.
  const targetX = new Map(picture.targets.map((t, i) => [t.key, PAD + i * (TARGET_W + TARGET_GAP)]));
  const intoTarget = new Map<string, number>();
  picture.arrows.forEach((arrow, ai) => {
    const style = ARROW_STYLE[arrow.kind];
    const from = arrow.fromMemberId ? memberAnchor.get(idKey(arrow.fromMemberId)) : undefined;
    const start = from ?? { x: PAD, y: PAD + 22 };
    const lane = from ? from.lane : PAD / 2;
    const bandY = bandTop + ai * BAND_STEP;
    const k = intoTarget.get(arrow.target) ?? 0;
    intoTarget.set(arrow.target, k + 1);
    const tx = (targetX.get(arrow.target) ?? PAD) + 18 + ((k * 12) % (TARGET_W - 36));
    const points = [
      [start.x, start.y],
      [lane, start.y],
      [lane, bandY],
      [tx, bandY],
      [tx, targetsY - 7],
    ]
      .map(([px, py]) => `${px},${py}`)
      .join(" ");
    const opacity = arrow.pending ? ` opacity="${PENDING_OPACITY}"` : "";
    out.push(
      `<g class="arrow arrow-${arrow.kind}" data-kind="${arrow.kind}" data-from="${esc(arrow.fromMemberId ?? picture.perimeter.id)}" data-via="${esc(arrow.viaId)}" ` +
        `data-target="${esc(picture.targets.find((t) => t.key === arrow.target)?.perimeterId ?? "")}" data-pending="${arrow.pending}"${opacity}>`,
      `<title>${esc(arrow.title)}</title>`,
      `<polyline points="${points}" fill="none" stroke="${style.stroke}" stroke-width="2"${style.dash ? ` stroke-dasharray="${style.dash}"` : ""}/>`,
      `<polygon points="${tx - 5},${targetsY - 8} ${tx + 5},${targetsY - 8} ${tx},${targetsY}" fill="${style.stroke}"/>`,
      from ? "" : `<circle cx="${start.x}" cy="${start.y}" r="3" fill="${style.stroke}"/>`,
      `</g>`,
    );
  });
  picture.targets.forEach((target, ti) => {
    const x = targetX.get(target.key)!;
    const anchor = target.perimeterId ? perimeterAnchor(target.perimeterId) : undefined;
    const body =
      `<rect x="${x}" y="${targetsY}" width="${TARGET_W}" height="${TARGET_H}" rx="6" fill="#ffffff" stroke="#455a64" stroke-width="2"${target.perimeterId ? "" : ` stroke-dasharray="3 3"`}/>` +
      `<text x="${x + 10}" y="${targetsY + 17}" class="target-label">${esc(truncate(target.perimeterId ? `perimeter ${target.name}` : target.name, 36))}</text>` +
      `<text x="${x + 10}" y="${targetsY + 33}" class="target-sub">${esc(truncate(target.notes.join(" · "), 42))}</text>`;
    out.push(
      `<g class="target" id="${pid}-target-${ti + 1}" data-target="${esc(target.perimeterId ?? "")}">`,
      `<title>${esc(`${target.perimeterId ?? "Outside any perimeter"}\n${target.notes.join("\n")}`)}</title>`,
      anchor ? `<a class="target-link" href="#${esc(anchor)}">${body}</a>` : body,
      `</g>`,
    );
  });
  out.push(`</svg>`);
  return out.filter(Boolean).join("\n");
}

function swatch(shape: string, width = 28): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="swatch" width="${width}" height="16" viewBox="0 0 ${width} 16" aria-hidden="true">${shape}</svg>`;
}

/** The one legend of every picture in the page (HTML, so that it wraps on a narrow window). */
export function pictureLegend(): string {
  const item = (shape: string, label: string, width?: number) => `<li>${swatch(shape, width)} ${esc(label)}</li>`;
  const arrow = (kind: ArrowKind, opacity = "") => {
    const s = ARROW_STYLE[kind];
    return (
      `<line x1="0" y1="8" x2="28" y2="8" stroke="${s.stroke}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}${opacity}/>` +
      `<polygon points="28,3 28,13 36,8" fill="${s.stroke}"${opacity}/>`
    );
  };
  return [
    `<div class="legend" id="picture-legend" role="note" aria-label="Legend of the perimeter pictures">`,
    `<ul class="legend-items">`,
    ...NODE_STATUSES.map((s) => item(`<rect x="1" y="1" width="14" height="14" fill="${FILL[s].fill}" stroke="#333"/>`, FILL[s].label, 16)),
    `</ul>`,
    `<ul class="legend-items">`,
    item(`<rect x="1" y="1" width="26" height="14" fill="#f5f7fa" stroke="${FILL.critical.fill}" stroke-width="3"/>`, "perimeter border: its worst finding inside (perimeter, profiles, access rules, members)"),
    item(`<rect x="1" y="1" width="26" height="14" fill="#fff" stroke="#333" stroke-width="2"/>`, "member Enforced"),
    item(`<rect x="1" y="1" width="26" height="14" fill="#fff" stroke="#333" stroke-width="2" stroke-dasharray="5 3"/>`, "member in Learning or Audit (not enforced)"),
    item(`<rect x="1.5" y="1.5" width="25" height="13" fill="${NEUTRAL_RULE}" stroke="#000" stroke-width="3"/>`, `access rule flagged as broad (${BROAD_RULE_ID}); → inbound, ← outbound`),
    `</ul>`,
    `<ul class="legend-items">`,
    ...(Object.keys(ARROW_STYLE) as ArrowKind[]).map((kind) => item(arrow(kind), `to the perimeter of a ${ARROW_STYLE[kind].label}`, 38)),
    item(arrow("link", ` opacity="${PENDING_OPACITY}"`), "link not Approved", 38),
    item(`<rect x="1" y="1" width="26" height="14" fill="#fff" stroke="#455a64" stroke-width="2" stroke-dasharray="3 3"/>`, "outside any perimeter"),
    `</ul>`,
    `<p class="legend-hint">Click a member, an access rule or a profile for its findings; hover for the rules that fired.</p>`,
    `</div>`,
  ].join("\n");
}
