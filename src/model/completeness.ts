/**
 * Whether every type a rule reads is wired end to end: a row in the resource-type table, a reader,
 * and (for a type a perimeter does not own) relations that bring it into a perimeter's closure, so
 * that events on it reach the perimeter and not only the timer reconcile. Pure: the caller passes
 * the rules' reads, the table, the registry and the types the live reader has an SDK operation for.
 */
import type { Relation } from "./relations.js";
import type { ResourceTypeRow } from "./resourceTypes.js";

export interface CompletenessInput {
  /** `meta.id` and `meta.reads` of every rule. */
  readonly rules: ReadonlyArray<{ readonly meta: { readonly id: string; readonly reads: readonly string[] } }>;
  readonly types: readonly ResourceTypeRow[];
  readonly relations: readonly Relation[];
  /** Lower-case types with a dedicated SDK operation (src/inventory/typeReaders.ts TYPE_READERS). */
  readonly sdkReaders: ReadonlySet<string>;
}

/** One line per gap, naming the rule and the type; empty when complete. */
export function completenessProblems(input: CompletenessInput): string[] {
  const rows = new Map(input.types.map((row) => [row.type, row]));
  const problems: string[] = [];
  const reaching = new Map<string, boolean>();

  /** Whether a perimeter's closure reaches resources of `type` (perimeter-owned, member, or through relations). */
  const reaches = (type: string, visiting: Set<string>): boolean => {
    const known = reaching.get(type);
    if (known !== undefined) return known;
    if (visiting.has(type)) return false;
    visiting.add(type);
    const row = rows.get(type);
    let result = false;
    if (row) {
      if (row.reach === "perimeter" || row.reach === "perimeter-child" || row.reach === "location" || row.reach === "extension") result = true;
      else if (row.reach === "member") result = input.relations.some((r) => r.closure?.direction === "forward" && r.closure.member === true && (r.to === "*" || r.to === type));
      else if (row.parent !== undefined && (row.reach === "member-child" || row.reach === "container")) result = reaches(row.parent, visiting);
      if (!result) {
        result = input.relations.some(
          (r) =>
            (r.from === type && r.closure?.direction === "reverse" && r.to !== "*" && reaches(r.to, visiting)) ||
            (r.to === type && r.closure?.direction === "forward" && reaches(r.from, visiting)),
        );
      }
    }
    visiting.delete(type);
    reaching.set(type, result);
    return result;
  };

  for (const rule of input.rules) {
    for (const raw of rule.meta.reads) {
      const type = raw.toLowerCase();
      const row = rows.get(type);
      if (!row) {
        problems.push(`${rule.meta.id} reads ${type}: no row in the resource-type table (src/model/resourceTypes.ts)`);
        continue;
      }
      // The generic client reads by id with the row's api-version; raw GETs likewise; diagnostic
      // settings are read by their scope through arm-monitor (liveArmReader.ts readFor).
      const readable = row.client === "arm-resources" || row.client === "raw" || row.reach === "extension" || input.sdkReaders.has(type);
      if (!readable) problems.push(`${rule.meta.id} reads ${type}: no reader (its client ${row.client} has no operation in src/inventory/typeReaders.ts)`);
      if (!reaches(type, new Set())) {
        problems.push(`${rule.meta.id} reads ${type}: no relation brings it into a perimeter's closure (src/model/relations.ts): events on it would reach no perimeter`);
      }
    }
  }
  return problems;
}
