/**
 * CIDR maths shared by the accessrule-* rules: parsing perimeter address prefixes with ipaddr.js,
 * containment in well-known ranges and the size of a union of prefixes.
 */
import ipaddr from "ipaddr.js";
import type { AccessRuleView, ProfileView } from "../../model/perimeterView.js";

export type IpKind = "ipv4" | "ipv6";

/** One address prefix of an access rule, parsed. */
export interface ParsedPrefix {
  /** The prefix as written in the access rule. */
  readonly text: string;
  readonly kind: IpKind;
  /** Prefix length; a bare address counts as /32 (IPv4) or /128 (IPv6). */
  readonly length: number;
  /** First address of the prefix as an integer (host bits cleared). */
  readonly first: bigint;
  /** Number of addresses the prefix covers. */
  readonly size: bigint;
  /** IPv4 only: `first` and `size` as plain numbers (exact below 2^53), for the hot loops. */
  readonly v4?: { readonly first: number; readonly size: number };
}

const BITS: Record<IpKind, number> = { ipv4: 32, ipv6: 128 };

/** `2^(32 - length)` for every IPv4 prefix length, made once. */
const IPV4_SIZES: readonly bigint[] = Array.from({ length: 33 }, (_, length) => 1n << BigInt(32 - length));

function toBigInt(bytes: readonly number[]): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

function build(text: string, address: ipaddr.IPv4 | ipaddr.IPv6, length: number): ParsedPrefix {
  const kind = address.kind();
  const hostBits = BigInt(BITS[kind] - length);
  // Host bits set (10.1.2.3/8) still name the whole network, as ARM reads them.
  const first = (toBigInt(address.toByteArray()) >> hostBits) << hostBits;
  return { text, kind, length, first, size: 1n << hostBits };
}

/** An IPv4 prefix: plain numbers, with the bigint forms made only when asked (most scans never ask). */
class Ipv4Prefix implements ParsedPrefix {
  readonly kind = "ipv4" as const;
  readonly v4: { readonly first: number; readonly size: number };
  constructor(
    readonly text: string,
    readonly length: number,
    first: number,
    size: number,
  ) {
    this.v4 = { first, size };
  }
  private firstBig: bigint | undefined;
  get first(): bigint {
    return (this.firstBig ??= BigInt(this.v4.first));
  }
  get size(): bigint {
    return IPV4_SIZES[this.length]!;
  }
}

/**
 * IPv4 dotted quad in `text[0, end)` as an unsigned integer, or undefined. Four decimal parts of
 * 0-255 without leading zeros, as ipaddr.js's `isValidFourPartDecimal` accepts them; written by hand
 * because prefixes are parsed by the hundred thousand (issue 14: a profile of 300 × 300).
 */
function ipv4Value(text: string, end: number): number | undefined {
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= end; i++) {
    const c = i === end ? 46 /* "." closes the last part */ : text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255 || parts === 4) return undefined;
      value = value * 256 + part;
      parts++;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && part === 0) return undefined; // leading zero (octal in some parsers)
      part = part * 10 + (c - 48);
      digits++;
      if (digits > 3) return undefined;
    } else {
      return undefined;
    }
  }
  return parts === 4 ? value : undefined;
}

/**
 * Parses an IPv4 or IPv6 prefix (`a.b.c.d/len`, `x::/len`) or a bare address. Returns undefined for
 * anything else. Stricter than ipaddr.js's own `parseCIDR` on purpose: IPv4 must be four decimal
 * parts (ipaddr.js would read `10/8` as `0.0.0.10/8` and `010.0.0.0/8` as octal), IPv6 zone ids
 * (`fe80::1%eth0`) and surrounding whitespace are not prefixes ARM stores.
 */
export function parsePrefix(text: string): ParsedPrefix | undefined {
  if (typeof text !== "string" || text.length === 0 || text.includes("%")) return undefined;
  const slash = text.indexOf("/");
  const v4 = ipv4Value(text, slash < 0 ? text.length : slash);
  if (v4 !== undefined) {
    let length = 32;
    if (slash >= 0) {
      if (slash === text.length - 1) return undefined;
      length = 0;
      for (let i = slash + 1; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c < 48 || c > 57) return undefined;
        length = length * 10 + (c - 48);
        if (length > 32) return undefined;
      }
    }
    const hostBits = 32 - length;
    const first = hostBits === 32 ? 0 : hostBits === 0 ? v4 : Math.floor(v4 / 2 ** hostBits) * 2 ** hostBits;
    return new Ipv4Prefix(text, length, first, 2 ** hostBits);
  }
  try {
    if (slash >= 0) {
      if (ipaddr.IPv6.isValidCIDR(text)) {
        const [address, length] = ipaddr.IPv6.parseCIDR(text);
        return build(text, address, length);
      }
      return undefined;
    }
    if (ipaddr.IPv6.isValid(text)) return build(text, ipaddr.IPv6.parse(text), 128);
  } catch {
    // isValid* said yes but parse said no: treat as unparseable rather than fail the scan.
  }
  return undefined;
}

