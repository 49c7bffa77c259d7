/**
 * What a revert writes, field by field: the writable properties of its target as ARM held them
 * (`before`) and as the revert leaves them (`after`). Alerts and replay show it as "before → after".
 */
import type { ArmResource } from "../model/resource.js";
import { perimeterResourceKind, writableProperties } from "./safety.js";

export interface FieldChange {
  /** `properties.accessMode`, `properties.addressPrefixes`, ... */
  field: string;
  /** Absent: the field was not set (or the resource did not exist). */
  before?: unknown;
  /** Absent: the write removes it (or deletes the resource). */
  after?: unknown;
}

/**
 * The writable fields that differ between `before` (the target as evaluated; undefined when it did
 * not exist) and `after` (the body written; undefined for a delete), in a stable order. An
 * association without `accessMode` is in Learning (ARM's default), so that is what it shows.
 */
export function writtenFields(before: ArmResource | undefined, after: ArmResource | undefined): FieldChange[] {
  const sample = before ?? after;
  if (!sample || !perimeterResourceKind(sample.id)) return [];
  const association = perimeterResourceKind(sample.id) === "association";
  const fieldsOf = (r: ArmResource | undefined): Record<string, unknown> => {
    if (!r) return {};
    const props = writableProperties(r);
    if (association && props["accessMode"] === undefined) props["accessMode"] = "Learning";
    return props;
  };
  const left = fieldsOf(before);
  const right = fieldsOf(after);
  const out: FieldChange[] = [];
  for (const name of [...new Set([...Object.keys(left), ...Object.keys(right)])].sort()) {
    const was = left[name];
    const now = right[name];
    if (same(was, now)) continue;
    out.push({ field: `properties.${name}`, ...(was !== undefined ? { before: was } : {}), ...(now !== undefined ? { after: now } : {}) });
  }
  return out;
}

/** Equal as ARM compares them: enum values and ids case-insensitively, lists as sets. */
function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => JSON.stringify(canonical(v))).sort();
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = canonical((value as Record<string, unknown>)[k]);
    return out;
  }
  return typeof value === "string" ? value.toLowerCase() : value;
}

/** One field change as text: `accessMode: Learning → Enforced`. */
export function fieldChangeText(change: FieldChange): string {
  return `${change.field.replace(/^properties\./, "")}: ${valueText(change.before)} → ${valueText(change.after)}`;
}

function valueText(value: unknown): string {
  if (value === undefined) return "(none)";
  if (Array.isArray(value)) {
    const shown = value.slice(0, 8).map((v) => (typeof v === "string" ? v : String((v as { id?: unknown })?.id ?? JSON.stringify(v))));
    return `[${shown.join(", ")}${value.length > 8 ? `, … (${value.length})` : ""}]`;
  }
  if (value && typeof value === "object") return String((value as { id?: unknown }).id ?? JSON.stringify(value));
  return String(value);
}
