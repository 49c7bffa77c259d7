import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cachedPrefix, addressIn, perimeterVerdict, sourceAddress, type AccessConfig, type RuleConfig } from "../../src/readiness/accessModel.js";
import { blockKey, IPV6_MAX_PREFIX_LENGTH } from "../../src/readiness/cidrCover.js";
import type { CallerSummary } from "../../src/readiness/logs.js";
import { fixFor, proposeForProfile, requestOf, type BreakingCaller, type ProposedRule } from "../../src/readiness/readiness.js";

type Generated<A> = A extends fc.Arbitrary<infer T> ? T : never;

const PROFILE = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityPerimeters/p/profiles/default";

// Callers cluster in a few public /16s so that blocks are shared; IPv6 in one /48.
const ipv4 = fc.tuple(fc.constantFrom(20, 52, 198, 203), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map((p) => p.join("."));
const ipv6 = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 0xffff })).map(([a, b]) => `2001:db8:5:${a}::${b.toString(16)}`);
const subscription = fc.constantFrom("aaaaaaaa-0000-0000-0000-000000000001", "aaaaaaaa-0000-0000-0000-000000000002", "aaaaaaaa-0000-0000-0000-000000000003");
const fqdn = fc.constantFrom("api.partner.example", "files.contoso.com", "login.example.org");

const caller = fc.record({
  direction: fc.constantFrom("Inbound", "Inbound", "Inbound", "Outbound") as fc.Arbitrary<"Inbound" | "Outbound">,
  sourceIpAddress: fc.option(fc.oneof(ipv4, ipv4, ipv6, fc.constant("10.1.2.3")), { nil: undefined }),
  sourceSubscriptionId: fc.option(subscription, { nil: undefined }),
  destinationFqdn: fc.option(fqdn, { nil: undefined }),
  auth: fc.constantFrom("entra", "sas-or-shared-key", "smb", "unknown") as fc.Arbitrary<CallerSummary["auth"]>,
  requests: fc.integer({ min: 1, max: 1000 }),
});

const existingRules = fc.record({
  prefixes: fc.array(fc.oneof(ipv4.map((a) => `${a}/32`), fc.constantFrom("203.0.0.0/16", "52.1.0.0/24")), { maxLength: 205 }),
  subscriptions: fc.array(subscription, { maxLength: 2 }),
  fqdns: fc.array(fqdn, { maxLength: 2 }),
});

function summary(c: Generated<typeof caller>, i: number): CallerSummary {
  const privateSource = c.sourceIpAddress === "10.1.2.3";
  return {
    serviceResourceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a",
    category: c.direction === "Inbound" ? "NspPublicInboundResourceRulesAllowed" : "NspPublicOutboundResourceRulesAllowed",
    direction: c.direction,
    trafficType: "Public",
    sourceIpAddress: c.sourceIpAddress,
    sourceSubscriptionId: c.sourceSubscriptionId,
    destinationFqdn: c.direction === "Outbound" ? c.destinationFqdn : undefined,
    auth: c.auth,
    trustedService: false,
    viaServiceEndpoint: privateSource && c.direction === "Inbound",
    operations: [`op${i}`],
    requests: c.requests,
    firstSeen: "2026-11-01T00:00:00.000Z",
    lastSeen: "2026-11-02T00:00:00.000Z",
  };
}

function configOf(e: Generated<typeof existingRules>): AccessConfig {
  const rule = (name: string, direction: RuleConfig["direction"], p: Partial<RuleConfig>): RuleConfig => ({ name, direction, addressPrefixes: [], subscriptions: [], serviceTags: [], fullyQualifiedDomainNames: [], perimeterGuids: [], ...p });
  return {
    profileName: "default",
    rules: [rule("ips", "Inbound", { addressPrefixes: e.prefixes }), rule("subs", "Inbound", { subscriptions: e.subscriptions }), rule("out", "Outbound", { fullyQualifiedDomainNames: e.fqdns })],
    links: [],
    serviceTagsHonoured: false,
  };
}

