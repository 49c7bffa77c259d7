/**
 * In-memory StateStore: for unit tests of the pipeline and single-process runs.
 *
 * It keeps the production semantics on purpose, so that code tested against it behaves the same on
 * Azure: ETag-conditional writes (a stale ETag, a create of something that exists, an ETag for
 * something that is gone → ConcurrencyError), case-insensitive ARM ids, expiring event ids, and
 * values stored as JSON so that callers never share objects with the store (a caller mutating what
 * it read or wrote must not change the stored state, and `undefined` fields vanish as they do on Azure).
 */
import { idKey } from "../model/armId.js";
import { eventDayExpired, eventDaysWithin } from "./keys.js";
import {
  ConcurrencyError,
  type DirtyMarker,
  type PerimeterCache,
  type ReadinessMemory,
  type StateStore,
  type StoredFinding,
  type Versioned,
} from "./stateStore.js";

export interface MemoryStateStoreOptions {
  /** Clock in epoch milliseconds for event expiry (tests move it forward); default `Date.now`. */
  clock?: () => number;
}

/** A stored document: its JSON and the ETag it has had since it was last written. */
interface Document {
  id: string;
  json: string;
  etag: string;
}

export class MemoryStateStore implements StateStore {
  private readonly clock: () => number;
  /** Monotonic, so an ETag is never reused, even after a delete and re-create (no ABA). */
  private etagCounter = 0;

  private readonly findings = new Map<string, Document>();
  private readonly perimeterCaches = new Map<string, Document>();
  private readonly dirtyMarkers = new Map<string, Document>();
  private readonly readinessMemories = new Map<string, Document>();
  /** resource key → perimeter key → perimeter id as given. */
  private readonly perimetersByResource = new Map<string, Map<string, string>>();
  /** perimeter key → resource keys, so a replacement knows what to remove. */
  private readonly resourcesByPerimeter = new Map<string, Set<string>>();
  private indexWarm = false;
  /** event id → expiry (epoch ms). */
  /** Processed event ids by UTC day (`yyyymmdd`), with their expiry. */
  private readonly processedEvents = new Map<string, Map<string, number>>();
  /** The longest time to live asked for: a day is dropped once that long has passed since it ended. */
  private maxEventTtlMs = 0;

  constructor(options: MemoryStateStoreOptions = {}) {
    this.clock = options.clock ?? Date.now;
  }

  /**
   * An independent copy of everything stored, on another clock (a simulation's runs all start from
   * the state its first reconcile left). ETags carry on from this store's counter.
   */
  clone(options: MemoryStateStoreOptions = {}): MemoryStateStore {
    const copy = new MemoryStateStore({ clock: options.clock ?? this.clock });
    for (const [key, value] of Object.entries(this)) {
      if (key === "clock" || typeof value === "function") continue;
      (copy as unknown as Record<string, unknown>)[key] = structuredClone(value);
    }
    return copy;
  }

  /** Nothing to create; present so both adapters can be set up the same way. */
  async init(): Promise<void> {}

  // Findings.

  async getFindings(perimeterId: string): Promise<Versioned<StoredFinding[]>> {
    const document = this.findings.get(idKey(perimeterId));
    if (!document) return { value: [], etag: undefined };
    return { value: JSON.parse(document.json) as StoredFinding[], etag: document.etag };
  }

  async putFindings(perimeterId: string, findings: StoredFinding[], etag: string | undefined): Promise<string> {
    return this.conditionalPut(this.findings, "findings", perimeterId, findings, etag);
  }

  // Perimeter cache.

  async getPerimeterCache(perimeterId: string): Promise<Versioned<PerimeterCache | undefined>> {
    const document = this.perimeterCaches.get(idKey(perimeterId));
    if (!document) return { value: undefined, etag: undefined };
    return { value: JSON.parse(document.json) as PerimeterCache, etag: document.etag };
  }

  async putPerimeterCache(cache: PerimeterCache, etag: string | undefined): Promise<string> {
    return this.conditionalPut(this.perimeterCaches, "perimeter cache", cache.perimeterId, cache, etag);
  }

  async deletePerimeterCache(perimeterId: string, etag?: string): Promise<void> {
    const key = idKey(perimeterId);
    const current = this.perimeterCaches.get(key);
    if (etag !== undefined && current && current.etag !== etag) throw mismatch("perimeter cache", perimeterId, etag, current);
    this.perimeterCaches.delete(key);
  }

  async listCachedPerimeters(): Promise<string[]> {
    return [...this.perimeterCaches.values()].map((document) => document.id);
  }

  // Reverse index.

  async getPerimetersOf(resourceId: string): Promise<string[]> {
    return [...(this.perimetersByResource.get(idKey(resourceId))?.values() ?? [])];
  }

