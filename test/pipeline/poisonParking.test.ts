import { QueueServiceClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeMessage, MAX_PARKED_JSON_BYTES, parkedMessage, QueuePoisonParking } from "../../src/pipeline/storageQueue.js";
import { startAzurite, type AzuriteInstance } from "../helpers/azurite.js";

/** 30,000 characters (under the old 45,000-character check) but 90,000 UTF-8 bytes. */
const nonAscii = { subject: "€".repeat(30_000) };
const NOW = new Date("2026-11-28T10:00:00Z");

describe("poison parking", () => {
  it("measures the message in UTF-8 bytes and keeps a prefix that fits", () => {
    expect(JSON.stringify(nonAscii).length).toBeLessThan(45_000);
    const message = parkedMessage(nonAscii, "handler failed", NOW);
    expect(Buffer.byteLength(JSON.stringify(message), "utf8")).toBeLessThanOrEqual(MAX_PARKED_JSON_BYTES);
    expect(message).toMatchObject({ reason: "handler failed", truncated: true, payloadBytes: Buffer.byteLength(JSON.stringify(nonAscii), "utf8") });
    expect(String(message["payloadPrefix"])).toMatch(/^\{"subject":"€+$/);
  });

  it("keeps a small payload whole, and fits one whose escapes double its size", () => {
    expect(parkedMessage({ a: 1 }, "r", NOW)).toEqual({ reason: "r", parkedAt: NOW.toISOString(), payload: { a: 1 } });
    const quotes = { q: '"'.repeat(40_000) };
    expect(Buffer.byteLength(JSON.stringify(parkedMessage(quotes, "r", NOW)), "utf8")).toBeLessThanOrEqual(MAX_PARKED_JSON_BYTES);
  });

  describe("on Azurite", () => {
    let azurite: AzuriteInstance;
    beforeAll(async () => {
      azurite = await startAzurite();
    });
    afterAll(() => azurite?.stop());

    // Before: the message went out whole (over 64 KiB once base64-encoded) and the queue refused it.
    it("parks a non-ASCII payload over 64 KiB of bytes", async () => {
      const service = QueueServiceClient.fromConnectionString(azurite.connectionString);
      const parking = QueuePoisonParking.on(service, `poison-${process.pid}`);
      await parking.park(nonAscii, "handler failed");
      const [received] = (await service.getQueueClient(`poison-${process.pid}`).receiveMessages()).receivedMessageItems;
      const parked = JSON.parse(Buffer.from(received!.messageText, "base64").toString("utf8")) as Record<string, unknown>;
      expect(parked).toMatchObject({ reason: "handler failed", truncated: true });
      // What was sent before: the whole payload, which the queue refuses.
      await expect(service.getQueueClient(`poison-${process.pid}`).sendMessage(encodeMessage({ reason: "handler failed", payload: nonAscii }))).rejects.toThrow();
    });
  });
});
