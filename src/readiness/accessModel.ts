/**
 * The NSP access model: whether a perimeter admits one request, and by what, in each access mode.
 * Pure: no ARM, no I/O; `configFromPerimeter` (readiness.ts) builds its input from an estate.
 *
 * Sources (see docs/nsp-access-logs.md for the full list):
 * - CONCEPTS  https://learn.microsoft.com/azure/private-link/network-security-perimeter-concepts
 *   (../shared/docs/sources/nsp-concepts.md): Enforced denies all public traffic except
 *   intra-perimeter traffic unless an allow rule exists; inbound rules by IP prefix and subscription,
 *   outbound rules by FQDN; private endpoint traffic needs no rule.
 * - TRANSITION https://learn.microsoft.com/azure/private-link/network-security-perimeter-transition:
 *   Learning falls back to the resource's own firewall and trusted access when perimeter rules do not
 *   permit; Enforced counts perimeter rules only; trusted access is disabled when secured by perimeter.
 * - FILES  ../shared/docs/sources/nsp-azure-files.md: Shared Key, SAS, SMB (NTLM/Kerberos) carry no
 *   subscription or perimeter, so only IP rules are honoured for them; private link always succeeds.
 * - Common types `ResourceAssociationAccessMode` (REST specs): Audit = "traffic that fails access
 *   checks is logged but not blocked".
 * - ../shared/docs/arm-facts.md: service tags are honoured by Key Vault and Azure Monitor, not by
 *   Storage; service-endpoint traffic is not supported and may be denied even under 0.0.0.0/0;
 *   links admit managed-identity callers of the linked perimeter.
 */
import { NON_PUBLIC_RANGES, parsePrefix, type ParsedPrefix } from "../rules/lib/cidr.js";
import type { AccessMode } from "../model/estate.js";

export type Direction = "Inbound" | "Outbound";
/** `TrafficType` column of NSPAccessLogs: Private, Public, Intra or Cross perimeter. */
export type TrafficType = "Public" | "Private" | "Intra" | "Cross";
/**
 * How the caller authenticated, as far as its record tells. Only `entra` (OAuth) requests carry the
 * caller's subscription and perimeter (FILES); `sas-or-shared-key` and `smb` can match IP rules only.
 */
export type CallerAuth = "entra" | "sas-or-shared-key" | "smb" | "unknown";

/** Who called, from where, to what: the fields a log record and a request share. */
export interface CallerFields {
  readonly direction: Direction;
  readonly trafficType: TrafficType;
  readonly sourceIpAddress?: string | undefined;
  /** Lower-case subscription GUID of the caller. */
  readonly sourceSubscriptionId?: string | undefined;
  readonly sourceAppId?: string | undefined;
  readonly sourceResourceId?: string | undefined;
  /** Lower-case perimeter GUIDs of the caller (SourcePerimeterGuids). */
  readonly sourcePerimeterGuids?: readonly string[] | undefined;
  readonly destinationFqdn?: string | undefined;
  readonly auth: CallerAuth;
}

/** One request as the logs describe it. */
export interface AccessRequest extends CallerFields {
  readonly operation?: string | undefined;
  /** The request reached the resource through a VNet service endpoint. */
  readonly viaServiceEndpoint?: boolean | undefined;
  /** The request came in as a trusted Azure service (the resource's trusted-access exception). */
  readonly trustedService?: boolean | undefined;
  /** The source address already parsed (`null`: none parseable), when the caller has it; else parsed on use. */
  readonly parsedSource?: SourceIp | null;
}

/** One access rule of a profile, reduced to what matching needs. */
export interface RuleConfig {
  readonly name: string;
  readonly direction: Direction;
  readonly addressPrefixes: readonly string[];
  /** Lower-case subscription GUIDs. */
  readonly subscriptions: readonly string[];
  readonly serviceTags: readonly string[];
  readonly fullyQualifiedDomainNames: readonly string[];
  /** Lower-case perimeter GUIDs (`networkSecurityPerimeters`, set on the rules links create). */
  readonly perimeterGuids: readonly string[];
}

