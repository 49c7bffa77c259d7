import { graphShaped, profileWithRules } from "../helpers/builders-perimeter.js";
import { ruleTester } from "../helpers/ruleTester.js";

const blobWildcard = profileWithRules([{ direction: "Outbound", fullyQualifiedDomainNames: ["*.blob.core.windows.net"] }]);
const mixed = profileWithRules([{ direction: "Outbound", fullyQualifiedDomainNames: ["api.contoso.com", "login.*.contoso.com", "*"] }]);
const graph = profileWithRules([{ direction: "Outbound", fullyQualifiedDomainNames: ["*.Contoso.com"] }]);
const graphRule = graphShaped(graph.accessRules[0]!);

ruleTester("accessrule-outbound-wildcard", {
  fires: [
    {
      name: "leading wildcard on a shared Azure domain",
      resources: blobWildcard.resources,
      expect: [{ resourceId: blobWildcard.accessRules[0]!.id, severity: "high", messageIncludes: "*.blob.core.windows.net" }],
    },
    {
      name: "names only the wildcard entries, including a lone *",
      resources: mixed.resources,
      expect: [{ resourceId: mixed.accessRules[0]!.id, severity: "high", messageIncludes: "login.*.contoso.com, *." }],
    },
    {
      name: "casing variants: Resource Graph shape (lower-cased direction)",
      resources: [graph.nsp, graph.profile, graphRule],
      expect: [{ resourceId: graphRule.id, severity: "high", messageIncludes: "*.Contoso.com" }],
    },
  ],
  passes: [
    {
      name: "exact FQDNs",
      resources: profileWithRules([{ direction: "Outbound", fullyQualifiedDomainNames: ["paasrp1.contoso.org", "mystorage.blob.core.windows.net"] }]).resources,
    },
    {
      name: "inbound rule (FQDN rules are outbound only)",
      resources: profileWithRules([{ direction: "Inbound", addressPrefixes: ["203.0.113.0/24"], fullyQualifiedDomainNames: ["*.contoso.com"] }]).resources,
    },
    {
      name: "casing variants: upper-cased direction, exact FQDN",
      resources: (() => {
        const p = profileWithRules([{ direction: "OUTBOUND", fullyQualifiedDomainNames: ["API.Contoso.com"] }]);
        return [p.nsp, p.profile, graphShaped(p.accessRules[0]!)];
      })(),
    },
  ],
});
