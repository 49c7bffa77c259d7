/**
 * The AlertOutbox port, one contract for both adapters: in memory, and Azure Tables + Blobs on a real
 * Azurite. Then the notifier on the Tables outbox: alerts queued during an outage survive a restart
 * (a new process, a new notifier) and are delivered exactly once, even with two instances draining.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNotifier } from "../../src/notify/notifier.js";
import { MemoryAlertOutbox, OutboxConflictError, TableAlertOutbox, type AlertOutbox, type OutboxMessage } from "../../src/state/outbox.js";
import { startAzurite, type AzuriteInstance } from "../helpers/azurite.js";
import { TeamsReceiver } from "../helpers/teamsReceiver.js";
import { capturedLogger, Evaluations, finding, ManualClock, policyWith } from "./support.js";

const T0 = Date.parse("2026-11-22T08:00:00Z");
const iso = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

function message(id: string, overrides: Partial<OutboxMessage> = {}): OutboxMessage {
  return {
    id,
    channelId: "teams-0123456789abcdef",
    createdAt: iso(0),
    status: "pending",
    attempts: 0,
    nextAttemptAt: iso(0),
    summary: `new storage-sftp on ${id}`,
    payload: { version: 1, kind: "single", items: [{ ruleId: "storage-sftp", note: id }] },
    ...overrides,
  };
}

let azurite: AzuriteInstance;
let prefixCounter = 0;

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

const adapters: Array<[string, () => Promise<AlertOutbox>]> = [
  ["memory", async () => new MemoryAlertOutbox()],
  [
    "Azure Tables + Blobs (Azurite)",
    async () => {
      const outbox = TableAlertOutbox.fromConnectionString(azurite.connectionString, { prefix: `t${++prefixCounter}x${Date.now() % 100000}` });
      await outbox.init();
      await outbox.init(); // idempotent
      return outbox;
    },
  ],
];

describe.each(adapters)("AlertOutbox contract: %s", (_name, make) => {
  it("adds idempotently, lists what is due oldest first, honours nextAttemptAt and leases", async () => {
    const outbox = await make();
    const added = await outbox.add([message("b", { createdAt: iso(2) }), message("a", { createdAt: iso(1) }), message("c", { createdAt: iso(3), nextAttemptAt: iso(60_000) })]);
    expect(added.map((m) => m.value.id)).toEqual(["b", "a", "c"]);
    // Adding the same id again keeps the stored one.
    const again = await outbox.add([message("a", { summary: "changed" })]);
    expect(again[0]!.value.summary).toBe("new storage-sftp on a");
    expect(again[0]!.etag).toBe(added[1]!.etag);

    let due = await outbox.due(new Date(T0 + 1_000), 10);
    expect(due.map((m) => m.value.id)).toEqual(["a", "b"]);
    expect(due[0]!.value.payload).toEqual({ version: 1, kind: "single", items: [{ ruleId: "storage-sftp", note: "a" }] });

    // Claim "a" with a lease: it is not due again until the lease passes.
    const before = due[0]!.etag;
    const claimed = { ...due[0]!.value, attempts: 1, leaseUntil: iso(120_000) };
    const etag = await outbox.update(claimed, due[0]!.etag);
    due = await outbox.due(new Date(T0 + 60_000), 10);
    expect(due.map((m) => m.value.id)).toEqual(["b", "c"]);
    due = await outbox.due(new Date(T0 + 120_000), 1);
    expect(due.map((m) => m.value.id)).toEqual(["a"]);

    // A stale ETag loses.
    await expect(outbox.update({ ...claimed, attempts: 2 }, before)).rejects.toBeInstanceOf(OutboxConflictError);
    const { leaseUntil: _l, ...rest } = claimed;
    await outbox.update({ ...rest, status: "delivered", deliveredAt: iso(130_000) }, etag);
    expect((await outbox.get(claimed.channelId, "a"))!.value).toMatchObject({ status: "delivered", attempts: 1 });
    expect((await outbox.get(claimed.channelId, "a"))!.value.leaseUntil).toBeUndefined();
    expect((await outbox.due(new Date(T0 + 10 * 60_000), 10)).map((m) => m.value.id)).toEqual(["b", "c"]);
    expect(await outbox.get("nope", "a")).toBeUndefined();
  });

  it("summarises pending messages per channel and purges old delivered ones and resolved ledger entries", async () => {
    const outbox = await make();
    await outbox.add([
      message("p1", { channelId: "teams-aaaaaaaaaaaaaaaa", createdAt: iso(5), attempts: 2 }),
      message("p2", { channelId: "teams-aaaaaaaaaaaaaaaa", createdAt: iso(1) }),
      message("p3", { channelId: "email-bbbbbbbbbbbbbbbb", createdAt: iso(3) }),
      message("d1", { channelId: "email-bbbbbbbbbbbbbbbb", status: "delivered", deliveredAt: iso(0) }),
      message("d2", { channelId: "email-bbbbbbbbbbbbbbbb", status: "delivered", deliveredAt: iso(10 * 86_400_000) }),
    ]);
    const pending = (await outbox.pending()).sort((a, b) => a.channelId.localeCompare(b.channelId));
    expect(pending).toEqual([
      { channelId: "email-bbbbbbbbbbbbbbbb", count: 1, oldestCreatedAt: iso(3), maxAttempts: 0 },
      { channelId: "teams-aaaaaaaaaaaaaaaa", count: 2, oldestCreatedAt: iso(1), maxAttempts: 2 },
    ]);
    await outbox.putNotified("email-bbbbbbbbbbbbbbbb", new Map([
      ["k-old-resolved", { state: "resolved", severity: "high", at: iso(0) }],
      ["k-open", { state: "open", severity: "high", at: iso(0) }],
    ]));
    const removed = await outbox.purge(new Date(T0 + 86_400_000), new Date(T0 + 86_400_000));
    expect(removed).toBe(2);
    expect(await outbox.get("email-bbbbbbbbbbbbbbbb", "d1")).toBeUndefined();
    expect(await outbox.get("email-bbbbbbbbbbbbbbbb", "d2")).toBeDefined();
    expect([...(await outbox.getNotified("email-bbbbbbbbbbbbbbbb", ["k-old-resolved", "k-open"])).keys()]).toEqual(["k-open"]);
  });

  it("keeps a ledger per channel and channel states with ETags", async () => {
    const outbox = await make();
    const key = "storage-sftp|/subscriptions/x/resourcegroups/rg/providers/microsoft.storage/storageaccounts/st1|/p|/a";
    await outbox.putNotified("teams-1111111111111111", new Map([[key, { state: "open", severity: "high", at: iso(0) }]]));
    expect(await outbox.getNotified("teams-1111111111111111", [key, "other"])).toEqual(new Map([[key, { state: "open", severity: "high", at: iso(0) }]]));
    expect((await outbox.getNotified("teams-2222222222222222", [key])).size).toBe(0);
    // A reverted change: over, and by which revert (what keeps a re-dispatched Reverted alert from repeating).
    const reverted = { state: "resolved" as const, severity: "high", at: iso(1), revertId: "rv-20261128T090000000Z-0a1b2c3d" };
    await outbox.putNotified("teams-1111111111111111", new Map([[key, reverted]]));
    expect(await outbox.getNotified("teams-1111111111111111", [key])).toEqual(new Map([[key, reverted]]));
    await outbox.putNotified("teams-1111111111111111", new Map([[key, { state: "open", severity: "high", at: iso(2) }]]));
    expect(await outbox.getNotified("teams-1111111111111111", [key])).toEqual(new Map([[key, { state: "open", severity: "high", at: iso(2) }]]));
    // Many entries at once (transactions of 100).
    const many = new Map(Array.from({ length: 230 }, (_, i) => [`key-${i}`, { state: "open" as const, severity: "medium", at: iso(i) }]));
    await outbox.putNotified("teams-1111111111111111", many);
    expect((await outbox.getNotified("teams-1111111111111111", ["key-0", "key-150", "key-229"])).size).toBe(3);

    const none = await outbox.getChannel("teams-1111111111111111");
    expect(none).toEqual({ value: undefined, etag: undefined });
    const etag = await outbox.putChannel({ channelId: "teams-1111111111111111", sentInWindow: 1, consecutiveFailures: 0 }, undefined);
    await expect(outbox.putChannel({ channelId: "teams-1111111111111111", sentInWindow: 9, consecutiveFailures: 0 }, undefined)).rejects.toBeInstanceOf(OutboxConflictError);
    await outbox.putChannel({ channelId: "teams-1111111111111111", sentInWindow: 2, consecutiveFailures: 1, lastError: "HTTP 503" }, etag);
    await expect(outbox.putChannel({ channelId: "teams-1111111111111111", sentInWindow: 3, consecutiveFailures: 0 }, etag)).rejects.toBeInstanceOf(OutboxConflictError);
    expect((await outbox.getChannel("teams-1111111111111111")).value).toEqual({ channelId: "teams-1111111111111111", sentInWindow: 2, consecutiveFailures: 1, lastError: "HTTP 503" });
    expect(await outbox.listChannels()).toHaveLength(1);
  });

  it("stores a payload too large for a table property (a big digest) and reads it back", async () => {
    const outbox = await make();
    const big = { version: 1, kind: "digest", items: Array.from({ length: 400 }, (_, i) => ({ ruleId: "storage-sftp", message: `x`.repeat(200) + i })) };
    expect(JSON.stringify(big).length).toBeGreaterThan(64_000);
    const [stored] = await outbox.add([message("big", { payload: big })]);
    const due = await outbox.due(new Date(T0 + 1), 10);
    expect(due.find((m) => m.value.id === "big")!.value.payload).toEqual(big);
    // Updates keep it.
    await outbox.update({ ...stored!.value, attempts: 3 }, stored!.etag);
    expect((await outbox.get(stored!.value.channelId, "big"))!.value).toMatchObject({ attempts: 3, payload: big });
  });
});

describe("notifier on the Azure Tables outbox", () => {
  it("alerts queued during an outage survive a restart and are delivered exactly once by two draining instances", async () => {
    const teams = await TeamsReceiver.start();
    try {
      const prefix = `dur${Date.now() % 100000}`;
      const policy = policyWith({ notify: { teams: [{ webhookUrl: "env:TEAMS_WEBHOOK_URL", minSeverity: "low" }], digestThreshold: 20 } });
      const env = { TEAMS_WEBHOOK_URL: teams.url, NSPG_NOTIFY_TIMEOUT_SECONDS: "2", NSPG_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1" };
      const clock = new ManualClock(T0);
      const first = createNotifier({ policy, env, outbox: TableAlertOutbox.fromConnectionString(azurite.connectionString, { prefix }), clock: clock.now, random: () => 0.5 });
      const outboxOf = () => {
        const o = TableAlertOutbox.fromConnectionString(azurite.connectionString, { prefix });
        return o;
      };
      await outboxOf().init();
      await teams.down();
      const evaluations = new Evaluations(policy);
      const { decision, plans } = evaluations.evaluate(["st1", "st2", "st3", "st4", "st5"].map((n) => finding("storage-sftp", n)), clock.now());
      decision.actions = await first.dispatch(decision, plans);
      expect(decision.actions.map((a) => a.status)).toEqual(["failed", "planned", "planned", "planned", "planned"]);
      await first.close();

      // "Restart": two new instances on the same storage, the receiver back.
      await teams.up();
      clock.advance(31_000);
      const log = capturedLogger();
      const a = createNotifier({ policy, env, outbox: outboxOf(), clock: clock.now, random: () => 0.5, logger: log.logger });
      const b = createNotifier({ policy, env, outbox: outboxOf(), clock: clock.now, random: () => 0.5, logger: log.logger });
      const [ra, rb] = await Promise.all([a.deliverDue(), b.deliverDue()]);
      expect(ra.delivered + rb.delivered).toBe(5);
      expect(await a.deliverDue()).toMatchObject({ delivered: 0 });
      const delivered = teams.delivered.map((m) => JSON.stringify(m).match(/storageAccounts\/(st\d)/)![1]);
      expect(delivered.sort()).toEqual(["st1", "st2", "st3", "st4", "st5"]);
      expect((await a.channelHealth()).channels[0]).toMatchObject({ status: "ok", pending: 0 });

      // The ledger is durable too: the next evaluation's unchanged findings stay quiet on a new instance.
      const again = evaluations.evaluate(["st1", "st2", "st3", "st4", "st5"].map((n) => finding("storage-sftp", n)), clock.now());
      expect(again.decision.actions).toEqual([]);
      const rerun = createNotifier({ policy, env, outbox: outboxOf(), clock: clock.now });
      const replayed = { ...decision, actions: decision.actions.map((x) => ({ ...x, status: "planned" as const, reason: "new finding" })) };
      const outcomes = await rerun.dispatch(replayed, replayed.actions.map((action) => ({ action })));
      expect(replayed.actions.every((x) => x.status === "planned")).toBe(true); // the notifier changed nothing it was given
      expect(outcomes.map((x) => `${x.status}: ${x.reason}`)).toEqual(Array(5).fill("skipped: new finding; teams[0]: already notified: unchanged since the last alert"));
      expect(teams.delivered).toHaveLength(5);
    } finally {
      await teams.close();
    }
  });
});
