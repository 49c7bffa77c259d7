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
import { parsePrefix, type ParsedPrefix } from "../rules/lib/cidr.js";
import type { AccessMode } from "../model/estate.js";

export type Direction = "Inbound" | "Outbound";
/** `TrafficType` column of NSPAccessLogs: Private, Public, Intra or Cross perimeter. */
export type TrafficType = "Public" | "Private" | "Intra" | "Cross";
/**
 * How the caller authenticated, as far as its record tells. Only `entra` (OAuth) requests carry the
 * caller's subscription and perimeter (FILES); `sas-or-shared-key` and `smb` can match IP rules only.
 */
export type CallerAuth = "entra" | "sas-or-shared-key" | "smb" | "unknown";

/** One request as the logs describe it. */
export interface AccessRequest {
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
  readonly operation?: string | undefined;
  readonly auth: CallerAuth;
  /** The request reached the resource through a VNet service endpoint. */
  readonly viaServiceEndpoint?: boolean | undefined;
  /** The request came in as a trusted Azure service (the resource's trusted-access exception). */
  readonly trustedService?: boolean | undefined;
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

/** The request's source as a single-address prefix, when it has a parseable one. */
export function sourceAddress(request: Pick<AccessRequest, "sourceIpAddress">): ParsedPrefix | undefined {
  const ip = request.sourceIpAddress?.trim();
  if (!ip || ip.includes("/")) return undefined;
  const parsed = cachedPrefix(ip);
  return parsed && parsed.length === (parsed.kind === "ipv4" ? 32 : 128) ? parsed : undefined;
}

/** True when `address` lies in `prefix` (same family). */
export function addressIn(address: ParsedPrefix, prefix: ParsedPrefix): boolean {
  return address.kind === prefix.kind && address.first >= prefix.first && address.first < prefix.first + prefix.size;
}

function inAnyPrefix(address: ParsedPrefix, prefixes: readonly string[]): boolean {
  for (const text of prefixes) {
    const prefix = cachedPrefix(text);
    if (prefix && addressIn(address, prefix)) return true;
  }
  return false;
}

/**
 * FQDN match, case-insensitive and ignoring a trailing dot. `*.example.com` matches every host under
 * example.com but not example.com itself (the accessrule-outbound-wildcard rule reads wildcards the
 * same way; whether Azure accepts wildcards at all is UNCONFIRMED, so exact names are what we propose).
 */
export function fqdnMatches(pattern: string, host: string): boolean {
  const p = pattern.trim().toLowerCase().replace(/\.$/, "");
  const h = host.trim().toLowerCase().replace(/\.$/, "");
  if (!p || !h) return false;
  if (p.startsWith("*.")) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
  return p === h;
}

/** OAuth callers carry their subscription and perimeter; Shared Key, SAS and SMB do not (FILES). */
function carriesIdentity(request: AccessRequest): boolean {
  return request.auth === "entra";
}

/** The perimeter's own verdict: Enforced behaviour, before any Learning fallback or Audit pass. */
export function perimeterVerdict(request: AccessRequest, config: AccessConfig): PerimeterVerdict {
  // Private endpoint traffic is never subject to perimeter rules (CONCEPTS, FILES).
  if (request.trafficType === "Private") return { allowed: true, by: "private-endpoint" };
  const guids = request.sourcePerimeterGuids ?? [];
  const ownGuid = config.perimeterGuid?.toLowerCase();
  // Intra-perimeter traffic is allowed in every mode (CONCEPTS: "all traffic except intra-perimeter
  // traffic is denied"); it is recognised by the record's TrafficType or by the caller carrying this
  // perimeter's GUID, and only OAuth callers carry one.
  if (carriesIdentity(request) && (request.trafficType === "Intra" || (ownGuid !== undefined && guids.includes(ownGuid)))) {
    return { allowed: true, by: "intra-perimeter" };
  }

  if (request.direction === "Outbound") {
    const host = request.destinationFqdn;
    if (host) {
      for (const rule of config.rules) {
        if (rule.direction !== "Outbound") continue;
        if (rule.fullyQualifiedDomainNames.some((pattern) => fqdnMatches(pattern, host))) return { allowed: true, by: "fqdn-rule", rule: rule.name };
      }
    }
    return { allowed: false, by: "no-matching-rule" };
  }

  // Inbound, public or cross-perimeter.
  // Service-endpoint traffic is not supported: it may be denied even when a rule allows 0.0.0.0/0.
  if (request.viaServiceEndpoint) return { allowed: false, by: "service-endpoint" };

  if (carriesIdentity(request) && guids.length > 0) {
    for (const rule of config.rules) {
      if (rule.direction === "Inbound" && rule.perimeterGuids.some((g) => guids.includes(g))) return { allowed: true, by: "link", rule: rule.name };
    }
    for (const link of config.links) {
      if (link.status.toLowerCase() !== "approved" || !guids.includes(link.remotePerimeterGuid)) continue;
      if (link.localInboundProfiles.some((p) => p === "*" || p.toLowerCase() === config.profileName.toLowerCase())) {
        return { allowed: true, by: "link", rule: link.name };
      }
    }
  }

  const address = sourceAddress(request);
  if (address) {
    for (const rule of config.rules) {
      if (rule.direction === "Inbound" && inAnyPrefix(address, rule.addressPrefixes)) return { allowed: true, by: "ip-rule", rule: rule.name };
    }
  }
  const subscription = request.sourceSubscriptionId?.toLowerCase();
  if (subscription && carriesIdentity(request)) {
    for (const rule of config.rules) {
      if (rule.direction === "Inbound" && rule.subscriptions.includes(subscription)) return { allowed: true, by: "subscription-rule", rule: rule.name };
    }
  }
  if (address && config.serviceTagsHonoured && config.serviceTagPrefixes) {
    for (const rule of config.rules) {
      if (rule.direction !== "Inbound") continue;
      for (const tag of rule.serviceTags) {
        const prefixes = config.serviceTagPrefixes.get(tag.toLowerCase());
        if (prefixes && inAnyPrefix(address, prefixes)) return { allowed: true, by: "service-tag-rule", rule: rule.name };
      }
    }
  }
  // Trusted access is disabled when the perimeter decides (TRANSITION); say so rather than "no rule".
  if (request.trustedService) return { allowed: false, by: "trusted-service" };
  return { allowed: false, by: "no-matching-rule" };
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
