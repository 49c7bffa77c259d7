/**
 * Role-based access as ARM checks it, for the emulator: each token carries the actions of the role
 * its caller holds (wildcards as in role definitions), every request is checked for its own action
 * on the target, and writes that link other resources are checked for the linked actions on those
 * (ARM's "linked access check").
 *
 * Linked actions of NSP writes (Microsoft Learn, "Azure RBAC permissions required for Azure Network
 * Security Perimeter usage"; ../shared/docs/arm-facts.md "Linked authorization"):
 * - association create/update: `Microsoft.Network/networkSecurityPerimeters/profiles/join/action` on
 *   the profile and the member type's `joinPerimeter/action` on the member
 *   (`Microsoft.Storage/storageAccounts/joinPerimeter/action`, `Microsoft.KeyVault/vaults/joinPerimeter/action`, ...);
 * - access rule create/update with `subscriptions`: `Microsoft.Resources/subscriptions/joinPerimeterRule/action`
 *   on each subscription named.
 *
 * Error bodies, as ARM sends them (messages quoted in public reports, e.g. Azure/aad-pod-identity#613
 * and kubernetes-sigs/cloud-provider-azure#1999 for LinkedAuthorizationFailed):
 * - 403 `AuthorizationFailed`: "The client '{who}' with object id '{oid}' does not have authorization
 *   to perform action '{action}' over scope '{scope}' or the scope is invalid. ..."
 * - 403 `LinkedAuthorizationFailed`: "The client '{who}' with object id '{oid}' has permission to
 *   perform action '{action}' on scope '{scope}'; however, it does not have permission to perform
 *   action '{linked}' on the linked scope(s) '{scopes}' or the linked scope(s) are invalid."
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { idKey, parseArmId } from "../model/armId.js";
import { T } from "../model/resourceTypes.js";

/** Reader's only action (built-in role "Reader"). */
export const READER_ACTIONS: readonly string[] = ["*/read"];
/** Owner / Contributor-like: everything (what tests simulating people use). */
export const OWNER_ACTIONS: readonly string[] = ["*"];

export const PROFILE_JOIN = "Microsoft.Network/networkSecurityPerimeters/profiles/join/action";
export const SUBSCRIPTION_JOIN_RULE = "Microsoft.Resources/subscriptions/joinPerimeterRule/action";

/** A linked action a write needs, and the scope it must be granted at. */
export interface LinkedAction {
  action: string;
  /** The ARM id the action is checked on (a profile, a member resource, a subscription). */
  scope: string;
}

/** Whether `actions` (role-definition patterns, `*` wildcards) allow `action`; case-insensitive as RBAC. */
export function allows(actions: readonly string[], action: string): boolean {
  const wanted = action.toLowerCase();
  return actions.some((pattern) => {
    const p = pattern.toLowerCase();
    if (!p.includes("*")) return p === wanted;
    const regex = new RegExp(`^${p.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*")}$`);
    return regex.test(wanted);
  });
}

/** `{member type}/joinPerimeter/action` for a member id (`Microsoft.Storage/storageAccounts/joinPerimeter/action`). */
export function memberJoinAction(memberId: string): string {
  const parsed = parseArmId(memberId);
  return `${typeInCasing(memberId, parsed.type)}/joinPerimeter/action`;
}

/** The type as the id spells it (RBAC names are case-insensitive; the log keeps ARM's casing). */
function typeInCasing(id: string, type: string): string {
  const segments = id.split("/");
  const providers = segments.map((s) => s.toLowerCase()).lastIndexOf("providers");
  const namespace = segments[providers + 1] ?? type.split("/")[0]!;
  const types = segments.slice(providers + 2).filter((_s, i) => i % 2 === 0);
  return [namespace, ...types].join("/");
}

/** The linked actions a PUT/PATCH body of `type` needs (none for other types). */
export function linkedActionsFor(type: string, body: Record<string, unknown>): LinkedAction[] {
  const props = (body["properties"] ?? {}) as Record<string, unknown>;
  const t = type.toLowerCase();
  if (t === T.association) {
    const out: LinkedAction[] = [];
    const profile = (props["profile"] as { id?: unknown } | undefined)?.id;
    const member = (props["privateLinkResource"] as { id?: unknown } | undefined)?.id;
    if (typeof profile === "string") out.push({ action: PROFILE_JOIN, scope: profile });
    if (typeof member === "string") {
      try {
        out.push({ action: memberJoinAction(member), scope: member });
      } catch {
        // Not an ARM id: the body validation refuses it.
      }
    }
    return out;
  }
  if (t === T.accessRule && Array.isArray(props["subscriptions"])) {
    const seen = new Set<string>();
    const out: LinkedAction[] = [];
    for (const s of props["subscriptions"] as unknown[]) {
      const id = typeof s === "string" ? s : (s as { id?: unknown } | null)?.id;
      if (typeof id !== "string" || seen.has(idKey(id))) continue;
      seen.add(idKey(id));
      out.push({ action: SUBSCRIPTION_JOIN_RULE, scope: id });
    }
    return out;
  }
  return [];
}

let defaultRole: readonly string[] | undefined;

/**
 * The role the emulator's tokens carry when the caller names none: the deployment's generated custom
 * role (infra/role-definition.json) plus Reader, as infra/main.bicep assigns them to the guardrail.
 */
export function defaultRoleActions(): readonly string[] {
  if (!defaultRole) {
    const file = findUp(dirname(fileURLToPath(import.meta.url)), join("infra", "role-definition.json"));
    const actions = file ? ((JSON.parse(readFileSync(file, "utf8")) as { actions?: unknown }).actions ?? []) : [];
    if (!Array.isArray(actions) || actions.some((a) => typeof a !== "string")) {
      throw new Error(`${file}: actions: expected an array of strings`);
    }
    defaultRole = [...(actions as string[]), ...READER_ACTIONS];
  }
  return defaultRole;
}

function findUp(from: string, relative: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
