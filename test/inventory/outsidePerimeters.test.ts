/**
 * A live ARM read of whole subscriptions lists every resource of the associable types, members or
 * not, so the rule about resources outside any perimeter (`member-secured-unassociated`) is evaluated
 * on `scan --subscription` and the reconcile, not only on Resource Graph reads and snapshots.
 */
import { describe, expect, it } from "vitest";
import { Estate } from "../../src/model/estate.js";
import { idKey } from "../../src/model/armId.js";
import { readLiveEstate } from "../../src/inventory/liveInventory.js";
import { DEFAULT_POLICY, type Policy } from "../../src/policy/policy.js";
import { evaluateEstate } from "../../src/rules/engine.js";
import { cmkEncryption, keyVault, storageAccount, storageInPerimeter } from "../helpers/builders.js";
import { armResource } from "../helpers/builders-association.js";
import { startEmulator } from "../helpers/emulator.js";
import { liveOptions } from "./liveSupport.js";

const SUB = "11111111-1111-1111-1111-111111111111";
// The member's key is in kv-cmk: the CMK relation lists the subscription's vaults too.
const member = storageInPerimeter("stmember", { properties: { encryption: cmkEncryption("kv-cmk") } });
const cmkVault = keyVault("kv-cmk");
const lockedAccount = storageAccount("stlocked"); // builders default: SecuredByPerimeter, no association
const openAccount = storageAccount("stopen", { publicNetworkAccess: "Enabled" });
// A type with no package of its own: listed by a raw GET of its list-by-subscription route.
const lockedSearch = armResource("Microsoft.Search/searchServices", "srch-locked", { publicNetworkAccess: "SecuredByPerimeter" });
const seed = [...member.resources, cmkVault, lockedAccount, openAccount, lockedSearch];

const unassociated = (resources: Parameters<typeof evaluateEstate>[0], policy: Policy = DEFAULT_POLICY) =>
  evaluateEstate(resources, { policy, now: new Date("2026-11-28T00:00:00Z") })
    .findings.filter((f) => f.ruleId === "member-secured-unassociated")
    .map((f) => idKey(f.resourceId))
    .sort();

describe("a live read of whole subscriptions, for the rules about resources outside any perimeter", () => {
  it("lists every associable type once per subscription and finds the locked-down resources a snapshot finds", async () => {
    const emulator = await startEmulator(seed);
    const live = await readLiveEstate([SUB], liveOptions(emulator));
    expect(unassociated(new Estate(live.resources))).toEqual([idKey(lockedAccount.id), idKey(lockedSearch.id)].sort());
    expect(unassociated(new Estate(live.resources))).toEqual(unassociated(new Estate(seed)));
    // One list per associable type the rule reads (12 built-in onboarded types), in the one subscription;
    // the key vault list also serves the CMK relation, and is made once for both.
    expect(live.plan.outsideTypes.size).toBe(12);
    expect(live.callsByArea["outsidePerimeters"]).toBe(11);
    expect(live.callsByArea["keyVaults"]).toBe(1);
    expect(live.resources.some((r) => idKey(r.id) === idKey(cmkVault.id))).toBe(true);
  });

  it("reads nothing outside the perimeters when the rule is off", async () => {
    const emulator = await startEmulator(seed);
    const policy: Policy = { ...DEFAULT_POLICY, rules: { ...DEFAULT_POLICY.rules, "member-secured-unassociated": { action: "off" } } };
    const live = await readLiveEstate([SUB], liveOptions(emulator, { policy }));
    expect(live.plan.outsideTypes.size).toBe(0);
    expect(live.callsByArea["outsidePerimeters"]).toBeUndefined();
    expect(live.resources.some((r) => idKey(r.id) === idKey(lockedAccount.id))).toBe(false);
  });

  it("takes a subscription not registered for a provider as holding none of its resources", async () => {
    const emulator = await startEmulator(seed);
    emulator.faults.add({ path: `/subscriptions/${SUB}/providers/Microsoft.Search/searchServices`, kind: "error", status: 409, code: "MissingSubscriptionRegistration" });
    const live = await readLiveEstate([SUB], liveOptions(emulator));
    expect(unassociated(new Estate(live.resources))).toEqual([idKey(lockedAccount.id)]);
  });

  it("fails with one line naming the list when ARM fails it otherwise (never a silent pass)", async () => {
    const emulator = await startEmulator(seed);
    emulator.faults.add({ path: `/subscriptions/${SUB}/providers/Microsoft.Search/searchServices`, kind: "error", status: 500 });
    await expect(readLiveEstate([SUB], liveOptions(emulator))).rejects.toMatchObject({
      name: "ArmUnavailableError",
      message: expect.stringContaining("list Microsoft.Search/searchServices of subscription"),
    });
  });
});