/** An approved link to another perimeter, as seen from this perimeter. */
export interface LinkConfig {
  readonly name: string;
  /** Lower-case GUID of the remote perimeter. */
  readonly remotePerimeterGuid: string;
  /** `Approved`, `Pending`, `Rejected`, `Disconnected`: only Approved links admit traffic. */
  readonly status: string;
  /** Local profiles the link admits inbound traffic to (`*` = all), by name. */
  readonly localInboundProfiles: readonly string[];
}

/** What the perimeter applies to one association's traffic. */
export interface AccessConfig {
  /** Lower-case GUID of this perimeter (intra-perimeter traffic carries it). */
  readonly perimeterGuid?: string | undefined;
  /** Name of the association's profile (links name profiles). */
  readonly profileName: string;
  readonly rules: readonly RuleConfig[];
  readonly links: readonly LinkConfig[];
  /** Whether the resource type honours service-tag rules (Key Vault, Azure Monitor yes; Storage no). */
  readonly serviceTagsHonoured: boolean;
  /** Prefixes of service tags, when known; a tag without prefixes matches nothing. */
  readonly serviceTagPrefixes?: ReadonlyMap<string, readonly string[]> | undefined;
}

/** What admitted (or failed to admit) a request at the perimeter. */
export type PerimeterVerdict =
  | { readonly allowed: true; readonly by: "private-endpoint" | "intra-perimeter" | "link" | "ip-rule" | "subscription-rule" | "service-tag-rule" | "fqdn-rule"; readonly rule?: string }
  | { readonly allowed: false; readonly by: "no-matching-rule" | "service-endpoint" | "trusted-service" };

/** The outcome in a given mode. `by` names what decided. */
export interface AccessDecision {
  readonly mode: AccessMode;
  readonly allowed: boolean;
  /** Perimeter verdict, or `resource-rules` (Learning fallback) or `audit` (Audit lets it through). */
  readonly by: PerimeterVerdict["by"] | "resource-rules" | "audit";
  readonly rule?: string;
  readonly perimeter: PerimeterVerdict;
}

const prefixCache = new Map<string, ParsedPrefix | null>();

/** Parsed prefix (cached: the same rules are checked against many requests). */
export function cachedPrefix(text: string): ParsedPrefix | undefined {
  let parsed = prefixCache.get(text);
  if (parsed === undefined) {
    parsed = parsePrefix(text) ?? null;
    if (prefixCache.size > 100_000) prefixCache.clear();
    prefixCache.set(text, parsed);
  }
  return parsed ?? undefined;
}

/** A source address: an IPv4 address as its 32-bit value (no allocation), an IPv6 one parsed. */
export type SourceIp = number | ParsedPrefix;

/**
 * A dotted-quad IPv4 address as its 32-bit value, read character by character: every logged request
 * is parsed, and a regular expression's match array per request is what a million rows cannot afford.
 * Four decimal parts of 0-255 without leading zeros, nothing else.
 */
export function ipv4Value(text: string): number | undefined {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return undefined;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return undefined; // a leading zero
      part = part * 10 + (c - 48);
      if (part > 255) return undefined;
      digits++;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0) return undefined;
  return value * 256 + part;
}

/**
 * The request's source address, when it has a parseable one. Not memoised on the request on purpose:
 * storing a fresh value into a million long-lived request objects makes every young-generation
 * garbage collection walk them; callers that check one request many times pass `parsedSource`.
 */
export function sourceIp(request: Pick<AccessRequest, "sourceIpAddress" | "parsedSource">): SourceIp | undefined {
  if (request.parsedSource !== undefined) return request.parsedSource ?? undefined;
  return parseSourceIp(request.sourceIpAddress);
}

/** A logged source address (`SourceIpAddress`) parsed, when it is one address. */
export function parseSourceIp(text: string | undefined): SourceIp | undefined {
  const ip = text?.trim();
  if (!ip) return undefined;
  const v4 = ipv4Value(ip);
  if (v4 !== undefined) return v4;
  if (!ip.includes(":") || ip.includes("/")) return undefined;
  const p = parsePrefix(ip);
  return p && p.kind === "ipv6" && p.length === 128 ? p : undefined;
}

