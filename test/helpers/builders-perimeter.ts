/**
 * Builders for the perimeter group's rule tables (access rules, profiles, diagnostic settings,
 * limits): a perimeter with one profile and the access rules given, plus log destinations.
 */
import type { ArmResource } from "../../src/model/resource.js";
import { accessRule, association, diagnosticSetting, perimeter, profile, recase, type AccessRuleProps } from "./builders.js";

/** A perimeter, one profile and its access rules (named rule1, rule2... unless given). */
export function profileWithRules(rules: Array<AccessRuleProps & { name?: string }>, o: { nspName?: string; profileName?: string } = {}) {
  const nsp = perimeter(o.nspName ?? "nsp1");
  const prof = profile(nsp, o.profileName ?? "profile1");
  const accessRules = rules.map((r, i) => accessRule(prof, r.name ?? `rule${i + 1}`, r));
  return { nsp, profile: prof, accessRules, resources: [nsp, prof, ...accessRules] as ArmResource[] };
}

/** An access rule as Resource Graph emits it: re-cased id, lower-cased type, lower-cased direction. */
export function graphShaped(rule: ArmResource): ArmResource {
  const properties = { ...(rule.properties ?? {}) };
  if (typeof properties["direction"] === "string") properties["direction"] = (properties["direction"] as string).toLowerCase();
  return { ...rule, id: recase(rule.id), type: rule.type.toLowerCase(), properties };
}

/** The id diagnostic settings use for an Event Hub destination: the namespace's authorization rule. */
export function eventHubAuthorizationRuleId(namespace: ArmResource, rule = "RootManageSharedAccessKey"): string {
  return `${namespace.id}/authorizationrules/${rule}`;
}

/** A diagnostic setting on the perimeter shaped like the portal's "allLogs" setting. */
export function perimeterDiagnosticSetting(
  nsp: ArmResource,
  name: string,
  o: {
    logs?: Array<{ category?: string; categoryGroup?: string; enabled: boolean | string }>;
    metrics?: Array<{ category: string; enabled: boolean }>;
    workspaceId?: string;
    storageAccountId?: string;
    eventHubAuthorizationRuleId?: string;
  } = {},
): ArmResource {
  return diagnosticSetting(nsp, name, {
    logs: o.logs ?? [{ categoryGroup: "allLogs", enabled: true, retentionPolicy: { days: 0, enabled: false } }],
    metrics: o.metrics ?? [],
    ...(o.workspaceId !== undefined ? { workspaceId: o.workspaceId } : {}),
    ...(o.storageAccountId !== undefined ? { storageAccountId: o.storageAccountId } : {}),
    ...(o.eventHubAuthorizationRuleId !== undefined ? { eventHubAuthorizationRuleId: o.eventHubAuthorizationRuleId, eventHubName: "nsp-logs" } : {}),
  });
}

/** Associates a resource (a log destination, a member) with a perimeter through its profile. */
export function associate(nsp: ArmResource, prof: ArmResource, member: ArmResource, name = `assoc-${member.name ?? "member"}`): ArmResource {
  return association(nsp, name, member.id, { profile: prof, accessMode: "Enforced" });
}
