/**
 * Computed networkSecurityPerimeterConfigurations carry, per member provider, only the access-rule
 * properties that provider's spec declares (oav rejected the perimeter rule's own properties).
 */
import { describe, expect, it } from "vitest";
import type { ArmResource } from "../../src/model/resource.js";
import { nspConfigurationsFor } from "../../src/emulator/nspConfigurations.js";
import { ResourceStore } from "../../src/emulator/store.js";
import { accessRule, association, keyVault, perimeter, profile, storageAccount } from "../helpers/builders.js";

function ruleProperties(member: ArmResource): string[] {
  const nsp = perimeter("nsp-shapes");
  const prof = profile(nsp, "default");
  const rule = accessRule(prof, "everything", { direction: "Outbound", fullyQualifiedDomainNames: ["contoso.example"] });
  rule.properties = { ...rule.properties, serviceTags: ["Storage"], emailAddresses: ["ops@contoso.example"], phoneNumbers: ["+15555550100"] };
  const store = new ResourceStore([nsp, prof, rule, member, association(nsp, "assoc", member.id, { profile: prof, accessMode: "Enforced" })]);
  const [configuration] = nspConfigurationsFor(store, member);
  const rules = (configuration!.properties!["profile"] as { accessRules: Array<{ properties: Record<string, unknown> }> }).accessRules;
  return Object.keys(rules[0]!.properties).sort();
}

describe("access rules in computed NSP configurations", () => {
  it("storage: NspAccessRuleProperties of the Storage spec (service tags, no email or phone, no provisioningState)", () => {
    expect(ruleProperties(storageAccount("stshapes"))).toEqual(["addressPrefixes", "direction", "fullyQualifiedDomainNames", "networkSecurityPerimeters", "serviceTags", "subscriptions"]);
  });

  it("key vault: AccessRuleProperties of the common types (email and phone, no service tags, no provisioningState)", () => {
    expect(ruleProperties(keyVault("kv-shapes"))).toEqual(["addressPrefixes", "direction", "emailAddresses", "fullyQualifiedDomainNames", "networkSecurityPerimeters", "phoneNumbers", "subscriptions"]);
  });
});