/** The request's source as a single-address prefix (for CIDR maths on callers), when it has one. */
export function sourceAddress(request: Pick<AccessRequest, "sourceIpAddress" | "parsedSource">): ParsedPrefix | undefined {
  const ip = sourceIp(request);
  if (ip === undefined) return undefined;
  return typeof ip === "number" ? parsePrefix(request.sourceIpAddress!.trim()) : ip;
}

const NON_PUBLIC_V4 = NON_PUBLIC_RANGES.filter((r) => r.kind === "ipv4").map((r) => ({ first: Number(r.first), end: Number(r.first + r.size) }));

/** False for private and reserved space (`NON_PUBLIC_RANGES`): perimeters see public sources only. */
export function isPublicIp(ip: SourceIp): boolean {
  if (typeof ip === "number") return !NON_PUBLIC_V4.some((r) => ip >= r.first && ip < r.end);
  return !NON_PUBLIC_RANGES.some((r) => r.kind === "ipv6" && addressIn(ip, r));
}

/** True when `address` lies in `prefix` (same family). */
export function addressIn(address: ParsedPrefix, prefix: ParsedPrefix): boolean {
  return address.kind === prefix.kind && address.first >= prefix.first && address.first < prefix.first + prefix.size;
}

/**
 * Address prefixes of rules indexed by prefix length: CIDR prefixes are nested or disjoint, so an
 * address matches a prefix of length L exactly when its first L bits are a key of that length's map.
 * A lookup costs one map probe per distinct length, whatever the number of prefixes.
 */
class PrefixIndex {
  private readonly byLength = new Map<number, Map<number | bigint, number>>();
  private lengths: number[] = [];

  add(prefix: ParsedPrefix, ruleIndex: number): void {
    let map = this.byLength.get(prefix.length);
    if (!map) {
      map = new Map();
      this.byLength.set(prefix.length, map);
      this.lengths = [...this.byLength.keys()].sort((a, b) => a - b);
    }
    const key = prefix.kind === "ipv4" ? Math.floor(Number(prefix.first) / 2 ** (32 - prefix.length)) : prefix.first >> BigInt(128 - prefix.length);
    const existing = map.get(key);
    if (existing === undefined || ruleIndex < existing) map.set(key, ruleIndex);
  }

  /** Index of the first rule (in rule order) with a prefix holding the address, or -1. */
  find(ip: SourceIp): number {
    let best = -1;
    for (const length of this.lengths) {
      const key = typeof ip === "number" ? Math.floor(ip / 2 ** (32 - length)) : ip.first >> BigInt(128 - length);
      const index = this.byLength.get(length)!.get(key);
      if (index !== undefined && (best === -1 || index < best)) best = index;
    }
    return best;
  }
}

/** The rules of a configuration compiled for lookups; built once per rules array. */
interface CompiledRules {
  readonly inbound: readonly RuleConfig[];
  readonly outbound: readonly RuleConfig[];
  readonly ipv4: PrefixIndex;
  readonly ipv6: PrefixIndex;
  readonly subscriptions: Map<string, number>;
  readonly perimeters: Map<string, number>;
  readonly exactFqdns: Map<string, number>;
  readonly wildcardFqdns: readonly { suffix: string; index: number }[];
  /** Verdicts per rule, built once: a million checks allocate none. */
  readonly ipVerdicts: readonly PerimeterVerdict[];
  readonly subscriptionVerdicts: readonly PerimeterVerdict[];
  readonly fqdnVerdicts: readonly PerimeterVerdict[];
}

const NO_GUIDS: readonly string[] = Object.freeze([]);
const NO_MATCHING_RULE: PerimeterVerdict = Object.freeze({ allowed: false, by: "no-matching-rule" });
const TRUSTED_SERVICE: PerimeterVerdict = Object.freeze({ allowed: false, by: "trusted-service" });

const compiledRules = new WeakMap<readonly RuleConfig[], CompiledRules>();

function normaliseHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, "");
}

