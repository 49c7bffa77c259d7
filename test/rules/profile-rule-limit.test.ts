import { perimeter, profile, accessRule, recase } from "../helpers/builders.js";
import { graphShaped, profileWithRules } from "../helpers/builders-perimeter.js";
import { ruleTester } from "../helpers/ruleTester.js";
import type { ArmResource } from "../../src/model/resource.js";

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

/** An access rule with inbound service tags (the builders' rules carry `serviceTags: []`). */
function withServiceTags(rule: ArmResource, tags: string[]): ArmResource {
  return { ...rule, properties: { ...rule.properties, serviceTags: tags } };
}
/** An outbound rule with email addresses (an outbound element kind of the NSP spec). */
function withEmails(rule: ArmResource, emails: string[]): ArmResource {
  return { ...rule, properties: { ...rule.properties, emailAddresses: emails } };
}

const near = profileWithRules([{ direction: "Inbound", addressPrefixes: prefixes(181) }]);
const overInbound = (() => {
  const p = profileWithRules([
    { direction: "Inbound", addressPrefixes: prefixes(150) },
    { direction: "Inbound", subscriptions: subscriptions(30) },
    { direction: "Inbound", name: "tags" },
  ]);
  const tags = withServiceTags(p.accessRules[2]!, Array.from({ length: 21 }, (_, i) => `Storage.Region${i}`));
  return { ...p, resources: [p.nsp, p.profile, p.accessRules[0]!, p.accessRules[1]!, tags] };
})();
const exactly200 = profileWithRules([
  { direction: "Inbound", addressPrefixes: prefixes(100) },
  { direction: "Inbound", addressPrefixes: prefixes(100, 30) },
]);
const overOutbound = (() => {
  const p = profileWithRules([{ direction: "Outbound", fullyQualifiedDomainNames: fqdns(195) }]);
  return { ...p, resources: [p.nsp, p.profile, withEmails(p.accessRules[0]!, ["a@contoso.com", "b@contoso.com", "c@contoso.com", "d@contoso.com", "e@contoso.com", "f@contoso.com"])] };
})();
// Resource Graph shape: re-cased profile and rule ids, lower-cased types.
const graph = profileWithRules([
  { direction: "Inbound", addressPrefixes: prefixes(185) },
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
      name: "181 inbound address prefixes: medium",
      resources: near.resources,
      expect: [{ resourceId: near.profile.id, severity: "medium", messageIncludes: "181 inbound rule elements" }],
    },
    {
      name: "150 prefixes + 30 subscriptions + 21 service tags = 201 inbound: high",
      resources: overInbound.resources,
      expect: [{ resourceId: overInbound.profile.id, severity: "high", messageIncludes: "201 inbound rule elements (150 address prefixes, 30 subscriptions, 21 service tags, 0 perimeters)" }],
    },
    {
      name: "exactly 200 inbound is not over the hard limit: medium",
      resources: exactly200.resources,
      expect: [{ resourceId: exactly200.profile.id, severity: "medium", messageIncludes: "200 inbound rule elements" }],
    },
    {
      name: "195 FQDNs + 6 email addresses = 201 outbound: high",
      resources: overOutbound.resources,
      expect: [{ resourceId: overOutbound.profile.id, severity: "high", messageIncludes: "201 outbound rule elements (195 FQDNs, 6 email addresses" }],
    },
    {
      name: "casing variants: Resource Graph shape of profile and rules (185 inbound, 70 outbound)",
      resources: [graph.nsp, graphProfile, ...graph.accessRules.map(graphShaped)],
      expect: [{ resourceId: graphProfile.id, severity: "medium", messageIncludes: "185 inbound rule elements" }],
    },
  ],
  passes: [
    {
      name: "150 inbound and 150 outbound: 300 in all, but the limit is per direction (previous false high)",
      resources: profileWithRules([
        { direction: "Inbound", addressPrefixes: prefixes(150) },
        { direction: "Outbound", fullyQualifiedDomainNames: fqdns(150) },
      ]).resources,
    },
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
