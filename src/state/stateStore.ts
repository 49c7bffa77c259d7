/**
 * The guardrail's memory between invocations (a port; adapters: Azure Tables + Blobs, in memory).
 * Several function instances run at once, so every read-modify-write is ETag-conditional: a write
 * made against a stale ETag fails with `ConcurrencyError` and the caller re-reads and retries.
 */
import type { ArmResource } from "../model/resource.js";
import type { Finding } from "../rules/types.js";

export class ConcurrencyError extends Error {
  override readonly name = "ConcurrencyError";
}

/** A value with the ETag it was read at; `etag` undefined means "did not exist". */
export interface Versioned<T> {
  value: T;
  etag: string | undefined;
}

export type FindingStatus = "open" | "resolved";

/** A finding as the store keeps it: the scan finding plus when it was first and last seen. */
export interface StoredFinding {
  /** Stable key: rule id + resource + perimeter + association (see `findingKey`). */
  key: string;
  finding: Finding;
  status: FindingStatus;
  firstSeen: string;
  lastSeen: string;
  /** When it was resolved, for resolved ones. */
  resolvedAt?: string;
}

/**
 * The last known state of one perimeter: every resource its rules read (perimeter, profiles, access
 * rules, associations, diagnostic settings, members and their children and related resources).
 * Incremental evaluation patches it with what an event changed instead of re-reading ARM.
 */
export interface PerimeterCache {
  perimeterId: string;
  /** When the last full read (reconcile) of this perimeter finished. */
  reconciledAt: string | undefined;
  resources: ArmResource[];
  /** References the closure could not resolve when cached (so that they do not force a re-read each time). */
  unresolved?: string[];
  /** Last known good bodies of the perimeter's associations and access rules (see updateLastKnownGood). */
  lastKnownGood?: ArmResource[];
  /**
   * When the ARM reads behind this cache started (ISO): a reconcile whose own read started earlier
   * never overwrites or deletes it (a perimeter created while the reconcile was reading keeps its state).
   */
  readAt?: string;
  /**
   * When the inputs Resource Graph does not hold were last read from ARM (ISO), per owner: the
   * perimeter and each member, by id key (src/pipeline/carryOver.ts). An owner without a time is
   * read on the next reconcile.
   */
  ownersReadAt?: Record<string, string>;
  /**
   * The owner input types the reads behind `ownersReadAt` covered (the read plan's, sorted): after a
   * policy change that reads more, the times say nothing about the new types.
   */
  ownerInputTypes?: string[];
}

/** Work waiting for a perimeter: set by events, taken by the evaluation. */
export interface DirtyMarker {
  perimeterId: string;
  /** Resource ids changed since the last evaluation (each to be re-read), with the event ids that said so. */
  changes: Array<{ resourceId: string; deleted: boolean; eventId: string; eventType: string; caller?: { objectId?: string; appId?: string; name?: string } }>;
  /** When the first change of this batch arrived. */
  since: string;
  /**
   * An evaluation message is queued for this batch, and trusted to come until then (ISO): after it,
   * the next event queues another, so a message that was lost or poisoned cannot wedge the perimeter.
   * Absent: no message is due (the next event queues one).
   */
  queuedUntil?: string;
  /**
   * More resources changed than a marker records (MAX_DIRTY_CHANGES): the evaluation re-reads the
   * whole perimeter instead, and later events of the batch write nothing, so a burst costs linear
   * bytes, not a growing blob rewritten per event.
   */
  overflow?: boolean;
}

/**
 * What the daily readiness check last concluded for one association, so that it posts when the
 * verdict changes, not every day (src/readiness/daily.ts).
 */
export interface ReadinessMemory {
  associationId: string;
  /** `ready`, `breaks` (within the grace days), `overdue` (still breaks after `transitionGraceDays`), `no-data`. */
  state: "ready" | "breaks" | "overdue" | "no-data";
  /** When the association entered this state (ISO). */
  since: string;
  /** When the check last ran for it (ISO). */
  checkedAt: string;
}

/** Distinct resources a dirty marker records before it overflows to a full re-read. */
export const MAX_DIRTY_CHANGES = 200;

export interface StateStore {
  // Findings of a perimeter.
  getFindings(perimeterId: string): Promise<Versioned<StoredFinding[]>>;
  /** Replaces the perimeter's findings if its ETag still matches (`undefined` = must not exist yet). */
  putFindings(perimeterId: string, findings: StoredFinding[], etag: string | undefined): Promise<string>;

  // Perimeter cache (blob).
  getPerimeterCache(perimeterId: string): Promise<Versioned<PerimeterCache | undefined>>;
  putPerimeterCache(cache: PerimeterCache, etag: string | undefined): Promise<string>;
  /** Deletes the cache; with `etag`, only if it still matches (a newer cache stays; ConcurrencyError). */
  deletePerimeterCache(perimeterId: string, etag?: string): Promise<void>;
  listCachedPerimeters(): Promise<string[]>;


  // Reverse index: which perimeters a resource concerns (members, their children's parents, vaults used
  // for CMK, backup items, sync endpoints, VMs with disks on members: all keyed by resource id).
  getPerimetersOf(resourceId: string): Promise<string[]>;
  /** Replaces the index entries that point at `perimeterId` with exactly these resource ids. */
  setIndexForPerimeter(perimeterId: string, resourceIds: readonly string[]): Promise<void>;
  /** Whether a full index has been built (by a reconcile) since the store was created. */
  isIndexWarm(): Promise<boolean>;
  markIndexWarm(): Promise<void>;

  // Processed event ids (dedupe), kept for `ttlMs`, in one partition per UTC day: a partition is
  // dropped whole once every id in it has expired, so the store holds at most the ids of the last
  // ttl + 1 days however busy the subscription, and a purge costs one call per day, not per id.
  /** Records the id; false when it was already recorded and has not expired (a duplicate). */
  markEventProcessed(eventId: string, ttlMs: number): Promise<boolean>;
  /** Whether the id is recorded and has not expired (read-only: the change is recorded before the id is). */
  isEventProcessed(eventId: string, ttlMs: number): Promise<boolean>;
  /** Drops the day partitions whose ids have all expired; returns how many. */
  purgeExpiredEvents(): Promise<number>;
  /** The days (`yyyymmdd`) that hold processed event ids, oldest first. */
  eventDays(): Promise<string[]>;

  // Dirty markers (coalescing of bursts).
  getDirty(perimeterId: string): Promise<Versioned<DirtyMarker | undefined>>;
  putDirty(marker: DirtyMarker, etag: string | undefined): Promise<string>;
  deleteDirty(perimeterId: string, etag: string): Promise<void>;

  // Readiness verdicts (one document per association).
  getReadinessMemory(associationId: string): Promise<Versioned<ReadinessMemory | undefined>>;
  /** Writes if the ETag matches (`undefined` = must not exist yet); ConcurrencyError otherwise. */
  putReadinessMemory(memory: ReadinessMemory, etag: string | undefined): Promise<string>;
}