function compile(rules: readonly RuleConfig[]): CompiledRules {
  let compiled = compiledRules.get(rules);
  if (compiled) return compiled;
  const inbound = rules.filter((r) => r.direction === "Inbound");
  const outbound = rules.filter((r) => r.direction === "Outbound");
  const ipv4 = new PrefixIndex();
  const ipv6 = new PrefixIndex();
  const subscriptions = new Map<string, number>();
  const perimeters = new Map<string, number>();
  inbound.forEach((rule, index) => {
    for (const text of rule.addressPrefixes) {
      const prefix = cachedPrefix(text);
      if (prefix) (prefix.kind === "ipv4" ? ipv4 : ipv6).add(prefix, index);
    }
    for (const sub of rule.subscriptions) if (!subscriptions.has(sub)) subscriptions.set(sub, index);
    for (const guid of rule.perimeterGuids) if (!perimeters.has(guid)) perimeters.set(guid, index);
  });
  const exactFqdns = new Map<string, number>();
  const wildcardFqdns: { suffix: string; index: number }[] = [];
  outbound.forEach((rule, index) => {
    for (const pattern of rule.fullyQualifiedDomainNames) {
      const p = normaliseHost(pattern);
      if (!p) continue;
      if (p.startsWith("*.")) wildcardFqdns.push({ suffix: p.slice(1), index });
      else if (!exactFqdns.has(p)) exactFqdns.set(p, index);
    }
  });
  compiled = {
    inbound,
    outbound,
    ipv4,
    ipv6,
    subscriptions,
    perimeters,
    exactFqdns,
    wildcardFqdns,
    ipVerdicts: inbound.map((r) => Object.freeze({ allowed: true, by: "ip-rule", rule: r.name }) as PerimeterVerdict),
    subscriptionVerdicts: inbound.map((r) => Object.freeze({ allowed: true, by: "subscription-rule", rule: r.name }) as PerimeterVerdict),
    fqdnVerdicts: outbound.map((r) => Object.freeze({ allowed: true, by: "fqdn-rule", rule: r.name }) as PerimeterVerdict),
  };
  compiledRules.set(rules, compiled);
  return compiled;
}

function inAnyPrefix(ip: SourceIp, prefixes: readonly string[]): boolean {
  for (const text of prefixes) {
    const prefix = cachedPrefix(text);
    if (!prefix) continue;
    if (typeof ip === "number" ? prefix.kind === "ipv4" && ip >= Number(prefix.first) && ip < Number(prefix.first + prefix.size) : addressIn(ip, prefix)) return true;
  }
  return false;
}

/**
 * FQDN match, case-insensitive and ignoring a trailing dot. `*.example.com` matches every host under
 * example.com but not example.com itself (the accessrule-outbound-wildcard rule reads wildcards the
 * same way; whether Azure accepts wildcards at all is UNCONFIRMED, so exact names are what we propose).
 */
export function fqdnMatches(pattern: string, host: string): boolean {
  const p = normaliseHost(pattern);
  const h = normaliseHost(host);
  if (!p || !h) return false;
  if (p.startsWith("*.")) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
  return p === h;
}

function fqdnRule(compiled: CompiledRules, host: string): number {
  const h = normaliseHost(host);
  if (!h) return -1;
  let best = compiled.exactFqdns.get(h) ?? -1;
  for (const w of compiled.wildcardFqdns) {
    if (h.endsWith(w.suffix) && h.length > w.suffix.length && (best === -1 || w.index < best)) best = w.index;
  }
  return best;
}

/** OAuth callers carry their subscription and perimeter; Shared Key, SAS and SMB do not (FILES). */
function carriesIdentity(request: AccessRequest): boolean {
  return request.auth === "entra";
}

/**
 * The perimeter's own verdict: Enforced behaviour, before any Learning fallback or Audit pass.
 * `source`: the request's source address already parsed (`null`: none), for callers checked often.
 */
