/**
 * The alert outbox (a port; adapters: in memory, Azure Tables + Blobs): alerts waiting for delivery,
 * what each channel was last told about each finding (dedupe), and each channel's health and rate
 * window. Kept apart from the StateStore so that alert delivery can evolve without touching it.
 *
 * Several instances drain the outbox at once, so every read-modify-write is ETag-conditional: a write
 * against a stale ETag fails with `OutboxConflictError` and the caller re-reads (or lets it go).
 * Secrets (webhook URLs, SMTP passwords) are never stored here: messages name their channel by id.
 */
import { createHash } from "node:crypto";
import { odata, TableClient, TableTransaction, type TableEntityResult } from "@azure/data-tables";
import type { TokenCredential } from "@azure/core-auth";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { statusOf } from "../model/errors.js";

export class OutboxConflictError extends Error {
  override readonly name = "OutboxConflictError";
}

export interface OutboxVersioned<T> {
  value: T;
  etag: string;
}

export type OutboxStatus = "pending" | "delivered";

/** One message for one channel: a single alert or a digest. */
export interface OutboxMessage {
  /** A GUID (ACS uses it as the operation id, so that a resend is recognised). */
  id: string;
  /** Stable id of the channel (never its URL). */
  channelId: string;
  createdAt: string;
  status: OutboxStatus;
  /** Delivery attempts made so far. */
  attempts: number;
  /** Not to be tried before this instant (backoff, Retry-After, rate limit). */
  nextAttemptAt: string;
  /** A sender holds the message until then; another instance leaves it alone meanwhile. */
  leaseUntil?: string;
  lastAttemptAt?: string;
  /** Why the last attempt failed, with secrets already removed. */
  lastError?: string;
  deliveredAt?: string;
  /** A short label for logs and health ("new storage-nfs on stg1", "digest of 12"). */
  summary: string;
  /** What to send, channel-agnostic (JSON). */
  payload: unknown;
}

/** What a channel was last told about a finding. */
export interface NotifiedState {
  state: "open" | "resolved";
  severity: string;
  at: string;
  /** The channel was told the guardrail reverted the change (resolved by that revert). */
  revertId?: string;
}

/** Health and rate window of one channel. */
export interface ChannelState {
  channelId: string;
  /** Start of the current rate-limit window and how many sends it has seen. */
  windowStart?: string;
  sentInWindow: number;
  consecutiveFailures: number;
  failingSince?: string;
  lastSuccessAt?: string;
  lastFailureAt?: string;
  lastError?: string;
  /** After a failure the channel rests until then (its other messages wait, other channels go on). */
  pausedUntil?: string;
}

export interface PendingSummary {
  channelId: string;
  count: number;
  oldestCreatedAt: string;
  maxAttempts: number;
}

export interface AlertOutbox {
  /** Creates tables and containers when missing; safe to call again. */
  init(): Promise<void>;
  /** Stores new messages; a message whose id is already stored is left as it is. Returns the stored versions. */
  add(messages: readonly OutboxMessage[]): Promise<OutboxVersioned<OutboxMessage>[]>;
  get(channelId: string, id: string): Promise<OutboxVersioned<OutboxMessage> | undefined>;
  /** Pending messages whose `nextAttemptAt` and lease have passed, oldest first, at most `limit`. */
  due(now: Date, limit: number): Promise<OutboxVersioned<OutboxMessage>[]>;
  /** Replaces a message if its ETag still matches; throws `OutboxConflictError` otherwise. */
  update(message: OutboxMessage, etag: string): Promise<string>;
  /** Pending messages per channel. */
  pending(): Promise<PendingSummary[]>;
  /** Forgets delivered messages delivered before `deliveredBefore` and resolved ledger entries older than `resolvedBefore`. */
  purge(deliveredBefore: Date, resolvedBefore: Date): Promise<number>;

