import { graphShaped, profileWithRules } from "../helpers/builders-perimeter.js";
import { ruleTester } from "../helpers/ruleTester.js";

const openV4 = profileWithRules([{ direction: "Inbound", addressPrefixes: ["0.0.0.0/0"] }]);
const twoHalves = profileWithRules([
  { direction: "Inbound", addressPrefixes: ["0.0.0.0/1"] },
  { direction: "Inbound", addressPrefixes: ["128.0.0.0/1"] },
]);
// Disjoint quarters: exactly 2^31 addresses together.
const twoQuarters = profileWithRules([
  { direction: "Inbound", addressPrefixes: ["0.0.0.0/2"] },
  { direction: "Inbound", addressPrefixes: ["64.0.0.0/2"] },
]);
// Overlapping prefixes: the sum is 2.5 * 2^30 but the union only 2^30, so no escalation.
const overlapping = profileWithRules([
  { direction: "Inbound", addressPrefixes: ["0.0.0.0/2", "32.0.0.0/3"] },
  { direction: "Inbound", addressPrefixes: ["0.0.0.0/2"] },
]);
const slash8 = profileWithRules([{ direction: "Inbound", addressPrefixes: ["20.0.0.0/8", "198.51.100.0/24"] }]);
const openV6 = profileWithRules([{ direction: "Inbound", addressPrefixes: ["::/0"] }]);
const broadV6 = profileWithRules([{ direction: "Inbound", addressPrefixes: ["2001::/16"] }]);
// One open rule beside a narrow one: only the open rule is flagged.
const openBesideNarrow = profileWithRules([
  { direction: "Inbound", addressPrefixes: ["0.0.0.0/0"] },
  { direction: "Inbound", addressPrefixes: ["203.0.113.0/24"] },
]);
const graph = profileWithRules([{ direction: "Inbound", addressPrefixes: ["20.0.0.0/12"] }]);
const graphRule = graphShaped(graph.accessRules[0]!);

ruleTester("accessrule-broad-inbound", {
  fires: [
    {
      name: "0.0.0.0/0: critical",
      resources: openV4.resources,
      expect: [{ resourceId: openV4.accessRules[0]!.id, severity: "critical", messageIncludes: "0.0.0.0/0" }],
    },
    {
      name: "0.0.0.0/1 + 128.0.0.0/1 in two rules: both critical",
      resources: twoHalves.resources,
      expect: [
        { resourceId: twoHalves.accessRules[0]!.id, severity: "critical", messageIncludes: "4,294,967,296" },
        { resourceId: twoHalves.accessRules[1]!.id, severity: "critical", messageIncludes: "128.0.0.0/1" },
      ],
    },
    {
      name: "two disjoint /2 reach exactly 2^31: critical",
      resources: twoQuarters.resources,
      expect: [
        { resourceId: twoQuarters.accessRules[0]!.id, severity: "critical", messageIncludes: "2,147,483,648" },
        { resourceId: twoQuarters.accessRules[1]!.id, severity: "critical", messageIncludes: "64.0.0.0/2" },
      ],
    },
    {
      name: "overlapping prefixes count once (union, not sum): high",
      resources: overlapping.resources,
      expect: [
        { resourceId: overlapping.accessRules[0]!.id, severity: "high", messageIncludes: "32.0.0.0/3" },
        { resourceId: overlapping.accessRules[1]!.id, severity: "high", messageIncludes: "0.0.0.0/2" },
      ],
    },
    {
      name: "IPv4 /8: high, names only the broad prefix",
      resources: slash8.resources,
      expect: [{ resourceId: slash8.accessRules[0]!.id, severity: "high", messageIncludes: "20.0.0.0/8" }],
    },
    {
      name: "IPv6 ::/0: critical",
      resources: openV6.resources,
      expect: [{ resourceId: openV6.accessRules[0]!.id, severity: "critical", messageIncludes: "::/0" }],
    },
    {
      name: "IPv6 /16: high",
      resources: broadV6.resources,
      expect: [{ resourceId: broadV6.accessRules[0]!.id, severity: "high", messageIncludes: "2001::/16" }],
    },
    {
      name: "open rule beside a narrow one: only the open rule fires",
      resources: openBesideNarrow.resources,
      expect: [{ resourceId: openBesideNarrow.accessRules[0]!.id, severity: "critical" }],
    },
    {
      name: "casing variants: Resource Graph shape (re-cased id, lower-cased type and direction)",
      resources: [graph.nsp, graph.profile, graphRule],
      expect: [{ resourceId: graphRule.id, severity: "high", messageIncludes: "20.0.0.0/12" }],
    },
  ],
  passes: [
    {
      name: "exactly /16 and IPv6 exactly /32",
      resources: profileWithRules([{ direction: "Inbound", addressPrefixes: ["20.1.0.0/16", "2001:db8::/32", "198.51.100.7"] }]).resources,
    },
    {
      name: "outbound rule carrying 0.0.0.0/0 (not an inbound rule)",
      resources: profileWithRules([{ direction: "Outbound", addressPrefixes: ["0.0.0.0/0"], fullyQualifiedDomainNames: ["contoso.com"] }]).resources,
    },
    {
      name: "invalid prefixes are skipped, not read as broad",
      resources: profileWithRules([{ direction: "Inbound", addressPrefixes: ["0.0.0.0/abc", "10/8", "bogus"] }]).resources,
    },
    {
      name: "casing variants: lower-cased direction with a narrow prefix",
      resources: (() => {
        const p = profileWithRules([{ direction: "inbound", addressPrefixes: ["203.0.113.0/24"] }]);
        return [p.nsp, p.profile, graphShaped(p.accessRules[0]!)];
      })(),
    },
  ],
});
