/**
 * The Functions app's daily readiness check: the estate from the perimeter caches, the logs from a
 * query, notices through the real notifier and outbox to a local Teams receiver, the last state per
 * association in the state store.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DemoTeamsReceiver } from "../../src/demo/receivers.js";
import { createNotifier } from "../../src/notify/notifier.js";
import { readinessCard } from "../../src/notify/readinessNotice.js";
import { parsePolicy } from "../../src/policy/policy.js";
import { announcement, readinessState, runDailyReadiness, transitionKey } from "../../src/readiness/daily.js";
import { normaliseRecord, summariseRecords, type CallerSummary } from "../../src/readiness/logs.js";
import { RULE_IDS } from "../../src/rules/catalog/index.js";
import { MemoryStateStore } from "../../src/state/memoryStateStore.js";
import { MemoryAlertOutbox } from "../../src/state/outbox.js";
import type { ReadinessMemory } from "../../src/state/stateStore.js";
import { cardValidator } from "../notify/support.js";
import { ASSOC_ACCOUNT, ASSOC_VAULT, estateResources, monthOfRows, NSP, PROFILE } from "./fixture.js";

const DAY = 86_400_000;
const NOW = new Date("2026-11-28T06:00:00Z");
const policy = parsePolicy("transitionGraceDays: 30\nnotify:\n  teams:\n    - webhookUrl: env:TEAMS_WEBHOOK_URL\n      minSeverity: info\n", "policy.yaml", RULE_IDS);

let receiver: DemoTeamsReceiver;
beforeAll(async () => {
  receiver = await DemoTeamsReceiver.start(() => undefined);
});
afterAll(async () => {
  await receiver.close();
});

/** The account's association is 40 days old (past the grace days), the vault's 5. */
function estate(extra: object[] = []) {
  return [
    ...estateResources().map((r) =>
      r.id === ASSOC_ACCOUNT ? { ...r, systemData: { createdAt: new Date(NOW.getTime() - 40 * DAY).toISOString() } } : r.id === ASSOC_VAULT ? { ...r, systemData: { createdAt: new Date(NOW.getTime() - 5 * DAY).toISOString() } } : r,
    ),
    ...extra,
  ] as never[];
}

async function storeWith(resources: never[]): Promise<MemoryStateStore> {
  const store = new MemoryStateStore();
  await store.putPerimeterCache({ perimeterId: NSP, reconciledAt: NOW.toISOString(), resources }, undefined);
  return store;
}

function summaries(end: Date): CallerSummary[] {
  return summariseRecords(monthOfRows(end).map((r, i) => normaliseRecord(r, `row ${i}`)));
}

function setUp(store: MemoryStateStore, outbox = new MemoryAlertOutbox()) {
  const env = { TEAMS_WEBHOOK_URL: receiver.url, NSPG_WEBHOOK_ALLOWED_HOSTS: new URL(receiver.url).hostname };
  const notifier = createNotifier({ policy, env, outbox, clock: () => NOW });
  return { outbox, notifier, run: (now: Date, logs: CallerSummary[]) => runDailyReadiness({ store, notifier, policy, now, queryLogs: async () => logs }) };
}

