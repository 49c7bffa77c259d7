/** The write rails that need no pipeline: what may be written, and with which properties. */
import { describe, expect, it } from "vitest";
import { SdkArmWriter } from "../../src/actions/armWriter.js";
import { assertPerimeterResource, NotAPerimeterResourceError, perimeterResourceKind, RevertRails, sameWritableState, writableBody } from "../../src/actions/safety.js";
import { DEFAULT_POLICY } from "../../src/policy/policy.js";
import { MemoryRevertLedger, newRevertId } from "../../src/state/revertLedger.js";
import { accessRule, association, diagnosticSetting, perimeter, profile, storageAccount, SUB } from "../helpers/builders.js";
import { startEmulator } from "../helpers/emulator.js";
import { GUARDRAIL } from "../helpers/revertHarness.js";

const nsp = perimeter("nsp-safety");
const prof = profile(nsp, "default");
const account = storageAccount("stsafety");
const assoc = association(nsp, "assoc-stsafety", account.id, { profile: prof, accessMode: "Enforced" });
const rule = accessRule(prof, "offices", { direction: "Inbound", addressPrefixes: ["203.0.113.0/24"], subscriptions: [SUB] });

describe("only perimeter resources", () => {
  it("accepts associations and access rules, and nothing else", () => {
    expect(perimeterResourceKind(assoc.id)).toBe("association");
    expect(perimeterResourceKind(rule.id.toUpperCase())).toBe("accessRule");
    for (const id of [account.id, nsp.id, prof.id, `/subscriptions/${SUB}`, "not an id", diagnosticSetting(nsp, "logs", {}).id]) {
      expect(perimeterResourceKind(id)).toBeUndefined();
      expect(() => assertPerimeterResource(id)).toThrow(NotAPerimeterResourceError);
    }
    // An extension resource whose own type path looks like an association is still not one.
    expect(perimeterResourceKind(`${account.id}/providers/Microsoft.Network/networkSecurityPerimeters/x/resourceAssociations/y`)).toBeUndefined();
  });

  it("the SDK writer refuses anything else before sending a request", async () => {
    const emulator = await startEmulator([nsp, prof, account, assoc]);
    const writer = new SdkArmWriter({ credential: emulator.credential(GUARDRAIL), armEndpoint: emulator.endpoint, ca: emulator.caCertificate, env: {} });
    const before = emulator.operations.length;
    await expect(writer.put({ ...account, properties: { isSftpEnabled: false } }, { ifMatch: "*" })).rejects.toThrow(NotAPerimeterResourceError);
    await expect(writer.delete(nsp.id, { ifMatch: "*" })).rejects.toThrow(/writes only network security perimeter associations and access rules/);
    await expect(writer.get(prof.id)).rejects.toThrow(NotAPerimeterResourceError);
    // A body whose type disagrees with its id is refused too.
    await expect(writer.put({ ...assoc, type: "Microsoft.Storage/storageAccounts" }, { ifMatch: "*" })).rejects.toThrow(/does not match the id/);
    expect(emulator.operations.length).toBe(before);
  });
});

describe("writable properties only", () => {
  it("an association keeps privateLinkResource, profile and accessMode", () => {
    const body = writableBody({ ...assoc, etag: 'W/"x"', systemData: {}, properties: { ...assoc.properties, privateLinkResource: { id: account.id, name: "x" } } });
    expect(body).toEqual({
      id: assoc.id,
      name: "assoc-stsafety",
      type: assoc.type,
      properties: { privateLinkResource: { id: account.id }, profile: { id: prof.id }, accessMode: "Enforced" },
    });
  });

  it("an access rule keeps its direction and lists, not provisioningState or networkSecurityPerimeters", () => {
    expect(writableBody(rule).properties).toEqual({
      direction: "Inbound",
      addressPrefixes: ["203.0.113.0/24"],
      fullyQualifiedDomainNames: [],
      subscriptions: [{ id: `/subscriptions/${SUB}` }],
      emailAddresses: [],
      phoneNumbers: [],
      serviceTags: [],
    });
  });

  it("compares what a PUT could set: ids and modes case-insensitively, lists as sets, missing accessMode as Learning", () => {
    const learning = { ...assoc, properties: { ...assoc.properties, accessMode: "learning" } };
    const implicit = { ...assoc, properties: { privateLinkResource: { id: account.id.toUpperCase() }, profile: { id: prof.id } } };
    expect(sameWritableState(learning, implicit)).toBe(true);
    expect(sameWritableState(assoc, learning)).toBe(false);
    const reordered = accessRule(prof, "offices", { direction: "inbound", addressPrefixes: ["203.0.113.0/24"], subscriptions: [SUB.toUpperCase()] });
    expect(sameWritableState(rule, { ...reordered, properties: { ...reordered.properties, provisioningState: "Updating" } })).toBe(true);
    expect(sameWritableState(rule, accessRule(prof, "offices", { direction: "Inbound", addressPrefixes: ["0.0.0.0/0"], subscriptions: [SUB] }))).toBe(false);
  });
});

describe("rate rails", () => {
  it("count applied reverts per resource (flapping) and per hour (breaker), from the ledger", async () => {
    const ledger = new MemoryRevertLedger();
    const now = new Date("2026-11-22T12:00:00.000Z");
    const applied = (minutesAgo: number, targetId: string) => {
      const at = new Date(now.getTime() - minutesAgo * 60_000).toISOString();
      return ledger.put({
        revertId: newRevertId("revert", new Date(at)),
        kind: "revert",
        time: at,
        updatedAt: at,
        appliedAt: at,
        perimeterId: nsp.id,
        ruleId: "storage-enforcement-downgrade",
        resourceId: account.id,
        targetId,
        operation: "restore",
        status: "applied",
        reason: "restored",
        attempts: 1,
        retryPending: false,
      });
    };
    await applied(50, assoc.id);
    await applied(10, assoc.id);
    await applied(5, rule.id);
    await applied(90, rule.id); // outside the hour
    const limits = { ...DEFAULT_POLICY.revert, maxPerHour: 3, cooldownMinutes: 15, flapThreshold: 1 };
    const rails = await RevertRails.load(ledger, limits, now);
    expect(rails.flapping(assoc.id)).toMatchObject({ flapping: true, count: 1, resumesAt: new Date("2026-11-22T12:05:00.000Z") });
    expect(rails.flapping(`${nsp.id}/resourceAssociations/other`)).toMatchObject({ flapping: false, count: 0 });
    expect(rails.breaker()).toMatchObject({ open: true, count: 3, closesAt: new Date("2026-11-22T12:10:00.000Z") });
    const relaxed = await RevertRails.load(ledger, { ...limits, maxPerHour: 4 }, now);
    expect(relaxed.breaker().open).toBe(false);
    relaxed.noteApplied(rule.id, now);
    expect(relaxed.breaker()).toMatchObject({ open: true, count: 4 });
    const off = await RevertRails.load(ledger, { ...limits, maxPerHour: 0 }, now);
    expect(off.breaker()).toEqual({ open: true, count: 3 });
  });
});
