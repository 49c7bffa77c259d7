/**
 * The revert ledger: the audit trail of every revert the guardrail planned, applied, skipped or failed,
 * and of every `nsp-guardrail undo`. It is also what the safety rails count (flapping, the hourly cap),
 * how the guardrail recognises its own writes (by the version they left: `systemData.lastModifiedAt`
 * and a hash of the writable state, as NSP resources have no ETags), and where a revert that failed
 * on an ARM error waits for the queue's retry.
 *
 * A port with two adapters: in memory (tests, replay) and Azure Tables + Blobs (the Functions app),
 * the bodies in blobs because an access rule with many prefixes can outgrow a table property.
 */
import { randomBytes } from "node:crypto";
import { odata, TableClient } from "@azure/data-tables";
import type { TokenCredential } from "@azure/core-auth";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { idKey } from "../model/armId.js";
import type { ArmResource } from "../model/resource.js";
import { assertValidPrefix, DEFAULT_PREFIX, resourceKey } from "./keys.js";
import { statusOf } from "../model/errors.js";

export type RevertStatus = "planned" | "applied" | "skipped" | "failed";
export type RevertKind = "revert" | "undo";

export interface RevertRecord {
  /** `rv-…` for reverts, `un-…` for undos; sortable by time. */
  revertId: string;
  kind: RevertKind;
  /** For an undo: the revert it undid. */
  undoOf?: string;
  /** For a revert that was undone: the undo that did it. */
  undoneBy?: string;
  /** When the record was first made, and last changed (ISO 8601). */
  time: string;
  updatedAt: string;
  /** When the write landed (applied records). */
  appliedAt?: string;
  perimeterId: string;
  ruleId: string;
  /** The finding's resource. */
  resourceId: string;
  /** The association or access rule written (absent when nothing could be targeted). */
  targetId?: string;
  operation: "restore" | "delete" | "none";
  status: RevertStatus;
  reason: string;
  /** The change being reverted: its event and the caller ARM reported. */
  cause?: { eventId: string; caller?: { objectId?: string; appId?: string } };
  /** Who made the change, as ARM's systemData (checked against the event's claims) establishes it. */
  author?: { by: string; byType?: string; at?: string };
  /** Who asked (an undo: the operator's object id when the token says it). */
  actor?: string;
  /** The target as evaluated, before the write (absent: it did not exist). */
  before?: ArmResource;
  /** The body written: the intended one until the write lands, then ARM's answer (absent for a delete). */
  after?: ArmResource;
  /** The ETag the write was conditional on (`*` with If-None-Match: creation), for types with ETags. */
  ifMatch?: string;
  /**
   * The version the write left, verified on a re-read (`{lastModifiedAt}#{hash of the writable state}`):
   * the guardrail recognises its own change by it, and `undo` checks nobody changed the target since.
   */
  resultVersion?: string;
  /** Write attempts made (queue retries add one each). */
  attempts: number;
  /** A failed attempt that the next evaluation of the perimeter retries. */
  retryPending: boolean;
}

/** A record without its bodies (what queries return). */
export type RevertSummary = Omit<RevertRecord, "before" | "after">;

export interface RevertQuery {
  perimeterId?: string;
  targetId?: string;
  kind?: RevertKind;
  statuses?: readonly RevertStatus[];
  /** Records changed at or after this time. */
  since?: Date;
  /**
   * Records created at or after this time. The Azure adapter turns it into a RowKey range, so that the
   * executor's frequent queries (pending retries, the rails) read the recent records, not the whole history.
   */
  createdSince?: Date;
  retryPending?: boolean;
}

export interface RevertLedger {
  /** Creates or replaces a record (the revert id is the key). */
  put(record: RevertRecord): Promise<void>;
  /** A record with its bodies; undefined for an unknown id. */
  get(revertId: string): Promise<RevertRecord | undefined>;
  /** Records matching every given criterion, oldest (by creation) first, without bodies. */
  list(query?: RevertQuery): Promise<RevertSummary[]>;
  /**
   * Takes one of the `max` write slots of the sliding window ending at `now`, for `revertId`, in one
   * conditional update of a document every instance shares: two instances cannot both take the last
   * slot (the hourly cap holds across instances). Idempotent per revert id (a retried write keeps its slot).
   */
  reserveWriteSlot(revertId: string, now: Date, max: number, windowMs: number): Promise<SlotReservation>;
}

