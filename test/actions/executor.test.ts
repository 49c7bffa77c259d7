/** The executor's decisions with a scripted writer: the paths the end-to-end tests do not reach. */
import { describe, expect, it } from "vitest";
import { ArmWriteError, PreconditionFailedError, type ArmWriter, type PutCondition } from "../../src/actions/armWriter.js";
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

/** A writer that records calls and answers from a script. */
class ScriptedWriter implements ArmWriter {
  calls: string[] = [];
  constructor(
    private readonly state: Map<string, ArmResource>,
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
    const stored = { ...resource, etag: 'W/"new"' };
    this.state.set(resource.id.toLowerCase(), stored);
    return stored;
  }
  async delete(id: string, condition: { ifMatch: string }) {
    this.calls.push(`DELETE ${id.split("/").pop()} ${JSON.stringify(condition)}`);
    this.state.delete(id.toLowerCase());
  }
}

function plan(overrides: Partial<RevertPlan> = {}): RevertPlan {
  return {
    action: { type: "revert", ruleId: "storage-enforcement-downgrade", resourceId: account.id, operation: "restore", status: "skipped", reason: "would restore assoc-stexec; no revert executor is configured" },
    targetId: good.id,
    body: good,
    current: { ...bad, etag: 'W/"seen"' },
    cause: { eventId: "evt-1", caller: { objectId: "0000000a-0000-0000-0000-000000000001" } },
    ...overrides,
  };
}

function decisionOf(plans: RevertPlan[], perimeterId = nsp.id): PerimeterDecision {
  return { perimeterId, findings: [], actions: plans.map((p) => p.action) };
}

const LIVE = policyOf("dryRun: false\nrules: { storage-enforcement-downgrade: { action: revert } }");

