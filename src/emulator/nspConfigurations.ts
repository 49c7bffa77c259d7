/**
 * `networkSecurityPerimeterConfigurations` of a member resource, computed the way the resource
 * provider presents them: one per association of the member, naming the perimeter, the association's
 * access mode and the profile's access rules. Provisioning issues come from configurations the seed
 * declares under the same name (Azure reports them; nothing here could make them up).
 */
import { idKey, lastSegment } from "../model/armId.js";
import { accessModeOf } from "../model/estate.js";
import { propString, type ArmResource } from "../model/resource.js";
import { T } from "../model/resourceTypes.js";
import type { ResourceStore, StoredResource } from "./store.js";

export const NSP_CONFIGURATIONS = "networkSecurityPerimeterConfigurations";

/**
 * The access-rule properties a member's configuration carries, per member provider: each provider's
 * spec declares its own (closed) `AccessRuleProperties`, narrower than the perimeter's access rule
 * (no `provisioningState`, and not every rule kind).
 * - Storage: `NspAccessRuleProperties` in specification/storage/resource-manager/Microsoft.Storage/Storage/stable/2026-09-01/openapi.json
 * - Key Vault (and the default): `AccessRuleProperties` in specification/common-types/resource-management/v5/networksecurityperimeter.json,
 *   which specification/keyvault/resource-manager/Microsoft.KeyVault/KeyVault/stable/2026-02-01/openapi.json references.
 * Cognitive Services: UNCONFIRMED (its spec is not in the project's subset); the common types are used.
 */
const COMMON_ACCESS_RULE_FIELDS = ["direction", "addressPrefixes", "subscriptions", "networkSecurityPerimeters", "fullyQualifiedDomainNames", "emailAddresses", "phoneNumbers"];
const ACCESS_RULE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  "microsoft.storage": ["direction", "addressPrefixes", "subscriptions", "networkSecurityPerimeters", "fullyQualifiedDomainNames", "serviceTags"],
};

function accessRuleInConfiguration(memberType: string, rule: ArmResource): Record<string, unknown> {
  const fields = ACCESS_RULE_FIELDS[memberType.split("/")[0]!.toLowerCase()] ?? COMMON_ACCESS_RULE_FIELDS;
  const properties = rule.properties ?? {};
  return Object.fromEntries(fields.filter((f) => properties[f] !== undefined).map((f) => [f, properties[f]]));
}

/** Each store's associations by the member they name (id key), derived once per store version: a scan over the store per list would make a read of N members cost N². */
const associationsByMember = new WeakMap<ResourceStore, { version: number; byMember: Map<string, StoredResource[]> }>();

function associationsNaming(store: ResourceStore, memberKey: string): StoredResource[] {
  let index = associationsByMember.get(store);
  if (!index || index.version !== store.version) {
    const byMember = new Map<string, StoredResource[]>();
    for (const entry of store.all()) {
      if (entry.parsed.type.toLowerCase() !== T.association) continue;
      const memberId = propString(entry.resource, "privateLinkResource", "id");
      if (!memberId) continue;
      const list = byMember.get(idKey(memberId));
      if (list) list.push(entry);
      else byMember.set(idKey(memberId), [entry]);
    }
    associationsByMember.set(store, (index = { version: store.version, byMember }));
  }
  return index.byMember.get(memberKey) ?? [];
}

export function nspConfigurationsFor(store: ResourceStore, member: ArmResource): ArmResource[] {
  const out: ArmResource[] = [];
  for (const entry of associationsNaming(store, idKey(member.id))) {
    const association = entry.resource;
    const perimeter = store.get(entry.parsed.parentId!)?.resource;
    const perimeterGuid = propString(perimeter, "perimeterGuid") ?? lastSegment(entry.parsed.parentId!);
    const name = `${perimeterGuid}.${entry.parsed.name}`;
    const id = `${member.id}/${NSP_CONFIGURATIONS}/${name}`;
    const profileId = propString(association, "profile", "id");
    const profile = profileId ? store.get(profileId)?.resource : undefined;
    const rules = profileId ? store.childrenOf(profileId, T.accessRule).map((r) => r.resource) : [];
    const declared = store.get(id)?.resource;
    out.push({
      id,
      name,
      type: `${member.type}/${NSP_CONFIGURATIONS}`,
      properties: {
        provisioningState: "Succeeded",
        provisioningIssues: (declared?.properties?.["provisioningIssues"] as unknown[] | undefined) ?? [],
        networkSecurityPerimeter: { id: entry.parsed.parentId, perimeterGuid, location: perimeter?.location ?? "" },
        resourceAssociation: { name: entry.parsed.name, accessMode: accessModeOf(association) },
        profile: {
          name: profileId ? lastSegment(profileId) : "",
          accessRulesVersion: Number(propString(profile, "accessRulesVersion") ?? 0),
          accessRules: rules.map((r) => ({ name: r.name ?? lastSegment(r.id), properties: accessRuleInConfiguration(member.type, r) })),
          diagnosticSettingsVersion: Number(propString(profile, "diagnosticSettingsVersion") ?? 0),
          enabledLogCategories: [],
        },
      },
    });
  }
  return out;
}