export interface SlotReservation {
  granted: boolean;
  /** Slots taken in the window, this one included when granted. */
  taken: number;
  /** When the oldest slot of the window frees, when refused. */
  freesAt?: Date;
}

/** The shared slot document: revert ids with the time their slot was taken. */
type SlotEntries = Array<{ revertId: string; at: number }>;

/** The decision on the slot document: its next content and the answer. */
function decideSlot(entries: SlotEntries, revertId: string, now: Date, max: number, windowMs: number): { next?: SlotEntries; answer: SlotReservation } {
  const live = entries.filter((e) => e.at > now.getTime() - windowMs);
  if (live.some((e) => e.revertId === revertId)) return { answer: { granted: true, taken: live.length } };
  if (live.length >= max) {
    const oldest = Math.min(...live.map((e) => e.at));
    return { answer: { granted: false, taken: live.length, ...(Number.isFinite(oldest) ? { freesAt: new Date(oldest + windowMs) } : {}) } };
  }
  const next = [...live, { revertId, at: now.getTime() }];
  return { next, answer: { granted: true, taken: next.length } };
}

const SLOT_ATTEMPTS = 20;

/** A new sortable id: `rv-20261122T080000123Z-3f2a9c1b` (or `un-…` for an undo). */
export function newRevertId(kind: RevertKind, now: Date = new Date()): string {
  const stamp = compactTime(now);
  return `${kind === "undo" ? "un" : "rv"}-${stamp}-${randomBytes(4).toString("hex")}`;
}

const REVERT_ID = /^(rv|un)-(\d{8}T\d{9}Z)-[0-9a-f]{8}$/;

export function isRevertId(value: string): boolean {
  return REVERT_ID.test(value);
}

