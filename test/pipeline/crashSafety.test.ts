/**
 * The pipeline's durable steps under storage errors and crashes (issue: reverts that hold under every
 * fault). Each case failed on the ordering before: cache before findings, event id before change,
 * a dirty marker "queued" for ever, claimed changes deleted up front, a reconcile deleting newer state.
 */
import { describe, expect, it } from "vitest";
import type { ArmResource } from "../../src/model/resource.js";
import { parsePolicy } from "../../src/policy/policy.js";
import { RULE_IDS } from "../../src/rules/catalog/index.js";
import type { EvaluationMessage, EvaluationQueue } from "../../src/pipeline/ports.js";
import type { PerimeterDecision } from "../../src/pipeline/decisions.js";
import { failOnce, withFaults, type FaultSchedule } from "../../src/simulate/faultyStore.js";
import { MemoryStateStore } from "../../src/state/memoryStateStore.js";
import { buildEvents } from "../../src/emulator/eventGrid.js";
import type { ResourceChange } from "../../src/emulator/changes.js";
import type { StateStore } from "../../src/state/stateStore.js";
import { accessRule, association, perimeter, profile, storageAccount } from "../helpers/builders.js";
import { startPipeline } from "../helpers/pipelineHarness.js";

const ALICE = { objectId: "0000000a-0000-0000-0000-000000000001", name: "alice@contoso.example" };

function estate() {
  const nsp = perimeter("nsp-data");
  const prof = profile(nsp, "default");
  const offices = accessRule(prof, "offices", { direction: "Inbound", addressPrefixes: ["203.0.113.0/24"] });
  const account = storageAccount("stalpha");
  const assoc = association(nsp, "assoc-stalpha", account.id, { profile: prof, accessMode: "Enforced" });
  return { nsp, prof, offices, account, assoc, resources: [nsp, prof, offices, account, assoc] as ArmResource[] };
}

/** A store whose calls fail as the schedule says (switchable, so the baseline is built without faults). */
function faultyStore(): { store: StateStore; inner: MemoryStateStore; arm: (schedule: FaultSchedule) => void } {
  const inner = new MemoryStateStore();
  let current: FaultSchedule = () => undefined;
  const store = withFaults<StateStore>(inner, "state", (port, method) => current(port, method));
  return { store, inner, arm: (schedule) => (current = schedule) };
}

/** A queue whose sends can fail, holding what was sent for the test to run as the host would. */
class TestQueue implements EvaluationQueue {
  pending: EvaluationMessage[] = [];
  failNext = 0;
  async enqueue(message: EvaluationMessage): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("injected queue send failure");
    }
    this.pending.push(message);
  }
}

const revertPolicy = parsePolicy(JSON.stringify({ dryRun: true, rules: { "accessrule-broad-inbound": { action: "revert" } } }), "policy", RULE_IDS);

