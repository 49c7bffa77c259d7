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

/** Length of an id without its trailing slashes (at least one character is kept). */
export function trimmedLength(id: string): number {
  let end = id.length;
  while (end > 1 && id.charCodeAt(end - 1) === 47 /* / */) end--;
  return end;
}

/** Case-insensitive comparison key of an ARM id. */
export function idKey(id: string): string {
  const end = trimmedLength(id);
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

/** What the last scan found, in segment indexes (scratch, like `starts`). */
const scanned = {
  id: "",
  n: 0,
  /** Index of the resource group name segment, or -1. */
  resourceGroupAt: -1,
  /** Index of the provider namespace segment of the last provider block, or -1 (subscription or resource group id). */
  providerAt: -1,
  typeStart: -1,
  typeCount: 0,
  /** Index of the last "providers" segment. */
  scopeEnd: -1,
  /** Segments of the top-level id (its first type/name pair included), or -1 when the id is top level itself. */
  rootEnd: -1,
  providerBlocks: 0,
};

function isEmptyAt(id: string, k: number, n: number): boolean {
  return k >= n || segmentEnd(id, k, n) === starts[k];
}

/**
 * Scans `/subscriptions/{s}[/resourceGroups/{rg}][/providers/{ns}/{type}/{name}[/{type}/{name}]...]`,
 * repeated `/providers/` segments marking extension resources, into `starts` and `scanned`. Returns
 * why the id is not an ARM id, or undefined. Cuts out no string: segments are found by offset.
 */
function scanArmId(raw: string): string | undefined {
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
  const s = scanned;
  s.id = id;
  s.n = n;
  s.resourceGroupAt = -1;
  s.providerAt = -1;
  s.typeStart = -1;
  s.typeCount = 0;
  s.scopeEnd = -1;
  s.rootEnd = -1;
  s.providerBlocks = 0;
  if (n < 3 || starts[1] !== 1 || !isWordAt(id, 1, n, "subscriptions") || isEmptyAt(id, 2, n)) return `not an ARM resource id: ${JSON.stringify(raw)}`;
  if (n === 3) return undefined;

  let i = 3;
  if (isWordAt(id, 3, n, "resourcegroups")) {
    if (isEmptyAt(id, 4, n)) return `not an ARM resource id (empty resource group): ${JSON.stringify(raw)}`;
    s.resourceGroupAt = 4;
    i = 5;
    if (i === n) return undefined;
  }
  // Walk the provider segments; the last one names the resource, earlier ones its scope.
  while (i < n) {
    if (!isWordAt(id, i, n, "providers")) return `not an ARM resource id (expected "providers" at segment ${i}): ${JSON.stringify(raw)}`;
    if (isEmptyAt(id, i + 1, n)) return `not an ARM resource id (missing provider namespace): ${JSON.stringify(raw)}`;
    s.providerBlocks++;
    s.scopeEnd = i;
    s.providerAt = i + 1;
    i += 2;
    s.typeStart = i;
    s.typeCount = 0;
    while (i < n && !isWordAt(id, i, n, "providers")) {
      if (isEmptyAt(id, i, n) || i + 1 >= n || isEmptyAt(id, i + 1, n)) return `not an ARM resource id (type without a name): ${JSON.stringify(raw)}`;
      s.typeCount++;
      i += 2;
      if (s.rootEnd < 0) s.rootEnd = i;
    }
    if (s.typeCount === 0) return `not an ARM resource id (provider without a resource type): ${JSON.stringify(raw)}`;
  }
  return undefined;
}

/**
 * Parses `/subscriptions/{s}[/resourceGroups/{rg}][/providers/{ns}/{type}/{name}[/{type}/{name}]...]`,
 * repeated `/providers/` segments marking extension resources. Throws `ArmIdError` on anything else.
 * On the hot path of every scan: segments are found by offset and only the strings of the result are
 * cut out (no split into one string per segment).
 */
export function parseArmId(raw: string): ParsedArmId {
  const error = scanArmId(raw);
  if (error !== undefined) throw new ArmIdError(error);
  const { id, n, resourceGroupAt, providerAt, typeStart, typeCount, scopeEnd, rootEnd, providerBlocks } = scanned;
  const segment = (k: number) => id.slice(starts[k], segmentEnd(id, k, n));
  // The id made of segments [0, k), i.e. up to the slash before segment k.
  const prefix = (k: number) => id.slice(0, starts[k]! - 1);
  const subscriptionId = segment(2);
  if (n === 3) return { id, subscriptionId, type: "Microsoft.Resources/subscriptions", name: subscriptionId, rootId: id };
  const resourceGroup = resourceGroupAt < 0 ? undefined : segment(resourceGroupAt);
  if (providerAt < 0) {
    return { id, subscriptionId, resourceGroup, type: "Microsoft.Resources/resourceGroups", name: resourceGroup!, parentId: prefix(3), rootId: id };
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

/**
 * The length of `parseArmId(raw).rootId` (a prefix of `raw`), or -1 when `raw` is not an ARM id;
 * allocates nothing for an id without a trailing slash. For indexing many ids, which needs no more.
 */
export function armIdRootLength(raw: string): number {
  if (scanArmId(raw) !== undefined) return -1;
  const { id, n, rootEnd } = scanned;
  return rootEnd < 0 || rootEnd >= n ? id.length : starts[rootEnd]! - 1;
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
