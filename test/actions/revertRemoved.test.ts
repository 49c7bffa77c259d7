/**
 * association-removed reverts by re-creating the deleted association from its last known good body
 * (rules.md Revision 2): through the real pipeline, the emulator and the SDK writer.
 */
import { describe, expect, it } from "vitest";
import { MemoryRevertLedger } from "../../src/state/revertLedger.js";
import { ALICE, policyOf, revertEstate, startRevertPipeline } from "../helpers/revertHarness.js";

describe("association-removed revert", () => {
  it("re-creates an Enforced association a user deleted, and does not fight its own write", async () => {
    const e = revertEstate();
    const ledger = new MemoryRevertLedger();
    const h = await startRevertPipeline(e.resources, { policy: policyOf("dryRun: false\nrules: { association-removed: { action: revert } }"), ledger });
    await h.pipeline.reconcile();
    h.emulator.delete(e.assocs[1]!.id, ALICE);
    const decisions = await h.settle();

    const revert = decisions[0]!.actions.find((a) => a.type === "revert")!;
    expect(revert).toMatchObject({ ruleId: "association-removed", resourceId: e.accounts[1]!.id, operation: "restore", status: "applied" });
    expect(h.stored(e.assocs[1]!.id)?.properties).toMatchObject({ accessMode: "Enforced", privateLinkResource: { id: e.accounts[1]!.id }, profile: { id: e.prof.id } });
    expect(h.guardrailWrites().map((o) => `${o.method} ${o.path.split("/").pop()}`)).toEqual(["PUT assoc-stbeta"]);
    expect(ledger.all()[0]).toMatchObject({ ruleId: "association-removed", targetId: e.assocs[1]!.id, operation: "restore", cause: { caller: { objectId: ALICE.objectId } } });
    // The re-created association raised its own event: evaluated, nothing reverted back.
    expect(decisions.slice(1).flatMap((d) => d.actions.filter((a) => a.type === "revert"))).toEqual([]);
  });
});
