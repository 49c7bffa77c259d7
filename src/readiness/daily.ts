/**
 * The Functions app's daily readiness check: for every association in Transition (Learning or
 * Audit), readiness over the last READINESS_WINDOW_DAYS of access logs, and a notice when the
 * association becomes ready or still breaks after the policy's `transitionGraceDays`.
 *
 * Posts on change, not every day: the last state per association is remembered in the state store.
 * Order of the durable steps, so that a crash neither loses nor repeats a notice: the notices go to
 * the outbox first, under message ids derived from the transition (association, new state, start of
 * the previous state); only then is the new state recorded. A check retried after a crash finds the
 * same previous state, derives the same ids, and the outbox keeps the messages it already holds.
 */
import { idKey } from "../model/armId.js";
import { Estate } from "../model/estate.js";
import type { ArmResource } from "../model/resource.js";
import type { Logger } from "../logging.js";
import type { Notifier } from "../notify/notifier.js";
import { readinessNotice, type ReadinessNotice } from "../notify/readinessNotice.js";
import type { Policy } from "../policy/policy.js";
import { ConcurrencyError, type ReadinessMemory, type StateStore } from "../state/stateStore.js";
import type { CallerSummary } from "./logs.js";
import { assessReadiness, type AssociationReadiness, type ReadinessReport } from "./readiness.js";

/** Days of logs each check reads (the CLI's `--since` default). */
export const READINESS_WINDOW_DAYS = 30;
const DAY_MS = 86_400_000;

export type ReadinessState = ReadinessMemory["state"];

/** Days since the association was created (`systemData.createdAt`, as storage-transition-mode reads it). */
export function associationAgeDays(association: ArmResource | undefined, now: Date): number | undefined {
  const created = Date.parse(association?.systemData?.createdAt ?? "");
  return Number.isNaN(created) ? undefined : Math.floor((now.getTime() - created) / DAY_MS);
}

/** The remembered state for a verdict: `breaks` turns `overdue` once the grace days are past. */
export function readinessState(a: Pick<AssociationReadiness, "verdict">, ageDays: number | undefined, graceDays: number): ReadinessState {
  if (a.verdict === "ready") return "ready";
  if (a.verdict === "no-data") return "no-data";
  return ageDays !== undefined && ageDays > graceDays ? "overdue" : "breaks";
}

/** What to announce when the state changes: becoming ready, or breaking past the grace days. */
export function announcement(previous: ReadinessMemory | undefined, state: ReadinessState): ReadinessNotice["change"] | undefined {
  if (previous?.state === state) return undefined;
  return state === "ready" || state === "overdue" ? state : undefined;
}

/** The transition's name: the same transition always yields the same outbox message ids. */
export function transitionKey(associationId: string, state: ReadinessState, previous: ReadinessMemory | undefined): string {
  return `${idKey(associationId)}|${state}|${previous ? `${previous.state}@${previous.since}` : "-"}`;
}

export interface DailyReadinessDeps {
  store: Pick<StateStore, "listCachedPerimeters" | "getPerimeterCache" | "getReadinessMemory" | "putReadinessMemory">;
  /** The workspace query (src/readiness/workspace.ts) for a window. */
  queryLogs: (window: { from: Date; to: Date }) => Promise<CallerSummary[]>;
  notifier: Pick<Notifier, "notifyReadiness">;
  policy: Pick<Policy, "transitionGraceDays" | "readiness">;
  now: Date;
  logger?: Logger;
}

export interface DailyReadinessResult {
  associations: number;
  byState: Record<ReadinessState, number>;
  announced: Array<{ associationId: string; change: ReadinessNotice["change"] }>;
  /** Transitions another instance recorded first (its notices share the message ids). */
  raced: number;
  report: ReadinessReport;
}

/** The estate as the last reconcile cached it, perimeter by perimeter (no ARM call). */
export async function estateFromCaches(store: DailyReadinessDeps["store"]): Promise<Estate> {
  const estate = new Estate();
  for (const perimeterId of await store.listCachedPerimeters()) {
    const cache = await store.getPerimeterCache(perimeterId);
    for (const resource of cache.value?.resources ?? []) estate.add(resource);
  }
  return estate;
}

export async function runDailyReadiness(deps: DailyReadinessDeps): Promise<DailyReadinessResult> {
  const { now, policy } = deps;
  const estate = await estateFromCaches(deps.store);
  const window = { from: new Date(now.getTime() - READINESS_WINDOW_DAYS * DAY_MS), to: now };
  const summaries = await deps.queryLogs(window);
  const report = assessReadiness(estate, summaries, {
    window,
    settings: policy.readiness,
    ...(summaries.length === 0 ? { emptySourceReason: "the workspace returned no NSPAccessLogs row in the window" } : {}),
  });

  const byState: Record<ReadinessState, number> = { ready: 0, breaks: 0, overdue: 0, "no-data": 0 };
  const changes: Array<{ memory: ReadinessMemory; etag: string | undefined; notice?: { notice: ReadinessNotice; key: string } }> = [];
  for (const a of report.associations) {
    const ageDays = associationAgeDays(estate.get(a.associationId), now);
    const state = readinessState(a, ageDays, policy.transitionGraceDays);
    byState[state]++;
    const previous = await deps.store.getReadinessMemory(a.associationId);
    if (previous.value?.state === state) continue;
    const change = announcement(previous.value, state);
    changes.push({
      memory: { associationId: a.associationId, state, since: now.toISOString(), checkedAt: now.toISOString() },
      etag: previous.etag,
      ...(change
        ? { notice: { notice: readinessNotice(a, change, { graceDays: policy.transitionGraceDays, ageDays, window: report.window, now }), key: transitionKey(a.associationId, state, previous.value) } }
        : {}),
    });
  }

  // 1. The notices, durably (throws when the outbox refuses them: nothing is recorded, tomorrow retries).
  const notices = changes.flatMap((c) => (c.notice ? [c.notice] : []));
  await deps.notifier.notifyReadiness(notices, deps.logger);
  // 2. Then the new states.
  let raced = 0;
  for (const c of changes) {
    try {
      await deps.store.putReadinessMemory(c.memory, c.etag);
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      raced++;
    }
  }
  return {
    associations: report.associations.length,
    byState,
    announced: notices.map((n) => ({ associationId: n.notice.associationId, change: n.notice.change })),
    raced,
    report,
  };
}
