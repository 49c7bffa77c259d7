import { diagnosticSetting, logAnalyticsWorkspace, perimeter, recase, storageAccount } from "../helpers/builders.js";
import { perimeterDiagnosticSetting } from "../helpers/builders-perimeter.js";
import { ruleTester } from "../helpers/ruleTester.js";

const nsp = perimeter("nsp1");
/** The categories that show what enforcement would break (DIAG). */
const EVIDENCE = [
  "NspPublicInboundPerimeterRulesDenied",
  "NspPublicOutboundPerimeterRulesDenied",
  "NspPublicInboundResourceRulesAllowed",
  "NspPublicInboundResourceRulesDenied",
  "NspPublicOutboundResourceRulesAllowed",
  "NspPublicOutboundResourceRulesDenied",
];
const workspaceId = logAnalyticsWorkspace("law1").id;
const account = storageAccount("stapp1");

const graphSetting = perimeterDiagnosticSetting(nsp, "nsp-logs", {
  logs: [{ category: "NspPublicInboundPerimeterRulesDenied", enabled: "true" }],
  workspaceId,
});

ruleTester("perimeter-no-access-logs", {
  fires: [
    {
      name: "no diagnostic setting at all",
      resources: [nsp],
      expect: [{ resourceId: nsp.id, severity: "medium", messageIncludes: "no diagnostic setting" }],
    },
    {
      name: "metrics only",
      resources: [nsp, perimeterDiagnosticSetting(nsp, "metrics-only", { logs: [], metrics: [{ category: "AllMetrics", enabled: true }], workspaceId })],
      expect: [{ resourceId: nsp.id, severity: "medium", messageIncludes: "metrics-only (metrics only)" }],
    },
    {
      name: "every log category disabled",
      resources: [
        nsp,
        perimeterDiagnosticSetting(nsp, "off", {
          logs: [{ categoryGroup: "allLogs", enabled: false }, { category: "NspPublicInboundPerimeterRulesAllowed", enabled: "False" }],
          workspaceId,
        }),
      ],
      expect: [{ resourceId: nsp.id, severity: "medium", messageIncludes: "off (all log categories disabled)" }],
    },
    {
      name: "an enabled entry naming neither category nor category group",
      resources: [nsp, perimeterDiagnosticSetting(nsp, "unnamed", { logs: [{ enabled: true }], workspaceId })],
      expect: [{ resourceId: nsp.id, severity: "medium", messageIncludes: "unnamed" }],
    },
    {
      name: "logs enabled on a member resource, not on the perimeter (casing variants on the perimeter id)",
      resources: [
        { ...nsp, id: recase(nsp.id), type: "microsoft.network/networksecurityperimeters" },
        account,
        diagnosticSetting(account, "account-logs", { logs: [{ categoryGroup: "allLogs", enabled: true }], workspaceId }),
      ],
      expect: [{ resourceId: recase(nsp.id), severity: "medium", messageIncludes: "no diagnostic setting" }],
    },
    {
      name: "one irrelevant category enabled (not an NSP access log category; previously passed): medium",
      resources: [nsp, perimeterDiagnosticSetting(nsp, "audit-only", { logs: [{ category: "AuditEvent", enabled: true }], workspaceId })],
      expect: [{ resourceId: nsp.id, severity: "medium", messageIncludes: "only AuditEvent" }],
    },
    {
      name: "only NspPublicInboundPerimeterRulesDenied (casing variants: re-cased id, \"true\"): low, misses the other evidence categories",
      resources: [nsp, { ...graphSetting, id: recase(graphSetting.id), type: "microsoft.insights/diagnosticsettings" }],
      expect: [{ resourceId: nsp.id, severity: "low", messageIncludes: "NspPublicOutboundPerimeterRulesDenied" }],
    },
    {
      name: "allowed categories only: low",
      resources: [nsp, perimeterDiagnosticSetting(nsp, "allowed", { logs: [{ category: "NspPublicInboundPerimeterRulesAllowed", enabled: true }], workspaceId })],
      expect: [{ resourceId: nsp.id, severity: "low", messageIncludes: "NspPublicInboundPerimeterRulesDenied" }],
    },
  ],
  passes: [
    { name: "allLogs category group enabled", resources: [nsp, perimeterDiagnosticSetting(nsp, "all", { workspaceId })] },
    {
      name: "one disabled setting beside an enabled allLogs one",
      resources: [
        nsp,
        perimeterDiagnosticSetting(nsp, "off", { logs: [{ category: "NspOutboundAttempt", enabled: false }], workspaceId }),
        perimeterDiagnosticSetting(nsp, "on", { logs: [{ categoryGroup: "allLogs", enabled: true }], workspaceId }),
      ],
    },
    {
      name: "every *Denied and *ResourceRules* category, spread over two settings (casing variants: lower-cased names, \"true\")",
      resources: [
        nsp,
        perimeterDiagnosticSetting(nsp, "denied", { logs: EVIDENCE.filter((c) => c.endsWith("Denied")).map((category) => ({ category: category.toLowerCase(), enabled: "true" })), workspaceId }),
        { ...perimeterDiagnosticSetting(nsp, "resource-rules", { logs: EVIDENCE.map((category) => ({ category, enabled: true })), workspaceId }), type: "microsoft.insights/diagnosticsettings" },
      ],
    },
  ],
});
