/** The executor's decisions with a scripted writer: the paths the end-to-end tests do not reach. */
import { describe, expect, it } from "vitest";
import { ArmWriteError, type ArmWriter, type DeleteCondition, type PutCondition } from "../../src/actions/armWriter.js";
import { resourceVersion } from "../../src/actions/safety.js";
import { RevertExecutor, RevertRetryError as RevertRetryErrorClass } from "../../src/actions/executor.js";
import type { RevertPlan } from "../../src/actions/planner.js";
import type { ArmResource } from "../../src/model/resource.js";
import type { PerimeterDecision } from "../../src/pipeline/decisions.js";
import { MemoryRevertLedger } from "../../src/state/revertLedger.js";
import { association, perimeter, profile, storageAccount } from "../helpers/builders.js";
import { policyOf, withProps } from "../helpers/revertHarness.js";

const nsp = perimeter("nsp-exec");
const other = perimeter("nsp-elsewhere");
const prof = profile(nsp, "default");
const account = storageAccount("stexec");
const good = association(nsp, "assoc-stexec", account.id, { profile: prof, accessMode: "Enforced" });
const bad = { ...withProps(good, { accessMode: "Learning" }) };

const ALICE_AT = { lastModifiedAt: "2026-11-28T08:00:00.000Z", lastModifiedBy: "alice@contoso.example", lastModifiedByType: "User" };
/** The association as the evaluation saw it: downgraded by Alice (NSP resources carry no ETag). */
const seen: ArmResource = { ...bad, systemData: ALICE_AT };

/** A writer over a scripted ARM state: records calls; a PUT stamps systemData as ARM would. */
class ScriptedWriter implements ArmWriter {
  calls: string[] = [];
  private writes = 0;
  constructor(
    readonly state: Map<string, ArmResource>,
    private readonly failPut?: () => Error | undefined,
  ) {}
  async get(id: string) {
    this.calls.push(`GET ${id.split("/").pop()}`);
    return this.state.get(id.toLowerCase());
  }
  async put(resource: ArmResource, condition: PutCondition) {
    this.calls.push(`PUT ${resource.id.split("/").pop()} ${JSON.stringify(condition)}`);
    const failure = this.failPut?.();
    if (failure) throw failure;
    const stored = { ...resource, systemData: { lastModifiedAt: `2026-11-28T09:00:0${++this.writes}.000Z`, lastModifiedBy: "6e5b9d1c-0000-0000-0000-00000000a5a5", lastModifiedByType: "Application" } };
    this.state.set(resource.id.toLowerCase(), stored);
    return stored;
  }
  async delete(id: string, condition: DeleteCondition) {
    this.calls.push(`DELETE ${id.split("/").pop()} ${JSON.stringify(condition)}`);
    this.state.delete(id.toLowerCase());
  }
}

/** ARM holding `resource` (by default what the evaluation saw). */
function armWith(resource: ArmResource = seen): Map<string, ArmResource> {
  return new Map([[resource.id.toLowerCase(), resource]]);
}

function plan(overrides: Partial<RevertPlan> = {}): RevertPlan {
  return {
    action: { type: "revert", ruleId: "storage-enforcement-downgrade", resourceId: account.id, operation: "restore", status: "skipped", reason: "would restore assoc-stexec; no revert executor is configured" },
    targetId: good.id,
    body: good,
    current: seen,
    cause: { eventId: "evt-1", caller: { objectId: "0000000a-0000-0000-0000-000000000001" } },
    ...overrides,
  };
}

function decisionOf(plans: RevertPlan[], perimeterId = nsp.id): PerimeterDecision {
  return { perimeterId, findings: [], actions: plans.map((p) => p.action) };
}

/**
 * Runs the executor and takes its outcomes into the test's own plans and decision: the executor
 * returns values and changes nothing it is given.
 */
