/**
 * What the live inventory reads, derived from the rules that are on: each rule declares the ARM
 * types it reads (`meta.reads`), and a type no enabled rule reads is never fetched. Perimeters,
 * profiles and associations are always read: they are what perimeter views are built from.
 */
import type { Policy } from "../policy/policy.js";
import { enabledRules } from "../rules/engine.js";
import { ALL_RULES } from "../rules/catalog/index.js";
import type { Rule } from "../rules/types.js";
import { memberTypeOf, RESOURCE_TYPES, T } from "../model/resourceTypes.js";

/** Read whatever the rules say: the skeleton of every perimeter view. */
export const ALWAYS_READ: readonly string[] = [T.perimeter, T.profile, T.association];

export interface ReadPlan {
  /** Lower-case ARM types to read. */
  readonly types: ReadonlySet<string>;
  /** The types rules declare (with ALWAYS_READ), before the members of declared children are added. */
  readonly declared: ReadonlySet<string>;
  /**
   * Some enabled rule reports on associated resources: every member is then read (one GET), since
   * the engine reads the finding's resource for its exemption tags and the id's display casing.
   */
  readonly readAllMembers: boolean;
  /**
   * Some enabled rule that reports on associated resources reads diagnostic settings: the members'
   * own settings are then listed too (one call per member), not only the perimeters'.
   */
  readonly memberDiagnosticSettings: boolean;
  /**
   * Associable types an enabled rule about resources outside any perimeter (scope `estate`) reads:
   * every resource of these types in the scanned subscriptions is listed, member or not.
   */
  readonly outsideTypes: ReadonlySet<string>;
  /** Ids of the rules the plan was made for. */
  readonly ruleIds: readonly string[];
  has(type: string): boolean;
}

/** The plan for a set of rules (already filtered to the enabled ones). */
export function readPlanFor(rules: readonly Rule[]): ReadPlan {
  const types = new Set<string>(ALWAYS_READ);
  for (const rule of rules) for (const type of rule.meta.reads) types.add(type.toLowerCase());
  const declared = new Set(types);
  // A member's child is reached through the member (the type table's parent chain), and rules find it there too.
  for (const type of [...types]) {
    const member = memberTypeOf(type);
    if (member) types.add(member);
  }
  const readAllMembers = rules.some((r) => r.scope === "association");
  const memberDiagnosticSettings = rules.some((r) => r.scope === "association" && r.meta.reads.some((t) => t.toLowerCase() === T.diagnosticSetting));
  const associable = new Set(RESOURCE_TYPES.filter((row) => row.reach === "member").map((row) => row.type));
  const outsideTypes = new Set(rules.filter((r) => r.scope === "estate").flatMap((r) => r.meta.reads.map((t) => t.toLowerCase()).filter((t) => associable.has(t))));
  return {
    types,
    declared,
    readAllMembers,
    memberDiagnosticSettings,
    outsideTypes,
    ruleIds: rules.map((r) => r.meta.id),
    has: (type: string) => types.has(type.toLowerCase()),
  };
}

/** The plan for the rules a policy leaves on (`enabledRules` of the engine). */
export function readPlanForPolicy(policy: Policy, rules: readonly Rule[] = ALL_RULES): ReadPlan {
  return readPlanFor(enabledRules(policy, rules));
}
