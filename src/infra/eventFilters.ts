/**
 * The Event Grid subscription filter of the deployment, generated from the routing table: the
 * guardrail hears exactly the resource types it routes, within Event Grid's limits (25 advanced
 * filters, 25 values in all, 512 characters a value).
 */
import { ROUTES } from "../events/routing.js";
import { RESOURCE_TYPES } from "../model/resourceTypes.js";

export const EVENT_TYPES = ["Microsoft.Resources.ResourceWriteSuccess", "Microsoft.Resources.ResourceDeleteSuccess"] as const;

export const ACTION_EVENT_TYPE = "Microsoft.Resources.ResourceActionSuccess";

/**
 * POST actions whose `ResourceActionSuccess` events the guardrail hears, as operation-name suffixes
 * (`/listKeys/action`). None today: every action on a routed type either changes nothing a rule reads
 * (`listKeys`, `listAccountSas`, `regenerateKey` rotate or reveal secrets, they do not change network or
 * perimeter configuration) or is followed by the write event of what it changed (`reconcile` on an
 * association or access rule re-applies the stored configuration). Each one would otherwise cost a
 * perimeter evaluation, and the ARM reads that go with it, for nothing: every `listKeys` a client makes
 * on a member. A new entry needs a reason here and a test that its event changes a finding.
 */
export const ROUTED_ACTIONS: readonly string[] = [];

/** ARM spells provider namespaces and types in camelCase; operation names carry that spelling (the type table's `armType`). */
const CANONICAL = new Map<string, string>();
for (const row of RESOURCE_TYPES) {
  const lower = row.type.split("/");
  const arm = row.armType.split("/");
  lower.forEach((segment, i) => CANONICAL.set(segment, arm[i] ?? segment));
}

function canonical(lowerType: string): string {
  return lowerType
    .split("/")
    .map((segment) => CANONICAL.get(segment) ?? segment)
    .join("/");
}

/**
 * Operation-name prefixes to subscribe to: each routed type reduced to its top-level type (a
 * prefix covers children), then prefixes already covered by a shorter one dropped.
 */
export function operationNamePrefixes(): string[] {
  const tops = new Set<string>();
  for (const route of ROUTES) {
    const [namespace, first] = route.type.split("/");
    // Recovery Services items are deep in a vault; subscribing to the whole vault would be noisy.
    const prefix = namespace === "microsoft.recoveryservices" ? route.type : `${namespace}/${first}`;
    tops.add(canonical(prefix));
  }
  const sorted = [...tops].sort((a, b) => a.length - b.length);
  const kept: string[] = [];
  for (const p of sorted) if (!kept.some((k) => p.toLowerCase().startsWith(`${k.toLowerCase()}/`))) kept.push(p);
  return kept.sort();
}

export interface EventFilters {
  includedEventTypes: string[];
  advancedFilters: Array<{ operatorType: "StringBeginsWith" | "StringEndsWith"; key: "data.operationName"; values: string[] }>;
}

/**
 * The filter of the deployment's event subscription. Action events are subscribed to only when some
 * action is routed, and then only those actions: advanced filters are ANDed, so a second filter on
 * the operation name's end admits writes, deletes and the listed actions, nothing else.
 */
export function eventFilters(routedActions: readonly string[] = ROUTED_ACTIONS): EventFilters {
  const prefixes = { operatorType: "StringBeginsWith" as const, key: "data.operationName" as const, values: operationNamePrefixes() };
  if (routedActions.length === 0) return { includedEventTypes: [...EVENT_TYPES], advancedFilters: [prefixes] };
  for (const action of routedActions) {
    if (!/^\/[A-Za-z]+\/action$/.test(action)) throw new Error(`ROUTED_ACTIONS: '${action}' is not an operation-name suffix like '/listKeys/action'`);
  }
  return {
    includedEventTypes: [...EVENT_TYPES, ACTION_EVENT_TYPE],
    advancedFilters: [prefixes, { operatorType: "StringEndsWith", key: "data.operationName", values: ["/write", "/delete", ...routedActions] }],
  };
}
