import { logAnalyticsWorkspace, perimeter, profile, recase, storageAccount } from "../helpers/builders.js";
import { associate, eventHubAuthorizationRuleId, perimeterDiagnosticSetting } from "../helpers/builders-perimeter.js";
import { eventHubNamespace } from "../helpers/builders-services.js";
import { ruleTester } from "../helpers/ruleTester.js";

const nsp = perimeter("nsp1");
const prof = profile(nsp);
const otherNsp = perimeter("nsp2");
const otherProf = profile(otherNsp);

const workspace = logAnalyticsWorkspace("law1");
const logStore = storageAccount("stlogs", {}, { rg: "rg-logs" });
const hub = eventHubNamespace("ehns-logs", {}, { rg: "rg-logs" });

const base = [nsp, prof, otherNsp, otherProf, workspace, logStore, hub];

ruleTester("perimeter-logs-outside", {
  fires: [
    {
      name: "workspace in no perimeter",
      resources: [...base, perimeterDiagnosticSetting(nsp, "nsp-logs", { workspaceId: workspace.id })],
      expect: [{ resourceId: nsp.id, severity: "low", messageIncludes: "Log Analytics workspace law1 (from nsp-logs; in no perimeter)" }],
    },
    {
      name: "storage destination associated with another perimeter",
      resources: [
        ...base,
        associate(otherNsp, otherProf, logStore),
        perimeterDiagnosticSetting(nsp, "archive", { storageAccountId: logStore.id }),
      ],
      expect: [{ resourceId: nsp.id, severity: "low", messageIncludes: "storage account stlogs (from archive; associated with nsp2 only)" }],
    },
    {
      name: "Event Hub namespace derived from the authorization rule id",
      resources: [...base, perimeterDiagnosticSetting(nsp, "stream", { eventHubAuthorizationRuleId: eventHubAuthorizationRuleId(hub) })],
      expect: [{ resourceId: nsp.id, severity: "low", messageIncludes: "Event Hub namespace ehns-logs" }],
    },
    {
      name: "one finding naming only the outside destinations of several settings",
      resources: [
        ...base,
        associate(nsp, prof, workspace),
        perimeterDiagnosticSetting(nsp, "a", { workspaceId: workspace.id, storageAccountId: logStore.id }),
        perimeterDiagnosticSetting(nsp, "b", { storageAccountId: logStore.id }),
      ],
      expect: [{ resourceId: nsp.id, severity: "low", messageIncludes: "destination(s) not associated with it: storage account stlogs (from a, b; in no perimeter)." }],
    },
    {
      name: "casing variants: re-cased perimeter id and Event Hub rule id",
      resources: [
        { ...nsp, id: recase(nsp.id) },
        prof,
        hub,
        perimeterDiagnosticSetting(nsp, "stream", { eventHubAuthorizationRuleId: recase(eventHubAuthorizationRuleId(hub)).replace("authorizationrules", "AuthorizationRules") }),
      ],
      expect: [{ resourceId: recase(nsp.id), severity: "low", messageIncludes: "ehns-logs" }],
    },
  ],
  passes: [
    {
      name: "all three destinations associated with the same perimeter",
      resources: [
        ...base,
        associate(nsp, prof, workspace),
        associate(nsp, prof, logStore),
        associate(nsp, prof, hub),
        perimeterDiagnosticSetting(nsp, "all", {
          workspaceId: workspace.id,
          storageAccountId: logStore.id,
          eventHubAuthorizationRuleId: eventHubAuthorizationRuleId(hub),
        }),
      ],
    },
    {
      name: "no diagnostic setting (perimeter-no-access-logs covers it)",
      resources: base,
    },
    {
      name: "destination in this perimeter and another one",
      resources: [
        ...base,
        associate(otherNsp, otherProf, workspace, "assoc-law1-nsp2"),
        associate(nsp, prof, workspace),
        perimeterDiagnosticSetting(nsp, "nsp-logs", { workspaceId: workspace.id }),
      ],
    },
    {
      name: "casing variants: destination ids re-cased as Resource Graph emits them",
      resources: [
        ...base,
        associate(nsp, prof, workspace),
        associate(nsp, prof, hub),
        perimeterDiagnosticSetting(nsp, "nsp-logs", {
          workspaceId: recase(workspace.id).toLowerCase(),
          eventHubAuthorizationRuleId: recase(eventHubAuthorizationRuleId(hub)),
        }),
      ],
    },
  ],
});