describe("crash-consistent pipeline", () => {
  it("a storage error after the evaluation never makes the changed body the one a revert restores", async () => {
    const e = estate();
    const faults = faultyStore();
    const queue = new TestQueue();
    const h = await startPipeline(e.resources, { store: faults.store, queue, policy: revertPolicy });
    await h.pipeline.reconcile();
    h.emulator.put(accessRule(e.prof, "open", { direction: "Inbound", addressPrefixes: ["0.0.0.0/0"] }), ALICE);
    await h.events.drain();
    faults.arm(failOnce("state.putFindings"));
    const message = queue.pending.shift()!;
    await expect(h.pipeline.evaluateMessage(message)).rejects.toThrow(/injected/);
    // The host retries the same message.
    const decision = (await h.pipeline.evaluateMessage(message))!;
    const revert = decision.actions.find((a) => a.type === "revert")!;
    expect(revert.operation).toBe("delete"); // before: "restore" to the 0.0.0.0/0 body the failed attempt had cached
    expect(revert.reason).toMatch(/delete open/);
  });

  it("a change survives a storage failure while it is being recorded (the redelivery is not a duplicate)", async () => {
    const e = estate();
    const faults = faultyStore();
    const queue = new TestQueue();
    const h = await startPipeline(e.resources, { store: faults.store, queue });
    await h.pipeline.reconcile();
    faults.arm(failOnce("state.putDirty"));
    h.emulator.put({ ...e.account, properties: { ...e.account.properties, isSftpEnabled: true } }, ALICE);
    await h.events.drain(); // Event Grid redelivers after the handler failed
    expect(h.outcomes.map((o) => o.outcome)).toEqual(["routed"]); // before: parked as failed, then "duplicate"
    const decisions: PerimeterDecision[] = [];
    for (const m of queue.pending.splice(0)) decisions.push((await h.pipeline.evaluateMessage(m))!);
    expect(decisions.flatMap((d) => d.findings.filter((f) => f.status === "new").map((f) => f.ruleId))).toEqual(["storage-sftp"]);
  });

  it("a failed send of the evaluation message does not wedge the perimeter", async () => {
    const e = estate();
    const queue = new TestQueue();
    const h = await startPipeline(e.resources, { queue });
    await h.pipeline.reconcile();
    queue.failNext = 1;
    h.emulator.put({ ...e.account, properties: { ...e.account.properties, isSftpEnabled: true } }, ALICE);
    await h.events.drain(); // first delivery fails at the send, the redelivery sends
    expect(queue.pending).toHaveLength(1); // before: the marker said "queued" and no message was ever sent
    const decision = await h.pipeline.evaluateMessage(queue.pending.shift()!);
    expect(decision!.findings.filter((f) => f.status === "new").map((f) => f.ruleId)).toEqual(["storage-sftp"]);
  });

  it("a lost or poisoned message does not wedge the perimeter: the next event after the lease queues again", async () => {
    const e = estate();
    let now = Date.parse("2026-11-28T10:00:00Z");
    const queue = new TestQueue();
    const h = await startPipeline(e.resources, { queue, clock: () => now, now: () => new Date(now), queueLeaseMs: 60_000 });
    await h.pipeline.reconcile();
    h.emulator.put({ ...e.account, properties: { ...e.account.properties, isSftpEnabled: true } }, ALICE);
    await h.events.drain();
    expect(queue.pending).toHaveLength(1);
    queue.pending = []; // the message exhausted its dequeue count and went to the poison queue
    now += 120_000;
    h.emulator.put({ ...e.offices, properties: { ...e.offices.properties, addressPrefixes: ["198.51.100.0/24"] } }, ALICE);
    await h.events.drain();
    expect(queue.pending).toHaveLength(1); // before: none, for ever
    const decision = await h.pipeline.evaluateMessage(queue.pending.shift()!);
    // Both changes are evaluated: the one whose message was lost and the new one.
    expect(decision!.findings.filter((f) => f.status === "new").map((f) => f.ruleId)).toEqual(["storage-sftp"]);
    expect((await h.store.getDirty(e.nsp.id)).value).toBeUndefined();
  });

  it("changes stay recorded when an evaluation dies halfway, and the retried message evaluates them", async () => {
    const e = estate();
    const faults = faultyStore();
    const queue = new TestQueue();
    const h = await startPipeline(e.resources, { store: faults.store, queue });
    await h.pipeline.reconcile();
    h.emulator.put({ ...e.account, properties: { ...e.account.properties, isSftpEnabled: true } }, ALICE);
    await h.events.drain();
    // The evaluation's store writes fail, and so does anything that tried to give the changes back.
    faults.arm(failOnce("state.putFindings", "state.putDirty", "state.putDirty"));
    const message = queue.pending.shift()!;
    await expect(h.pipeline.evaluateMessage(message)).rejects.toThrow(/injected/);
    faults.arm(() => undefined);
    expect((await h.store.getDirty(e.nsp.id)).value?.changes).toHaveLength(1); // before: deleted at the start, lost
    const decision = await h.pipeline.evaluateMessage(message);
    expect(decision!.findings.filter((f) => f.status === "new").map((f) => f.ruleId)).toEqual(["storage-sftp"]);
  });

  it("a reconcile whose read is older than a perimeter's cache leaves that perimeter's state alone", async () => {
    const e = estate();
    const queue = new TestQueue();
    const h = await startPipeline(e.resources, { queue });
    await h.pipeline.reconcile();
    // A perimeter created while the reconcile reads ARM: its event is evaluated during the read.
    const nsp2 = perimeter("nsp-new");
    const prof2 = profile(nsp2, "p");
    const acc2 = storageAccount("stnew", { isSftpEnabled: true });
    const staleRead = h.emulator.resources();
    const readSubscriptions = h.arm.readSubscriptions.bind(h.arm);
    h.arm.readSubscriptions = async (subs) => {
      const read = await readSubscriptions(subs);
      for (const r of [nsp2, prof2, acc2, association(nsp2, "a2", acc2.id, { profile: prof2, accessMode: "Enforced" })]) h.emulator.put(r, ALICE);
      await h.events.drain();
      for (const m of queue.pending.splice(0)) await h.pipeline.evaluateMessage(m);
      return read.filter((r) => staleRead.some((s) => s.id.toLowerCase() === r.id.toLowerCase()));
    };
    const decisions = await h.pipeline.reconcile();
    h.arm.readSubscriptions = readSubscriptions;
    expect((await h.store.getPerimeterCache(nsp2.id)).value).toBeDefined(); // before: deleted with its index
    const open = (await h.store.getFindings(nsp2.id)).value.filter((f) => f.status === "open").map((f) => f.finding.ruleId);
    expect(open).toContain("storage-sftp"); // before: resolved, with "resolved" alerts
    expect(decisions.flatMap((d) => d.findings.filter((f) => f.status === "resolved"))).toEqual([]);
    expect(await h.store.getPerimetersOf(acc2.id)).toHaveLength(1);
  });
  it("a delete delivered after the re-creation that followed it does not hide the resource", async () => {
    const e = estate();
    const queue = new TestQueue();
    const h = await startPipeline(e.resources, { queue });
    await h.pipeline.reconcile();
    const changes: ResourceChange[] = [];
    h.emulator.sink = { publish: (change) => void changes.push(change) };
    const open = accessRule(e.prof, "open", { direction: "Inbound", addressPrefixes: ["0.0.0.0/0"] });
    h.emulator.put(open, ALICE);
    h.emulator.delete(open.id, ALICE);
    h.emulator.put(open, ALICE);
    const [created, deleted, recreated] = changes.map((c) => buildEvents(c, "EventGridSchema")[0]!);
    for (const event of [created, recreated, deleted]) await h.pipeline.handleEvent(event); // the delete arrives last
    const decisions: PerimeterDecision[] = [];
    for (const m of queue.pending.splice(0)) decisions.push((await h.pipeline.evaluateMessage(m))!);
    const openNow = (await h.store.getFindings(e.nsp.id)).value.filter((f) => f.status === "open").map((f) => f.finding.ruleId);
    expect(openNow).toContain("accessrule-broad-inbound"); // before: the late delete removed the rule from the cache
  });
});