async function settle(executor: RevertExecutor, decision: PerimeterDecision, plans: RevertPlan[]) {
  const report = await executor.execute(decision, plans);
  report.plans.forEach((outcome, i) => (plans[i]!.action = outcome.action));
  decision.actions.push(...report.added);
  return report;
}

const LIVE = policyOf("dryRun: false\nrules: { storage-enforcement-downgrade: { action: revert } }");

describe("RevertExecutor", () => {
  it("compare-then-write: re-reads, writes without If-Match (NSP has no ETags), re-reads to verify and records the version", async () => {
    const writer = new ScriptedWriter(armWith());
    const ledger = new MemoryRevertLedger();
    const p = plan();
    await settle(new RevertExecutor({ writer, ledger, policy: LIVE }), decisionOf([p]), [p]);
    expect(writer.calls).toEqual(["GET assoc-stexec", "PUT assoc-stexec {}", "GET assoc-stexec"]);
    expect(p.action.status).toBe("applied");
    const written = writer.state.get(good.id.toLowerCase())!;
    expect(ledger.all()[0]).toMatchObject({ status: "applied", resultVersion: resourceVersion(written) });
    expect(ledger.all()[0]!.resultVersion).toMatch(/^2026-11-28T09:00:01\.000Z#[0-9a-f]{16}$/);
    expect(ledger.all()[0]!.ifMatch).toBeUndefined();
  });

  it("writes only while what the decision rests on (the member) is as the evaluation saw it", async () => {
    const memberSeen: ArmResource = { ...account, systemData: ALICE_AT };
    const memberNow: ArmResource = { ...withProps(account, { isSftpEnabled: true, isHnsEnabled: true }), systemData: { ...ALICE_AT, lastModifiedAt: "2026-11-28T08:45:00.000Z" } };
    for (const [member, expected] of [
      [memberSeen, "applied"],
      [memberNow, "skipped"],
    ] as const) {
      const writer = new ScriptedWriter(armWith());
      const p = plan({ basis: [memberSeen] });
      const reader = { get: async (id: string) => (id.toLowerCase() === account.id.toLowerCase() ? member : undefined) };
      await settle(new RevertExecutor({ writer, ledger: new MemoryRevertLedger(), policy: LIVE, reader }), decisionOf([p]), [p]);
      expect(p.action.status).toBe(expected);
      if (expected === "skipped") {
        expect(p.action.reason).toMatch(/stexec, which the decision rests on, changed since the evaluation/);
        expect(writer.calls.filter((c) => c.startsWith("PUT"))).toEqual([]);
      }
    }
  });

  it("returns its outcomes as new values: the decision and plans it is given stay as they were", async () => {
    const writer = new ScriptedWriter(armWith());
    const p = plan();
    const decision = decisionOf([p]);
    const given = structuredClone({ decision, p });
    const report = await new RevertExecutor({ writer, ledger: new MemoryRevertLedger(), policy: LIVE }).execute(decision, [p]);
    expect({ decision, p }).toEqual(given); // before: the executor rewrote the actions in place
    expect(report.plans[0]!.action.status).toBe("applied");
    expect(report.plans[0]!.action).not.toBe(p.action);
  });

  it("the hourly cap holds across instances: two executors sharing the ledger write once with maxPerHour 1", async () => {
    const second = association(nsp, "assoc-second", storageAccount("stsecond").id, { profile: prof, accessMode: "Enforced" });
    const secondSeen: ArmResource = { ...withProps(second, { accessMode: "Learning" }), systemData: ALICE_AT };
    const state = new Map([
      [good.id.toLowerCase(), seen],
      [second.id.toLowerCase(), secondSeen],
    ]);
    const writer = new ScriptedWriter(state);
    const ledger = new MemoryRevertLedger();
    const capped = policyOf("dryRun: false\nrules: { storage-enforcement-downgrade: { action: revert } }\nrevert: { maxPerHour: 1 }");
    const p1 = plan();
    const p2 = plan({ targetId: second.id, body: second, current: secondSeen, cause: { eventId: "evt-2", caller: { objectId: "0000000a-0000-0000-0000-000000000001" } } });
    // Two instances, each having read the (empty) ledger before either wrote.
    await Promise.all([
      settle(new RevertExecutor({ writer, ledger, policy: capped }), decisionOf([p1]), [p1]),
      settle(new RevertExecutor({ writer, ledger, policy: capped }), decisionOf([p2]), [p2]),
    ]);
    expect(writer.calls.filter((c) => c.startsWith("PUT"))).toHaveLength(1); // before: 2
    const statuses = [p1.action, p2.action].map((a) => a.status).sort();
    expect(statuses).toEqual(["applied", "skipped"]);
    expect([p1.action, p2.action].find((a) => a.status === "skipped")!.reason).toMatch(/^circuit breaker open: 1 revert\(s\) written in the last hour by all instances/);
  });

  it("changed again: a write in between (even of the same values, by someone else) is not overwritten", async () => {
    const sameValuesByBob = { ...bad, systemData: { ...ALICE_AT, lastModifiedAt: "2026-11-28T08:30:00.000Z", lastModifiedBy: "bob@contoso.example" } };
    const audit = { ...withProps(good, { accessMode: "Audit" }), systemData: { ...ALICE_AT, lastModifiedAt: "2026-11-28T08:31:00.000Z" } };
    for (const now of [sameValuesByBob, audit]) {
      const writer = new ScriptedWriter(armWith(now));
      const q = plan();
      await settle(new RevertExecutor({ writer, ledger: new MemoryRevertLedger(), policy: LIVE }), decisionOf([q]), [q]);
      expect(writer.calls).toEqual(["GET assoc-stexec"]);
      expect(q.action).toMatchObject({ status: "skipped", reason: expect.stringMatching(/^changed again since evaluation/) });
    }
    // Deleted since the evaluation: not re-created (only a 404 seen at evaluation leads to re-creation).
    const gone = new ScriptedWriter(new Map());
    const r = plan();
    await settle(new RevertExecutor({ writer: gone, ledger: new MemoryRevertLedger(), policy: LIVE }), decisionOf([r]), [r]);
    expect(gone.calls).toEqual(["GET assoc-stexec"]);
    expect(r.action.reason).toMatch(/^changed again since evaluation/);
  });

  it("an earlier attempt that landed is recognised on the re-read: nothing to write", async () => {
    const writer = new ScriptedWriter(armWith({ ...good, systemData: { ...ALICE_AT, lastModifiedAt: "2026-11-28T08:59:00.000Z", lastModifiedBy: "6e5b9d1c-0000-0000-0000-00000000a5a5" } }));
    const p = plan();
    await settle(new RevertExecutor({ writer, ledger: new MemoryRevertLedger(), policy: LIVE }), decisionOf([p]), [p]);
    expect(writer.calls).toEqual(["GET assoc-stexec"]);
    expect(p.action).toMatchObject({ status: "skipped", reason: expect.stringMatching(/already in its last known good state/) });
  });

  it("a write the re-read does not confirm is not reported applied: failed and alerted", async () => {
    const state = armWith();
    const writer = new ScriptedWriter(state);
    const racing: ArmWriter = {
      get: (id) => writer.get(id),
      delete: (id, c) => writer.delete(id, c),
      put: async (resource, c) => {
        const out = await writer.put(resource, c);
        state.set(good.id.toLowerCase(), { ...withProps(good, { accessMode: "Learning" }), systemData: { ...ALICE_AT, lastModifiedAt: "2026-11-28T09:30:00.000Z" } });
        return out;
      },
    };
    const p = plan();
    const decision = decisionOf([p]);
    await settle(new RevertExecutor({ writer: racing, ledger: new MemoryRevertLedger(), policy: LIVE }), decision, [p]);
    expect(p.action).toMatchObject({ status: "failed", reason: expect.stringMatching(/^not verified: wrote assoc-stexec, but the re-read holds another state \(last modified by alice@contoso.example\)/) });
    expect(decision.actions.some((a) => a.type === "alert" && a.reason.includes("not verified"))).toBe(true);
  });

  it("dry run if either the planner or the executor's policy says so", async () => {
    const writer = new ScriptedWriter(new Map());
    const ledger = new MemoryRevertLedger();
    const p = plan();
    await settle(new RevertExecutor({ writer, ledger, policy: policyOf("rules: { storage-enforcement-downgrade: { action: revert } }") }), decisionOf([p]), [p]);
    expect(p.action).toMatchObject({ status: "planned", reason: expect.stringMatching(/^dry run: would restore assoc-stexec to its last known good body \[revert rv-/) });
    expect(writer.calls).toEqual([]);
    expect(ledger.all()[0]).toMatchObject({ status: "planned", before: { systemData: ALICE_AT }, after: { id: good.id } });
  });

  it("never writes outside the evaluated perimeter, a non-perimeter resource, or a change by its own identity", async () => {
    const writer = new ScriptedWriter(new Map());
    const executor = new RevertExecutor({ writer, ledger: new MemoryRevertLedger(), policy: LIVE, selfPrincipalIds: ["00000000-0000-0000-0000-0000000000A5"] });
    const elsewhere = plan({ targetId: `${other.id}/resourceAssociations/x` });
    const storage = plan({ targetId: account.id, body: account });
    const own = plan({ targetId: `${nsp.id}/resourceAssociations/y`, cause: { eventId: "e", caller: { objectId: "00000000-0000-0000-0000-0000000000a5" } } });
    await settle(executor, decisionOf([elsewhere, storage, own]), [elsewhere, storage, own]);
    expect(writer.calls).toEqual([]);
    expect(elsewhere.action.reason).toMatch(/^x belongs to another perimeter than the one evaluated/);
    expect(storage.action.reason).toMatch(/^not a perimeter resource: stexec is never written/);
    expect(own.action.reason).toMatch(/^change made by the guardrail's own identity/);
  });

  it("a 403 is final at once and alerted; the executor does not throw", async () => {
    const writer = new ScriptedWriter(armWith(), () => new ArmWriteError("write assoc-stexec: HTTP 403 AuthorizationFailed", 403, "AuthorizationFailed", false));
    const ledger = new MemoryRevertLedger();
    const p = plan();
    const decision = decisionOf([p]);
    await settle(new RevertExecutor({ writer, ledger, policy: LIVE }), decision, [p]);
    expect(p.action).toMatchObject({ status: "failed", reason: expect.stringMatching(/^failed: write assoc-stexec: HTTP 403 AuthorizationFailed/) });
    expect(decision.actions.find((a) => a.type === "alert")?.reason).toMatch(/the finding stays open/);
    expect(ledger.all()[0]).toMatchObject({ status: "failed", retryPending: false, attempts: 1 });
  });

  it("a re-creation (target gone at evaluation) happens only after a 404 on the re-read, without If-None-Match for an ETag-less type", async () => {
    const writer = new ScriptedWriter(new Map());
    const p = plan();
    delete p.current;
    await settle(new RevertExecutor({ writer, ledger: new MemoryRevertLedger(), policy: LIVE }), decisionOf([p]), [p]);
    expect(writer.calls).toEqual(["GET assoc-stexec", "PUT assoc-stexec {}", "GET assoc-stexec"]);
    expect(p.action.reason).toMatch(/^re-created assoc-stexec with its last known good body/);
  });

  describe("retries and re-runs", () => {
    const transient = () => new ArmWriteError("write assoc-stexec: HTTP 500 InternalServerError", 500, "InternalServerError", true);

    it("a redelivered evaluation that re-plans the same change continues the record (same id, attempts go on)", async () => {
      let failing = true;
      const writer = new ScriptedWriter(armWith(), () => (failing ? transient() : undefined));
      const ledger = new MemoryRevertLedger();
      const executor = new RevertExecutor({ writer, ledger, policy: LIVE });
      const first = plan();
      await expect(executor.execute(decisionOf([first]), [first])).rejects.toThrow(/1 revert\(s\) failed on transient ARM errors/);
      failing = false;
      const again = plan(); // the same change, planned again
      await settle(executor, decisionOf([again]), [again]);
      expect(again.action.status).toBe("applied");
      expect(ledger.all()).toHaveLength(1);
      expect(ledger.all()[0]).toMatchObject({ status: "applied", attempts: 2, retryPending: false });
    });

    it("without a plan (findings no longer new, or the timer reconcile) the pending revert is retried from the ledger", async () => {
      let failing = true;
      const writer = new ScriptedWriter(armWith(), () => (failing ? transient() : undefined));
      const ledger = new MemoryRevertLedger();
      const executor = new RevertExecutor({ writer, ledger, policy: LIVE });
      const first = plan();
      await expect(executor.execute(decisionOf([first]), [first])).rejects.toThrow(RevertRetryErrorClass);
      failing = false;
      const decision = decisionOf([]);
      await settle(executor, decision, []);
      expect(decision.actions).toEqual([expect.objectContaining({ type: "revert", status: "applied", reason: expect.stringMatching(/^restored assoc-stexec/) })]);
      expect(writer.calls.slice(-3)).toEqual(["GET assoc-stexec", "PUT assoc-stexec {}", "GET assoc-stexec"]);
      expect(ledger.all()[0]).toMatchObject({ status: "applied", attempts: 2 });
    });

    it("a newer change of the same resource supersedes the pending revert", async () => {
      let failing = true;
      const writer = new ScriptedWriter(armWith(), () => (failing ? transient() : undefined));
      const ledger = new MemoryRevertLedger();
      const executor = new RevertExecutor({ writer, ledger, policy: LIVE });
      const first = plan();
      await expect(executor.execute(decisionOf([first]), [first])).rejects.toThrow(RevertRetryErrorClass);
      failing = false;
      const newerBody = { ...withProps(good, { accessMode: "Audit" }), systemData: { ...ALICE_AT, lastModifiedAt: "2026-11-28T08:40:00.000Z" } };
      writer.state.set(good.id.toLowerCase(), newerBody);
      const newer = plan({ current: newerBody, cause: { eventId: "evt-2", caller: { objectId: "0000000a-0000-0000-0000-000000000001" } } });
      await settle(executor, decisionOf([newer]), [newer]);
      expect(writer.calls.slice(-3)).toEqual(["GET assoc-stexec", "PUT assoc-stexec {}", "GET assoc-stexec"]);
      const byEvent = new Map(ledger.all().map((r) => [r.cause?.eventId, r]));
      expect(byEvent.get("evt-1")).toMatchObject({ status: "skipped", retryPending: false, reason: expect.stringMatching(/superseded by a newer change of the same resource$/) });
      expect(byEvent.get("evt-2")).toMatchObject({ status: "applied", retryPending: false });
    });

    it("the same decision run twice (a store conflict re-running it) writes once", async () => {
      const writer = new ScriptedWriter(armWith());
      const ledger = new MemoryRevertLedger();
      const executor = new RevertExecutor({ writer, ledger, policy: LIVE });
      const once = plan();
      await settle(executor, decisionOf([once]), [once]);
      const twice = plan();
      await settle(executor, decisionOf([twice]), [twice]);
      expect(writer.calls.filter((c) => c.startsWith("PUT"))).toHaveLength(1);
      expect(twice.action).toMatchObject({ status: "applied", reason: expect.stringMatching(/undo with: nsp-guardrail undo rv-/) });
      expect(ledger.all()).toHaveLength(1);
    });
  });
});