/** Oldest first, reverts and undos interleaved by the time in their ids. */
function byCreation(a: { revertId: string }, b: { revertId: string }): number {
  const ka = orderKey(a.revertId);
  const kb = orderKey(b.revertId);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function orderKey(revertId: string): string {
  const m = REVERT_ID.exec(revertId);
  return m ? `${m[2]}_${revertId}` : revertId;
}

/** `20261122T080000123Z`: the compact UTC time revert ids start with. */
function compactTime(at: Date): string {
  return at.toISOString().replace(/[-:.]/g, "");
}

function summaryOf(record: RevertRecord): RevertSummary {
  const { before: _before, after: _after, ...summary } = record;
  return summary;
}

function matches(record: RevertSummary, query: RevertQuery): boolean {
  if (query.perimeterId !== undefined && idKey(record.perimeterId) !== idKey(query.perimeterId)) return false;
  if (query.targetId !== undefined && (!record.targetId || idKey(record.targetId) !== idKey(query.targetId))) return false;
  if (query.kind !== undefined && record.kind !== query.kind) return false;
  if (query.statuses !== undefined && !query.statuses.includes(record.status)) return false;
  if (query.since !== undefined && record.updatedAt < query.since.toISOString()) return false;
  if (query.createdSince !== undefined && record.time < query.createdSince.toISOString()) return false;
  if (query.retryPending !== undefined && record.retryPending !== query.retryPending) return false;
  return true;
}

export class MemoryRevertLedger implements RevertLedger {
  private readonly records = new Map<string, RevertRecord>();
  private slots: SlotEntries = [];

  async reserveWriteSlot(revertId: string, now: Date, max: number, windowMs: number): Promise<SlotReservation> {
    const { next, answer } = decideSlot(this.slots, revertId, now, max, windowMs);
    if (next) this.slots = next;
    return answer;
  }

  async put(record: RevertRecord): Promise<void> {
    this.records.set(record.revertId, structuredClone(record));
  }

  async get(revertId: string): Promise<RevertRecord | undefined> {
    const record = this.records.get(revertId);
    return record ? structuredClone(record) : undefined;
  }

  async list(query: RevertQuery = {}): Promise<RevertSummary[]> {
    return [...this.records.values()]
      .filter((r) => matches(r, query))
      .sort(byCreation)
      .map((r) => structuredClone(summaryOf(r)));
  }

  /** Every record with its bodies (tests, replay output). */
  all(): RevertRecord[] {
    return [...this.records.values()].sort(byCreation).map((r) => structuredClone(r));
  }
}

// ---------------------------------------------------------------------------------------------------
// Azure Tables + Blobs

export interface TableRevertLedgerOptions {
  /** Prefix of the table and container (`nspg` → table `nspgReverts`, container `nspg-reverts`). */
  prefix?: string;
  retry?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
}

export interface TableRevertLedgerIdentityOptions extends TableRevertLedgerOptions {
  accountName: string;
  credential: TokenCredential;
  tableEndpoint?: string;
  blobEndpoint?: string;
}

/** All records in one partition: reverts are few (the hourly cap), and one partition keeps queries simple. */
const PARTITION = "revert";
/** The shared sliding window of write slots (the hourly cap). */
const SLOTS_BLOB = "write-slots.json";

async function readStream(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

/**
 * RowKey of a record: its creation time first (`20261122T080000123Z_rv-…`), so that reverts and undos
 * share one time order and "created since" is a RowKey range; the id alone still gives the key.
 */
function rowKeyOf(revertId: string): string | undefined {
  return REVERT_ID.test(revertId) ? orderKey(revertId) : undefined;
}

interface RevertEntity {
  partitionKey: string;
  rowKey: string;
  revertId: string;
  kind: string;
  undoOf?: string;
  undoneBy?: string;
  time: string;
  updatedAt: string;
  appliedAt?: string;
  perimeterId: string;
  perimeterKey: string;
  ruleId: string;
  resourceId: string;
  targetId?: string;
  targetKey?: string;
  operation: string;
  status: string;
  reason: string;
  causeEventId?: string;
  causeObjectId?: string;
  causeAppId?: string;
  authorBy?: string;
  authorType?: string;
  authorAt?: string;
  actor?: string;
  ifMatch?: string;
  resultVersion?: string;
  attempts: number;
  retryPending: boolean;
  hasBefore: boolean;
  hasAfter: boolean;
}

/** Table properties hold at most 32K characters; reasons are far shorter, but never fail a record on one. */
function clip(text: string, max = 8_000): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export class TableRevertLedger implements RevertLedger {
  readonly tableName: string;
  readonly containerName: string;

  static fromConnectionString(connectionString: string, options: TableRevertLedgerOptions = {}): TableRevertLedger {
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    assertValidPrefix(prefix);
    // As the state store: the Tables SDK signs plain-http requests (Azurite) only when told to.
    const allowInsecureConnection = /(^|;)\s*(TableEndpoint\s*=\s*http:|DefaultEndpointsProtocol\s*=\s*http\s*(;|$))/i.test(connectionString);
    const table = TableClient.fromConnectionString(connectionString, `${prefix}Reverts`, { allowInsecureConnection, ...tableRetry(options) });
    const container = BlobServiceClient.fromConnectionString(connectionString, blobRetry(options)).getContainerClient(`${prefix.toLowerCase()}-reverts`);
    return new TableRevertLedger(table, container);
  }

  static fromIdentity(options: TableRevertLedgerIdentityOptions): TableRevertLedger {
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    assertValidPrefix(prefix);
    const tableEndpoint = (options.tableEndpoint ?? `https://${options.accountName}.table.core.windows.net`).replace(/\/+$/, "");
    const blobEndpoint = (options.blobEndpoint ?? `https://${options.accountName}.blob.core.windows.net`).replace(/\/+$/, "");
    const table = new TableClient(tableEndpoint, `${prefix}Reverts`, options.credential, tableRetry(options));
    const container = new BlobServiceClient(blobEndpoint, options.credential, blobRetry(options)).getContainerClient(`${prefix.toLowerCase()}-reverts`);
    return new TableRevertLedger(table, container);
  }

  private constructor(
    private readonly table: TableClient,
    private readonly container: ContainerClient,
  ) {
    this.tableName = table.tableName;
    this.containerName = container.containerName;
  }

  /** Creates the table and the container when missing; safe to call again and from several instances. */
  async init(): Promise<void> {
    await Promise.all([this.table.createTable(), this.container.createIfNotExists()]);
  }

  async put(record: RevertRecord): Promise<void> {
    if (!rowKeyOf(record.revertId)) throw new Error(`revert ledger: not a revert id: ${JSON.stringify(record.revertId)}`);
    // Bodies first: a row never points at a body that is not there.
    await Promise.all([
      this.writeBody(record.revertId, "before", record.before),
      this.writeBody(record.revertId, "after", record.after),
    ]);
    await this.table.upsertEntity<RevertEntity>(toEntity(record), "Replace");
  }

  async get(revertId: string): Promise<RevertRecord | undefined> {
    const rowKey = rowKeyOf(revertId);
    if (!rowKey) return undefined;
    let entity: RevertEntity;
    try {
      entity = await this.table.getEntity<RevertEntity>(PARTITION, rowKey);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
    const summary = fromEntity(entity);
    const [before, after] = await Promise.all([
      entity.hasBefore ? this.readBody(revertId, "before") : undefined,
      entity.hasAfter ? this.readBody(revertId, "after") : undefined,
    ]);
    return { ...summary, ...(before ? { before } : {}), ...(after ? { after } : {}) };
  }

  async reserveWriteSlot(revertId: string, now: Date, max: number, windowMs: number): Promise<SlotReservation> {
    const blob = this.container.getBlockBlobClient(SLOTS_BLOB);
    for (let attempt = 0; attempt < SLOT_ATTEMPTS; attempt++) {
      let entries: SlotEntries = [];
      let etag: string | undefined;
      try {
        const read = await blob.download();
        etag = read.etag;
        entries = JSON.parse((await readStream(read.readableStreamBody)).toString("utf8")) as SlotEntries;
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
      const { next, answer } = decideSlot(entries, revertId, now, max, windowMs);
      if (!next) return answer;
      const text = JSON.stringify(next);
      try {
        await blob.upload(text, Buffer.byteLength(text), {
          blobHTTPHeaders: { blobContentType: "application/json" },
          conditions: etag ? { ifMatch: etag } : { ifNoneMatch: "*" },
        });
        return answer;
      } catch (error) {
        const status = statusOf(error);
        if (status !== 412 && status !== 409) throw error; // another instance took a slot meanwhile: look again
      }
    }
    throw new Error("revert ledger: the write-slot document kept changing; try again");
  }

  async list(query: RevertQuery = {}): Promise<RevertSummary[]> {
    const filters = [odata`PartitionKey eq ${PARTITION}`];
    if (query.perimeterId !== undefined) filters.push(odata`perimeterKey eq ${resourceKey(query.perimeterId)}`);
    if (query.targetId !== undefined) filters.push(odata`targetKey eq ${resourceKey(query.targetId)}`);
    if (query.kind !== undefined) filters.push(odata`kind eq ${query.kind}`);
    if (query.since !== undefined) filters.push(odata`updatedAt ge ${query.since.toISOString()}`);
    if (query.createdSince !== undefined) filters.push(odata`RowKey ge ${compactTime(query.createdSince)}`);
    if (query.retryPending !== undefined) filters.push(odata`retryPending eq ${query.retryPending}`);
    if (query.statuses !== undefined) {
      if (query.statuses.length === 0) return [];
      filters.push(`(${query.statuses.map((s) => odata`status eq ${s}`).join(" or ")})`);
    }
    const out: RevertSummary[] = [];
    for await (const entity of this.table.listEntities<RevertEntity>({ queryOptions: { filter: filters.join(" and ") } })) out.push(fromEntity(entity));
    return out.sort(byCreation);
  }

  private async writeBody(revertId: string, which: "before" | "after", body: ArmResource | undefined): Promise<void> {
    const blob = this.container.getBlockBlobClient(`${revertId}/${which}.json`);
    if (!body) {
      await blob.deleteIfExists();
      return;
    }
    const text = JSON.stringify(body);
    await blob.upload(text, Buffer.byteLength(text), { blobHTTPHeaders: { blobContentType: "application/json" } });
  }

  private async readBody(revertId: string, which: "before" | "after"): Promise<ArmResource | undefined> {
    try {
      const buffer = await this.container.getBlobClient(`${revertId}/${which}.json`).downloadToBuffer();
      return JSON.parse(buffer.toString("utf8")) as ArmResource;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }
}

function toEntity(r: RevertRecord): RevertEntity {
  const optional = <K extends string>(key: K, value: string | undefined) => (value === undefined ? {} : { [key]: value });
  return {
    partitionKey: PARTITION,
    rowKey: rowKeyOf(r.revertId)!,
    revertId: r.revertId,
    kind: r.kind,
    ...optional("undoOf", r.undoOf),
    ...optional("undoneBy", r.undoneBy),
    time: r.time,
    updatedAt: r.updatedAt,
    ...optional("appliedAt", r.appliedAt),
    perimeterId: r.perimeterId,
    perimeterKey: resourceKey(r.perimeterId),
    ruleId: r.ruleId,
    resourceId: r.resourceId,
    ...optional("targetId", r.targetId),
    ...(r.targetId ? { targetKey: resourceKey(r.targetId) } : {}),
    operation: r.operation,
    status: r.status,
    reason: clip(r.reason),
    ...optional("causeEventId", r.cause?.eventId),
    ...optional("causeObjectId", r.cause?.caller?.objectId),
    ...optional("causeAppId", r.cause?.caller?.appId),
    ...optional("authorBy", r.author?.by),
    ...optional("authorType", r.author?.byType),
    ...optional("authorAt", r.author?.at),
    ...optional("actor", r.actor),
    ...optional("ifMatch", r.ifMatch),
    ...optional("resultVersion", r.resultVersion),
    attempts: r.attempts,
    retryPending: r.retryPending,
    hasBefore: r.before !== undefined,
    hasAfter: r.after !== undefined,
  };
}

function fromEntity(e: RevertEntity): RevertSummary {
  const caller = {
    ...(e.causeObjectId ? { objectId: e.causeObjectId } : {}),
    ...(e.causeAppId ? { appId: e.causeAppId } : {}),
  };
  return {
    revertId: e.revertId,
    kind: e.kind as RevertKind,
    ...(e.undoOf ? { undoOf: e.undoOf } : {}),
    ...(e.undoneBy ? { undoneBy: e.undoneBy } : {}),
    time: e.time,
    updatedAt: e.updatedAt,
    ...(e.appliedAt ? { appliedAt: e.appliedAt } : {}),
    perimeterId: e.perimeterId,
    ruleId: e.ruleId,
    resourceId: e.resourceId,
    ...(e.targetId ? { targetId: e.targetId } : {}),
    operation: e.operation as RevertRecord["operation"],
    status: e.status as RevertStatus,
    reason: e.reason,
    ...(e.causeEventId ? { cause: { eventId: e.causeEventId, ...(Object.keys(caller).length ? { caller } : {}) } } : {}),
    ...(e.authorBy ? { author: { by: e.authorBy, ...(e.authorType ? { byType: e.authorType } : {}), ...(e.authorAt ? { at: e.authorAt } : {}) } } : {}),
    ...(e.actor ? { actor: e.actor } : {}),
    ...(e.ifMatch ? { ifMatch: e.ifMatch } : {}),
    ...(e.resultVersion ? { resultVersion: e.resultVersion } : {}),
    attempts: Number(e.attempts) || 0,
    retryPending: e.retryPending === true,
  };
}

function tableRetry(options: TableRevertLedgerOptions) {
  return options.retry ? { retryOptions: { ...options.retry } } : {};
}

function blobRetry(options: TableRevertLedgerOptions) {
  if (!options.retry) return {};
  const { maxRetries, ...delays } = options.retry;
  return { retryOptions: { ...delays, ...(maxRetries === undefined ? {} : { maxTries: maxRetries + 1 }) } };
}