describe("RevertExecutor", () => {
  it("without an ETag at evaluation: compare-and-swap on a fresh read", async () => {
    const state = new Map([[good.id.toLowerCase(), { ...bad, etag: 'W/"fresh"' }]]);
    const writer = new ScriptedWriter(state);
    const executor = new RevertExecutor({ writer, ledger: new MemoryRevertLedger(), policy: LIVE });
    const p = plan({ current: bad });
    await executor.execute(decisionOf([p]), [p]);
    expect(writer.calls).toEqual(["GET assoc-stexec", 'PUT assoc-stexec {"ifMatch":"W/\\"fresh\\""}']);
    expect(p.action.status).toBe("applied");

    // Changed since the evaluation (fresh read disagrees): nothing written.
    const changed = new ScriptedWriter(new Map([[good.id.toLowerCase(), { ...withProps(good, { accessMode: "Audit" }), etag: 'W/"fresh"' }]]));
    const q = plan({ current: bad });
    await new RevertExecutor({ writer: changed, ledger: new MemoryRevertLedger(), policy: LIVE }).execute(decisionOf([q]), [q]);
    expect(changed.calls).toEqual(["GET assoc-stexec"]);
    expect(q.action).toMatchObject({ status: "skipped", reason: expect.stringMatching(/^changed again since evaluation/) });
  });

  it("a 412 after an earlier attempt landed is recognised: nothing to write", async () => {
    const state = new Map([[good.id.toLowerCase(), { ...good, etag: 'W/"landed"' }]]);
    const writer = new ScriptedWriter(state, () => new PreconditionFailedError("412"));
    const p = plan();
    await new RevertExecutor({ writer, ledger: new MemoryRevertLedger(), policy: LIVE }).execute(decisionOf([p]), [p]);
    expect(p.action).toMatchObject({ status: "skipped", reason: expect.stringMatching(/already in its last known good state/) });
  });

  it("dry run if either the planner or the executor's policy says so", async () => {
    const writer = new ScriptedWriter(new Map());
    const ledger = new MemoryRevertLedger();
    const p = plan();
    await new RevertExecutor({ writer, ledger, policy: policyOf("rules: { storage-enforcement-downgrade: { action: revert } }") }).execute(decisionOf([p]), [p]);
    expect(p.action).toMatchObject({ status: "planned", reason: expect.stringMatching(/^dry run: would restore assoc-stexec to its last known good body \[revert rv-/) });
    expect(writer.calls).toEqual([]);
    expect(ledger.all()[0]).toMatchObject({ status: "planned", before: { etag: 'W/"seen"' }, after: { id: good.id } });
  });

  it("never writes outside the evaluated perimeter, a non-perimeter resource, or a change by its own identity", async () => {
    const writer = new ScriptedWriter(new Map());
    const executor = new RevertExecutor({ writer, ledger: new MemoryRevertLedger(), policy: LIVE, selfPrincipalIds: ["00000000-0000-0000-0000-0000000000A5"] });
    const elsewhere = plan({ targetId: `${other.id}/resourceAssociations/x` });
    const storage = plan({ targetId: account.id, body: account });
    const own = plan({ targetId: `${nsp.id}/resourceAssociations/y`, cause: { eventId: "e", caller: { objectId: "00000000-0000-0000-0000-0000000000a5" } } });
    await executor.execute(decisionOf([elsewhere, storage, own]), [elsewhere, storage, own]);
    expect(writer.calls).toEqual([]);
    expect(elsewhere.action.reason).toMatch(/^x belongs to another perimeter than the one evaluated/);
    expect(storage.action.reason).toMatch(/^not a perimeter resource: stexec is never written/);
    expect(own.action.reason).toMatch(/^change made by the guardrail's own identity/);
  });

  it("a 403 is final at once and alerted; the executor does not throw", async () => {
    const writer = new ScriptedWriter(new Map(), () => new ArmWriteError("write assoc-stexec: HTTP 403 AuthorizationFailed", 403, "AuthorizationFailed", false));
    const ledger = new MemoryRevertLedger();
    const p = plan();
    const decision = decisionOf([p]);
    await new RevertExecutor({ writer, ledger, policy: LIVE }).execute(decision, [p]);
    expect(p.action).toMatchObject({ status: "failed", reason: expect.stringMatching(/^failed: write assoc-stexec: HTTP 403 AuthorizationFailed/) });
    expect(decision.actions.find((a) => a.type === "alert")?.reason).toMatch(/the finding stays open/);
    expect(ledger.all()[0]).toMatchObject({ status: "failed", retryPending: false, attempts: 1 });
  });

  it("a re-creation (target gone since the last known good) uses If-None-Match", async () => {
    const writer = new ScriptedWriter(new Map());
    const p = plan();
    delete p.current;
    await new RevertExecutor({ writer, ledger: new MemoryRevertLedger(), policy: LIVE }).execute(decisionOf([p]), [p]);
    expect(writer.calls).toEqual(['PUT assoc-stexec {"ifNoneMatch":"*"}']);
    expect(p.action.reason).toMatch(/^re-created assoc-stexec with its last known good body/);
  });

  describe("retries and re-runs", () => {
    const transient = () => new ArmWriteError("write assoc-stexec: HTTP 500 InternalServerError", 500, "InternalServerError", true);

    it("a redelivered evaluation that re-plans the same change continues the record (same id, attempts go on)", async () => {
      let failing = true;
      const writer = new ScriptedWriter(new Map(), () => (failing ? transient() : undefined));
      const ledger = new MemoryRevertLedger();
      const executor = new RevertExecutor({ writer, ledger, policy: LIVE });
      const first = plan();
      await expect(executor.execute(decisionOf([first]), [first])).rejects.toThrow(/1 revert\(s\) failed on transient ARM errors/);
      failing = false;
      const again = plan(); // the same change, planned again
      await executor.execute(decisionOf([again]), [again]);
      expect(again.action.status).toBe("applied");
      expect(ledger.all()).toHaveLength(1);
      expect(ledger.all()[0]).toMatchObject({ status: "applied", attempts: 2, retryPending: false });
    });

    it("without a plan (findings no longer new, or the timer reconcile) the pending revert is retried from the ledger", async () => {
      let failing = true;
      const writer = new ScriptedWriter(new Map(), () => (failing ? transient() : undefined));
      const ledger = new MemoryRevertLedger();
      const executor = new RevertExecutor({ writer, ledger, policy: LIVE });
      const first = plan();
      await expect(executor.execute(decisionOf([first]), [first])).rejects.toThrow(RevertRetryErrorClass);
      failing = false;
      const decision = decisionOf([]);
      await executor.execute(decision, []);
      expect(decision.actions).toEqual([expect.objectContaining({ type: "revert", status: "applied", reason: expect.stringMatching(/^restored assoc-stexec/) })]);
      expect(writer.calls.at(-1)).toBe('PUT assoc-stexec {"ifMatch":"W/\\"seen\\""}');
      expect(ledger.all()[0]).toMatchObject({ status: "applied", attempts: 2 });
    });

    it("a newer change of the same resource supersedes the pending revert", async () => {
      let failing = true;
      const writer = new ScriptedWriter(new Map(), () => (failing ? transient() : undefined));
      const ledger = new MemoryRevertLedger();
      const executor = new RevertExecutor({ writer, ledger, policy: LIVE });
      const first = plan();
      await expect(executor.execute(decisionOf([first]), [first])).rejects.toThrow(RevertRetryErrorClass);
      failing = false;
      const newer = plan({ current: { ...withProps(good, { accessMode: "Audit" }), etag: 'W/"newer"' }, cause: { eventId: "evt-2", caller: { objectId: "0000000a-0000-0000-0000-000000000001" } } });
      await executor.execute(decisionOf([newer]), [newer]);
      expect(writer.calls.at(-1)).toBe('PUT assoc-stexec {"ifMatch":"W/\\"newer\\""}');
      const byEvent = new Map(ledger.all().map((r) => [r.cause?.eventId, r]));
      expect(byEvent.get("evt-1")).toMatchObject({ status: "skipped", retryPending: false, reason: expect.stringMatching(/superseded by a newer change of the same resource$/) });
      expect(byEvent.get("evt-2")).toMatchObject({ status: "applied", retryPending: false });
    });

    it("the same decision run twice (a store conflict re-running it) writes once", async () => {
      const writer = new ScriptedWriter(new Map());
      const ledger = new MemoryRevertLedger();
      const executor = new RevertExecutor({ writer, ledger, policy: LIVE });
      const once = plan();
      await executor.execute(decisionOf([once]), [once]);
      const twice = plan();
      await executor.execute(decisionOf([twice]), [twice]);
      expect(writer.calls.filter((c) => c.startsWith("PUT"))).toHaveLength(1);
      expect(twice.action).toMatchObject({ status: "applied", reason: expect.stringMatching(/undo with: nsp-guardrail undo rv-/) });
      expect(ledger.all()).toHaveLength(1);
    });
  });
});
