import { OTHER_SUB, SUB, accessRule, cloudEndpoint, recase, storageAccount, storageInPerimeter, storageSyncService } from "../helpers/builders.js";
import { asResourceGraph } from "../helpers/builders-storage-b.js";
import { ruleTester } from "../helpers/ruleTester.js";
import type { ArmResource } from "../../src/model/resource.js";

const noIdentity = storageInPerimeter("stsync1");
const noRule = storageInPerimeter("stsync2");
const otherSubRule = storageInPerimeter("stsync3", { accessMode: "Learning" });
const supported = storageInPerimeter("stsync4");
const recased = storageInPerimeter("stsync5", { accessMode: "enforced" });
const missingService = storageInPerimeter("stsync6");

const allow = (p: ArmResource, ...subscriptions: string[]) => accessRule(p, "allow-sync-sub", { direction: "Inbound", subscriptions });

const serviceWithoutIdentity = storageSyncService("sss-legacy", false);
const serviceWithIdentity = storageSyncService("sss-mi", true);
const serviceInOtherSub = storageSyncService("sss-other", true, { sub: OTHER_SUB });

/** Resource Graph shape: re-cased ids, lower-cased types, stringified boolean. */
const recasedService: ArmResource = (() => {
  const s = asResourceGraph(storageSyncService("sss-rg", true));
  return { ...s, properties: { ...s.properties, useIdentity: "true" } };
})();
const recasedEndpoint: ArmResource = (() => {
  const e = asResourceGraph(cloudEndpoint(storageSyncService("sss-rg", true), "group1", "ce1", recased.account));
  return { ...e, properties: { ...e.properties, storageAccountResourceId: recase(recased.account.id) } };
})();

ruleTester("storage-file-sync", {
  fires: [
    {
      name: "sync service without managed identity (subscription allowed)",
      resources: [...noIdentity.resources, allow(noIdentity.profile, SUB), serviceWithoutIdentity, cloudEndpoint(serviceWithoutIdentity, "group1", "ce1", noIdentity.account)],
      expect: [{ resourceId: noIdentity.account.id, severity: "high", messageIncludes: "useIdentity=false" }],
    },
    {
      name: "managed identity but no inbound subscription rule",
      resources: [...noRule.resources, serviceWithIdentity, cloudEndpoint(serviceWithIdentity, "group1", "ce1", noRule.account)],
      expect: [{ resourceId: noRule.account.id, severity: "high", messageIncludes: SUB }],
    },
    {
      name: "subscription rule for the account's subscription, not the sync service's (Learning mode)",
      resources: [...otherSubRule.resources, allow(otherSubRule.profile, SUB), serviceInOtherSub, cloudEndpoint(serviceInOtherSub, "group1", "ce1", otherSubRule.account)],
      expect: [{ resourceId: otherSubRule.account.id, severity: "high", messageIncludes: OTHER_SUB }],
    },
    {
      name: "sync service missing from the inventory",
      resources: [...missingService.resources, allow(missingService.profile, SUB), cloudEndpoint(storageSyncService("sss-gone", true), "group1", "ce1", missingService.account)],
      expect: [{ resourceId: missingService.account.id, severity: "high", messageIncludes: "sss-gone" }],
    },
    {
      name: "managed identity and subscription allowed: still not fully supported",
      resources: [...supported.resources, allow(supported.profile, `/subscriptions/${OTHER_SUB}`), serviceInOtherSub, cloudEndpoint(serviceInOtherSub, "group1", "ce1", supported.account)],
      expect: [{ resourceId: supported.account.id, severity: "low", messageIncludes: "sss-other" }],
    },
    {
      name: "casing variants: re-cased ids, lower-cased types, \"true\" string, upper-case subscription",
      resources: [...recased.resources, allow(recased.profile, SUB.toUpperCase()), recasedService, recasedEndpoint],
      expect: [{ resourceId: recased.account.id, severity: "low", messageIncludes: "sss-rg" }],
    },
  ],
  passes: [
    {
      name: "no cloud endpoint on the account",
      resources: [...noIdentity.resources, serviceWithoutIdentity],
    },
    {
      name: "cloud endpoint on another account whose name shares a prefix",
      resources: [...noIdentity.resources, storageAccount("stsync10"), serviceWithoutIdentity, cloudEndpoint(serviceWithoutIdentity, "group1", "ce1", storageAccount("stsync10"))],
    },
    {
      name: "cloud endpoint on an account outside any perimeter",
      resources: [...noRule.resources, storageAccount("stoutside"), serviceWithoutIdentity, cloudEndpoint(serviceWithoutIdentity, "group1", "ce1", storageAccount("stoutside"))],
    },
  ],
});
