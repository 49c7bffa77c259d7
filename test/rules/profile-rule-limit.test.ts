import { perimeter, profile, accessRule, recase } from "../helpers/builders.js";
import { graphShaped, profileWithRules } from "../helpers/builders-perimeter.js";
import { ruleTester } from "../helpers/ruleTester.js";

/** `count` distinct public /32 prefixes. */
function prefixes(count: number, base = 20): string[] {
  return Array.from({ length: count }, (_, i) => `${base}.${Math.floor(i / 250)}.${i % 250}.1/32`);
}
function subscriptions(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `00000000-0000-0000-0000-${String(i).padStart(12, "0")}`);
}
function fqdns(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `host${i}.contoso.com`);
}

const near = profileWithRules([{ direction: "Inbound", addressPrefixes: prefixes(181) }]);
const over = profileWithRules([
  { direction: "Inbound", addressPrefixes: prefixes(150) },
  { direction: "Inbound", subscriptions: subscriptions(30) },
  { direction: "Outbound", fullyQualifiedDomainNames: fqdns(21) },
]);
const exactly200 = profileWithRules([
  { direction: "Inbound", addressPrefixes: prefixes(100) },
  { direction: "Inbound", addressPrefixes: prefixes(100, 30) },
]);
// Resource Graph shape: re-cased profile and rule ids, lower-cased types.
const graph = profileWithRules([
  { direction: "Inbound", addressPrefixes: prefixes(120) },
  { direction: "Outbound", fullyQualifiedDomainNames: fqdns(70) },
]);
const graphProfile = { ...graph.profile, id: recase(graph.profile.id), type: graph.profile.type.toLowerCase() };

// Two profiles of 150 each: the limit is per profile.
const nsp = perimeter("nsp1");
const profileA = profile(nsp, "profileA");
const profileB = profile(nsp, "profileB");

ruleTester("profile-rule-limit", {
  fires: [
    {
      name: "181 address prefixes: medium",
      resources: near.resources,
      expect: [{ resourceId: near.profile.id, severity: "medium", messageIncludes: "181 rule elements" }],
    },
    {
      name: "150 prefixes + 30 subscriptions + 21 FQDNs = 201: high",
      resources: over.resources,
      expect: [{ resourceId: over.profile.id, severity: "high", messageIncludes: "201 rule elements (150 address prefixes, 30 subscriptions, 21 FQDNs)" }],
    },
    {
      name: "exactly 200 is not over the hard limit: medium",
      resources: exactly200.resources,
      expect: [{ resourceId: exactly200.profile.id, severity: "medium", messageIncludes: "200 rule elements" }],
    },
    {
      name: "casing variants: Resource Graph shape of profile and rules (190 elements)",
      resources: [graph.nsp, graphProfile, ...graph.accessRules.map(graphShaped)],
      expect: [{ resourceId: graphProfile.id, severity: "medium", messageIncludes: "190 rule elements" }],
    },
  ],
  passes: [
    {
      name: "exactly 180 elements",
      resources: profileWithRules([
        { direction: "Inbound", addressPrefixes: prefixes(170) },
        { direction: "Outbound", fullyQualifiedDomainNames: fqdns(10) },
      ]).resources,
    },
    {
      name: "two profiles of 150 each in one perimeter",
      resources: [
        nsp,
        profileA,
        profileB,
        accessRule(profileA, "a", { direction: "Inbound", addressPrefixes: prefixes(150) }),
        accessRule(profileB, "b", { direction: "Inbound", addressPrefixes: prefixes(150) }),
      ],
    },
    {
      name: "casing variants: Resource Graph shape with 50 elements",
      resources: (() => {
        const p = profileWithRules([{ direction: "inbound", addressPrefixes: prefixes(50) }]);
        return [p.nsp, { ...p.profile, id: recase(p.profile.id) }, ...p.accessRules.map(graphShaped)];
      })(),
    },
  ],
});
