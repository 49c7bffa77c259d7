/**
 * Who changed it, and whether the guardrail may write, against the emulator as Azure behaves (no
 * ETags on NSP resources, linked authorization): the author comes from the re-read body's systemData,
 * checked against the events' claims; the timer reconcile reverts only with an established author.
 */
import { describe, expect, it } from "vitest";
import { SdkArmWriter } from "../../src/actions/armWriter.js";
import { defaultRoleActions } from "../../src/emulator/authorization.js";
import type { ResourceChange } from "../../src/emulator/changes.js";
import { MemoryRevertLedger } from "../../src/state/revertLedger.js";
import { accessRule } from "../helpers/builders.js";
import { ALICE, BOB_EXEMPT, GUARDRAIL, policyOf, revertEstate, startRevertPipeline, withProps } from "../helpers/revertHarness.js";

const DOWNGRADE_REVERT = "dryRun: false\nrules: { storage-enforcement-downgrade: { action: revert } }";
const EXEMPT_BOB = `${DOWNGRADE_REVERT}\nexemptPrincipals: [${BOB_EXEMPT.objectId}]`;

describe("who changed it", () => {
  it("a timer reconcile does not revert a downgrade by an exempt principal whose event was lost", async () => {
    const e = revertEstate();
    const ledger = new MemoryRevertLedger();
    const h = await startRevertPipeline(e.resources, { policy: policyOf(EXEMPT_BOB), ledger });
    await h.pipeline.reconcile();
    const sink = h.emulator.sink;
    h.emulator.sink = undefined; // the event is lost
    h.emulator.put(withProps(e.assocs[0]!, { accessMode: "Learning" }), BOB_EXEMPT);
    h.emulator.sink = sink;
    const decisions = await h.pipeline.reconcile();
    const revert = decisions.flatMap((d) => d.actions).find((a) => a.type === "revert");
    // systemData names bob@contoso.example (a UPN); without the event there is no object id to compare
    // with exemptPrincipals, so an exempt author cannot be ruled out.
    expect(revert).toMatchObject({
      status: "skipped",
      reason: expect.stringMatching(/^the change's author bob@contoso\.example \(User, from systemData, no event\) cannot be checked against exemptPrincipals \(object ids\): not reverted, alert only/),
    });
    expect(decisions.flatMap((d) => d.actions).some((a) => a.type === "alert" && a.ruleId === "storage-enforcement-downgrade")).toBe(true);
    expect(h.stored(e.assocs[0]!.id)!.properties?.["accessMode"]).toBe("Learning");
    expect(h.guardrailWrites()).toEqual([]);
  });

  it("a timer reconcile reverts with an author established from systemData (no exempt principals), and records it", async () => {
    const e = revertEstate();
    const ledger = new MemoryRevertLedger();
    const h = await startRevertPipeline(e.resources, { policy: policyOf(DOWNGRADE_REVERT), ledger });
    await h.pipeline.reconcile();
    const sink = h.emulator.sink;
    h.emulator.sink = undefined;
    h.emulator.put(withProps(e.assocs[0]!, { accessMode: "Learning" }), ALICE);
    h.emulator.sink = sink;
    const decisions = await h.pipeline.reconcile();
    expect(decisions.flatMap((d) => d.actions).find((a) => a.type === "revert")).toMatchObject({ status: "applied" });
    expect(h.stored(e.assocs[0]!.id)!.properties?.["accessMode"]).toBe("Enforced");
    expect(ledger.all().find((r) => r.status === "applied")).toMatchObject({ author: { by: ALICE.name, byType: "User" } });
    expect(ledger.all().find((r) => r.status === "applied")!.cause).toBeUndefined();
  });

  it("a change whose author cannot be established (no systemData) is never reverted", async () => {
    const e = revertEstate();
    const h = await startRevertPipeline(e.resources, { policy: policyOf(DOWNGRADE_REVERT) });
    await h.pipeline.reconcile();
    // ARM without systemData for the change (and no event): nothing names the author.
    const { systemData: _none, ...bare } = withProps(e.assocs[0]!, { accessMode: "Learning" });
    h.emulator.store.set(bare);
    const decisions = await h.pipeline.reconcile();
    expect(decisions.flatMap((d) => d.actions).find((a) => a.type === "revert")).toMatchObject({
      status: "skipped",
      reason: expect.stringMatching(/^author not established \(ARM reports no systemData\.lastModifiedBy for assoc-stalpha\): not reverted, alert only/),
    });
    expect(h.guardrailWrites()).toEqual([]);
  });

  it("two events delivered out of order: the author is the one systemData names, not whichever event came last", async () => {
    const e = revertEstate();
    const ledger = new MemoryRevertLedger();
    const h = await startRevertPipeline(e.resources, { policy: policyOf(EXEMPT_BOB), ledger });
    await h.pipeline.reconcile();
    const held: ResourceChange[] = [];
    const sink = h.emulator.sink!;
    h.emulator.sink = { publish: (c) => held.push(c) };
    h.emulator.put(withProps(e.assocs[0]!, { accessMode: "Learning" }), ALICE); // first
    await new Promise((r) => setTimeout(r, 5));
    h.emulator.put(withProps(e.assocs[0]!, { accessMode: "Audit" }), BOB_EXEMPT); // last: ARM holds Bob's
    h.emulator.sink = sink;
    for (const change of held.reverse()) sink.publish(change); // Bob's event arrives first, Alice's last
    const decisions = await h.settle();
    const reverts = decisions.flatMap((d) => d.actions).filter((a) => a.type === "revert");
    expect(reverts.length).toBeGreaterThan(0);
    for (const r of reverts) expect(r).toMatchObject({ status: "skipped", reason: expect.stringMatching(/^change made by exempt principal 0000000b-0000-0000-0000-00000000000b: alert only/) });
    expect(h.stored(e.assocs[0]!.id)!.properties?.["accessMode"]).toBe("Audit");
    expect(h.guardrailWrites()).toEqual([]);
  });
});

describe("linked authorization of the guardrail's writes", () => {
  it("restoring an access rule that names subscriptions needs joinPerimeterRule on each, and the log says where", async () => {
    const e = revertEstate();
    const partner = "/subscriptions/22222222-2222-2222-2222-222222222222";
    const partners = accessRule(e.prof, "partners", { direction: "Inbound", subscriptions: [partner] });
    const h = await startRevertPipeline([...e.resources, partners], { policy: policyOf("dryRun: false\nrules: { accessrule-broad-inbound: { action: revert } }") });
    await h.pipeline.reconcile();
    h.emulator.put(accessRule(e.prof, "partners", { direction: "Inbound", subscriptions: [partner], addressPrefixes: ["0.0.0.0/0"] }), ALICE);
    const decisions = await h.settle();
    expect(decisions[0]!.actions.find((a) => a.type === "revert")).toMatchObject({ status: "applied" });
    expect(h.stored(partners.id)!.properties?.["addressPrefixes"]).toEqual([]);
    const put = h.emulator.operations.find((o) => o.caller?.objectId === GUARDRAIL.objectId && o.method === "PUT")!;
    expect(put.linked).toEqual([{ action: "Microsoft.Resources/subscriptions/joinPerimeterRule/action", scope: partner }]);
  });

  it("without the member's joinPerimeter action, ARM answers LinkedAuthorizationFailed: the revert fails at once and is alerted", async () => {
    const e = revertEstate();
    const ledger = new MemoryRevertLedger();
    const narrowRole = defaultRoleActions().filter((a) => !/joinPerimeter\/action$/i.test(a));
    const h = await startRevertPipeline(e.resources, {
      policy: policyOf(DOWNGRADE_REVERT),
      ledger,
      wrapWriter: (_writer, emulator) =>
        new SdkArmWriter({
          credential: emulator.credential({ ...GUARDRAIL, role: narrowRole }),
          armEndpoint: emulator.endpoint,
          ca: emulator.caCertificate,
          env: {},
          retryOptions: { maxRetries: 0 },
          pollIntervalMs: 1,
        }),
    });
    await h.pipeline.reconcile();
    h.emulator.put(withProps(e.assocs[0]!, { accessMode: "Learning" }), ALICE);
    const [decision] = await h.settle();
    expect(decision!.actions.find((a) => a.type === "revert")).toMatchObject({
      status: "failed",
      reason: expect.stringMatching(
        /^failed: write assoc-stalpha: HTTP 403 LinkedAuthorizationFailed: .*does not have permission to perform action 'Microsoft\.Storage\/storageAccounts\/joinPerimeter\/action' on the linked scope\(s\) '\/subscriptions\/.*\/storageAccounts\/stalpha'/,
      ),
    });
    expect(decision!.actions.some((a) => a.type === "alert" && /LinkedAuthorizationFailed/.test(a.reason))).toBe(true);
    expect(ledger.all()[0]).toMatchObject({ status: "failed", retryPending: false });
    expect(h.stored(e.assocs[0]!.id)!.properties?.["accessMode"]).toBe("Learning");
  });
});