export function perimeterVerdict(request: AccessRequest, config: AccessConfig, source?: SourceIp | null): PerimeterVerdict {
  // Private endpoint traffic is never subject to perimeter rules (CONCEPTS, FILES).
  if (request.trafficType === "Private") return { allowed: true, by: "private-endpoint" };
  // GUIDs and subscription ids are lower-case by contract (see the interfaces): no per-request copies.
  const guids = request.sourcePerimeterGuids ?? NO_GUIDS;
  const ownGuid = config.perimeterGuid;
  // Intra-perimeter traffic is allowed in every mode (CONCEPTS: "all traffic except intra-perimeter
  // traffic is denied"); it is recognised by the record's TrafficType or by the caller carrying this
  // perimeter's GUID, and only OAuth callers carry one.
  if (carriesIdentity(request) && (request.trafficType === "Intra" || (ownGuid !== undefined && guids.includes(ownGuid)))) {
    return { allowed: true, by: "intra-perimeter" };
  }
  const rules = compile(config.rules);

  if (request.direction === "Outbound") {
    const index = request.destinationFqdn ? fqdnRule(rules, request.destinationFqdn) : -1;
    return index >= 0 ? rules.fqdnVerdicts[index]! : NO_MATCHING_RULE;
  }

  // Inbound, public or cross-perimeter.
  // Service-endpoint traffic is not supported: it may be denied even when a rule allows 0.0.0.0/0.
  if (request.viaServiceEndpoint) return { allowed: false, by: "service-endpoint" };

  if (carriesIdentity(request) && guids.length > 0) {
    for (const guid of guids) {
      const index = rules.perimeters.get(guid);
      if (index !== undefined) return { allowed: true, by: "link", rule: rules.inbound[index]!.name };
    }
    for (const link of config.links) {
      if (link.status.toLowerCase() !== "approved" || !guids.includes(link.remotePerimeterGuid)) continue;
      if (link.localInboundProfiles.some((p) => p === "*" || p.toLowerCase() === config.profileName.toLowerCase())) {
        return { allowed: true, by: "link", rule: link.name };
      }
    }
  }

  const address = source === undefined ? sourceIp(request) : (source ?? undefined);
  if (address !== undefined) {
    const index = (typeof address === "number" ? rules.ipv4 : rules.ipv6).find(address);
    if (index >= 0) return rules.ipVerdicts[index]!;
  }
  const subscription = request.sourceSubscriptionId;
  if (subscription && carriesIdentity(request)) {
    const index = rules.subscriptions.get(subscription);
    if (index !== undefined) return rules.subscriptionVerdicts[index]!;
  }
  if (address !== undefined && config.serviceTagsHonoured && config.serviceTagPrefixes) {
    for (const rule of rules.inbound) {
      for (const tag of rule.serviceTags) {
        const prefixes = config.serviceTagPrefixes.get(tag.toLowerCase());
        if (prefixes && inAnyPrefix(address, prefixes)) return { allowed: true, by: "service-tag-rule", rule: rule.name };
      }
    }
  }
  // Trusted access is disabled when the perimeter decides (TRANSITION); say so rather than "no rule".
  if (request.trustedService) return TRUSTED_SERVICE;
  return NO_MATCHING_RULE;
}

/**
 * The outcome in `mode`. `resourceRules` is what the resource's own settings (firewall, trusted
 * access, publicNetworkAccess) would decide; Learning falls back to it (TRANSITION), Enforced ignores
 * it, Audit logs the perimeter's denial and lets the request through.
 */
export function decide(
  request: AccessRequest,
  config: AccessConfig,
  mode: AccessMode,
  resourceRules: "allowed" | "denied" = "denied",
): AccessDecision {
  const perimeter = perimeterVerdict(request, config);
  const rule = perimeter.allowed ? perimeter.rule : undefined;
  if (perimeter.allowed) return { mode, allowed: true, by: perimeter.by, ...(rule ? { rule } : {}), perimeter };
  if (mode === "Audit") return { mode, allowed: true, by: "audit", perimeter };
  if (mode === "Learning" && resourceRules === "allowed") return { mode, allowed: true, by: "resource-rules", perimeter };
  return { mode, allowed: false, by: perimeter.by, perimeter };
}
