import { keyVault, recase, storageAccount, storageInPerimeter } from "../helpers/builders.js";
import { armResource } from "../helpers/builders-association.js";
import { associableType, eventHubNamespace, serviceBusNamespace } from "../helpers/builders-services.js";
import { ruleTester } from "../helpers/ruleTester.js";

const lockedAccount = storageAccount("stlocked"); // builders default: SecuredByPerimeter
const lockedBus = serviceBusNamespace("sb-locked");
const hubFromGraph = (() => {
  const hub = eventHubNamespace("eh-locked", { publicNetworkAccess: "securedbyperimeter" });
  return { ...hub, id: recase(hub.id), type: hub.type.toLowerCase() };
})();
/** A type only the live onboarded list names. */
const containerApp = armResource("Microsoft.App/containerApps", "ca-locked", { publicNetworkAccess: "SecuredByPerimeter" });

ruleTester("member-secured-unassociated", {
  fires: [
    {
      name: "storage account SecuredByPerimeter with no association",
      resources: [lockedAccount, ...storageInPerimeter("stassociated").resources],
      expect: [{ resourceId: lockedAccount.id, severity: "high", messageIncludes: "locked down" }],
    },
    {
      name: "Service Bus namespace (onboarded since 2026-04) with no association, no perimeter in the estate at all",
      resources: [lockedBus],
      expect: [{ resourceId: lockedBus.id, severity: "high", messageIncludes: "sb-locked" }],
    },
    {
      name: "casing variants: Event Hubs namespace from Resource Graph, \"securedbyperimeter\"",
      resources: [hubFromGraph],
      expect: [{ resourceId: hubFromGraph.id, severity: "high", messageIncludes: "eh-locked" }],
    },
    {
      name: "a type only the live onboarded list names",
      resources: [containerApp, associableType("Microsoft.App/containerApps", "GA")],
      expect: [{ resourceId: containerApp.id, severity: "high", messageIncludes: "ca-locked" }],
    },
  ],
  passes: [
    { name: "SecuredByPerimeter and associated", resources: storageInPerimeter("stok").resources },
    { name: "public access Disabled, no association", resources: [keyVault("kv-private")] },
    { name: "not an onboarded type", resources: [armResource("Microsoft.Web/sites", "app1", { publicNetworkAccess: "SecuredByPerimeter" })] },
    {
      name: "associated through a re-cased member id",
      resources: (() => {
        const s = storageInPerimeter("stcased");
        const a = s.association;
        return [s.nsp, s.profile, s.account, { ...a, properties: { ...a.properties, privateLinkResource: { id: recase(s.account.id) } } }];
      })(),
    },
  ],
});
