/**
 * Storage keys of the state store.
 *
 * ARM ids contain `/`, which Table PartitionKey/RowKey forbid, and are compared case-insensitively
 * (see `idKey`). So everything is keyed by the sha256 of the normalised id, in hex: fixed length, safe
 * in table keys and blob names alike. The original id always travels with the value (a column, blob
 * metadata or the JSON body), since a hash cannot be turned back into an id.
 */
import { createHash } from "node:crypto";
import { idKey } from "../model/armId.js";

/** Key of an ARM id: sha256 of its case-insensitive form, 64 hex characters. */
export function resourceKey(armId: string): string {
  return sha256Hex(idKey(armId));
}

/**
 * Key of an event id. Unlike ARM ids these are compared exactly (Event Grid ids are opaque strings),
 * but they may hold characters table keys forbid, so they are hashed too.
 */
export function eventKey(eventId: string): string {
  return sha256Hex(eventId);
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

export const DEFAULT_PREFIX = "nspg";

/**
 * Table and container names derive from the prefix, so it must fit both: table names are 3-63
 * alphanumerics starting with a letter; container names are lower-case letters, digits and hyphens.
 */
const PREFIX_PATTERN = /^[A-Za-z][A-Za-z0-9]{0,39}$/;

export function assertValidPrefix(prefix: string): void {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new Error(`state store prefix must be 1-40 letters and digits starting with a letter, got ${JSON.stringify(prefix)}`);
  }
}

/** The tables of a store, e.g. `nspgResourceIndex`. */
export function tableNames(prefix: string) {
  assertValidPrefix(prefix);
  return {
    /** Reverse index as read: partition = resource, one row per perimeter it concerns. */
    resourceIndex: `${prefix}ResourceIndex`,
    /** The same rows seen from the perimeter (partition = perimeter), so a replacement can diff. */
    perimeterIndex: `${prefix}PerimeterIndex`,
    /** Processed event ids with their expiry: one table per day, `${prefix}Events20261128` (see eventDayTable). */
    events: `${prefix}Events`,
  } as const;
}

const DAY_MS = 86_400_000;

/** The UTC day of an instant as `yyyymmdd`: the partition processed event ids recorded then live in. */
export function eventDay(at: number): string {
  return new Date(Math.floor(at / DAY_MS) * DAY_MS).toISOString().slice(0, 10).replace(/-/g, "");
}

/**
 * The days whose partitions may hold an id recorded within `ttlMs` before `now`, oldest first, today
 * last: a duplicate is looked for there, and nowhere else.
 */
export function eventDaysWithin(now: number, ttlMs: number): string[] {
  const days: string[] = [];
  for (let start = Math.floor((now - ttlMs) / DAY_MS) * DAY_MS; start <= now; start += DAY_MS) days.push(eventDay(start));
  return days;
}

/** Whether every id recorded on `day` has expired by `now` (it was recorded before the day ended). */
export function eventDayExpired(day: string, now: number, maxTtlMs: number): boolean {
  const start = Date.parse(`${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}T00:00:00Z`);
  return start + DAY_MS + maxTtlMs <= now;
}

/** The blob container of a store: `nspg-state` for the default prefix. */
export function containerName(prefix: string): string {
  assertValidPrefix(prefix);
  return `${prefix.toLowerCase()}-state`;
}

/** Folders of the container, one per kind of document. */
export type BlobKind = "findings" | "perimeters" | "dirty" | "readiness";

export function blobName(kind: BlobKind, armId: string): string {
  return `${kind}/${resourceKey(armId)}.json`;
}

/** Empty blob whose lease serialises replacements of one perimeter's index entries. */
export function indexLockBlobName(perimeterId: string): string {
  return `locks/index/${resourceKey(perimeterId)}`;
}

/** Blob holding the "index is warm" flag. */
export const INDEX_WARM_BLOB = "meta/index-warm.json";

/**
 * Blob metadata values must be ASCII without control characters; ARM names may be neither, so the
 * original id is percent-encoded there.
 */
export function encodeMetadataValue(value: string): string {
  return encodeURIComponent(value);
}

export function decodeMetadataValue(value: string): string {
  return decodeURIComponent(value);
}