function onlyProposed(rules: readonly ProposedRule[]): AccessConfig {
  return {
    profileName: "default",
    rules: rules.map((r, i) => ({ name: `p${i}`, direction: r.direction, addressPrefixes: r.addressPrefixes, subscriptions: r.subscriptions, serviceTags: [], fullyQualifiedDomainNames: r.fullyQualifiedDomainNames, perimeterGuids: [] })),
    links: [],
    serviceTagsHonoured: false,
  };
}

describe("proposals (property-based)", () => {
  it("admit every fixable caller, and no address outside the proposed prefixes", () => {
    fc.assert(
      fc.property(fc.array(caller, { maxLength: 60 }), existingRules, fc.integer({ min: 16, max: 32 }), fc.boolean(), ipv4, ipv6, (raw, existing, maxPrefixLength, preferSubscriptionRules, probe4, probe6) => {
        const settings = { maxPrefixLength, preferSubscriptionRules };
        const config = configOf(existing);
        // Breaking callers: those the current configuration denies.
        const callers: BreakingCaller[] = raw
          .map(summary)
          .filter((s) => !perimeterVerdict(requestOf(s), config).allowed)
          .map((s) => ({ summary: s, request: s, entry: { direction: s.direction, operations: [...s.operations], requests: s.requests, firstSeen: s.firstSeen, lastSeen: s.lastSeen, ...fixFor(s, settings, "default") } }));
        const rules = proposeForProfile(PROFILE, config, callers, settings);

        // 1. Every caller still fixable is admitted once the proposals are applied.
        const applied: AccessConfig = { ...config, rules: [...config.rules, ...onlyProposed(rules).rules] };
        for (const c of callers) {
          if (c.entry.fix === "none" || c.entry.fix === "link") continue;
          expect(perimeterVerdict(requestOf(c.summary), applied).allowed).toBe(true);
        }

        // 2. Within the limits, counting the existing elements.
        const existingIn = existing.prefixes.length + existing.subscriptions.length;
        const proposedIn = rules.filter((r) => r.direction === "Inbound").reduce((n, r) => n + r.addressPrefixes.length + r.subscriptions.length, 0);
        if (proposedIn > 0) expect(existingIn + proposedIn).toBeLessThanOrEqual(200);

        // 3. No prefix broader than the policy allows; each one holds a fixable caller.
        const prefixes = rules.flatMap((r) => r.addressPrefixes).map((t) => cachedPrefix(t)!);
        const fixableAddresses = callers.filter((c) => c.entry.fix === "ip-rule").map((c) => sourceAddress(c.summary)!);
        for (const p of prefixes) {
          expect(p.length).toBeGreaterThanOrEqual(p.kind === "ipv4" ? maxPrefixLength : IPV6_MAX_PREFIX_LENGTH);
          expect(fixableAddresses.some((a) => addressIn(a, p))).toBe(true);
        }

        // The fewest: one prefix per limit-sized block holding a fixable caller (when none was left out for the limit).
        if (!callers.some((c) => /no room for a rule/.test(c.entry.reason))) {
          expect(prefixes.length).toBe(new Set(fixableAddresses.map((a) => blockKey(a, maxPrefixLength))).size);
        }

        // 4. The proposed rules alone admit an address only if it lies inside the proposed prefixes' union.
        const alone = onlyProposed(rules);
        for (const probe of [probe4, probe6, ...fixableAddresses.map((a) => a.text)]) {
          const address = sourceAddress({ sourceIpAddress: probe })!;
          const admitted = perimeterVerdict({ direction: "Inbound", trafficType: "Public", auth: "unknown", sourceIpAddress: probe }, alone).allowed;
          expect(admitted).toBe(prefixes.some((p) => addressIn(address, p)));
        }

        // 5. Subscriptions and FQDNs proposed are exactly those of callers fixed that way.
        const subs = new Set(callers.filter((c) => c.entry.fix === "subscription-rule").map((c) => c.summary.sourceSubscriptionId));
        expect(new Set(rules.flatMap((r) => r.subscriptions))).toEqual(subs);
        const hosts = new Set(callers.filter((c) => c.entry.fix === "fqdn-rule").map((c) => c.summary.destinationFqdn));
        expect(new Set(rules.flatMap((r) => r.fullyQualifiedDomainNames))).toEqual(hosts);
      }),
      { numRuns: 300, seed: 20261128 },
    );
  });
});
