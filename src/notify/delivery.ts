/**
 * Delivering outbox messages, channel by channel. Each channel goes at its own pace in parallel with
 * the others: a failure rests only that channel (backoff, or the receiver's Retry-After), a message is
 * claimed with a lease before it is sent (two instances never send it both), and it stays in the
 * outbox until a send succeeds. A per-channel window caps messages per minute across instances.
 */
import type { Logger } from "../logging.js";
import { OutboxConflictError, type AlertOutbox, type ChannelState, type OutboxMessage, type OutboxVersioned } from "../state/outbox.js";
import { DeliveryError, type ChannelSender } from "./channels.js";
import type { OutboxPayload } from "./readinessNotice.js";
import type { SecretScrubber } from "./redact.js";
import type { ChannelConfig } from "./settings.js";

export const BASE_BACKOFF_MS = 30_000;
export const MAX_BACKOFF_MS = 3_600_000;
/** Consecutive failures after which a channel counts as failing (health, an error log). */
export const FAILING_AFTER = 3;
const RATE_WINDOW_MS = 60_000;
const STATE_RETRIES = 8;

export interface DeliveryChannel {
  config: ChannelConfig;
  sender: ChannelSender;
}

export type MessageOutcome =
  | { messageId: string; channelId: string; result: "delivered" }
  | { messageId: string; channelId: string; result: "failed"; error: string; nextAttemptAt: string }
  | { messageId: string; channelId: string; result: "deferred"; reason: string; nextAttemptAt?: string };

export interface DrainerOptions {
  outbox: AlertOutbox;
  maxPerMinute: number;
  timeoutMs: number;
  clock: () => Date;
  random: () => number;
  scrubber: SecretScrubber;
}

export class OutboxDrainer {
  constructor(private readonly options: DrainerOptions) {}

