import { diagnosticSetting, keyVault, logAnalyticsWorkspace, recase, storageInPerimeter } from "../helpers/builders.js";
import { associate, eventHubAuthorizationRuleId } from "../helpers/builders-perimeter.js";
import { eventHubNamespace } from "../helpers/builders-services.js";
import { ruleTester } from "../helpers/ruleTester.js";

const law = logAnalyticsWorkspace("law-central");
const hub = eventHubNamespace("ehns-logs", {}, { rg: "rg-logs" });
const logs = [{ categoryGroup: "allLogs", enabled: true }];

const toOutsideWorkspace = storageInPerimeter("stlogs1");
const blobSetting = diagnosticSetting({ ...toOutsideWorkspace.account, id: `${toOutsideWorkspace.account.id}/blobServices/default` }, "blob-logs", { workspaceId: law.id, logs });

const vaultMember = (() => {
  const s = storageInPerimeter("stlogs2");
  const vault = keyVault("kv-logs");
  return { ...s, vault, resources: [...s.resources, vault, associate(s.nsp, s.profile, vault)] };
})();

const inside = (() => {
  const s = storageInPerimeter("stlogs3");
  return { ...s, resources: [...s.resources, law, associate(s.nsp, s.profile, law), diagnosticSetting(s.account, "account-logs", { workspaceId: recase(law.id), logs })] };
})();

ruleTester("member-logs-outside", {
  fires: [
    {
      name: "a storage account's blob service logs to a workspace in no perimeter",
      resources: [...toOutsideWorkspace.resources, law, blobSetting],
      expect: [{ resourceId: toOutsideWorkspace.account.id, severity: "medium", messageIncludes: "law-central" }],
    },
    {
      name: "casing variants: a Key Vault member logs to an Event Hub (authorization rule id, re-cased setting id)",
      resources: [
        ...vaultMember.resources,
        hub,
        (() => {
          const d = diagnosticSetting(vaultMember.vault, "kv-audit", { eventHubAuthorizationRuleId: eventHubAuthorizationRuleId(hub), eventHubName: "audit", logs });
          return { ...d, id: recase(d.id), type: d.type.toLowerCase() };
        })(),
      ],
      expect: [{ resourceId: vaultMember.vault.id, severity: "medium", messageIncludes: "Event Hub namespace ehns-logs" }],
    },
  ],
  passes: [
    { name: "the destination is associated with the member's perimeter (re-cased workspace id)", resources: inside.resources },
    { name: "a member without diagnostic settings", resources: storageInPerimeter("stlogs4").resources },
    {
      name: "a setting on a resource outside any perimeter",
      resources: [...storageInPerimeter("stlogs5").resources, law, diagnosticSetting(keyVault("kv-free"), "free", { workspaceId: law.id, logs })],
    },
  ],
});
