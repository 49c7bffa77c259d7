/**
 * Access rule facts (rules.md "Inbound elements" / "outbound elements"): what each rule admits, by
 * direction, and subscription ids in one comparable form. Each rule and profile is read once per
 * evaluation (memoised by view object), so profile-wide questions stay linear in the rule count.
 */
import { idKey, parseArmId, subscriptionIdOf } from "../../model/armId.js";
import type { EstateReader } from "../../model/estate.js";
import { profileView, type AccessRuleView, type ProfileView } from "../../model/perimeterView.js";
import { prop } from "../../model/resource.js";
import { T } from "../../model/resourceTypes.js";
import { listNames, nameOf } from "./messages.js";

/** `/subscriptions/{id}` or `{id}` → `{id}`, lower-cased. */
export function bareSubscriptionId(value: string): string {
  return (subscriptionIdOf(value) ?? value.replace(/\/+$/, "")).toLowerCase();
}

/** Subscription of a resource id, lower-cased ("" for a non-ARM id). */
export function subscriptionOf(resourceId: string): string {
  return (subscriptionIdOf(resourceId) ?? "").toLowerCase();
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string" && v.length > 0) : [];
}

/** Everything one access rule admits, by kind (the NSP spec's NspAccessRuleProperties). */
export interface RuleElements {
  readonly addressPrefixes: readonly string[];
  readonly subscriptions: readonly string[];
  readonly serviceTags: readonly string[];
  /** Ids (or GUIDs when no id is given) of the perimeters a rule names (`networkSecurityPerimeters[]`). */
  readonly perimeters: readonly string[];
  readonly fullyQualifiedDomainNames: readonly string[];
  readonly emailAddresses: readonly string[];
  readonly phoneNumbers: readonly string[];
}

const elementsCache = new WeakMap<AccessRuleView, RuleElements>();

export function elementsOf(rule: AccessRuleView): RuleElements {
  let elements = elementsCache.get(rule);
  if (!elements) {
    const perimeters = (prop(rule.resource, "networkSecurityPerimeters") as unknown[] | undefined) ?? [];
    elements = {
      addressPrefixes: rule.addressPrefixes,
      subscriptions: rule.subscriptions,
      serviceTags: strings(prop(rule.resource, "serviceTags")),
      perimeters: Array.isArray(perimeters)
        ? perimeters.flatMap((p) => {
            const entry = p as { id?: unknown; perimeterGuid?: unknown } | null;
            const value = typeof entry?.id === "string" ? entry.id : typeof entry?.perimeterGuid === "string" ? entry.perimeterGuid : undefined;
            return value ? [value] : [];
          })
        : [],
      fullyQualifiedDomainNames: rule.fullyQualifiedDomainNames,
      emailAddresses: strings(prop(rule.resource, "emailAddresses")),
      phoneNumbers: strings(prop(rule.resource, "phoneNumbers")),
    };
    elementsCache.set(rule, elements);
  }
  return elements;
}

/** Counts of a profile's elements per direction (LIMITS: 200 per direction). */
export interface DirectionCounts {
  readonly inbound: { readonly total: number; readonly prefixes: number; readonly subscriptions: number; readonly serviceTags: number; readonly perimeters: number };
  readonly outbound: { readonly total: number; readonly fqdns: number; readonly emails: number; readonly phones: number };
}

export function elementCounts(profile: ProfileView): DirectionCounts {
  const inbound = { total: 0, prefixes: 0, subscriptions: 0, serviceTags: 0, perimeters: 0 };
  const outbound = { total: 0, fqdns: 0, emails: 0, phones: 0 };
  for (const rule of profile.accessRules) {
    const e = elementsOf(rule);
    if (rule.direction === "Inbound") {
      inbound.prefixes += e.addressPrefixes.length;
      inbound.subscriptions += e.subscriptions.length;
      inbound.serviceTags += e.serviceTags.length;
      inbound.perimeters += e.perimeters.length;
    } else if (rule.direction === "Outbound") {
      outbound.fqdns += e.fullyQualifiedDomainNames.length;
      outbound.emails += e.emailAddresses.length;
      outbound.phones += e.phoneNumbers.length;
    }
  }
  inbound.total = inbound.prefixes + inbound.subscriptions + inbound.serviceTags + inbound.perimeters;
  outbound.total = outbound.fqdns + outbound.emails + outbound.phones;
  return { inbound, outbound };
}

/** Subscription ids (lower-case, bare GUID form) named by a profile's inbound subscription rules. */
export function inboundSubscriptionIds(profile: ProfileView | undefined): Set<string> {
  const ids = new Set<string>();
  for (const rule of profile?.inboundSubscriptionRules ?? []) {
    for (const s of rule.subscriptions) ids.add(bareSubscriptionId(s));
  }
  return ids;
}

/** Names of a profile's inbound subscription rules with the subscriptions they admit, for messages. */
export function subscriptionRulesSummary(profile: ProfileView): string {
  return listNames(profile.inboundSubscriptionRules.map((r) => `${nameOf(r.id)} (${listNames(r.subscriptions.map(bareSubscriptionId), 2)})`));
}

/**
 * The profile `profileId` of perimeter `perimeterId` as a ProfileView, built from the estate (for a
 * perimeter other than the one being evaluated). A profile missing from the estate still gets the
 * access rules found under its id; an undefined id gives no profile.
 */
export function profileViewInEstate(estate: EstateReader, perimeterId: string, profileId: string | undefined): ProfileView | undefined {
  if (!profileId) return undefined;
  const key = idKey(profileId);
  const rules = estate.descendants(perimeterId, T.accessRule).filter((rule) => {
    const parent = parseArmId(rule.id).parentId;
    return parent !== undefined && idKey(parent) === key;
  });
  const resource = estate.get(profileId) ?? { id: profileId, type: "Microsoft.Network/networkSecurityPerimeters/profiles" };
  return profileView(resource, rules);
}
