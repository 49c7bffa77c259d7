/**
 * ARM resource ids: parsing and normalising.
 *
 * ARM and Event Grid disagree on casing (`resourceGroups` vs `resourcegroups`, `Subscriptions`,
 * provider namespaces), and payloads sometimes carry a trailing slash. Every comparison in the
 * project goes through `idKey`, while output keeps the casing of the resource's own `id`.
 */

export interface ParsedArmId {
  /** The id as given, without a trailing slash. */
  readonly id: string;
  readonly subscriptionId: string;
  readonly resourceGroup?: string;
  /** Provider namespace of the resource itself, e.g. `Microsoft.Storage`. Absent for a subscription or resource group id. */
  readonly provider?: string;
  /** Full type, e.g. `Microsoft.Network/networkSecurityPerimeters/profiles`. */
  readonly type: string;
  readonly name: string;
  /** The id of the parent resource (for a child or an extension resource), the resource group, or the subscription. */
  readonly parentId?: string;
  /** For extension resources (`{scope}/providers/Microsoft.Insights/diagnosticSettings/x`): the resource they extend. */
  readonly scopeId?: string;
  /** The top-level resource this id lives under (itself when it is top level); for an extension resource, its own top level. */
  readonly rootId: string;
}

export class ArmIdError extends Error {}

/** Case-insensitive comparison key of an ARM id. */
export function idKey(id: string): string {
  let end = id.length;
  while (end > 1 && id.charCodeAt(end - 1) === 47 /* / */) end--;
  return (end === id.length ? id : id.slice(0, end)).toLowerCase();
}

export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && idKey(a) === idKey(b);
}

/** Case-insensitive comparison key of a resource type. */
export function typeKey(type: string): string {
  return type.toLowerCase();
}

export function isArmId(value: unknown): value is string {
  if (typeof value !== "string") return false;
  try {
    parseArmId(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses `/subscriptions/{s}[/resourceGroups/{rg}][/providers/{ns}/{type}/{name}[/{type}/{name}]...]`,
 * repeated `/providers/` segments marking extension resources. Throws `ArmIdError` on anything else.
 */
export function parseArmId(raw: string): ParsedArmId {
  const id = raw.endsWith("/") ? raw.replace(/\/+$/, "") : raw;
  const parts = id.split("/");
  if (parts[0] !== "" || parts.length < 3 || parts[1]!.toLowerCase() !== "subscriptions" || !parts[2]) {
    throw new ArmIdError(`not an ARM resource id: ${JSON.stringify(raw)}`);
  }
  const subscriptionId = parts[2];
  if (parts.length === 3) {
    return { id, subscriptionId, type: "Microsoft.Resources/subscriptions", name: subscriptionId, rootId: id };
  }
  let i = 3;
  let resourceGroup: string | undefined;
  if (parts[i]?.toLowerCase() === "resourcegroups") {
    resourceGroup = parts[i + 1];
    if (!resourceGroup) throw new ArmIdError(`not an ARM resource id (empty resource group): ${JSON.stringify(raw)}`);
    i += 2;
    if (i === parts.length) {
      return {
        id, subscriptionId, resourceGroup, type: "Microsoft.Resources/resourceGroups", name: resourceGroup,
        parentId: parts.slice(0, 3).join("/"), rootId: id,
      };
    }
  }
  // Walk the provider segments; the last one names the resource, earlier ones its scope.
  let provider: string | undefined;
  let typeSegments: string[] = [];
  let scopeEnd = -1; // index in parts where the current provider segment starts
  let lastNameIndex = -1;
  let rootEnd = -1;
  while (i < parts.length) {
    if (parts[i]?.toLowerCase() !== "providers") {
      throw new ArmIdError(`not an ARM resource id (expected "providers" at segment ${i}): ${JSON.stringify(raw)}`);
    }
    const ns = parts[i + 1];
    if (!ns) throw new ArmIdError(`not an ARM resource id (missing provider namespace): ${JSON.stringify(raw)}`);
    scopeEnd = i;
    provider = ns;
    typeSegments = [];
    i += 2;
    let first = true;
    while (i < parts.length && parts[i]?.toLowerCase() !== "providers") {
      const t = parts[i];
      const n = parts[i + 1];
      if (!t || n === undefined || n === "") {
        throw new ArmIdError(`not an ARM resource id (type without a name): ${JSON.stringify(raw)}`);
      }
      typeSegments.push(t);
      lastNameIndex = i + 1;
      i += 2;
      if (first && rootEnd < 0) rootEnd = i;
      first = false;
    }
    if (typeSegments.length === 0) {
      throw new ArmIdError(`not an ARM resource id (provider without a resource type): ${JSON.stringify(raw)}`);
    }
  }
  const type = `${provider}/${typeSegments.join("/")}`;
  const name = parts[lastNameIndex]!;
  const scopeId = scopeEnd > 3 && parts.slice(0, scopeEnd).some((p, k) => k > 3 && p.toLowerCase() === "providers")
    ? parts.slice(0, scopeEnd).join("/")
    : undefined;
  // Parent: drop the last type/name pair; if that leaves only the provider segment, the parent is the scope.
  const withoutLast = parts.slice(0, lastNameIndex - 1);
  const parentId =
    typeSegments.length > 1 ? withoutLast.join("/") : parts.slice(0, scopeEnd).join("/") || undefined;
  const rootId = parts.slice(0, rootEnd).join("/");
  const result: ParsedArmId = { id, subscriptionId, type, name, rootId };
  return {
    ...result,
    ...(resourceGroup !== undefined ? { resourceGroup } : {}),
    ...(provider !== undefined ? { provider } : {}),
    ...(parentId ? { parentId } : {}),
    ...(scopeId ? { scopeId } : {}),
  };
}

/** The id of the nearest ancestor of `id` of the given type (case-insensitive), or undefined. */
export function ancestorOfType(id: string, type: string): string | undefined {
  let current: string | undefined = id;
  const wanted = typeKey(type);
  while (current) {
    let parsed: ParsedArmId;
    try {
      parsed = parseArmId(current);
    } catch {
      return undefined;
    }
    if (typeKey(parsed.type) === wanted) return parsed.id;
    current = parsed.parentId;
  }
  return undefined;
}

/** `/subscriptions/{id}` of any ARM id. */
export function subscriptionIdOf(id: string): string | undefined {
  const m = /^\/subscriptions\/([^/]+)/i.exec(id);
  return m?.[1];
}
