/**
 * StateStore on an Azure Storage account: Tables for rows, Blobs for documents.
 *
 * - Documents (findings of a perimeter, perimeter caches with their last known good bodies, dirty markers) are
 *   JSON blobs in one container. A perimeter's findings or cache easily exceed the 64 KiB property and
 *   1 MiB entity limits of Tables, and a blob write is atomic whatever its size, so the ETag contract
 *   holds per perimeter with a plain conditional Put Blob (`If-Match`, or `If-None-Match: *` to create).
 * - Rows (the reverse index, processed event ids) are table entities: many small records read by a
 *   point or partition query and written with insert-if-absent / ETag conditions.
 *
 * Everything is keyed by the sha256 of the normalised id (see keys.ts); the original id is kept in a
 * column, in blob metadata or in the JSON body. Conditional failures (412, 409, and 404 on a
 * conditional write) surface as `ConcurrencyError`; a 404 on a read is "absent".
 */
import { randomUUID } from "node:crypto";
import { odata, TableClient, TableServiceClient, TableTransaction, type TableEntityResult } from "@azure/data-tables";
import type { TokenCredential } from "@azure/identity";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import {
  ConcurrencyError,
  type DirtyMarker,
  type PerimeterCache,
  type ReadinessMemory,
  type StateStore,
  type StoredFinding,
  type Versioned,
} from "./stateStore.js";
import {
  blobName,
  containerName,
  decodeMetadataValue,
  DEFAULT_PREFIX,
  encodeMetadataValue,
  eventDayExpired,
  eventDaysWithin,
  eventKey,
  INDEX_WARM_BLOB,
  indexLockBlobName,
  resourceKey,
  tableNames,
} from "./keys.js";
import { statusOf } from "../model/errors.js";

export interface TableStateStoreOptions {
  /** Prefix of the table names and the container (`nspg` → tables `nspg…`, container `nspg-state`). */
  prefix?: string;
  /** Clock in epoch milliseconds for event expiry (tests move it forward); default `Date.now`. */
  clock?: () => number;
  /**
   * How often an instance deletes expired event ids while marking events (Tables have no TTL);
   * default 10 minutes, 0 = never (call `purgeExpiredEvents` yourself).
   */
  eventPurgeIntervalMs?: number;
  /** Retries of the Azure SDK clients on throttling, 5xx and network errors; default: the SDKs' own. */
  retry?: RetryOptions;
}

export interface RetryOptions {
  maxRetries?: number;
  retryDelayInMs?: number;
  maxRetryDelayInMs?: number;
}

export interface TableStateStoreIdentityOptions extends TableStateStoreOptions {
  /** Storage account name, as in the `AzureWebJobsStorage__accountName` setting. */
  accountName: string;
  /** A Microsoft Entra credential (DefaultAzureCredential, ManagedIdentityCredential, …). */
  credential: TokenCredential;
  /** Default `https://{accountName}.table.core.windows.net`. */
  tableEndpoint?: string;
  /** Default `https://{accountName}.blob.core.windows.net`. */
  blobEndpoint?: string;
}

interface StoreClients {
  tables: Record<"resourceIndex" | "perimeterIndex", TableClient>;
  container: ContainerClient;
  /** A client for any table of the account by name (the daily event tables). */
  table: (name: string) => TableClient;
  service: TableServiceClient;
}

/** Where a conditional write may land. */
type WriteCondition = { kind: "create" } | { kind: "match"; etag: string } | { kind: "any" };

function conditionFor(etag: string | undefined): WriteCondition {
  return etag === undefined ? { kind: "create" } : { kind: "match", etag };
}

/** Body of a findings blob: the id travels with the findings (the blob name is only a hash). */
interface FindingsDocument {
  perimeterId: string;
  findings: StoredFinding[];
}

interface IndexRow {
  resourceId: string;
  perimeterId: string;
}

interface EventRow {
  eventId: string;
  expiresAt: Date;
  /** Random per write, so that a write the SDK retried after a lost response is recognised as ours. */
  writeToken: string;
}

/** Blob metadata keys, lower case: they travel as HTTP headers and come back lower-cased. */
const ID_METADATA = "resourceid";
const WRITE_TOKEN_METADATA = "writetoken";