  /** Exponential backoff with jitter: 30 s, 1 min, 2 min … capped at 1 h. */
  backoffMs(attempts: number): number {
    const base = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.max(0, attempts - 1));
    return Math.round(base * (0.8 + 0.4 * this.options.random()));
  }

  /** Sends a channel's messages in order until one fails, the channel rests, or its rate window is full. */
  async deliverChannel(channel: DeliveryChannel, messages: readonly OutboxVersioned<OutboxMessage>[], log: Logger): Promise<MessageOutcome[]> {
    const outcomes: MessageOutcome[] = [];
    const { outbox } = this.options;
    const label = channel.config.label;
    let stopped: { reason: string; until?: string } | undefined;
    for (const stored of messages) {
      const message = stored.value;
      if (stopped) {
        outcomes.push({ messageId: message.id, channelId: message.channelId, result: "deferred", reason: stopped.reason, ...(stopped.until ? { nextAttemptAt: stopped.until } : {}) });
        continue;
      }
      const now = this.options.clock();
      const slot = await this.reserveSlot(channel.config.id, now);
      if (!slot.ok) {
        stopped = { reason: slot.reason, until: slot.until };
        outcomes.push({ messageId: message.id, channelId: message.channelId, result: "deferred", reason: slot.reason, nextAttemptAt: slot.until });
        continue;
      }
      // Claim: only the instance whose conditional write wins sends it.
      const claimed: OutboxMessage = {
        ...message,
        attempts: message.attempts + 1,
        lastAttemptAt: now.toISOString(),
        leaseUntil: new Date(now.getTime() + 2 * this.options.timeoutMs + 30_000).toISOString(),
      };
      let etag: string;
      try {
        etag = await outbox.update(claimed, stored.etag);
      } catch (error) {
        if (!(error instanceof OutboxConflictError)) throw error;
        outcomes.push({ messageId: message.id, channelId: message.channelId, result: "deferred", reason: "taken by another instance" });
        continue;
      }
      try {
        await channel.sender.send(message.payload as OutboxPayload, message.id);
      } catch (error) {
        const failure = error instanceof DeliveryError ? error : new DeliveryError(error instanceof Error ? error.message : String(error));
        const reason = this.options.scrubber.scrub(failure.message);
        const after = this.options.clock();
        const waitMs = failure.details.retryAfterMs !== undefined
          ? Math.min(MAX_BACKOFF_MS, Math.max(1_000, failure.details.retryAfterMs))
          : failure.details.permanent
            ? MAX_BACKOFF_MS
            : this.backoffMs(claimed.attempts);
        const nextAttemptAt = new Date(after.getTime() + waitMs).toISOString();
        const { leaseUntil: _released, ...rest } = claimed;
        await outbox.update({ ...rest, nextAttemptAt, lastError: reason }, etag).catch((updateError: unknown) => {
          // Lost the lease meanwhile: whoever holds it now decides.
          if (!(updateError instanceof OutboxConflictError)) throw updateError;
        });
        const state = await this.recordFailure(channel.config.id, after, reason, nextAttemptAt);
        const fields = { channel: label, kind: channel.config.kind, messageId: message.id, alert: message.summary, attempt: claimed.attempts, error: reason, nextAttemptAt };
        if (state?.consecutiveFailures === FAILING_AFTER) log.error({ ...fields, consecutiveFailures: state.consecutiveFailures }, "alert channel failing: alerts stay queued and are retried");
        else log.warn(fields, "alert delivery failed; queued for retry");
        outcomes.push({ messageId: message.id, channelId: message.channelId, result: "failed", error: reason, nextAttemptAt });
        stopped = { reason: `channel resting after a failure (${reason})`, until: nextAttemptAt };
        continue;
      }
      const deliveredAt = this.options.clock().toISOString();
      const { leaseUntil: _released, lastError: _cleared, ...rest } = claimed;
      await outbox.update({ ...rest, status: "delivered", deliveredAt }, etag).catch((updateError: unknown) => {
        if (!(updateError instanceof OutboxConflictError)) throw updateError;
        log.warn({ channel: label, messageId: message.id }, "alert sent but its outbox entry changed meanwhile");
      });
      const before = await this.recordSuccess(channel.config.id, deliveredAt);
      if (before && before.consecutiveFailures >= FAILING_AFTER) log.info({ channel: label, after: before.consecutiveFailures }, "alert channel recovered");
      log.info({ channel: label, kind: channel.config.kind, messageId: message.id, alert: message.summary, attempt: claimed.attempts }, "alert delivered");
      outcomes.push({ messageId: message.id, channelId: message.channelId, result: "delivered" });
    }
    return outcomes;
  }

  /** Reads, changes and writes a channel's state with ETag retries; undefined if it kept conflicting. */
  private async updateChannel(channelId: string, change: (state: ChannelState) => ChannelState | undefined): Promise<{ before: ChannelState; after: ChannelState } | undefined> {
    for (let attempt = 0; attempt < STATE_RETRIES; attempt++) {
      const current = await this.options.outbox.getChannel(channelId);
      const before: ChannelState = current.value ?? { channelId, sentInWindow: 0, consecutiveFailures: 0 };
      const after = change(structuredClone(before));
      if (!after) return { before, after: before };
      try {
        await this.options.outbox.putChannel(after, current.etag);
        return { before, after };
      } catch (error) {
        if (!(error instanceof OutboxConflictError)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * (attempt + 1)));
      }
    }
    return undefined;
  }

  private async reserveSlot(channelId: string, now: Date): Promise<{ ok: true } | { ok: false; reason: string; until: string }> {
    let refusal: { ok: false; reason: string; until: string } | undefined;
    const updated = await this.updateChannel(channelId, (state) => {
      refusal = undefined;
      if (state.pausedUntil && Date.parse(state.pausedUntil) > now.getTime()) {
        refusal = { ok: false, reason: `channel resting after a failure until ${state.pausedUntil}`, until: state.pausedUntil };
        return undefined;
      }
      const windowStart = state.windowStart ? Date.parse(state.windowStart) : Number.NaN;
      const inWindow = !Number.isNaN(windowStart) && now.getTime() - windowStart < RATE_WINDOW_MS;
      if (inWindow && state.sentInWindow >= this.options.maxPerMinute) {
        const until = new Date(windowStart + RATE_WINDOW_MS).toISOString();
        refusal = { ok: false, reason: `rate limit of ${this.options.maxPerMinute} per minute reached`, until };
        return undefined;
      }
      return inWindow ? { ...state, sentInWindow: state.sentInWindow + 1 } : { ...state, windowStart: now.toISOString(), sentInWindow: 1 };
    });
    if (!updated) return { ok: false, reason: "channel state busy (other instances)", until: new Date(now.getTime() + 5_000).toISOString() };
    return refusal ?? { ok: true };
  }

  private async recordFailure(channelId: string, at: Date, error: string, pausedUntil: string): Promise<ChannelState | undefined> {
    const updated = await this.updateChannel(channelId, (state) => ({
      ...state,
      consecutiveFailures: state.consecutiveFailures + 1,
      failingSince: state.failingSince ?? at.toISOString(),
      lastFailureAt: at.toISOString(),
      lastError: error,
      pausedUntil,
    }));
    return updated?.after;
  }

  private async recordSuccess(channelId: string, at: string): Promise<ChannelState | undefined> {
    const updated = await this.updateChannel(channelId, (state) => {
      const { failingSince: _f, pausedUntil: _p, ...rest } = state;
      return { ...rest, consecutiveFailures: 0, lastSuccessAt: at };
    });
    return updated?.before;
  }
}
