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
    // Queue messages are limited to 64 KiB; a payload beyond that keeps its reason and a prefix.
    let text = JSON.stringify({ reason, parkedAt: new Date().toISOString(), payload });
    if (text.length > 45_000) text = JSON.stringify({ reason, parkedAt: new Date().toISOString(), truncated: true, payloadPrefix: JSON.stringify(payload).slice(0, 40_000) });
    await this.client.sendMessage(encodeMessage(JSON.parse(text)));
  }
}