const EVENT_ROW_KEY = "event";
/** Entity Group Transactions take at most 100 operations. */
const TRANSACTION_SIZE = 100;
/** Parallel requests for index rows that live in different partitions. */
const WRITE_CONCURRENCY = 16;
const INDEX_LEASE_SECONDS = 30;
/** How long `setIndexForPerimeter` waits for another instance replacing the same perimeter's entries. */
const INDEX_LOCK_WAIT_MS = 120_000;
const DEFAULT_EVENT_PURGE_INTERVAL_MS = 10 * 60_000;

export class TableStateStore implements StateStore {
  readonly tableNames: ReturnType<typeof tableNames>;
  readonly containerName: string;
  private readonly tables: StoreClients["tables"];
  private readonly container: ContainerClient;
  private readonly clock: () => number;
  private readonly eventPurgeIntervalMs: number;
  private lastEventPurge: number;
  private readonly service: TableServiceClient;
  private readonly tableFor: (name: string) => TableClient;
  /** The longest time to live asked for: a day's table is deleted once that long has passed since the day ended. */
  private maxEventTtlMs = 0;

  /**
   * From a connection string: `UseDevelopmentStorage=true` (Azurite on its default ports) or an
   * account connection string, e.g. one naming Azurite's endpoints on other ports.
   */
  static fromConnectionString(connectionString: string, options: TableStateStoreOptions = {}): TableStateStore {
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    // The Tables SDK refuses to sign plain-http requests unless told to; Azurite speaks http.
    const allowInsecureConnection = /(^|;)\s*(TableEndpoint\s*=\s*http:|DefaultEndpointsProtocol\s*=\s*http\s*(;|$))/i.test(connectionString);
    const table = (name: string) =>
      TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection, ...tableRetryOptions(options.retry) });
    const container = BlobServiceClient.fromConnectionString(connectionString, blobRetryOptions(options.retry)).getContainerClient(
      containerName(prefix),
    );
    const service = TableServiceClient.fromConnectionString(connectionString, { allowInsecureConnection, ...tableRetryOptions(options.retry) });
    return new TableStateStore(clientsFor(prefix, table, container, service), options);
  }

  /** With a Microsoft Entra identity (in Azure: the Function app's managed identity). */
  static fromIdentity(options: TableStateStoreIdentityOptions): TableStateStore {
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    const tableEndpoint = trimSlash(options.tableEndpoint ?? `https://${options.accountName}.table.core.windows.net`);
    const blobEndpoint = trimSlash(options.blobEndpoint ?? `https://${options.accountName}.blob.core.windows.net`);
    const table = (name: string) => new TableClient(tableEndpoint, name, options.credential, tableRetryOptions(options.retry));
    const container = new BlobServiceClient(blobEndpoint, options.credential, blobRetryOptions(options.retry)).getContainerClient(
      containerName(prefix),
    );
    const service = new TableServiceClient(tableEndpoint, options.credential, tableRetryOptions(options.retry));
    return new TableStateStore(clientsFor(prefix, table, container, service), options);
  }

  private constructor(clients: StoreClients, options: TableStateStoreOptions) {
    this.tables = clients.tables;
    this.container = clients.container;
    this.service = clients.service;
    const tableFor = clients.table;
    const eventTables = new Map<string, TableClient>();
    this.tableFor = (name) => {
      let client = eventTables.get(name);
      if (!client) {
        // A handful of days are ever in use; forget the rest.
        if (eventTables.size > 32) eventTables.clear();
        client = tableFor(name);
        eventTables.set(name, client);
      }
      return client;
    };
    this.tableNames = tableNames(options.prefix ?? DEFAULT_PREFIX);
    this.containerName = this.container.containerName;
    this.clock = options.clock ?? Date.now;
    this.eventPurgeIntervalMs = options.eventPurgeIntervalMs ?? DEFAULT_EVENT_PURGE_INTERVAL_MS;
    this.lastEventPurge = this.clock();
  }

  /** Where the store lives (for logs and diagnostics). */
  get endpoints(): { table: string; blob: string } {
    // TableClient.url is the account URL; a ContainerClient's ends with the container name.
    return { table: this.tables.resourceIndex.url, blob: this.container.url.slice(0, this.container.url.lastIndexOf("/")) };
  }

  /** Creates the tables and the container when missing; safe to call again and from several instances. */
  async init(): Promise<void> {
    // createTable already treats "exists" as success; createIfNotExists does the same for the container.
    await Promise.all([...Object.values(this.tables).map((table) => table.createTable()), this.container.createIfNotExists()]);
  }

  // Findings: one JSON blob per perimeter, so a replacement is one atomic conditional write.

  async getFindings(perimeterId: string): Promise<Versioned<StoredFinding[]>> {
    const document = await this.readDocument<FindingsDocument>(blobName("findings", perimeterId));
    return document ? { value: document.value.findings, etag: document.etag } : { value: [], etag: undefined };
  }

  async putFindings(perimeterId: string, findings: StoredFinding[], etag: string | undefined): Promise<string> {
    const document: FindingsDocument = { perimeterId, findings };
    return this.writeDocument(blobName("findings", perimeterId), perimeterId, document, conditionFor(etag), "findings");
  }

  // Perimeter cache.

  async getPerimeterCache(perimeterId: string): Promise<Versioned<PerimeterCache | undefined>> {
    const document = await this.readDocument<PerimeterCache>(blobName("perimeters", perimeterId));
    return document ?? { value: undefined, etag: undefined };
  }

  async putPerimeterCache(cache: PerimeterCache, etag: string | undefined): Promise<string> {
    return this.writeDocument(blobName("perimeters", cache.perimeterId), cache.perimeterId, cache, conditionFor(etag), "perimeter cache");
  }

  async deletePerimeterCache(perimeterId: string, etag?: string): Promise<void> {
    const blob = this.container.getBlobClient(blobName("perimeters", perimeterId));
    if (etag === undefined) {
      await blob.deleteIfExists();
      return;
    }
    try {
      await blob.delete({ conditions: { ifMatch: etag } });
    } catch (error) {
      if (statusOf(error) === 404) return;
      if (isConditionFailure(error)) throw new ConcurrencyError(`perimeter cache of ${perimeterId} was changed by someone else (ETag ${etag})`);
      throw error;
    }
  }

  async listCachedPerimeters(): Promise<string[]> {
    const perimeterIds: string[] = [];
    for await (const blob of this.container.listBlobsFlat({ prefix: "perimeters/", includeMetadata: true })) {
      const encoded = blob.metadata?.[ID_METADATA];
      if (encoded) perimeterIds.push(decodeMetadataValue(encoded));
    }
    return perimeterIds;
  }

  // Reverse index: a row per (resource, perimeter) partitioned by resource, so a lookup is one partition
  // query, mirrored by rows partitioned by perimeter, so a replacement can find what to remove.

  async getPerimetersOf(resourceId: string): Promise<string[]> {
    const rows = this.tables.resourceIndex.listEntities<IndexRow>({
      queryOptions: { filter: odata`PartitionKey eq ${resourceKey(resourceId)}`, select: ["perimeterId"] },
    });
    const perimeterIds: string[] = [];
    for await (const row of rows) perimeterIds.push(row.perimeterId);
    return perimeterIds;
  }

  async setIndexForPerimeter(perimeterId: string, resourceIds: readonly string[]): Promise<void> {
    const perimeterKey = resourceKey(perimeterId);
    const wanted = new Map<string, string>();
    for (const resourceId of resourceIds) {
      const key = resourceKey(resourceId);
      if (!wanted.has(key)) wanted.set(key, resourceId);
    }

    // Two instances diffing the same perimeter at once could each remove what the other adds; the lease
    // makes replacements of one perimeter take turns.
    await this.withIndexLock(perimeterId, async () => {
      const existing = new Set<string>();
      const mirrorRows = this.tables.perimeterIndex.listEntities<IndexRow>({
        queryOptions: { filter: odata`PartitionKey eq ${perimeterKey}`, select: ["RowKey"] },
      });
      for await (const row of mirrorRows) if (row.rowKey !== undefined) existing.add(row.rowKey);
      const added = [...wanted].filter(([key]) => !existing.has(key));
      const removed = [...existing].filter((key) => !wanted.has(key));
      if (added.length === 0 && removed.length === 0) return;

      // Order matters if this instance dies halfway: the rows readers see are written first and the
      // mirror (what the next diff reads) last, so a crash leaves at worst an extra entry (a needless
      // evaluation), never a missing one (a missed event).
      await forEachLimited(added, WRITE_CONCURRENCY, ([key, resourceId]) =>
        this.tables.resourceIndex.upsertEntity<IndexRow>({ partitionKey: key, rowKey: perimeterKey, resourceId, perimeterId }, "Replace"),
      );
      await forEachLimited(removed, WRITE_CONCURRENCY, (key) => ignoreNotFound(this.tables.resourceIndex.deleteEntity(key, perimeterKey)));

      const mirrorActions: TableTransaction[] = [];
      const operations = [
        ...added.map(([key, resourceId]) => ({ kind: "upsert" as const, key, resourceId })),
        ...removed.map((key) => ({ kind: "delete" as const, key })),
      ];
      for (let start = 0; start < operations.length; start += TRANSACTION_SIZE) {
        const transaction = new TableTransaction();
        for (const operation of operations.slice(start, start + TRANSACTION_SIZE)) {
          if (operation.kind === "upsert") {
            transaction.upsertEntity<IndexRow>({ partitionKey: perimeterKey, rowKey: operation.key, resourceId: operation.resourceId, perimeterId }, "Replace");
          } else {
            transaction.deleteEntity(perimeterKey, operation.key);
          }
        }
        mirrorActions.push(transaction);
      }
      for (const transaction of mirrorActions) await this.submitMirrorTransaction(transaction);
    });
  }

  async isIndexWarm(): Promise<boolean> {
    return this.container.getBlobClient(INDEX_WARM_BLOB).exists();
  }

  async markIndexWarm(): Promise<void> {
    await this.writeDocument(INDEX_WARM_BLOB, "index", { warmAt: new Date(this.clock()).toISOString() }, { kind: "any" }, "index flag");
  }

  // Processed events: one table per UTC day (`nspgEvents20261128`), insert-if-absent in today's, a
  // point read in the earlier days the time to live reaches; a day's table is deleted whole once all
  // its ids have expired (one call, however many ids), so neither the store nor its purge grows with
  // the subscription's traffic. An expired row of today is taken over with an ETag-conditional replace.
  async markEventProcessed(eventId: string, ttlMs: number): Promise<boolean> {
    const now = this.clock();
    this.maxEventTtlMs = Math.max(this.maxEventTtlMs, ttlMs);
    const partitionKey = eventKey(eventId);
    const days = eventDaysWithin(now, ttlMs);
    for (const day of days.slice(0, -1)) {
      const earlier = await this.readEvent(this.eventTable(day), partitionKey);
      if (earlier && toMillis(earlier.expiresAt) > now) return false;
    }
    const row = { partitionKey, rowKey: EVENT_ROW_KEY, eventId: eventId.slice(0, 1_000), expiresAt: new Date(now + ttlMs), writeToken: randomUUID() };
    const first = await this.recordEvent(days[days.length - 1]!, row, now);
    await this.purgeOpportunistically(now);
    return first;
  }

  async isEventProcessed(eventId: string, ttlMs: number): Promise<boolean> {
    const now = this.clock();
    const partitionKey = eventKey(eventId);
    for (const day of eventDaysWithin(now, Math.max(ttlMs, this.maxEventTtlMs))) {
      const row = await this.readEvent(this.eventTable(day), partitionKey);
      if (row && toMillis(row.expiresAt) > now) return true;
    }
    return false;
  }

  private eventTable(day: string): TableClient {
    return this.tableFor(`${this.tableNames.events}${day}`);
  }

  private async readEvent(table: TableClient, partitionKey: string): Promise<TableEntityResult<EventRow> | undefined> {
    try {
      return await table.getEntity<EventRow>(partitionKey, EVENT_ROW_KEY);
    } catch (error) {
      if (statusOf(error) === 404) return undefined; // no such row, or no table for that day
      throw error;
    }
  }

  private async recordEvent(day: string, row: EventRow & { partitionKey: string; rowKey: string }, now: number): Promise<boolean> {
    const table = this.eventTable(day);
    // A few rounds at most: each conflict means another writer or a purge moved the row meanwhile.
    for (let round = 0; round < 5; round++) {
      try {
        await table.createEntity(row);
        return true;
      } catch (error) {
        const status = statusOf(error);
        if (status === 404) {
          // The day's first event: its table does not exist yet.
          await table.createTable();
          continue;
        }
        if (status !== 409) throw error;
      }
      const current = await this.readEvent(table, row.partitionKey);
      if (!current) continue; // purged since: insert again
      if (current.writeToken === row.writeToken) return true;
      if (toMillis(current.expiresAt) > now) return false;
      try {
        await table.updateEntity(row, "Replace", { etag: current.etag });
        return true;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Someone else took the expired row over (or purged it): look again.
      }
    }
    throw new ConcurrencyError(`could not record event ${row.eventId}: its row kept changing`);
  }

  private async purgeOpportunistically(now: number): Promise<void> {
    if (this.eventPurgeIntervalMs <= 0 || now - this.lastEventPurge < this.eventPurgeIntervalMs) return;
    this.lastEventPurge = now;
    // Best effort: a failed purge is retried at the next interval and never fails an event.
    await this.purgeExpiredEvents().catch(() => undefined);
  }

  /** Deletes the day tables whose ids have all expired (Tables have no TTL); returns how many. */
  async purgeExpiredEvents(): Promise<number> {
    const now = this.clock();
    let purged = 0;
    for (const day of await this.eventDays()) {
      if (!eventDayExpired(day, now, this.maxEventTtlMs)) continue;
      try {
        await this.eventTable(day).deleteTable();
        purged++;
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
    }
    return purged;
  }

  /** The days that have an event table, oldest first (the store lists its own tables by name). */
  async eventDays(): Promise<string[]> {
    const prefix = this.tableNames.events;
    const days: string[] = [];
    for await (const table of this.service.listTables()) {
      const name = table.name ?? "";
      if (name.startsWith(prefix) && /^\d{8}$/.test(name.slice(prefix.length))) days.push(name.slice(prefix.length));
    }
    return days.sort();
  }

  // Dirty markers: blobs, as a burst of changes can outgrow a table property.

  async getDirty(perimeterId: string): Promise<Versioned<DirtyMarker | undefined>> {
    const document = await this.readDocument<DirtyMarker>(blobName("dirty", perimeterId));
    return document ?? { value: undefined, etag: undefined };
  }

  async putDirty(marker: DirtyMarker, etag: string | undefined): Promise<string> {
    return this.writeDocument(blobName("dirty", marker.perimeterId), marker.perimeterId, marker, conditionFor(etag), "dirty marker");
  }

  async deleteDirty(perimeterId: string, etag: string): Promise<void> {
    try {
      await this.container.getBlobClient(blobName("dirty", perimeterId)).delete({ conditions: { ifMatch: etag } });
    } catch (error) {
      if (isConditionFailure(error)) throw new ConcurrencyError(`dirty marker of ${perimeterId} was changed by someone else (ETag ${etag})`);
      throw error;
    }
  }

  // Readiness verdicts: a small blob per association.

  async getReadinessMemory(associationId: string): Promise<Versioned<ReadinessMemory | undefined>> {
    const document = await this.readDocument<ReadinessMemory>(blobName("readiness", associationId));
    return document ?? { value: undefined, etag: undefined };
  }

  async putReadinessMemory(memory: ReadinessMemory, etag: string | undefined): Promise<string> {
    return this.writeDocument(blobName("readiness", memory.associationId), memory.associationId, memory, conditionFor(etag), "readiness verdict");
  }

  // Documents.

  /** One GET, so body and ETag belong to the same version; `undefined` when the blob does not exist. */
  private async readDocument<T>(name: string): Promise<{ value: T; etag: string } | undefined> {
    try {
      const response = await this.container.getBlobClient(name).download();
      const body = response.readableStreamBody ? await readAll(response.readableStreamBody) : Buffer.alloc(0);
      return { value: JSON.parse(body.toString("utf8")) as T, etag: requireEtag(response.etag, name) };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  private async writeDocument(name: string, id: string, value: unknown, condition: WriteCondition, what: string): Promise<string> {
    const body = Buffer.from(JSON.stringify(value), "utf8");
    const writeToken = randomUUID();
    const blob = this.container.getBlockBlobClient(name);
    try {
      // A single Put Blob (not a block upload) so that the condition and the whole body go together.
      const response = await blob.upload(body, body.length, {
        conditions: condition.kind === "create" ? { ifNoneMatch: "*" } : condition.kind === "match" ? { ifMatch: condition.etag } : {},
        metadata: { [ID_METADATA]: encodeMetadataValue(id), [WRITE_TOKEN_METADATA]: writeToken },
        blobHTTPHeaders: { blobContentType: "application/json; charset=utf-8" },
      });
      return requireEtag(response.etag, name);
    } catch (error) {
      if (condition.kind === "any" || !isConditionFailure(error)) throw error;
      // The SDK retries a request whose response was lost; the retry then fails the condition the first
      // attempt satisfied. The write token tells that case apart from a real conflict.
      const current = await blob.getProperties().catch(() => undefined);
      if (current?.metadata?.[WRITE_TOKEN_METADATA] === writeToken && current.etag) return current.etag;
      const reason = condition.kind === "create" ? "it already exists" : `its ETag is no longer ${condition.etag}`;
      throw new ConcurrencyError(`${what} of ${id} was changed by someone else (${reason})`);
    }
  }

  // Index lock and mirror writes.

  private async withIndexLock<T>(perimeterId: string, work: () => Promise<T>): Promise<T> {
    const blob = this.container.getBlockBlobClient(indexLockBlobName(perimeterId));
    const lease = blob.getBlobLeaseClient(randomUUID());
    // Real time, not `clock`: this is waiting, not expiry.
    const deadline = Date.now() + INDEX_LOCK_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        await lease.acquireLease(INDEX_LEASE_SECONDS);
        break;
      } catch (error) {
        const status = statusOf(error);
        if (status === 404) {
          // First replacement of this perimeter: create the lock blob (another instance may race us to it).
          await blob.upload("", 0, { conditions: { ifNoneMatch: "*" } }).catch((createError: unknown) => {
            if (!isConditionFailure(createError)) throw createError;
          });
        } else if (status === 409 && Date.now() < deadline) {
          await sleep(Math.min(1_000, 25 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random()));
        } else if (status === 409) {
          throw new ConcurrencyError(`index of ${perimeterId} is being replaced by another instance (waited ${INDEX_LOCK_WAIT_MS} ms)`);
        } else {
          throw error;
        }
      }
    }
    // Long replacements (thousands of rows) outlive one lease period.
    const renewal = setInterval(() => void lease.renewLease().catch(() => undefined), (INDEX_LEASE_SECONDS * 1_000) / 3);
    renewal.unref();
    try {
      return await work();
    } finally {
      clearInterval(renewal);
      await lease.releaseLease().catch(() => undefined);
    }
  }

  /**
   * Mirror rows of one perimeter share a partition, so they go in transactions of 100. A transaction
   * fails as a whole when one delete finds nothing (a crashed predecessor got that far), so it is then
   * replayed one operation at a time, ignoring what is already gone.
   */
  private async submitMirrorTransaction(transaction: TableTransaction): Promise<void> {
    try {
      await this.tables.perimeterIndex.submitTransaction(transaction.actions);
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      await forEachLimited(transaction.actions, WRITE_CONCURRENCY, async (action) => {
        const [kind, entity] = action;
        if (kind === "delete") await ignoreNotFound(this.tables.perimeterIndex.deleteEntity(entity.partitionKey, entity.rowKey));
        else if (kind === "upsert") await this.tables.perimeterIndex.upsertEntity(entity, "Replace");
      });
    }
  }
}

