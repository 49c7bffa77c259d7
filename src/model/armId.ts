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
 * Start offsets of the segments of the id being parsed (scratch space reused by every parse: the
 * parser is synchronous and not re-entrant). Segment k spans `[starts[k], starts[k + 1] - 1)`, the
 * last one up to the end of the id.
 */
const starts: number[] = [];

function segmentEnd(id: string, k: number, n: number): number {
  return k + 1 < n ? starts[k + 1]! - 1 : id.length;
}

/** Segment `k` of `id` (of `n` segments) equals the lower-case ASCII `word`, ignoring case. Cheap for the common mismatch (length differs). */
function isWordAt(id: string, k: number, n: number, word: string): boolean {
  if (k >= n) return false;
  const from = starts[k]!;
  const to = segmentEnd(id, k, n);
  if (to - from !== word.length) return false;
  for (let j = 0; j < word.length; j++) {
    const c = id.charCodeAt(from + j);
    if (c === word.charCodeAt(j)) continue;
    // ASCII upper case of the letter; anything else compares as `toLowerCase` does (e.g. the Kelvin sign is a k).
    if (c > 127) return id.slice(from, to).toLowerCase() === word;
    if ((c | 0x20) !== word.charCodeAt(j) || c < 65 || c > 90) return false;
  }
  return true;
}

/**
 * Parses `/subscriptions/{s}[/resourceGroups/{rg}][/providers/{ns}/{type}/{name}[/{type}/{name}]...]`,
 * repeated `/providers/` segments marking extension resources. Throws `ArmIdError` on anything else.
 * On the hot path of every scan: segments are found by offset and only the strings of the result are
 * cut out (no split into one string per segment).
 */
export function parseArmId(raw: string): ParsedArmId {
  let end = raw.length;
  while (end > 1 && raw.charCodeAt(end - 1) === 47 /* / */) end--;
  const id = end === raw.length ? raw : raw.slice(0, end);
  let n = 0;
  for (let from = 0; ; ) {
    starts[n++] = from;
    const slash = id.indexOf("/", from);
    if (slash < 0) break;
    from = slash + 1;
  }
  const isEmpty = (k: number) => k >= n || segmentEnd(id, k, n) === starts[k];
  const segment = (k: number) => id.slice(starts[k], segmentEnd(id, k, n));
  // The id made of segments [0, k), i.e. up to the slash before segment k.
  const prefix = (k: number) => id.slice(0, starts[k]! - 1);

  if (n < 3 || starts[1] !== 1 || !isWordAt(id, 1, n, "subscriptions") || isEmpty(2)) {
    throw new ArmIdError(`not an ARM resource id: ${JSON.stringify(raw)}`);
  }
  const subscriptionId = segment(2);
  if (n === 3) return { id, subscriptionId, type: "Microsoft.Resources/subscriptions", name: subscriptionId, rootId: id };

  let i = 3;
  let resourceGroup: string | undefined;
  if (isWordAt(id, 3, n, "resourcegroups")) {
    if (isEmpty(4)) throw new ArmIdError(`not an ARM resource id (empty resource group): ${JSON.stringify(raw)}`);
    resourceGroup = segment(4);
    i = 5;
    if (i === n) {
      return { id, subscriptionId, resourceGroup, type: "Microsoft.Resources/resourceGroups", name: resourceGroup, parentId: prefix(3), rootId: id };
    }
  }
  // Walk the provider segments; the last one names the resource, earlier ones its scope.
  let providerAt = -1;
  let typeStart = -1;
  let typeCount = 0;
  let scopeEnd = -1; // index of the last "providers" segment
  let rootEnd = -1;
  let providerBlocks = 0;
  while (i < n) {
    if (!isWordAt(id, i, n, "providers")) {
      throw new ArmIdError(`not an ARM resource id (expected "providers" at segment ${i}): ${JSON.stringify(raw)}`);
    }
    if (isEmpty(i + 1)) throw new ArmIdError(`not an ARM resource id (missing provider namespace): ${JSON.stringify(raw)}`);
    providerBlocks++;
    scopeEnd = i;
    providerAt = i + 1;
    i += 2;
    typeStart = i;
    typeCount = 0;
    while (i < n && !isWordAt(id, i, n, "providers")) {
      if (isEmpty(i) || i + 1 >= n || isEmpty(i + 1)) {
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
  const provider = segment(providerAt);
  let type = provider;
  for (let k = 0; k < typeCount; k++) type += `/${segment(typeStart + 2 * k)}`;
  const result: { -readonly [K in keyof ParsedArmId]: ParsedArmId[K] } = {
    id,
    subscriptionId,
    type,
    name: segment(n - 1),
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
