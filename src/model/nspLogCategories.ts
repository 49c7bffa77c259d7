/**
 * The 13 NSP access log categories of a perimeter's diagnostic settings (DIAG "Access logs
 * categories"; docs/nsp-access-logs.md). The `*Denied` and `*ResourceRules*` ones show what
 * enforcement would break; `allLogs` covers them all.
 */
export const NSP_LOG_CATEGORIES = [
  "NspPublicInboundPerimeterRulesAllowed",
  "NspPublicInboundPerimeterRulesDenied",
  "NspPublicOutboundPerimeterRulesAllowed",
  "NspPublicOutboundPerimeterRulesDenied",
  "NspOutboundAttempt",
  "NspIntraPerimeterInboundAllowed",
  "NspPublicInboundResourceRulesAllowed",
  "NspPublicInboundResourceRulesDenied",
  "NspPublicOutboundResourceRulesAllowed",
  "NspPublicOutboundResourceRulesDenied",
  "NspPrivateInboundAllowed",
  "NspCrossPerimeterInboundAllowed",
  "NspCrossPerimeterOutboundAllowed",
] as const;
export type NspLogCategory = (typeof NSP_LOG_CATEGORIES)[number];
