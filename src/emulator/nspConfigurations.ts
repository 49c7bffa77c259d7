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
import type { ResourceStore } from "./store.js";

export const NSP_CONFIGURATIONS = "networkSecurityPerimeterConfigurations";

export function nspConfigurationsFor(store: ResourceStore, member: ArmResource): ArmResource[] {
  const memberKey = idKey(member.id);
  const out: ArmResource[] = [];
  for (const entry of store.all()) {
    if (entry.parsed.type.toLowerCase() !== T.association) continue;
    const association = entry.resource;
    const memberId = propString(association, "privateLinkResource", "id");
    if (!memberId || idKey(memberId) !== memberKey) continue;
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
          accessRules: rules.map((r) => ({ name: r.name ?? lastSegment(r.id), properties: { ...r.properties } })),
          diagnosticSettingsVersion: Number(propString(profile, "diagnosticSettingsVersion") ?? 0),
          enabledLogCategories: [],
        },
      },
    });
  }
  return out;
}
