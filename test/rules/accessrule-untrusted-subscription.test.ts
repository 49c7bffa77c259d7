import { OTHER_SUB, SUB } from "../helpers/builders.js";
import { graphShaped, profileWithRules } from "../helpers/builders-perimeter.js";
import { ruleTester } from "../helpers/ruleTester.js";

const THIRD_SUB = "33333333-3333-3333-3333-333333333333";
const trustSub = { trustedSubscriptions: [SUB] };

const untrusted = profileWithRules([{ direction: "Inbound", subscriptions: [OTHER_SUB] }]);
const partly = profileWithRules([{ direction: "Inbound", subscriptions: [SUB.toUpperCase(), THIRD_SUB] }]);
const twoRules = profileWithRules([
  { direction: "Inbound", subscriptions: [OTHER_SUB] },
  { direction: "Inbound", subscriptions: [SUB] },
]);
const graph = profileWithRules([{ direction: "Inbound", subscriptions: [`/SUBSCRIPTIONS/${OTHER_SUB.toUpperCase()}`] }]);
const graphRule = graphShaped(graph.accessRules[0]!);

ruleTester("accessrule-untrusted-subscription", {
  fires: [
    {
      name: "subscription outside trustedSubscriptions",
      resources: untrusted.resources,
      policy: trustSub,
      expect: [{ resourceId: untrusted.accessRules[0]!.id, severity: "medium", messageIncludes: OTHER_SUB }],
    },
    {
      name: "names only the untrusted one of two (trusted one in upper case)",
      resources: partly.resources,
      policy: trustSub,
      expect: [{ resourceId: partly.accessRules[0]!.id, severity: "medium", messageIncludes: `: ${THIRD_SUB}.` }],
    },
    {
      name: "only the rule naming the untrusted subscription fires",
      resources: twoRules.resources,
      policy: { trustedSubscriptions: [`/subscriptions/${SUB}`, THIRD_SUB] },
      expect: [{ resourceId: twoRules.accessRules[0]!.id, severity: "medium", messageIncludes: OTHER_SUB }],
    },
    {
      name: "casing variants: Resource Graph shape, upper-cased /SUBSCRIPTIONS/ id",
      resources: [graph.nsp, graph.profile, graphRule],
      policy: trustSub,
      expect: [{ resourceId: graphRule.id, severity: "medium", messageIncludes: OTHER_SUB }],
    },
  ],
  passes: [
    {
      name: "trustedSubscriptions empty (rule disabled in effect)",
      resources: untrusted.resources,
    },
    {
      name: "every subscription trusted; policy in /subscriptions/ upper-case form, rule in lower case",
      resources: profileWithRules([{ direction: "Inbound", subscriptions: [SUB, OTHER_SUB] }]).resources,
      policy: { trustedSubscriptions: [`/subscriptions/${SUB.toUpperCase()}`, OTHER_SUB.toUpperCase()] },
    },
    {
      name: "outbound rule carrying a subscription",
      resources: profileWithRules([{ direction: "Outbound", subscriptions: [OTHER_SUB], fullyQualifiedDomainNames: ["contoso.com"] }]).resources,
      policy: trustSub,
    },
    {
      name: "casing variants: lower-cased direction, trusted subscription, IP-only rule beside it",
      resources: (() => {
        const p = profileWithRules([
          { direction: "inbound", subscriptions: [SUB.toUpperCase()] },
          { direction: "Inbound", addressPrefixes: ["203.0.113.0/24"] },
        ]);
        return [p.nsp, p.profile, graphShaped(p.accessRules[0]!), p.accessRules[1]!];
      })(),
      policy: trustSub,
    },
  ],
});