function clientsFor(prefix: string, table: (name: string) => TableClient, container: ContainerClient, service: TableServiceClient): StoreClients {
  const names = tableNames(prefix);
  return {
    tables: { resourceIndex: table(names.resourceIndex), perimeterIndex: table(names.perimeterIndex) },
    container,
    table,
    service,
  };
}

/** The two SDKs spell retry options differently (Blobs count tries, Tables retries). */
function tableRetryOptions(retry: RetryOptions | undefined) {
  return retry ? { retryOptions: { ...retry } } : {};
}

function blobRetryOptions(retry: RetryOptions | undefined) {
  if (!retry) return {};
  const { maxRetries, ...delays } = retry;
  return { retryOptions: { ...delays, ...(maxRetries === undefined ? {} : { maxTries: maxRetries + 1 }) } };
}

/** HTTP status of an Azure SDK error (RestError and friends), without depending on the class. */

/** 412 (ETag mismatch), 409 (already exists, lease held) or 404 (gone) on a conditional write. */
function isConditionFailure(error: unknown): boolean {
  const status = statusOf(error);
  return status === 412 || status === 409 || status === 404;
}

async function ignoreNotFound(operation: Promise<unknown>): Promise<void> {
  try {
    await operation;
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
  }
}

function requireEtag(etag: string | undefined, name: string): string {
  if (!etag) throw new Error(`storage returned no ETag for ${name}`);
  return etag;
}

function toMillis(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "string") return Date.parse(value);
  return Number.NaN;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk);
  return Buffer.concat(chunks);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `work` over `items` with at most `limit` in flight; rejects with the first failure. */
async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