describe("the daily readiness check", () => {
  it("posts once when an association still breaks after the grace days, not again the next day, and again when it becomes ready", async () => {
    const store = await storeWith(estate());
    const { run } = setUp(store);
    const before = receiver.bodies.length;

    const first = await run(NOW, summaries(NOW));
    // The account (40 days) breaks past the grace days: announced; the vault (5 days) breaks within them: not.
    expect(first.byState).toMatchObject({ overdue: 1, breaks: 1 });
    expect(first.announced).toEqual([{ associationId: ASSOC_ACCOUNT, change: "overdue" }]);
    expect(receiver.bodies.length - before).toBe(1);
    const posted = JSON.parse(receiver.bodies.at(-1)!) as { attachments: Array<{ content: { body: unknown[] } }> };
    const text = JSON.stringify(posted.attachments[0]!.content);
    expect(text).toContain("Still not ready after 30 days: enforcing stdata would deny 10 caller(s)");
    expect(text).toContain("az network perimeter profile access-rule create");
    expect(text).toContain("Microsoft.Network/networkSecurityPerimeters/profiles/accessRules@");
    expect((await store.getReadinessMemory(ASSOC_ACCOUNT)).value).toMatchObject({ state: "overdue", since: NOW.toISOString() });

    // The next day, nothing changed: nothing posted.
    const next = new Date(NOW.getTime() + DAY);
    const second = await run(next, summaries(next));
    expect(second.announced).toEqual([]);
    expect(receiver.bodies.length - before).toBe(1);

    // The proposed rules applied: every fixable caller admitted; with only the fixable callers logged, ready.
    const report = first.report.associations.find((a) => a.associationId === ASSOC_ACCOUNT)!;
    const applied = report.proposedRules
      .filter((r) => r.origin === "logs")
      .map((r, i) => ({
        id: `${PROFILE}/accessRules/proposed-${i}`,
        type: "Microsoft.Network/networkSecurityPerimeters/profiles/accessRules",
        name: `proposed-${i}`,
        properties: { direction: r.direction, addressPrefixes: r.addressPrefixes, subscriptions: r.subscriptions.map((s) => ({ id: `/subscriptions/${s}` })), fullyQualifiedDomainNames: r.fullyQualifiedDomainNames },
      }));
    await store.putPerimeterCache({ perimeterId: NSP, reconciledAt: next.toISOString(), resources: estate(applied) }, (await store.getPerimeterCache(NSP)).etag);
    const fixable = summaries(next).filter((s) => report.wouldBreak.some((w) => w.fix !== "none" && w.sourceIpAddress === s.sourceIpAddress && w.destinationFqdn === s.destinationFqdn && s.serviceResourceId.endsWith("stdata")));
    const third = await run(new Date(next.getTime() + DAY), fixable);
    expect(third.announced).toEqual([{ associationId: ASSOC_ACCOUNT, change: "ready" }]);
    expect(receiver.bodies.length - before).toBe(2);
    expect(JSON.stringify(JSON.parse(receiver.bodies.at(-1)!))).toContain("Ready to enforce: stdata");
  });

  it("a crash after posting does not post twice: the retried check re-queues the same message ids", async () => {
    const store = await storeWith(estate());
    const outbox = new MemoryAlertOutbox();
    const { run } = setUp(store, outbox);
    const before = receiver.bodies.length;
    // The state write fails once, after the notice went to the outbox and out (a crash at that point).
    const put = store.putReadinessMemory.bind(store);
    let failures = 1;
    store.putReadinessMemory = async (memory: ReadinessMemory, etag: string | undefined) => {
      if (failures-- > 0) throw new Error("storage unavailable");
      return put(memory, etag);
    };
    await expect(run(NOW, summaries(NOW))).rejects.toThrow("storage unavailable");
    expect(receiver.bodies.length - before).toBe(1);
    expect((await store.getReadinessMemory(ASSOC_ACCOUNT)).value).toBeUndefined();

    const retried = await run(NOW, summaries(NOW));
    expect(retried.announced).toEqual([{ associationId: ASSOC_ACCOUNT, change: "overdue" }]);
    // Same transition, same message id: the outbox keeps the one it delivered.
    expect(receiver.bodies.length - before).toBe(1);
    expect((await outbox.pending()).reduce((n, p) => n + p.count, 0)).toBe(0);
    expect((await store.getReadinessMemory(ASSOC_ACCOUNT)).value).toMatchObject({ state: "overdue" });
  });

  it("when the outbox refuses the notices, nothing is recorded, so the next check announces again", async () => {
    const store = await storeWith(estate());
    const outbox = new MemoryAlertOutbox();
    outbox.add = async () => {
      throw new Error("outbox unavailable");
    };
    const { run } = setUp(store, outbox);
    await expect(run(NOW, summaries(NOW))).rejects.toThrow("outbox unavailable");
    expect((await store.getReadinessMemory(ASSOC_ACCOUNT)).value).toBeUndefined();
  });

  it("announces only becoming ready or breaking past the grace days; keys name the transition", () => {
    const memory = (state: ReadinessMemory["state"]): ReadinessMemory => ({ associationId: ASSOC_ACCOUNT, state, since: "2026-11-01T06:00:00.000Z", checkedAt: "2026-11-01T06:00:00.000Z" });
    expect(readinessState({ verdict: "breaks" }, 31, 30)).toBe("overdue");
    expect(readinessState({ verdict: "breaks" }, 30, 30)).toBe("breaks");
    expect(readinessState({ verdict: "breaks" }, undefined, 30)).toBe("breaks");
    expect(announcement(undefined, "ready")).toBe("ready");
    expect(announcement(memory("ready"), "ready")).toBeUndefined();
    expect(announcement(memory("breaks"), "overdue")).toBe("overdue");
    expect(announcement(memory("overdue"), "breaks")).toBeUndefined();
    expect(announcement(memory("ready"), "no-data")).toBeUndefined();
    // Ready, broken, ready again: two different transitions, two different messages.
    expect(transitionKey(ASSOC_ACCOUNT, "ready", undefined)).not.toBe(transitionKey(ASSOC_ACCOUNT, "ready", memory("breaks")));
  });

  it("the cards are Adaptive Card 1.5 (the subset schema)", async () => {
    const store = await storeWith(estate());
    const { run } = setUp(store);
    const result = await run(NOW, summaries(NOW));
    const validate = cardValidator();
    for (const a of result.report.associations) {
      for (const change of ["ready", "overdue"] as const) {
        const { readinessNotice } = await import("../../src/notify/readinessNotice.js");
        const card = readinessCard(readinessNotice(a, change, { graceDays: 30, ageDays: 40, window: result.report.window, now: NOW }), "https://portal.azure.com");
        expect(validate(card), validate.errorsText()).toBe(true);
      }
    }
  });
});