  getNotified(channelId: string, findingKeys: readonly string[]): Promise<Map<string, NotifiedState>>;
  putNotified(channelId: string, entries: ReadonlyMap<string, NotifiedState>): Promise<void>;

  getChannel(channelId: string): Promise<{ value: ChannelState | undefined; etag: string | undefined }>;
  /** Writes a channel's state if its ETag still matches (`undefined` = must not exist yet). */
  putChannel(state: ChannelState, etag: string | undefined): Promise<string>;
  listChannels(): Promise<ChannelState[]>;
}

function isDue(message: OutboxMessage, now: number): boolean {
  return (
    message.status === "pending" &&
    Date.parse(message.nextAttemptAt) <= now &&
    (message.leaseUntil === undefined || Date.parse(message.leaseUntil) <= now)
  );
}

function byCreation(a: OutboxMessage, b: OutboxMessage): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1;
}

function summarisePending(messages: Iterable<Pick<OutboxMessage, "channelId" | "createdAt" | "attempts">>): PendingSummary[] {
  const byChannel = new Map<string, PendingSummary>();
  for (const m of messages) {
    const s = byChannel.get(m.channelId) ?? { channelId: m.channelId, count: 0, oldestCreatedAt: m.createdAt, maxAttempts: 0 };
    s.count++;
    if (m.createdAt < s.oldestCreatedAt) s.oldestCreatedAt = m.createdAt;
    s.maxAttempts = Math.max(s.maxAttempts, m.attempts);
    byChannel.set(m.channelId, s);
  }
  return [...byChannel.values()];
}

// ---------------------------------------------------------------------------------------------
// In memory

/** For tests and the CLI: the same contract, nothing durable. */
export class MemoryAlertOutbox implements AlertOutbox {
  private readonly messages = new Map<string, OutboxVersioned<OutboxMessage>>();
  private readonly notified = new Map<string, NotifiedState>();
  private readonly channels = new Map<string, OutboxVersioned<ChannelState>>();
  private version = 0;

  async init(): Promise<void> {}

  private nextEtag(): string {
    return `"m${++this.version}"`;
  }

  async add(messages: readonly OutboxMessage[]): Promise<OutboxVersioned<OutboxMessage>[]> {
    return messages.map((message) => {
      const key = `${message.channelId}|${message.id}`;
      let stored = this.messages.get(key);
      if (!stored) {
        stored = { value: structuredClone(message), etag: this.nextEtag() };
        this.messages.set(key, stored);
      }
      return structuredClone(stored);
    });
  }

  async get(channelId: string, id: string): Promise<OutboxVersioned<OutboxMessage> | undefined> {
    const stored = this.messages.get(`${channelId}|${id}`);
    return stored ? structuredClone(stored) : undefined;
  }

  async due(now: Date, limit: number): Promise<OutboxVersioned<OutboxMessage>[]> {
    return [...this.messages.values()]
      .filter((m) => isDue(m.value, now.getTime()))
      .sort((a, b) => byCreation(a.value, b.value))
      .slice(0, limit)
      .map((m) => structuredClone(m));
  }

  async update(message: OutboxMessage, etag: string): Promise<string> {
    const key = `${message.channelId}|${message.id}`;
    const stored = this.messages.get(key);
    if (!stored || stored.etag !== etag) throw new OutboxConflictError(`outbox message ${message.id} was changed by someone else`);
    const next = { value: structuredClone(message), etag: this.nextEtag() };
    this.messages.set(key, next);
    return next.etag;
  }

  async pending(): Promise<PendingSummary[]> {
    return summarisePending([...this.messages.values()].map((m) => m.value).filter((m) => m.status === "pending"));
  }

  async purge(deliveredBefore: Date, resolvedBefore: Date): Promise<number> {
    let removed = 0;
    for (const [key, m] of this.messages) {
      if (m.value.status === "delivered" && Date.parse(m.value.deliveredAt ?? m.value.createdAt) < deliveredBefore.getTime()) {
        this.messages.delete(key);
        removed++;
      }
    }
    for (const [key, n] of this.notified) {
      if (n.state === "resolved" && Date.parse(n.at) < resolvedBefore.getTime()) {
        this.notified.delete(key);
        removed++;
      }
    }
    return removed;
  }

