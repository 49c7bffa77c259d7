import { idKey, parseArmId } from "./armId.js";
import type { AccessMode, AssociationRecord, EstateReader } from "./estate.js";
import { prop, propString, type ArmResource } from "./resource.js";
import { T } from "./resourceTypes.js";

export interface AccessRuleView {
  readonly resource: ArmResource;
  readonly id: string;
  readonly profileId: string;
  /** `Inbound` / `Outbound` as written (compare case-insensitively), or undefined. */
  readonly direction: "Inbound" | "Outbound" | undefined;
  readonly addressPrefixes: readonly string[];
  /** Subscription ids (the `/subscriptions/{id}` form as written). */
  readonly subscriptions: readonly string[];
  readonly fullyQualifiedDomainNames: readonly string[];
}

export interface ProfileView {
  readonly resource: ArmResource;
  readonly id: string;
  readonly accessRules: readonly AccessRuleView[];
  readonly inboundIpRules: readonly AccessRuleView[];
  readonly inboundSubscriptionRules: readonly AccessRuleView[];
  readonly outboundFqdnRules: readonly AccessRuleView[];
}

export interface AssociationView extends AssociationRecord {
  /** The profile named by the association, when it exists in this perimeter. */
  readonly profile: ProfileView | undefined;
  /** Lower-cased type of the associated resource, from the resource or else from its id. */
  readonly memberType: string;
  /** The member's id in the casing of the resource's own `id` when known. */
  readonly memberDisplayId: string;
}

/** Everything the rules read about one perimeter. */
export interface PerimeterView {
  readonly perimeter: ArmResource;
  readonly id: string;
  readonly subscriptionId: string;
  readonly profiles: readonly ProfileView[];
  readonly associations: readonly AssociationView[];
  readonly diagnosticSettings: readonly ArmResource[];
  readonly estate: EstateReader;
  profileById(id: string | undefined): ProfileView | undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function directionOf(resource: ArmResource): AccessRuleView["direction"] {
  const raw = propString(resource, "direction")?.toLowerCase();
  return raw === "inbound" ? "Inbound" : raw === "outbound" ? "Outbound" : undefined;
}

export function accessRuleView(resource: ArmResource, profileId: string): AccessRuleView {
  const subscriptions = (prop(resource, "subscriptions") as unknown[] | undefined) ?? [];
  return {
    resource,
    id: resource.id,
    profileId,
    direction: directionOf(resource),
    addressPrefixes: strings(prop(resource, "addressPrefixes")),
    subscriptions: Array.isArray(subscriptions)
      ? subscriptions
          .map((s) => (typeof s === "string" ? s : (s as { id?: unknown } | null)?.id))
          .filter((s): s is string => typeof s === "string" && s.length > 0)
      : [],
    fullyQualifiedDomainNames: strings(prop(resource, "fullyQualifiedDomainNames")),
  };
}

export function profileView(resource: ArmResource, accessRules: readonly ArmResource[]): ProfileView {
  const rules = accessRules.map((r) => accessRuleView(r, resource.id));
  return {
    resource,
    id: resource.id,
    accessRules: rules,
    inboundIpRules: rules.filter((r) => r.direction === "Inbound" && r.addressPrefixes.length > 0),
    inboundSubscriptionRules: rules.filter((r) => r.direction === "Inbound" && r.subscriptions.length > 0),
    outboundFqdnRules: rules.filter((r) => r.direction === "Outbound" && r.fullyQualifiedDomainNames.length > 0),
  };
}

function memberTypeOf(memberId: string, member: ArmResource | undefined, typeKeys: Map<string, string>): string {
  if (member) {
    // Members share a few types: each type string is lower-cased once per view.
    let type = typeKeys.get(member.type);
    if (type === undefined) typeKeys.set(member.type, (type = member.type.toLowerCase()));
    return type;
  }
  try {
    return parseArmId(memberId).type.toLowerCase();
  } catch {
    return "";
  }
}

/** Builds the view of one perimeter from an estate. */
export function buildPerimeterView(estate: EstateReader, perimeter: ArmResource): PerimeterView {
  const perimeterId = perimeter.id;
  const rulesByProfile = new Map<string, ArmResource[]>();
  for (const rule of estate.descendants(perimeterId, T.accessRule)) {
    const parent = parseArmId(rule.id).parentId;
    if (!parent) continue;
    const key = idKey(parent);
    const list = rulesByProfile.get(key);
    if (list) list.push(rule);
    else rulesByProfile.set(key, [rule]);
  }
  const profiles = estate
    .descendants(perimeterId, T.profile)
    .map((p) => profileView(p, rulesByProfile.get(idKey(p.id)) ?? []));
  const profilesByKey = new Map(profiles.map((p) => [idKey(p.id), p]));
  // Associations name a few profiles, each spelled the same way many times: each spelling is normalised once.
  const profilesBySpelling = new Map<string, ProfileView | undefined>();
  let lastSpelling: string | undefined;
  let lastProfile: ProfileView | undefined;
  const profileById = (id: string | undefined): ProfileView | undefined => {
    if (!id) return undefined;
    if (id === lastSpelling) return lastProfile;
    let profile = profilesBySpelling.get(id);
    if (profile === undefined && !profilesBySpelling.has(id)) profilesBySpelling.set(id, (profile = profilesByKey.get(idKey(id))));
    lastSpelling = id;
    lastProfile = profile;
    return profile;
  };
  const typeKeys = new Map<string, string>();

  // Listed field by field: an object spread here is the slow path on a 100k-member scan.
  const associations: AssociationView[] = estate.associationsOfPerimeter(perimeterId).map((record) => ({
    resource: record.resource,
    id: record.id,
    perimeterId: record.perimeterId,
    profileId: record.profileId,
    memberId: record.memberId,
    memberKey: record.memberKey,
    member: record.member,
    mode: record.mode,
    profile: profileById(record.profileId),
    memberType: memberTypeOf(record.memberId, record.member, typeKeys),
    memberDisplayId: record.member?.id ?? record.memberId,
  }));

  return {
    perimeter,
    id: perimeterId,
    subscriptionId: parseArmId(perimeter.id).subscriptionId,
    profiles,
    associations,
    diagnosticSettings: estate
      .descendants(perimeterId, T.diagnosticSetting)
      .filter((d) => idKey(parseArmId(d.id).scopeId ?? "") === idKey(perimeterId)),
    estate,
    profileById,
  };
}

export type { AccessMode };
