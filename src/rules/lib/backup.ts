/** Azure Backup facts: how a backup instance or its policy says where the data is kept. */

/** True when any `dataStoreType` found at any depth under `value` equals `wanted` (case-insensitive). */
export function mentionsDataStoreType(value: unknown, wanted: string, depth = 0): boolean {
  if (depth > 12 || value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) return value.some((item) => mentionsDataStoreType(item, wanted, depth + 1));
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (key.toLowerCase() === "datastoretype" && typeof child === "string" && child.toLowerCase() === wanted.toLowerCase()) return true;
    if (mentionsDataStoreType(child, wanted, depth + 1)) return true;
  }
  return false;
}
