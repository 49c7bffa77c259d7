import type { ArmResource } from "../../src/model/resource.js";
import { graphShaped, profileWithRules } from "../helpers/builders-perimeter.js";
import { ruleTester } from "../helpers/ruleTester.js";

const mixed = profileWithRules([{ direction: "Inbound", addressPrefixes: ["1.2.3.4/33", "10.0.0.0/8", "bogus"] }]);
const lookalikes = profileWithRules([{ direction: "Inbound", addressPrefixes: ["10/8", "010.0.0.0/8", " 203.0.113.0/24", "fe80::1%eth0/64"] }]);
const nonString = profileWithRules([{ direction: "Inbound", addressPrefixes: ["203.0.113.0/24"] }]);
const nonStringRule: ArmResource = {
  ...nonString.accessRules[0]!,
  properties: { ...nonString.accessRules[0]!.properties, addressPrefixes: ["203.0.113.0/24", 42] },
};
const twoRules = profileWithRules([
  { direction: "Inbound", addressPrefixes: ["203.0.113.0-203.0.113.255"] },
  { direction: "Inbound", addressPrefixes: ["2001:db8::/129"] },
]);
const graph = profileWithRules([{ direction: "Inbound", addressPrefixes: ["myhost.contoso.com"] }]);
const graphRule = graphShaped(graph.accessRules[0]!);

ruleTester("accessrule-invalid-prefix", {
  fires: [
    {
      name: "one finding per rule listing the bad values only",
      resources: mixed.resources,
      expect: [{ resourceId: mixed.accessRules[0]!.id, severity: "medium", messageIncludes: '"1.2.3.4/33", "bogus"' }],
    },
    {
      name: "look-alikes ipaddr.js alone would accept (short form, octal, whitespace, zone id)",
      resources: lookalikes.resources,
      expect: [{ resourceId: lookalikes.accessRules[0]!.id, severity: "medium", messageIncludes: '"10/8", "010.0.0.0/8", " 203.0.113.0/24"' }],
    },
    {
      name: "a non-string entry",
      resources: [nonString.nsp, nonString.profile, nonStringRule],
      expect: [{ resourceId: nonStringRule.id, severity: "medium", messageIncludes: "42" }],
    },
    {
      name: "a range written a-b and an IPv6 /129, in two rules",
      resources: twoRules.resources,
      expect: [
        { resourceId: twoRules.accessRules[0]!.id, severity: "medium", messageIncludes: "203.0.113.0-203.0.113.255" },
        { resourceId: twoRules.accessRules[1]!.id, severity: "medium", messageIncludes: "2001:db8::/129" },
      ],
    },
    {
      name: "casing variants: Resource Graph shape",
      resources: [graph.nsp, graph.profile, graphRule],
      expect: [{ resourceId: graphRule.id, severity: "medium", messageIncludes: "myhost.contoso.com" }],
    },
  ],
  passes: [
    {
      name: "bare addresses (read as /32 and /128) and IPv6 prefixes",
      resources: profileWithRules([{ direction: "Inbound", addressPrefixes: ["203.0.113.7", "2001:db8::1", "2001:DB8:ABCD::/48"] }]).resources,
    },
    {
      name: "host bits set still parse as a prefix",
      resources: profileWithRules([{ direction: "Inbound", addressPrefixes: ["10.1.2.3/8", "0.0.0.0/0"] }]).resources,
    },
    {
      name: "outbound rule (prefixes are an inbound concept)",
      resources: profileWithRules([{ direction: "Outbound", addressPrefixes: ["bogus"], fullyQualifiedDomainNames: ["contoso.com"] }]).resources,
    },
    {
      name: "casing variants: lower-cased direction, subscription rule without prefixes",
      resources: (() => {
        const p = profileWithRules([{ direction: "inbound", subscriptions: ["33333333-3333-3333-3333-333333333333"] }]);
        return [p.nsp, p.profile, graphShaped(p.accessRules[0]!)];
      })(),
    },
  ],
});