  async getNotified(channelId: string, findingKeys: readonly string[]): Promise<Map<string, NotifiedState>> {
    const out = new Map<string, NotifiedState>();
    for (const key of findingKeys) {
      const state = this.notified.get(`${channelId}|${key}`);
      if (state) out.set(key, { ...state });
    }
    return out;
  }

  async putNotified(channelId: string, entries: ReadonlyMap<string, NotifiedState>): Promise<void> {
    for (const [key, state] of entries) this.notified.set(`${channelId}|${key}`, { ...state });
  }

  async getChannel(channelId: string): Promise<{ value: ChannelState | undefined; etag: string | undefined }> {
    const stored = this.channels.get(channelId);
    return stored ? structuredClone(stored) : { value: undefined, etag: undefined };
  }

  async putChannel(state: ChannelState, etag: string | undefined): Promise<string> {
    const stored = this.channels.get(state.channelId);
    if ((stored?.etag ?? undefined) !== etag) throw new OutboxConflictError(`channel state of ${state.channelId} was changed by someone else`);
    const next = { value: structuredClone(state), etag: this.nextEtag() };
    this.channels.set(state.channelId, next);
    return next.etag;
  }

  async listChannels(): Promise<ChannelState[]> {
    return [...this.channels.values()].map((c) => structuredClone(c.value));
  }
}

// ---------------------------------------------------------------------------------------------
// Azure Tables + Blobs

export interface TableAlertOutboxOptions {
  /** Prefix of the tables and the container (`nspg` → `nspgOutbox`, `nspgNotified`, `nspgChannels`, `nspg-outbox`). */
  prefix?: string;
}

export interface TableAlertOutboxIdentityOptions extends TableAlertOutboxOptions {
  accountName: string;
  credential: TokenCredential;
  /** Default `https://{accountName}.table.core.windows.net`. */
  tableEndpoint?: string;
  /** Default `https://{accountName}.blob.core.windows.net`. */
  blobEndpoint?: string;
}

/** A table string property holds at most 64 KiB of UTF-16; larger payloads (big digests) go to a blob. */
const INLINE_PAYLOAD_LIMIT = 30_000;
const CHANNELS_PARTITION = "channels";
const POINT_READ_CONCURRENCY = 16;
const TRANSACTION_SIZE = 100;

interface MessageEntity {
  partitionKey: string;
  rowKey: string;
  createdAt: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string;
  leaseUntil?: string;
  lastAttemptAt?: string;
  lastError?: string;
  deliveredAt?: string;
  summary: string;
  payload?: string;
  payloadBlob?: string;
}

interface NotifiedEntity {
  partitionKey: string;
  rowKey: string;
  findingKey: string;
  state: NotifiedState["state"];
  severity: string;
  at: string;
  revertId?: string;
}

interface ChannelEntity {
  partitionKey: string;
  rowKey: string;
  state: string;
}

const PREFIX_PATTERN = /^[A-Za-z][A-Za-z0-9]{0,39}$/;

