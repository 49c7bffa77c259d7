/**
 * The evaluation queue on Azure Storage queues (what the `evaluatePerimeter` function is triggered
 * by), and poison parking next to it. The visibility delay implements the debounce window.
 */
import { QueueClient, QueueServiceClient } from "@azure/storage-queue";
import type { TokenCredential } from "@azure/core-auth";
import type { EvaluationMessage, EvaluationQueue, PoisonParking } from "./ports.js";

import { EVALUATION_QUEUE } from "./queueNames.js";

export { EVALUATION_QUEUE, EVENT_POISON_QUEUE, POISON_QUEUE } from "./queueNames.js";

export function queueServiceFrom(connection: { connectionString: string } | { queueEndpoint: string; credential: TokenCredential }): QueueServiceClient {
  return "connectionString" in connection
    ? QueueServiceClient.fromConnectionString(connection.connectionString)
    : new QueueServiceClient(connection.queueEndpoint, connection.credential);
}

/** Messages are base64-encoded JSON: the Functions queue trigger's default encoding. */
export function encodeMessage(value: unknown): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64");
}

export class StorageEvaluationQueue implements EvaluationQueue {
  private ready: Promise<unknown> | undefined;
  constructor(private readonly client: QueueClient) {}

  static on(service: QueueServiceClient, name = EVALUATION_QUEUE): StorageEvaluationQueue {
    return new StorageEvaluationQueue(service.getQueueClient(name));
  }

  async enqueue(message: EvaluationMessage, delayMs: number): Promise<void> {
    this.ready ??= this.client.createIfNotExists();
    await this.ready;
    await this.client.sendMessage(encodeMessage(message), { visibilityTimeout: Math.ceil(delayMs / 1000) });
  }
}

export class QueuePoisonParking implements PoisonParking {
  private ready: Promise<unknown> | undefined;
  constructor(private readonly client: QueueClient) {}

  static on(service: QueueServiceClient, name: string): QueuePoisonParking {
    return new QueuePoisonParking(service.getQueueClient(name));
  }

  async park(payload: unknown, reason: string): Promise<void> {
    this.ready ??= this.client.createIfNotExists();
    await this.ready;
    await this.client.sendMessage(encodeMessage(parkedMessage(payload, reason, new Date())));
  }
}

/**
 * A queue message is at most 64 KiB as sent, and base64 makes 3 bytes 4: 48 KiB of UTF-8 JSON at most.
 * https://learn.microsoft.com/rest/api/storageservices/put-message ("The message can be up to 64 KiB in size")
 */
export const MAX_PARKED_JSON_BYTES = 45_000;

/** The longest prefix of `text` whose UTF-8 encoding fits in `maxBytes`, never splitting a character. */
function utf8Prefix(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Back up over continuation bytes (10xxxxxx) to the start of a character.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8");
}

/**
 * What parking stores: the reason, when, and the payload, or a prefix of it when the whole would not
 * fit. Sizes are UTF-8 bytes of the JSON as sent (a character outside ASCII takes 2 to 4 of them).
 */
export function parkedMessage(payload: unknown, reason: string, now: Date, maxBytes: number = MAX_PARKED_JSON_BYTES): Record<string, unknown> {
  const parkedAt = now.toISOString();
  const shortReason = utf8Prefix(reason, 2_000);
  const whole = { reason: shortReason, parkedAt, payload };
  if (Buffer.byteLength(JSON.stringify(whole), "utf8") <= maxBytes) return whole;
  const serialized = JSON.stringify(payload) ?? String(payload);
  // Escapes can grow the prefix once it is quoted again: shrink until the message fits.
  for (let budget = maxBytes - 1_000 - Buffer.byteLength(shortReason, "utf8"); budget > 0; budget = Math.floor(budget / 2)) {
    const message = { reason: shortReason, parkedAt, truncated: true, payloadBytes: Buffer.byteLength(serialized, "utf8"), payloadPrefix: utf8Prefix(serialized, budget) };
    if (Buffer.byteLength(JSON.stringify(message), "utf8") <= maxBytes) return message;
  }
  return { reason: shortReason, parkedAt, truncated: true, payloadBytes: Buffer.byteLength(serialized, "utf8"), payloadPrefix: "" };
}
