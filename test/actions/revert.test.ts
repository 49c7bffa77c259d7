/**
 * Reverts end to end: the emulator emits the Event Grid event of a user's change, the pipeline
 * evaluates and plans, the executor writes back through the Azure SDK as the guardrail's identity, and
 * the emulator's own event of that write comes back through the pipeline.
 */
import { describe, expect, it } from "vitest";
import type { ArmWriter } from "../../src/actions/armWriter.js";
import { RevertRetryError } from "../../src/actions/executor.js";
import { resourceVersion } from "../../src/actions/safety.js";
import { MemoryRevertLedger } from "../../src/state/revertLedger.js";
import { accessRule, association } from "../helpers/builders.js";
import { ALICE, BOB_EXEMPT, GUARDRAIL, policyOf, revertEstate, startRevertPipeline, withProps } from "../helpers/revertHarness.js";

const DOWNGRADE_REVERT = "dryRun: false\nrules: { storage-enforcement-downgrade: { action: revert } }";

describe("reverts through the pipeline", () => {
  it("an association flipped from Enforced to Learning is restored, and the revert's own event is not fought", async () => {
    const e = revertEstate();
    const ledger = new MemoryRevertLedger();
    const h = await startRevertPipeline(e.resources, { policy: policyOf(DOWNGRADE_REVERT), ledger });
    await h.pipeline.reconcile();
    h.emulator.put(withProps(e.assocs[0]!, { accessMode: "Learning" }), ALICE);
    const decisions = await h.settle();

    // ARM holds Enforced again, written with only the writable properties.
    const restored = h.stored(e.assocs[0]!.id)!;
    expect(restored.properties).toEqual({
      accessMode: "Enforced",
      privateLinkResource: { id: e.accounts[0]!.id },
      profile: { id: e.prof.id },
      provisioningState: "Succeeded",
    });
    expect(restored.systemData?.lastModifiedBy).toBe(GUARDRAIL.appId);

    const revert = decisions[0]!.actions.find((a) => a.type === "revert")!;
    expect(revert).toMatchObject({ ruleId: "storage-enforcement-downgrade", operation: "restore", status: "applied" });
    expect(revert.reason).toMatch(/^restored assoc-stalpha to its last known good body \(accessMode Enforced, profile default\); undo with: nsp-guardrail undo rv-/);

    // The revert raised its own event: evaluated, findings resolved, nothing reverted back.
    expect(decisions).toHaveLength(2);
    expect(decisions[1]!.actions.filter((a) => a.type === "revert")).toEqual([]);
    expect(decisions[1]!.findings.filter((f) => f.status === "resolved").map((f) => f.ruleId).sort()).toEqual(["storage-enforcement-downgrade", "storage-transition-mode"]);
    expect((await h.openFindings()).filter((l) => l.includes("assoc-stalpha") || l.includes("/stalpha "))).toEqual([]);

    // One PUT by the guardrail (long-running: 202), nothing else.
    expect(h.guardrailWrites().map((o) => `${o.method} ${o.path.split("/").pop()} ${o.status}`)).toEqual(["PUT assoc-stalpha 202"]);

    // Audited: who changed it, which event, before and after.
    const [record] = ledger.all();
    expect(record).toMatchObject({
      kind: "revert",
      status: "applied",
      perimeterId: e.nsp.id,
      ruleId: "storage-enforcement-downgrade",
      targetId: e.assocs[0]!.id,
      operation: "restore",
      cause: { caller: { objectId: ALICE.objectId } },
      author: { by: ALICE.name, byType: "User" },
      attempts: 1,
      retryPending: false,
    });
    expect(record!.cause?.eventId).toBeTruthy();
    expect(record!.before?.properties?.["accessMode"]).toBe("Learning");
    expect(record!.after?.properties?.["accessMode"]).toBe("Enforced");
    // Azure's NSP resources have no ETag: the revert compared before writing and recorded the version
    // it left (verified on a re-read), which is how its own event was recognised.
    expect(restored.etag).toBeUndefined();
    expect(record!.ifMatch).toBeUndefined();
    expect(record!.resultVersion).toBe(resourceVersion(restored));
  });

  it("a new association of an NFS account in Enforced mode is deleted", async () => {
    const e = revertEstate();
    const ledger = new MemoryRevertLedger();
    const h = await startRevertPipeline(e.resources, { policy: policyOf("dryRun: false\nrules: { storage-nfs: { action: revert } }"), ledger });
    await h.pipeline.reconcile();
    const created = association(e.nsp, "assoc-stnfsnew", e.nfsAccount.id, { profile: e.prof, accessMode: "Enforced" });
    h.emulator.put(created, ALICE);
    const decisions = await h.settle();
    expect(decisions[0]!.actions.find((a) => a.type === "revert")).toMatchObject({
      ruleId: "storage-nfs",
      operation: "delete",
      status: "applied",
      reason: expect.stringMatching(/^deleted assoc-stnfsnew, which did not exist before; undo with: nsp-guardrail undo rv-/),
    });
    expect(h.stored(created.id)).toBeUndefined();
    expect(h.guardrailWrites().map((o) => `${o.method} ${o.path.split("/").pop()}`)).toEqual(["DELETE assoc-stnfsnew"]);
    expect((await h.openFindings()).some((l) => l.startsWith("storage-nfs "))).toBe(false);
    expect(ledger.all()[0]).toMatchObject({ status: "applied", operation: "delete", before: { id: created.id } });
    expect(ledger.all()[0]!.after).toBeUndefined();
  });

  it("0.0.0.0/0 added to an existing access rule is restored to the previous prefixes", async () => {
    const e = revertEstate();
    const h = await startRevertPipeline(e.resources, { policy: policyOf("dryRun: false\nrules: { accessrule-broad-inbound: { action: revert } }") });
    await h.pipeline.reconcile();
    h.emulator.put(accessRule(e.prof, "offices", { direction: "Inbound", addressPrefixes: ["203.0.113.0/24", "0.0.0.0/0"] }), ALICE);
    const decisions = await h.settle();
    expect(decisions[0]!.findings.find((f) => f.ruleId === "accessrule-broad-inbound")).toMatchObject({ status: "new", severity: "critical" });
    expect(decisions[0]!.actions.find((a) => a.type === "revert")).toMatchObject({
      status: "applied",
      reason: expect.stringMatching(/^restored offices to its last known good body \(addressPrefixes 203\.0\.113\.0\/24\)/),
    });
    const rule = h.stored(e.ipRule.id)!;
    expect(rule.properties?.["addressPrefixes"]).toEqual(["203.0.113.0/24"]);
    // Read-only properties are ARM's: not sent back.
    expect(rule.properties).not.toHaveProperty("networkSecurityPerimeters");
    expect((await h.openFindings()).some((l) => l.startsWith("accessrule-broad-inbound "))).toBe(false);
  });

  it("a change by an exempt principal is alerted only", async () => {
    const e = revertEstate();
    const ledger = new MemoryRevertLedger();
    const h = await startRevertPipeline(e.resources, { policy: policyOf(`${DOWNGRADE_REVERT}\nexemptPrincipals: [${BOB_EXEMPT.objectId}]`), ledger });
    await h.pipeline.reconcile();
    h.emulator.put(withProps(e.assocs[1]!, { accessMode: "Learning" }), BOB_EXEMPT);
    const [decision] = await h.settle();
    expect(decision!.actions.filter((a) => a.type === "alert").map((a) => a.ruleId).sort()).toEqual(["storage-enforcement-downgrade", "storage-transition-mode"]);
    expect(decision!.actions.find((a) => a.type === "revert")).toMatchObject({ status: "skipped", reason: expect.stringMatching(/exempt principal 0000000b-.*: alert only \[revert rv-/) });
    expect(h.guardrailWrites()).toEqual([]);
    expect(h.stored(e.assocs[1]!.id)!.properties?.["accessMode"]).toBe("Learning");
    expect(ledger.all().map((r) => r.status)).toEqual(["skipped"]);
  });

  it("a change between evaluation and revert is not clobbered: the re-read finds it and the revert is skipped as changed again", async () => {
    const e = revertEstate();
    const ledger = new MemoryRevertLedger();
    let interfered = false;
    const interfering = (inner: ArmWriter, emulator: import("../../src/emulator/server.js").ArmEmulator): ArmWriter => ({
      get: async (id) => {
        // Someone changes the association again after the evaluation read it, before the revert's re-read.
        if (!interfered) {
          interfered = true;
          emulator.put(withProps(e.assocs[0]!, { accessMode: "Audit" }), ALICE);
        }
        return inner.get(id);
      },
      delete: (id, c) => inner.delete(id, c),
      put: (resource, condition) => inner.put(resource, condition),
    });
    const h = await startRevertPipeline(e.resources, { policy: policyOf(DOWNGRADE_REVERT), ledger, wrapWriter: interfering });
    await h.pipeline.reconcile();
    h.emulator.put(withProps(e.assocs[0]!, { accessMode: "Learning" }), ALICE);
    const decisions = await h.settle();
    expect(decisions[0]!.actions.find((a) => a.type === "revert")).toMatchObject({
      status: "skipped",
      reason: expect.stringMatching(/^changed again since evaluation; re-evaluated by its own event \[revert rv-/),
    });
    expect(h.stored(e.assocs[0]!.id)!.properties?.["accessMode"]).toBe("Audit"); // the newer change stood
    expect(h.guardrailWrites()).toEqual([]);
    // The newer change was evaluated through its own event.
    expect(decisions.length).toBeGreaterThanOrEqual(2);
    expect(ledger.all()[0]).toMatchObject({ status: "skipped", attempts: 0, retryPending: false });
  });

  it("a write of the same values by someone else in between also counts as changed again (systemData differs)", async () => {
    const e = revertEstate();
    let interfered = false;
    const interfering = (inner: ArmWriter, emulator: import("../../src/emulator/server.js").ArmEmulator): ArmWriter => ({
      get: async (id) => {
        if (!interfered) {
          interfered = true;
          emulator.put(withProps(e.assocs[0]!, { accessMode: "Learning" }), BOB_EXEMPT);
        }
        return inner.get(id);
      },
      delete: (id, c) => inner.delete(id, c),
      put: (resource, condition) => inner.put(resource, condition),
    });
    const h = await startRevertPipeline(e.resources, { policy: policyOf(`${DOWNGRADE_REVERT}\nexemptPrincipals: [${BOB_EXEMPT.objectId}]`), wrapWriter: interfering });
    await h.pipeline.reconcile();
    h.emulator.put(withProps(e.assocs[0]!, { accessMode: "Learning" }), ALICE);
    const decisions = await h.settle();
    expect(decisions[0]!.actions.find((a) => a.type === "revert")).toMatchObject({ status: "skipped", reason: expect.stringMatching(/^changed again since evaluation/) });
    // Bob's write has its own event, evaluated on its own (the finding is no longer new: nothing to revert).
    expect(decisions.length).toBeGreaterThanOrEqual(2);
    expect(h.guardrailWrites()).toEqual([]);
    expect(h.stored(e.assocs[0]!.id)!.systemData?.lastModifiedBy).toBe(BOB_EXEMPT.name);
  });

  it("flapping: a user flipping the association repeatedly stops the reverts and raises a flapping alert", async () => {
    const e = revertEstate();
    const h = await startRevertPipeline(e.resources, { policy: policyOf(`${DOWNGRADE_REVERT}\nrevert: { flapThreshold: 2, cooldownMinutes: 15, maxPerHour: 100 }`) });
    await h.pipeline.reconcile();
    const outcomes: string[] = [];
    let last: Awaited<ReturnType<typeof h.settle>> = [];
    for (let flip = 0; flip < 3; flip++) {
      h.emulator.put(withProps(e.assocs[0]!, { accessMode: "Learning" }), ALICE);
      last = await h.settle();
      outcomes.push(`${last[0]!.actions.find((a) => a.type === "revert")!.status} ${h.stored(e.assocs[0]!.id)!.properties?.["accessMode"]}`);
    }
    expect(outcomes).toEqual(["applied Enforced", "applied Enforced", "skipped Learning"]);
    const actions = last[0]!.actions;
    expect(actions.find((a) => a.type === "revert")!.reason).toMatch(/^flapping: assoc-stalpha was reverted 2 time\(s\) in the last 15 minutes \(revert.flapThreshold 2\); not reverted again until /);
    const alert = actions.find((a) => a.type === "alert" && a.reason.startsWith("flapping"));
    expect(alert).toMatchObject({ ruleId: "storage-enforcement-downgrade", resourceId: e.assocs[0]!.id, status: "planned" });
    expect(h.guardrailWrites()).toHaveLength(2);
  });

  it("the hourly cap opens the circuit breaker (alerted) and it closes after the hour", async () => {
    const e = revertEstate();
    let offsetMs = 0;
    const h = await startRevertPipeline(e.resources, {
      policy: policyOf(`${DOWNGRADE_REVERT}\nrevert: { maxPerHour: 2, flapThreshold: 10 }`),
      now: () => new Date(Date.now() + offsetMs),
    });
    await h.pipeline.reconcile();
    const statuses: string[] = [];
    let third: Awaited<ReturnType<typeof h.settle>> = [];
    for (const i of [0, 1, 2]) {
      h.emulator.put(withProps(e.assocs[i]!, { accessMode: "Audit" }), ALICE);
      const d = await h.settle();
      if (i === 2) third = d;
      statuses.push(d[0]!.actions.find((a) => a.type === "revert")!.status);
    }
    expect(statuses).toEqual(["applied", "applied", "skipped"]);
    expect(third[0]!.actions.find((a) => a.type === "revert")!.reason).toMatch(/^circuit breaker open: 2 revert\(s\) applied in the last hour \(revert.maxPerHour 2\); it closes at \d{4}-/);
    expect(third[0]!.actions.some((a) => a.type === "alert" && a.reason.startsWith("circuit breaker open"))).toBe(true);
    expect(h.stored(e.assocs[2]!.id)!.properties?.["accessMode"]).toBe("Audit");

    offsetMs = 61 * 60_000; // an hour later the breaker is closed again
    h.emulator.put(withProps(e.assocs[3]!, { accessMode: "Learning" }), ALICE);
    const later = await h.settle();
    expect(later[0]!.actions.find((a) => a.type === "revert")!.status).toBe("applied");
    expect(h.stored(e.assocs[3]!.id)!.properties?.["accessMode"]).toBe("Enforced");
  });

  it("dry run (the default) plans and records, and writes nothing", async () => {
    const e = revertEstate();
    const ledger = new MemoryRevertLedger();
    const h = await startRevertPipeline(e.resources, {
      policy: policyOf("rules: { storage-enforcement-downgrade: { action: revert }, storage-nfs: { action: revert }, accessrule-broad-inbound: { action: revert } }"),
      ledger,
    });
    await h.pipeline.reconcile();
    h.emulator.put(withProps(e.assocs[0]!, { accessMode: "Learning" }), ALICE);
    h.emulator.put(association(e.nsp, "assoc-stnfsnew", e.nfsAccount.id, { profile: e.prof, accessMode: "Enforced" }), ALICE);
    h.emulator.put(accessRule(e.prof, "offices", { direction: "Inbound", addressPrefixes: ["0.0.0.0/0"] }), ALICE);
    const decisions = await h.settle();
    const reverts = decisions.flatMap((d) => d.actions.filter((a) => a.type === "revert"));
    expect(reverts.map((a) => `${a.ruleId} ${a.operation} ${a.status}`).sort()).toEqual([
      "accessrule-broad-inbound restore planned",
      "storage-enforcement-downgrade restore planned",
      "storage-nfs delete planned",
    ]);
    for (const a of reverts) expect(a.reason).toMatch(/^dry run: would (restore|delete) .* \[revert rv-/);
    // The operation log: the guardrail read, and never wrote.
    expect(h.emulator.operations.filter((o) => o.method !== "GET")).toEqual([]);
    expect(h.guardrailWrites()).toEqual([]);
    expect(ledger.all().map((r) => r.status)).toEqual(["planned", "planned", "planned"]);
  });

  it("a 500 during the revert is retried through the queue and nothing is lost", async () => {
    const e = revertEstate();
    const ledger = new MemoryRevertLedger();
    const h = await startRevertPipeline(e.resources, { policy: policyOf(DOWNGRADE_REVERT), ledger });
    await h.pipeline.reconcile();
    // Three 500s: the first attempt and the SDK's two retries.
    h.emulator.faults.add({ path: e.assocs[0]!.id, methods: ["PUT"], kind: "error", status: 500, count: 3 });
    h.emulator.put(withProps(e.assocs[0]!, { accessMode: "Learning" }), ALICE);
    const failure = await h.settle().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RevertRetryError);
    expect((failure as Error).message).toMatch(/HTTP 500 InternalServerError/);
    expect(h.stored(e.assocs[0]!.id)!.properties?.["accessMode"]).toBe("Learning");
    const [pending] = ledger.all();
    expect(pending).toMatchObject({ status: "failed", attempts: 1, retryPending: true, reason: expect.stringMatching(/^attempt 1 of 5 failed: write assoc-stalpha: HTTP 500/) });
    // The pipeline gave the changes back to the perimeter's dirty marker for the retried message.
    expect((await h.store.getDirty(e.nsp.id)).value?.changes.length).toBeGreaterThan(0);

    // The queue redelivers the evaluation message: the pending revert is applied.
    const retried = await h.pipeline.evaluateMessage({ perimeterId: e.nsp.id, reason: "events" });
    expect(retried!.actions.find((a) => a.type === "revert")).toMatchObject({ status: "applied", reason: expect.stringMatching(/^restored assoc-stalpha/) });
    await h.settle(); // the revert's own event
    expect(h.stored(e.assocs[0]!.id)!.properties?.["accessMode"]).toBe("Enforced");
    expect(ledger.all()).toHaveLength(1);
    expect(ledger.all()[0]).toMatchObject({ revertId: pending!.revertId, status: "applied", attempts: 2, retryPending: false });
    expect(h.guardrailWrites().map((o) => o.status)).toEqual([500, 500, 500, 202]);
    expect((await h.openFindings()).filter((l) => l.includes("stalpha"))).toEqual([]);
  });

  it("a transient failure on every attempt becomes final after maxAttempts and is alerted", async () => {
    const e = revertEstate();
    const ledger = new MemoryRevertLedger();
    const h = await startRevertPipeline(e.resources, { policy: policyOf(DOWNGRADE_REVERT), ledger });
    await h.pipeline.reconcile();
    h.emulator.faults.add({ path: e.assocs[0]!.id, methods: ["PUT"], kind: "error", status: 503 });
    h.emulator.put(withProps(e.assocs[0]!, { accessMode: "Learning" }), ALICE);
    await expect(h.settle()).rejects.toBeInstanceOf(RevertRetryError);
    for (let delivery = 2; delivery < 5; delivery++) {
      await expect(h.pipeline.evaluateMessage({ perimeterId: e.nsp.id, reason: "events" })).rejects.toBeInstanceOf(RevertRetryError);
    }
    const last = await h.pipeline.evaluateMessage({ perimeterId: e.nsp.id, reason: "events" });
    expect(last!.actions.find((a) => a.type === "revert")).toMatchObject({ status: "failed", reason: expect.stringMatching(/^failed after 5 attempt\(s\): write assoc-stalpha: HTTP 503/) });
    expect(last!.actions.find((a) => a.type === "alert" && /failed after 5 attempt/.test(a.reason))).toBeDefined();
    expect(ledger.all()[0]).toMatchObject({ status: "failed", attempts: 5, retryPending: false });
  });

  it("two revert rules on one change write once", async () => {
    const e = revertEstate();
    const ledger = new MemoryRevertLedger();
    const h = await startRevertPipeline(e.resources, {
      policy: policyOf("dryRun: false\nrules: { storage-enforcement-downgrade: { action: revert }, storage-transition-mode: { action: revert } }"),
      ledger,
    });
    await h.pipeline.reconcile();
    h.emulator.put(withProps(e.assocs[0]!, { accessMode: "Learning" }), ALICE);
    const [decision] = await h.settle();
    const reverts = decision!.actions.filter((a) => a.type === "revert");
    expect(reverts.map((a) => a.status)).toEqual(["applied", "applied"]);
    expect(reverts.filter((a) => a.reason.startsWith("same target as revert"))).toHaveLength(1);
    expect(h.guardrailWrites()).toHaveLength(1);
    expect(ledger.all().map((r) => r.status).sort()).toEqual(["applied", "skipped"]);
  });

  it("the guardrail's identity performs only perimeter writes (the operations its custom role needs)", async () => {
    const e = revertEstate();
    const h = await startRevertPipeline(e.resources, {
      policy: policyOf("dryRun: false\nrules: { storage-enforcement-downgrade: { action: revert }, storage-nfs: { action: revert }, accessrule-broad-inbound: { action: revert } }"),
    });
    await h.pipeline.reconcile();
    h.emulator.put(withProps(e.assocs[0]!, { accessMode: "Learning" }), ALICE); // association restore
    h.emulator.put(association(e.nsp, "assoc-stnfsnew", e.nfsAccount.id, { profile: e.prof, accessMode: "Enforced" }), ALICE); // association delete
    h.emulator.put(accessRule(e.prof, "offices", { direction: "Inbound", addressPrefixes: ["203.0.113.0/24", "0.0.0.0/0"] }), ALICE); // rule restore
    h.emulator.put(accessRule(e.prof, "open", { direction: "Inbound", addressPrefixes: ["0.0.0.0/0"] }), ALICE); // rule delete
    await h.settle();
    const byGuardrail = h.emulator.operations.filter((o) => o.caller?.objectId === GUARDRAIL.objectId && o.method !== "GET");
    expect([...new Set(byGuardrail.map((o) => `${o.method} ${o.operation}`))].sort()).toEqual([
      "DELETE Microsoft.Network/networkSecurityPerimeters/profiles/accessRules/delete",
      "DELETE Microsoft.Network/networkSecurityPerimeters/resourceAssociations/delete",
      "PUT Microsoft.Network/networkSecurityPerimeters/profiles/accessRules/write",
      "PUT Microsoft.Network/networkSecurityPerimeters/resourceAssociations/write",
    ]);
    // Polls of the association's long-running operations, and the poller's final GET.
    const reads = new Set(h.emulator.operations.filter((o) => o.caller?.objectId === GUARDRAIL.objectId && o.method === "GET").map((o) => o.operation));
    // Compare-then-write re-reads each target; association writes are polled at the NSP operation-status path.
    expect([...reads].sort()).toEqual([
      "Microsoft.Network/locations/networkSecurityPerimeterOperationStatuses/read",
      "Microsoft.Network/networkSecurityPerimeters/profiles/accessRules/read",
      "Microsoft.Network/networkSecurityPerimeters/resourceAssociations/read",
    ]);
    expect(h.stored(`${e.prof.id}/accessRules/open`)).toBeUndefined();
  });
});
