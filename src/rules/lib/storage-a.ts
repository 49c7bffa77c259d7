/** Small pure helpers shared by the storage-a rules (messages and child-resource reading). */
import type { AccessMode } from "../../model/estate.js";
import type { ProfileView } from "../../model/perimeterView.js";
import { isFalse, type ArmResource } from "../../model/resource.js";
import { bareSubscriptionId, listNames, nameOf, propArray } from "../helpers.js";

/** Mode as users read it: the API's `Learning` is shown as Transition in the portal and docs. */
export function modeLabel(mode: AccessMode): string {
  return mode === "Learning" ? "Learning (Transition)" : mode;
}

/** `profile "p1"`, or a note that the association names a profile missing from the perimeter. */
export function profileLabel(profile: ProfileView | undefined, profileId: string | undefined): string {
  if (profile) return `profile ${nameOf(profile.id)}`;
  return profileId ? `profile ${nameOf(profileId)} (not found in the perimeter)` : "no profile";
}

/** Names of a profile's inbound subscription rules with the subscriptions they admit, for messages. */
export function subscriptionRulesSummary(profile: ProfileView): string {
  return listNames(
    profile.inboundSubscriptionRules.map(
      (r) => `${nameOf(r.id)} (${listNames(r.subscriptions.map(bareSubscriptionId), 2)})`,
    ),
  );
}

/** Names of the rules of a lifecycle management policy that run: `enabled` missing means enabled. */
export function activeLifecycleRuleNames(policy: ArmResource): string[] {
  const rules = propArray(policy, "policy", "rules");
  const names: string[] = [];
  rules.forEach((rule, index) => {
    if (rule === null || typeof rule !== "object") return;
    const { enabled, name } = rule as { enabled?: unknown; name?: unknown };
    if (isFalse(enabled)) return;
    names.push(typeof name === "string" && name.length > 0 ? name : `rule #${index + 1}`);
  });
  return names;
}