export class TableAlertOutbox implements AlertOutbox {
  /** From a connection string: `UseDevelopmentStorage=true` or an account connection string (Azurite's too). */
  static fromConnectionString(connectionString: string, options: TableAlertOutboxOptions = {}): TableAlertOutbox {
    // The Tables SDK refuses to sign plain-http requests unless told to; Azurite speaks http.
    const allowInsecureConnection =
      /(^|;)\s*(TableEndpoint\s*=\s*http:|DefaultEndpointsProtocol\s*=\s*http\s*(;|$)|UseDevelopmentStorage\s*=\s*true)/i.test(connectionString);
    const prefix = checkedPrefix(options.prefix);
    const table = (name: string) => TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection });
    const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(`${prefix.toLowerCase()}-outbox`);
    return new TableAlertOutbox(prefix, table, container);
  }

  /** With a Microsoft Entra identity (in Azure: the Function app's managed identity). */
  static fromIdentity(options: TableAlertOutboxIdentityOptions): TableAlertOutbox {
    const prefix = checkedPrefix(options.prefix);
    const tableEndpoint = (options.tableEndpoint ?? `https://${options.accountName}.table.core.windows.net`).replace(/\/+$/, "");
    const blobEndpoint = (options.blobEndpoint ?? `https://${options.accountName}.blob.core.windows.net`).replace(/\/+$/, "");
    const table = (name: string) => new TableClient(tableEndpoint, name, options.credential);
    const container = new BlobServiceClient(blobEndpoint, options.credential).getContainerClient(`${prefix.toLowerCase()}-outbox`);
    return new TableAlertOutbox(prefix, table, container);
  }

  private readonly messages: TableClient;
  private readonly notified: TableClient;
  private readonly channels: TableClient;

  private constructor(
    prefix: string,
    table: (name: string) => TableClient,
    private readonly container: ContainerClient,
  ) {
    this.messages = table(`${prefix}Outbox`);
    this.notified = table(`${prefix}Notified`);
    this.channels = table(`${prefix}Channels`);
  }

  async init(): Promise<void> {
    await Promise.all([this.messages.createTable(), this.notified.createTable(), this.channels.createTable(), this.container.createIfNotExists()]);
  }

  // Messages: partition = channel, row = message id.

  async add(messages: readonly OutboxMessage[]): Promise<OutboxVersioned<OutboxMessage>[]> {
    const out: OutboxVersioned<OutboxMessage>[] = [];
    for (const message of messages) {
      // The payload blob is written first: an entity is never visible without its payload.
      const entity = await this.toEntity(message);
      try {
        const response = await this.messages.createEntity(entity);
        out.push({ value: structuredClone(message), etag: requireEtag(response.etag) });
      } catch (error) {
        if (statusOf(error) !== 409) throw error;
        const existing = await this.get(message.channelId, message.id);
        if (!existing) throw error;
        out.push(existing);
      }
    }
    return out;
  }

  async get(channelId: string, id: string): Promise<OutboxVersioned<OutboxMessage> | undefined> {
    try {
      const entity = await this.messages.getEntity<MessageEntity>(channelId, id);
      return await this.fromEntity(entity);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async due(now: Date, limit: number): Promise<OutboxVersioned<OutboxMessage>[]> {
    // ISO timestamps from toISOString compare as strings in time order.
    const rows = this.messages.listEntities<MessageEntity>({
      queryOptions: { filter: odata`status eq ${"pending"} and nextAttemptAt le ${now.toISOString()}` },
    });
    const candidates: TableEntityResult<MessageEntity>[] = [];
    for await (const row of rows) {
      if (row.leaseUntil && Date.parse(row.leaseUntil) > now.getTime()) continue;
      candidates.push(row);
    }
    candidates.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.rowKey < b.rowKey ? -1 : 1));
    const out: OutboxVersioned<OutboxMessage>[] = [];
    for (const row of candidates.slice(0, limit)) {
      const message = await this.fromEntity(row).catch((error: unknown) => {
        // A payload blob gone missing must not stop the other messages.
        if (statusOf(error) === 404) return undefined;
        throw error;
      });
      if (message) out.push(message);
    }
    return out;
  }

  async update(message: OutboxMessage, etag: string): Promise<string> {
    const entity = await this.toEntity(message);
    try {
      const response = await this.messages.updateEntity(entity, "Replace", { etag });
      return requireEtag(response.etag);
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 404) throw new OutboxConflictError(`outbox message ${message.id} was changed by someone else`);
      throw error;
    }
  }

  async pending(): Promise<PendingSummary[]> {
    const rows = this.messages.listEntities<Pick<MessageEntity, "createdAt" | "attempts">>({
      queryOptions: { filter: odata`status eq ${"pending"}`, select: ["PartitionKey", "createdAt", "attempts"] },
    });
    const all: Array<Pick<OutboxMessage, "channelId" | "createdAt" | "attempts">> = [];
    for await (const row of rows) all.push({ channelId: row.partitionKey ?? "", createdAt: row.createdAt, attempts: Number(row.attempts ?? 0) });
    return summarisePending(all);
  }

  async purge(deliveredBefore: Date, resolvedBefore: Date): Promise<number> {
    let removed = 0;
    const delivered = this.messages.listEntities<Pick<MessageEntity, "deliveredAt" | "payloadBlob">>({
      queryOptions: { filter: odata`status eq ${"delivered"} and deliveredAt lt ${deliveredBefore.toISOString()}` },
    });
    for await (const row of delivered) {
      await ignoreNotFound(this.messages.deleteEntity(row.partitionKey ?? "", row.rowKey ?? ""));
      if (row.payloadBlob) await this.container.getBlobClient(row.payloadBlob).deleteIfExists();
      removed++;
    }
    const resolved = this.notified.listEntities<NotifiedEntity>({
      queryOptions: { filter: odata`state eq ${"resolved"} and at lt ${resolvedBefore.toISOString()}`, select: ["PartitionKey", "RowKey"] },
    });
    for await (const row of resolved) {
      await ignoreNotFound(this.notified.deleteEntity(row.partitionKey ?? "", row.rowKey ?? ""));
      removed++;
    }
    return removed;
  }

  private async toEntity(message: OutboxMessage): Promise<MessageEntity> {
    const payload = JSON.stringify(message.payload);
    const entity: MessageEntity = {
      partitionKey: message.channelId,
      rowKey: message.id,
      createdAt: message.createdAt,
      status: message.status,
      attempts: message.attempts,
      nextAttemptAt: message.nextAttemptAt,
      summary: message.summary,
      ...(message.leaseUntil ? { leaseUntil: message.leaseUntil } : {}),
      ...(message.lastAttemptAt ? { lastAttemptAt: message.lastAttemptAt } : {}),
      ...(message.lastError ? { lastError: message.lastError.slice(0, 2_000) } : {}),
      ...(message.deliveredAt ? { deliveredAt: message.deliveredAt } : {}),
    };
    if (payload.length <= INLINE_PAYLOAD_LIMIT) {
      entity.payload = payload;
    } else {
      // The payload never changes after creation: write it once, by name.
      const name = `messages/${message.channelId}/${message.id}.json`;
      const blob = this.container.getBlockBlobClient(name);
      if (!(await blob.exists())) {
        const body = Buffer.from(payload, "utf8");
        await blob.upload(body, body.length, { blobHTTPHeaders: { blobContentType: "application/json; charset=utf-8" } });
      }
      entity.payloadBlob = name;
    }
    return entity;
  }

  private async fromEntity(entity: TableEntityResult<MessageEntity>): Promise<OutboxVersioned<OutboxMessage>> {
    let payloadText = entity.payload;
    if (payloadText === undefined && entity.payloadBlob) {
      payloadText = (await this.container.getBlobClient(entity.payloadBlob).downloadToBuffer()).toString("utf8");
    }
    const message: OutboxMessage = {
      id: entity.rowKey ?? "",
      channelId: entity.partitionKey ?? "",
      createdAt: entity.createdAt,
      status: entity.status,
      attempts: Number(entity.attempts ?? 0),
      nextAttemptAt: entity.nextAttemptAt,
      summary: entity.summary,
      payload: payloadText === undefined ? null : JSON.parse(payloadText),
      ...(entity.leaseUntil ? { leaseUntil: entity.leaseUntil } : {}),
      ...(entity.lastAttemptAt ? { lastAttemptAt: entity.lastAttemptAt } : {}),
      ...(entity.lastError ? { lastError: entity.lastError } : {}),
      ...(entity.deliveredAt ? { deliveredAt: entity.deliveredAt } : {}),
    };
    return { value: message, etag: requireEtag(entity.etag) };
  }

  // Ledger: partition = channel, row = sha256 of the finding key (keys hold `/` and `|`).

  async getNotified(channelId: string, findingKeys: readonly string[]): Promise<Map<string, NotifiedState>> {
    const out = new Map<string, NotifiedState>();
    await forEachLimited([...new Set(findingKeys)], POINT_READ_CONCURRENCY, async (key) => {
      try {
        const row = await this.notified.getEntity<NotifiedEntity>(channelId, ledgerRowKey(key));
        out.set(key, { state: row.state, severity: row.severity, at: row.at, ...(row.revertId ? { revertId: row.revertId } : {}) });
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
    });
    return out;
  }

  async putNotified(channelId: string, entries: ReadonlyMap<string, NotifiedState>): Promise<void> {
    const rows = [...entries].map(
      ([key, state]): NotifiedEntity => ({ partitionKey: channelId, rowKey: ledgerRowKey(key), findingKey: key, state: state.state, severity: state.severity, at: state.at, ...(state.revertId ? { revertId: state.revertId } : {}) }),
    );
    // One partition per channel: transactions of up to 100 upserts.
    for (let i = 0; i < rows.length; i += TRANSACTION_SIZE) {
      const transaction = new TableTransaction();
      for (const row of rows.slice(i, i + TRANSACTION_SIZE)) transaction.upsertEntity(row, "Replace");
      await this.notified.submitTransaction(transaction.actions);
    }
  }

  // Channel state: one row per channel, the state as JSON.

  async getChannel(channelId: string): Promise<{ value: ChannelState | undefined; etag: string | undefined }> {
    try {
      const row = await this.channels.getEntity<ChannelEntity>(CHANNELS_PARTITION, channelId);
      return { value: JSON.parse(row.state) as ChannelState, etag: row.etag };
    } catch (error) {
      if (statusOf(error) === 404) return { value: undefined, etag: undefined };
      throw error;
    }
  }

  async putChannel(state: ChannelState, etag: string | undefined): Promise<string> {
    const entity: ChannelEntity = { partitionKey: CHANNELS_PARTITION, rowKey: state.channelId, state: JSON.stringify(state) };
    try {
      const response = etag === undefined ? await this.channels.createEntity(entity) : await this.channels.updateEntity(entity, "Replace", { etag });
      return requireEtag(response.etag);
    } catch (error) {
      const status = statusOf(error);
      if (status === 409 || status === 412 || status === 404) throw new OutboxConflictError(`channel state of ${state.channelId} was changed by someone else`);
      throw error;
    }
  }

  async listChannels(): Promise<ChannelState[]> {
    const out: ChannelState[] = [];
    for await (const row of this.channels.listEntities<ChannelEntity>({ queryOptions: { filter: odata`PartitionKey eq ${CHANNELS_PARTITION}` } })) {
      out.push(JSON.parse(row.state) as ChannelState);
    }
    return out;
  }
}

function checkedPrefix(prefix: string | undefined): string {
  const value = prefix ?? "nspg";
  if (!PREFIX_PATTERN.test(value)) throw new Error(`outbox prefix must be 1-40 letters and digits starting with a letter, got ${JSON.stringify(value)}`);
  return value;
}

function ledgerRowKey(findingKey: string): string {
  return createHash("sha256").update(findingKey, "utf8").digest("hex");
}


function requireEtag(etag: string | undefined): string {
  if (!etag) throw new Error("storage returned no ETag");
  return etag;
}

async function ignoreNotFound(operation: Promise<unknown>): Promise<void> {
  try {
    await operation;
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
  }
}

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
