/**
 * The fewest CIDR prefixes, none broader than a limit, that cover a set of addresses: one prefix per
 * limit-sized block that holds a caller (no fewer can do, since no prefix may span two blocks), each
 * the tightest prefix around that block's callers (so no more addresses than needed are admitted).
 */
import ipaddr from "ipaddr.js";
import type { ParsedPrefix } from "../rules/lib/cidr.js";

/**
 * IPv6 callers are grouped per /64, the size of one IPv6 subnet (RFC 4291 §2.5.4); the policy's
 * `readiness.maxPrefixLength` speaks of IPv4.
 */
export const IPV6_MAX_PREFIX_LENGTH = 64;

const BITS = { ipv4: 32, ipv6: 128 } as const;

function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}

/** `first` of an address family as text (`a.b.c.d` or compressed IPv6). */
export function addressText(value: bigint, kind: "ipv4" | "ipv6"): string {
  const bytes: number[] = [];
  let v = value;
  for (let i = 0; i < BITS[kind] / 8; i++) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/** The limit-sized block an address falls in (callers of one block share one proposed prefix). */
export function blockKey(address: ParsedPrefix | number, maxPrefixLength: number): string {
  // An IPv4 address may come as its 32-bit value (the access model's SourceIp).
  if (typeof address === "number") return `ipv4:${Math.floor(address / 2 ** (32 - maxPrefixLength))}`;
  const limit = address.kind === "ipv4" ? maxPrefixLength : IPV6_MAX_PREFIX_LENGTH;
  return `${address.kind}:${address.first >> BigInt(BITS[address.kind] - limit)}`;
}

/**
 * Covering prefixes as CIDR text (`a.b.c.d/len`), sorted. `addresses` are single addresses
 * (`/32` or `/128`); `maxPrefixLength` bounds IPv4, `IPV6_MAX_PREFIX_LENGTH` IPv6.
 */
export function coverAddresses(addresses: readonly ParsedPrefix[], maxPrefixLength: number): string[] {
  const groups = new Map<string, { kind: "ipv4" | "ipv6"; min: bigint; max: bigint }>();
  for (const a of addresses) {
    const key = blockKey(a, maxPrefixLength);
    const g = groups.get(key);
    if (!g) groups.set(key, { kind: a.kind, min: a.first, max: a.first });
    else {
      if (a.first < g.min) g.min = a.first;
      if (a.first > g.max) g.max = a.first;
    }
  }
  const out: { kind: string; first: bigint; text: string }[] = [];
  for (const g of groups.values()) {
    const hostBits = bitLength(g.min ^ g.max);
    const first = (g.min >> BigInt(hostBits)) << BigInt(hostBits);
    out.push({ kind: g.kind, first, text: `${addressText(first, g.kind)}/${BITS[g.kind] - hostBits}` });
  }
  return out
    .sort((a, b) => (a.kind !== b.kind ? (a.kind < b.kind ? -1 : 1) : a.first < b.first ? -1 : a.first > b.first ? 1 : 0))
    .map((p) => p.text);
}
