import { graphShaped, profileWithRules } from "../helpers/builders-perimeter.js";
import { ruleTester } from "../helpers/ruleTester.js";

const rfc1918 = profileWithRules([{ direction: "Inbound", addressPrefixes: ["10.1.0.0/16", "203.0.113.0/24"] }]);
const bare = profileWithRules([{ direction: "Inbound", addressPrefixes: ["192.168.1.5", "172.31.255.0/24"] }]);
const reserved = profileWithRules([{ direction: "Inbound", addressPrefixes: ["100.64.0.0/10", "127.0.0.1/32", "169.254.169.254"] }]);
const ipv6 = profileWithRules([{ direction: "Inbound", addressPrefixes: ["fd12:3456::/48", "fe80::1"] }]);
const graph = profileWithRules([{ direction: "Inbound", addressPrefixes: ["10.0.0.0/8"] }]);
const graphRule = graphShaped(graph.accessRules[0]!);

ruleTester("accessrule-private-inbound", {
  fires: [
    {
      name: "RFC 1918 prefix beside a public one",
      resources: rfc1918.resources,
      expect: [{ resourceId: rfc1918.accessRules[0]!.id, severity: "low", messageIncludes: "10.1.0.0/16 (in 10.0.0.0/8)" }],
    },
    {
      name: "bare private address and the top of 172.16/12",
      resources: bare.resources,
      expect: [{ resourceId: bare.accessRules[0]!.id, severity: "low", messageIncludes: "172.31.255.0/24" }],
    },
    {
      name: "shared, loopback and link-local space",
      resources: reserved.resources,
      expect: [{ resourceId: reserved.accessRules[0]!.id, severity: "low", messageIncludes: "169.254.169.254 (in 169.254.0.0/16)" }],
    },
    {
      name: "IPv6 unique-local and link-local",
      resources: ipv6.resources,
      expect: [{ resourceId: ipv6.accessRules[0]!.id, severity: "low", messageIncludes: "fe80::1" }],
    },
    {
      name: "casing variants: Resource Graph shape",
      resources: [graph.nsp, graph.profile, graphRule],
      expect: [{ resourceId: graphRule.id, severity: "low", messageIncludes: "10.0.0.0/8" }],
    },
  ],
  passes: [
    {
      name: "a broad prefix that merely contains private space (only prefixes fully inside count)",
      resources: profileWithRules([{ direction: "Inbound", addressPrefixes: ["0.0.0.0/0", "::/0", "8.0.0.0/6"] }]).resources,
    },
    {
      name: "just outside the ranges: 172.32/16, 100.128/10, 192.169/16, fec0::/10",
      resources: profileWithRules([{ direction: "Inbound", addressPrefixes: ["172.32.0.0/16", "100.128.0.0/10", "192.169.0.0/16", "fec0::/10"] }]).resources,
    },
    {
      name: "outbound rule with private prefixes",
      resources: profileWithRules([{ direction: "Outbound", addressPrefixes: ["10.0.0.0/8"] }]).resources,
    },
    {
      name: "casing variants: lower-cased direction, public addresses",
      resources: (() => {
        const p = profileWithRules([{ direction: "INBOUND", addressPrefixes: ["8.8.8.8", "2001:db8::/32"] }]);
        return [p.nsp, p.profile, graphShaped(p.accessRules[0]!)];
      })(),
    },
  ],
});
