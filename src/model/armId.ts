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
 * On the hot path of every scan: one split, and prefixes taken by offset rather than re-joined.
 */
/** `segment` equals the lower-case `word`, ignoring case; cheap for the common mismatch (length differs). */
function isWord(segment: string | undefined, word: string): boolean {
  return segment !== undefined && segment.length === word.length && (segment === word || segment.toLowerCase() === word);
}

/**
 * Parses `/subscriptions/{s}[/resourceGroups/{rg}][/providers/{ns}/{type}/{name}[/{type}/{name}]...]`,
 * repeated `/providers/` segments marking extension resources. Throws `ArmIdError` on anything else.
 * On the hot path of every scan: one split, and prefixes taken by offset rather than re-joined.
 */
export function parseArmId(raw: string): ParsedArmId {
  let end = raw.length;
  while (end > 1 && raw.charCodeAt(end - 1) === 47 /* / */) end--;
  const id = end === raw.length ? raw : raw.slice(0, end);
  const parts = id.split("/");
  const n = parts.length;
  if (parts[0] !== "" || n < 3 || !isWord(parts[1], "subscriptions") || !parts[2]) {
    throw new ArmIdError(`not an ARM resource id: ${JSON.stringify(raw)}`);
  }
  const subscriptionId = parts[2];
  if (n === 3) return { id, subscriptionId, type: "Microsoft.Resources/subscriptions", name: subscriptionId, rootId: id };
  // prefixEnd[k] = length of the id made of parts[0..k), i.e. up to the slash before parts[k].
  const prefixEnd = new Array<number>(n);
  prefixEnd[0] = 0;
  for (let k = 1; k < n; k++) prefixEnd[k] = prefixEnd[k - 1]! + parts[k - 1]!.length + (k > 1 ? 1 : 0);
  const prefix = (k: number) => id.slice(0, prefixEnd[k]);

  let i = 3;
  let resourceGroup: string | undefined;
  if (isWord(parts[3], "resourcegroups")) {
    resourceGroup = parts[4];
    if (!resourceGroup) throw new ArmIdError(`not an ARM resource id (empty resource group): ${JSON.stringify(raw)}`);
    i = 5;
    if (i === n) {
      return { id, subscriptionId, resourceGroup, type: "Microsoft.Resources/resourceGroups", name: resourceGroup, parentId: prefix(3), rootId: id };
    }
  }
  // Walk the provider segments; the last one names the resource, earlier ones its scope.
  let provider = "";
  let typeStart = -1;
  let typeCount = 0;
  let scopeEnd = -1; // index in parts of the last "providers" segment
  let rootEnd = -1;
  let providerBlocks = 0;
  while (i < n) {
    if (!isWord(parts[i], "providers")) {
      throw new ArmIdError(`not an ARM resource id (expected "providers" at segment ${i}): ${JSON.stringify(raw)}`);
    }
    const ns = parts[i + 1];
    if (!ns) throw new ArmIdError(`not an ARM resource id (missing provider namespace): ${JSON.stringify(raw)}`);
    providerBlocks++;
    scopeEnd = i;
    provider = ns;
    i += 2;
    typeStart = i;
    typeCount = 0;
    while (i < n && !isWord(parts[i], "providers")) {
      if (!parts[i] || i + 1 >= n || !parts[i + 1]) {
        throw new ArmIdError(`not an ARM resource id (type without a name): ${JSON.stringify(raw)}`);
      }
      typeCount++;
      i += 2;
      if (rootEnd < 0) rootEnd = i;
    }
    if (typeCount === 0) {
      throw new ArmIdError(`not an ARM resource id (provider without a resource type): ${JSON.stringify(raw)}`);
    }
  }
  let type = provider;
  for (let k = 0; k < typeCount; k++) type += `/${parts[typeStart + 2 * k]}`;
  const result: { -readonly [K in keyof ParsedArmId]: ParsedArmId[K] } = {
    id,
    subscriptionId,
    type,
    name: parts[n - 1]!,
    rootId: rootEnd >= n ? id : prefix(rootEnd),
    provider,
  };
  if (resourceGroup !== undefined) result.resourceGroup = resourceGroup;
  // Parent: drop the last type/name pair; for a top-level or extension resource, the scope it lives in.
  result.parentId = typeCount > 1 ? prefix(n - 2) : prefix(scopeEnd);
  if (providerBlocks > 1) result.scopeId = prefix(scopeEnd);
  return result;
}

/** The last segment of an id: the name people recognise. */
export function lastSegment(id: string): string {
  let end = id.length;
  while (end > 1 && id.charCodeAt(end - 1) === 47) end--;
  return id.slice(id.lastIndexOf("/", end - 1) + 1, end);
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