/** Parses every prefix, keeping the valid ones and listing the others as written. */
export function parsePrefixes(texts: readonly string[]): { valid: ParsedPrefix[]; invalid: string[] } {
  const valid: ParsedPrefix[] = [];
  const invalid: string[] = [];
  for (const text of texts) {
    const parsed = parsePrefix(text);
    if (parsed) valid.push(parsed);
    else invalid.push(text);
  }
  return { valid, invalid };
}

/** True when every address of `inner` lies inside `outer` (same family, at least as long a prefix). */
export function isInside(inner: ParsedPrefix, outer: ParsedPrefix): boolean {
  if (inner.kind !== outer.kind || inner.length < outer.length) return false;
  if (inner.v4 && outer.v4) return inner.v4.first >= outer.v4.first && inner.v4.first < outer.v4.first + outer.v4.size;
  return inner.first >= outer.first && inner.first < outer.first + outer.size;
}

/**
 * Number of distinct addresses covered by the prefixes of one family: overlapping and nested
 * prefixes count once (a merged-interval union, not a sum).
 */
export function unionSize(prefixes: readonly ParsedPrefix[], kind: IpKind): bigint {
  if (kind === "ipv4") {
    // Plain numbers: exact for IPv4 and far cheaper than bigint on a profile of 90,000 prefixes.
    const intervals: Array<{ readonly first: number; readonly size: number }> = [];
    for (const p of prefixes) if (p.v4) intervals.push(p.v4);
    intervals.sort((a, b) => a.first - b.first);
    let total = 0;
    let start = -1;
    let end = -1;
    for (const { first, size } of intervals) {
      if (start >= 0 && first <= end) {
        if (first + size > end) end = first + size;
        continue;
      }
      if (start >= 0) total += end - start;
      start = first;
      end = first + size;
    }
    if (start >= 0) total += end - start;
    return BigInt(total);
  }
  const intervals = prefixes
    .filter((p) => p.kind === kind)
    .map((p) => ({ start: p.first, end: p.first + p.size })) // half-open [start, end)
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  let total = 0n;
  let current: { start: bigint; end: bigint } | undefined;
  for (const interval of intervals) {
    if (current && interval.start <= current.end) {
      if (interval.end > current.end) current.end = interval.end;
      continue;
    }
    if (current) total += current.end - current.start;
    current = { ...interval };
  }
  if (current) total += current.end - current.start;
  return total;
}

/** Prefixes as `parsePrefix` results; the table below must parse, so a typo fails at load. */
function ranges(texts: readonly string[]): ParsedPrefix[] {
  return texts.map((t) => {
    const parsed = parsePrefix(t);
    if (!parsed) throw new Error(`bad built-in range ${t}`);
    return parsed;
  });
}

/**
 * Private and reserved space that perimeter inbound rules never see (they match public sources
 * only): RFC 1918, shared address space (CGNAT), loopback, link-local, IPv6 unique-local and link-local.
 */
export const NON_PUBLIC_RANGES: readonly ParsedPrefix[] = ranges([
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "fc00::/7",
  "fe80::/10",
]);

/** The non-public range a prefix lies entirely inside, if any. */
export function nonPublicRangeOf(prefix: ParsedPrefix): ParsedPrefix | undefined {
  return NON_PUBLIC_RANGES.find((range) => isInside(prefix, range));
}

/** `2147483648` → `2,147,483,648` for messages. */
export function formatCount(value: bigint): string {
  return value.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

// ---------------------------------------------------------------------------------------------
// Per evaluation: each access rule's prefixes are parsed once, and each profile's inbound union
// computed once, whatever the number of rules asking (memoised by view object).

const rulePrefixes = new WeakMap<AccessRuleView, { valid: ParsedPrefix[]; invalid: string[] }>();

/** The rule's address prefixes, parsed once. */
export function prefixesOf(rule: AccessRuleView): { valid: ParsedPrefix[]; invalid: string[] } {
  let parsed = rulePrefixes.get(rule);
  if (!parsed) {
    parsed = parsePrefixes(rule.addressPrefixes);
    rulePrefixes.set(rule, parsed);
  }
  return parsed;
}

/** How wide a profile's inbound IP rules open it, together. */
export interface InboundOpening {
  /** Distinct IPv4 addresses its inbound prefixes cover (overlaps counted once). */
  readonly ipv4Covered: bigint;
  /** IPv6 prefixes of length `openIpv6MaxLength` or shorter. */
  readonly openIpv6: readonly ParsedPrefix[];
}

const profileOpenings = new WeakMap<ProfileView, InboundOpening>();

export function inboundOpeningOf(profile: ProfileView, openIpv6MaxLength: number): InboundOpening {
  let opening = profileOpenings.get(profile);
  if (!opening) {
    const prefixes: ParsedPrefix[] = [];
    const openIpv6: ParsedPrefix[] = [];
    for (const rule of profile.inboundIpRules) {
      for (const p of prefixesOf(rule).valid) {
        prefixes.push(p);
        if (p.kind === "ipv6" && p.length <= openIpv6MaxLength) openIpv6.push(p);
      }
    }
    opening = { ipv4Covered: unionSize(prefixes, "ipv4"), openIpv6 };
    profileOpenings.set(profile, opening);
  }
  return opening;
}