  async setIndexForPerimeter(perimeterId: string, resourceIds: readonly string[]): Promise<void> {
    const perimeterKey = idKey(perimeterId);
    for (const resourceKey of this.resourcesByPerimeter.get(perimeterKey) ?? []) {
      const perimeters = this.perimetersByResource.get(resourceKey);
      perimeters?.delete(perimeterKey);
      if (perimeters?.size === 0) this.perimetersByResource.delete(resourceKey);
    }
    const members = new Set(resourceIds.map(idKey));
    for (const resourceKey of members) {
      let perimeters = this.perimetersByResource.get(resourceKey);
      if (!perimeters) this.perimetersByResource.set(resourceKey, (perimeters = new Map()));
      perimeters.set(perimeterKey, perimeterId);
    }
    if (members.size > 0) this.resourcesByPerimeter.set(perimeterKey, members);
    else this.resourcesByPerimeter.delete(perimeterKey);
  }

  async isIndexWarm(): Promise<boolean> {
    return this.indexWarm;
  }

  async markIndexWarm(): Promise<void> {
    this.indexWarm = true;
  }

  // Processed events: one map per UTC day, dropped whole once all its ids have expired.

  async markEventProcessed(eventId: string, ttlMs: number): Promise<boolean> {
    const now = this.clock();
    this.maxEventTtlMs = Math.max(this.maxEventTtlMs, ttlMs);
    const days = eventDaysWithin(now, ttlMs);
    for (const day of days) {
      const expiresAt = this.processedEvents.get(day)?.get(eventId);
      if (expiresAt !== undefined && expiresAt > now) return false;
    }
    const today = days[days.length - 1]!;
    let bucket = this.processedEvents.get(today);
    if (!bucket) {
      bucket = new Map();
      this.processedEvents.set(today, bucket);
      // A new day: the oldest days may have expired whole.
      this.sweepExpiredEvents(now);
    }
    bucket.set(eventId, now + ttlMs);
    return true;
  }

  async isEventProcessed(eventId: string, ttlMs: number): Promise<boolean> {
    const now = this.clock();
    for (const day of eventDaysWithin(now, Math.max(ttlMs, this.maxEventTtlMs))) {
      const expiresAt = this.processedEvents.get(day)?.get(eventId);
      if (expiresAt !== undefined && expiresAt > now) return true;
    }
    return false;
  }

  /** Drops the days whose ids have all expired; returns how many. */
  async purgeExpiredEvents(): Promise<number> {
    return this.sweepExpiredEvents(this.clock());
  }

  async eventDays(): Promise<string[]> {
    return [...this.processedEvents.keys()].sort();
  }

  /** Ids held, all days together (the bench's measure of the store's size). */
  eventIdCount(): number {
    let count = 0;
    for (const bucket of this.processedEvents.values()) count += bucket.size;
    return count;
  }

  private sweepExpiredEvents(now: number): number {
    let purged = 0;
    for (const day of [...this.processedEvents.keys()]) {
      if (eventDayExpired(day, now, this.maxEventTtlMs)) {
        this.processedEvents.delete(day);
        purged++;
      }
    }
    return purged;
  }


  // Dirty markers.

  async getDirty(perimeterId: string): Promise<Versioned<DirtyMarker | undefined>> {
    const document = this.dirtyMarkers.get(idKey(perimeterId));
    if (!document) return { value: undefined, etag: undefined };
    return { value: JSON.parse(document.json) as DirtyMarker, etag: document.etag };
  }

  async putDirty(marker: DirtyMarker, etag: string | undefined): Promise<string> {
    return this.conditionalPut(this.dirtyMarkers, "dirty marker", marker.perimeterId, marker, etag);
  }

  async deleteDirty(perimeterId: string, etag: string): Promise<void> {
    const key = idKey(perimeterId);
    const current = this.dirtyMarkers.get(key);
    if (current?.etag !== etag) throw mismatch("dirty marker", perimeterId, etag, current);
    this.dirtyMarkers.delete(key);
  }

  // Readiness verdicts.

  async getReadinessMemory(associationId: string): Promise<Versioned<ReadinessMemory | undefined>> {
    const document = this.readinessMemories.get(idKey(associationId));
    if (!document) return { value: undefined, etag: undefined };
    return { value: JSON.parse(document.json) as ReadinessMemory, etag: document.etag };
  }

  async putReadinessMemory(memory: ReadinessMemory, etag: string | undefined): Promise<string> {
    return this.conditionalPut(this.readinessMemories, "readiness verdict", memory.associationId, memory, etag);
  }

  // Helpers.

  /** Writes if the ETag matches: `undefined` = must not exist; otherwise must exist with that ETag. */
  private conditionalPut(store: Map<string, Document>, what: string, id: string, value: unknown, etag: string | undefined): string {
    const key = idKey(id);
    const current = store.get(key);
    if (current?.etag !== etag) throw mismatch(what, id, etag, current);
    const written: Document = { id, json: JSON.stringify(value), etag: this.nextEtag() };
    store.set(key, written);
    return written.etag;
  }

  private nextEtag(): string {
    return `"mem-${++this.etagCounter}"`;
  }
}

function mismatch(what: string, id: string, expected: string | undefined, current: Document | undefined): ConcurrencyError {
  const reason =
    expected === undefined ? "it already exists" : current ? `its ETag is no longer ${expected}` : "it no longer exists";
  return new ConcurrencyError(`${what} of ${id} was changed by someone else (${reason})`);
}
