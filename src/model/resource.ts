/** An ARM resource exactly as ARM returns it from GET; unknown fields are kept and ignored. */
export interface ArmResource {
  id: string;
  type: string;
  name?: string;
  location?: string;
  kind?: string;
  sku?: { name?: string; tier?: string; [key: string]: unknown };
  identity?: { type?: string; [key: string]: unknown } | null;
  tags?: Record<string, string> | null;
  etag?: string;
  systemData?: {
    createdAt?: string;
    createdBy?: string;
    createdByType?: string;
    lastModifiedAt?: string;
    lastModifiedBy?: string;
    lastModifiedByType?: string;
  } | null;
  properties?: Record<string, unknown> | null;
  [key: string]: unknown;
}

/** Reads a nested property by path without trusting the shape (snapshots are user input). */
export function prop(resource: ArmResource | undefined, ...path: string[]): unknown {
  let value: unknown = resource?.properties;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

export function propString(resource: ArmResource | undefined, ...path: string[]): string | undefined {
  const value = prop(resource, ...path);
  return typeof value === "string" ? value : undefined;
}

/** A property that is an array, or an empty array when missing or of another shape. */
export function propArray(resource: ArmResource | undefined, ...path: string[]): unknown[] {
  const value = prop(resource, ...path);
  return Array.isArray(value) ? value : [];
}

/** True for `true` and for the string `"true"` (Resource Graph and some exports stringify booleans). */
export function isTrue(value: unknown): boolean {
  return value === true || (typeof value === "string" && value.toLowerCase() === "true");
}

export function isFalse(value: unknown): boolean {
  return value === false || (typeof value === "string" && value.toLowerCase() === "false");
}

export function equalsIgnoreCase(a: unknown, b: string): boolean {
  return typeof a === "string" && a.toLowerCase() === b.toLowerCase();
}

/** Display name of a resource: its `name`, or the last segment of its id. */
export function displayName(resource: ArmResource): string {
  return resource.name ?? resource.id.replace(/\/+$/, "").split("/").pop() ?? resource.id;
}
