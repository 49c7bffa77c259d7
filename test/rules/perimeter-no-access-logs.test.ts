import { diagnosticSetting, logAnalyticsWorkspace, perimeter, recase, storageAccount } from "../helpers/builders.js";
import { perimeterDiagnosticSetting } from "../helpers/builders-perimeter.js";
import { ruleTester } from "../helpers/ruleTester.js";

const nsp = perimeter("nsp1");
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
  ],
  passes: [
    { name: "allLogs category group enabled", resources: [nsp, perimeterDiagnosticSetting(nsp, "all", { workspaceId })] },
    {
      name: "one disabled setting beside an enabled one",
      resources: [
        nsp,
        perimeterDiagnosticSetting(nsp, "off", { logs: [{ categoryGroup: "allLogs", enabled: false }], workspaceId }),
        perimeterDiagnosticSetting(nsp, "on", { logs: [{ category: "NspPublicOutboundPerimeterRulesDenied", enabled: true }], workspaceId }),
      ],
    },
    {
      name: "casing variants: re-cased setting id, lower-cased type, enabled as the string \"true\"",
      resources: [nsp, { ...graphSetting, id: recase(graphSetting.id), type: "microsoft.insights/diagnosticsettings" }],
    },
  ],
});
