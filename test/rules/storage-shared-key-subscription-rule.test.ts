import { accessRule, OTHER_SUB, profile, storageInPerimeter } from "../helpers/builders.js";
import { asResourceGraph, withProps } from "../helpers/builders-storage-a.js";
import { ruleTester } from "../helpers/ruleTester.js";
import type { ArmResource } from "../../src/model/resource.js";

/** An account in a perimeter with `allowSharedKeyAccess` set (or removed when undefined) and the profile's rules. */
function sharedKeyAccount(name: string, allowSharedKeyAccess: unknown, rules: Array<"subscription" | "ip"> = ["subscription"], direction = "Inbound") {
  const s = storageInPerimeter(name);
  const account = withProps(s.account, { allowSharedKeyAccess });
  const accessRules: ArmResource[] = rules.map((kind) =>
    kind === "subscription"
      ? accessRule(s.profile, "allow-sub", { direction, subscriptions: [`/subscriptions/${OTHER_SUB}`] })
      : accessRule(s.profile, "allow-ip", { direction, addressPrefixes: ["198.51.100.0/24"] }),
  );
  return { ...s, account, resources: [s.nsp, s.profile, account, s.association, ...accessRules] };
}

const explicitTrue = sharedKeyAccount("stkey1", true);
const unset = sharedKeyAccount("stkey2", undefined);
const nullValue = sharedKeyAccount("stkey3", null);
const recased = sharedKeyAccount("stkey4", "True", ["subscription"], "inbound");

// A subscription rule in another profile of the perimeter than the association's.
const otherProfile = sharedKeyAccount("stkey8", true, []);
const spareProfile = profile(otherProfile.nsp, "profile-spare");

ruleTester("storage-shared-key-subscription-rule", {
  fires: [
    {
      name: "allowSharedKeyAccess true with an inbound subscription rule",
      resources: explicitTrue.resources,
      expect: [{ resourceId: explicitTrue.account.id, severity: "medium", messageIncludes: `allow-sub (${OTHER_SUB})` }],
    },
    {
      name: "allowSharedKeyAccess missing (defaults to true)",
      resources: unset.resources,
      expect: [{ resourceId: unset.account.id, severity: "medium", messageIncludes: "unset (defaults to true)" }],
    },
    {
      name: "allowSharedKeyAccess null (defaults to true)",
      resources: nullValue.resources,
      expect: [{ resourceId: nullValue.account.id, severity: "medium", messageIncludes: "stkey3" }],
    },
    {
      name: "casing variants: Resource Graph ids and types, direction \"inbound\", \"True\" string",
      resources: recased.resources.map(asResourceGraph),
      expect: [{ resourceId: asResourceGraph(recased.account).id, severity: "medium", messageIncludes: "allowSharedKeyAccess=True" }],
    },
  ],
  passes: [
    { name: "allowSharedKeyAccess false with a subscription rule", resources: sharedKeyAccount("stkey5", false).resources },
    { name: "allowSharedKeyAccess \"False\" string", resources: sharedKeyAccount("stkey6", "False").resources },
    { name: "Shared Key allowed but only IP rules", resources: sharedKeyAccount("stkey7", true, ["ip"]).resources },
    {
      name: "subscription rule in another profile than the association's",
      resources: [...otherProfile.resources, spareProfile, accessRule(spareProfile, "allow-sub", { direction: "Inbound", subscriptions: [OTHER_SUB] })],
    },
    { name: "outbound rule is not an inbound subscription rule", resources: sharedKeyAccount("stkey9", true, ["subscription"], "Outbound").resources },
  ],
});
