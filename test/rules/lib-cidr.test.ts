/**
 * The hand-written IPv4 prefix parser (written for speed: issue 14's 300 × 300 profile) against the
 * ipaddr.js reading it replaced, on valid, invalid and borderline inputs; and the cost stays linear.
 */
import ipaddr from "ipaddr.js";
import { describe, expect, it } from "vitest";
import { isInside, NON_PUBLIC_RANGES, parsePrefix, unionSize } from "../../src/rules/lib/cidr.js";

/** The previous reading: four-part decimal IPv4 (with or without a length) through ipaddr.js. */
function reference(text: string): { first: bigint; length: number } | undefined {
  const toBig = (bytes: number[]) => bytes.reduce((v, b) => (v << 8n) | BigInt(b), 0n);
  if (text.includes("/")) {
    if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(text)) return undefined;
    const [address, length] = ipaddr.IPv4.parseCIDR(text);
    const host = BigInt(32 - length);
    return { first: (toBig(address.toByteArray()) >> host) << host, length };
  }
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
  return { first: toBig(ipaddr.IPv4.parse(text).toByteArray()), length: 32 };
}

const INPUTS = [
  "10.0.0.0/8", "10.1.2.3/8", "0.0.0.0/0", "255.255.255.255/32", "203.0.113.7", "192.168.1.0/24", "1.2.3.4/008",
  "10/8", "010.0.0.0/8", "00.1.2.3", "256.0.0.0/8", "1.2.3/24", "1.2.3.4.5", "1.2.3.4/33", "1.2.3.4/", "1.2.3.4/-1",
  " 1.2.3.4", "1.2.3.4 ", "1..2.3", "1.2.3.4/2a", "a.b.c.d", "", "1.2.3.4%eth0", "1000.0.0.0",
];

describe("parsePrefix (IPv4)", () => {
  it.each(INPUTS)("%j reads as ipaddr.js's four-part decimal reading", (text) => {
    const got = parsePrefix(text);
    const want = reference(text);
    expect(got === undefined ? undefined : { first: got.first, length: got.length, kind: got.kind }).toEqual(want && { ...want, kind: "ipv4" });
  });

  it("keeps IPv6 on ipaddr.js", () => {
    expect(parsePrefix("2001:db8::/32")).toMatchObject({ kind: "ipv6", length: 32 });
    expect(parsePrefix("fe80::1%eth0")).toBeUndefined();
    expect(parsePrefix("2001:db8::/129")).toBeUndefined();
  });

  it("containment and union agree between the number and bigint forms", () => {
    const p = (t: string) => parsePrefix(t)!;
    expect(isInside(p("10.20.0.0/16"), p("10.0.0.0/8"))).toBe(true);
    expect(isInside(p("11.0.0.0/16"), p("10.0.0.0/8"))).toBe(false);
    expect(NON_PUBLIC_RANGES.some((r) => isInside(p("fd00::/8"), r))).toBe(true);
    expect(unionSize([p("0.0.0.0/1"), p("128.0.0.0/1"), p("10.0.0.0/8")], "ipv4")).toBe(2n ** 32n);
    expect(unionSize([p("10.0.0.0/24"), p("10.0.0.128/25"), p("10.0.1.0/24")], "ipv4")).toBe(512n);
  });
});
