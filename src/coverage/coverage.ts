/**
 * Where the perimeters are not: per subscription and onboarded type, which resources are protected
 * (an association in Enforced mode), in transition (associated in Learning, the portal's "Transition"
 * mode, or Audit, past the grace days or not) and unprotected (in no perimeter), with the lists.
 * Evidence for CIS Microsoft Azure Foundations Benchmark v5, control 7.16 "Ensure Network Security
 * Perimeter is used to secure Azure PaaS resources".
 *
 * Pure: an estate in, a report value out. The estate must hold every resource of the onboarded types
 * in scope, not only perimeter members: a Resource Graph read does (resourceGraphReader.ts), so does
 * an ARM read of whole subscriptions with the rule about unassociated resources on (it lists every
 * resource of the onboarded types), a hand-made snapshot holds what its author put in it.
 */
import { parseArmId } from "../model/armId.js";
import type { AccessMode, AssociationRecord, EstateReader } from "../model/estate.js";
import { ONBOARDED_TYPES } from "../model/onboardedTypes.js";
import type { Policy } from "../policy/policy.js";

export const COVERAGE_CONTROL = {
  benchmark: "CIS Microsoft Azure Foundations Benchmark v5",
  id: "7.16",
  title: "Ensure Network Security Perimeter is used to secure Azure PaaS resources",
} as const;

export type CoverageStatus = "protected" | "transition" | "unprotected";

export interface TransitionResource {
  readonly id: string;
  readonly associationId: string;
  readonly perimeterId: string;
  readonly accessMode: AccessMode;
  /** Days since the association was created (`systemData.createdAt`); null when ARM gave no date. */
  readonly ageDays: number | null;
  /** Older than `transitionGraceDays`, or of unknown age (nothing shows it is recent). */
  readonly pastGrace: boolean;
}

export interface CoverageTypeRow {
  /** Lower-case ARM type. */
  readonly type: string;
  readonly total: number;
  readonly protected: number;
  readonly transition: number;
  readonly transitionPastGrace: number;
  readonly unprotected: number;
  readonly protectedIds: string[];
  readonly transitionResources: TransitionResource[];
  readonly unprotectedIds: string[];
}

export interface CoverageCounts {
  readonly resources: number;
  readonly protected: number;
  readonly transition: number;
  readonly transitionPastGrace: number;
  readonly unprotected: number;
}

export interface CoverageReport {
  readonly version: 1;
  readonly generatedAt: string;
  readonly source: Record<string, unknown>;
  readonly control: typeof COVERAGE_CONTROL;
  readonly transitionGraceDays: number;
  /** Lower-case types counted: the onboarded ones and the policy's `onboardedTypes`. */
  readonly onboardedTypes: string[];
  readonly summary: CoverageCounts;
  readonly subscriptions: Array<{ readonly subscriptionId: string; readonly summary: CoverageCounts; readonly types: CoverageTypeRow[] }>;
}

export interface CoverageOptions {
  readonly policy: Pick<Policy, "transitionGraceDays" | "onboardedTypes">;
  readonly now: Date;
  /** What was read (`{ snapshot }`, `{ subscriptions }`, `{ managementGroup }`), echoed in the report. */
  readonly source: Record<string, unknown>;
}

const DAY_MS = 86_400_000;

function ageInDays(record: AssociationRecord, now: Date): number | null {
  const created = Date.parse(record.resource.systemData?.createdAt ?? "");
  return Number.isNaN(created) ? null : Math.floor((now.getTime() - created) / DAY_MS);
}

type MutableRow = { -readonly [K in keyof CoverageTypeRow]: CoverageTypeRow[K] };

function emptyRow(type: string): MutableRow {
  return { type, total: 0, protected: 0, transition: 0, transitionPastGrace: 0, unprotected: 0, protectedIds: [], transitionResources: [], unprotectedIds: [] };
}

function countsOf(rows: readonly CoverageTypeRow[]): CoverageCounts {
  const sum = (pick: (r: CoverageTypeRow) => number) => rows.reduce((n, r) => n + pick(r), 0);
  return {
    resources: sum((r) => r.total),
    protected: sum((r) => r.protected),
    transition: sum((r) => r.transition),
    transitionPastGrace: sum((r) => r.transitionPastGrace),
    unprotected: sum((r) => r.unprotected),
  };
}

const byText = (a: string, b: string) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0);

/** The coverage of an estate. */
export function coverageOf(estate: EstateReader, options: CoverageOptions): CoverageReport {
  const { policy, now } = options;
  const types = [...new Set([...ONBOARDED_TYPES, ...policy.onboardedTypes].map((t) => t.toLowerCase()))].sort();
  const bySubscription = new Map<string, { id: string; rows: Map<string, MutableRow> }>();
  for (const type of types) {
    for (const resource of estate.ofType(type)) {
      const subscriptionId = parseArmId(resource.id).subscriptionId;
      let sub = bySubscription.get(subscriptionId.toLowerCase());
      if (!sub) {
        sub = { id: subscriptionId, rows: new Map() };
        bySubscription.set(subscriptionId.toLowerCase(), sub);
      }
      let row = sub.rows.get(type);
      if (!row) {
        row = emptyRow(type);
        sub.rows.set(type, row);
      }
      row.total++;
      const associations = estate.associationsOfMember(resource.id);
      if (associations.some((a) => a.mode === "Enforced")) {
        row.protected++;
        row.protectedIds.push(resource.id);
      } else if (associations.length > 0) {
        // The oldest association decides: the resource has been in transition at least that long.
        const aged = associations.map((a) => ({ a, age: ageInDays(a, now) }));
        const unknown = aged.find((x) => x.age === null);
        const oldest = unknown ?? aged.reduce((o, x) => ((x.age ?? 0) > (o.age ?? 0) ? x : o));
        const pastGrace = oldest.age === null || oldest.age > policy.transitionGraceDays;
        row.transition++;
        if (pastGrace) row.transitionPastGrace++;
        row.transitionResources.push({ id: resource.id, associationId: oldest.a.id, perimeterId: oldest.a.perimeterId, accessMode: oldest.a.mode, ageDays: oldest.age, pastGrace });
      } else {
        row.unprotected++;
        row.unprotectedIds.push(resource.id);
      }
    }
  }
  const subscriptions = [...bySubscription.values()]
    .sort((a, b) => byText(a.id, b.id))
    .map((sub) => {
      const rows = [...sub.rows.values()].sort((a, b) => byText(a.type, b.type));
      for (const row of rows) {
        row.protectedIds.sort(byText);
        row.unprotectedIds.sort(byText);
        row.transitionResources.sort((a, b) => byText(a.id, b.id));
      }
      return { subscriptionId: sub.id, summary: countsOf(rows), types: rows };
    });
  return {
    version: 1,
    generatedAt: now.toISOString(),
    source: options.source,
    control: COVERAGE_CONTROL,
    transitionGraceDays: policy.transitionGraceDays,
    onboardedTypes: types,
    summary: countsOf(subscriptions.flatMap((s) => s.types)),
    subscriptions,
  };
}
