/**
 * The deployed event subscription filter (infra/event-filters.json) as Event Grid applies it: a
 * `listKeys` on a member never reaches the guardrail, every routed type still does.
 */
import { request } from "node:https";
import { describe, expect, it } from "vitest";
import { OWNER_ACTIONS } from "../../src/emulator/authorization.js";
import { buildEvents, passesFilter } from "../../src/emulator/eventGrid.js";
import type { ArmEmulator } from "../../src/emulator/server.js";
import { TokenIssuer } from "../../src/emulator/tokens.js";
import { ROUTES } from "../../src/events/routing.js";
import { ACTION_EVENT_TYPE, eventFilters } from "../../src/infra/eventFilters.js";
import { association, perimeter, profile, storageAccount, SUB } from "../helpers/builders.js";
import { deployedEventFilter, startPipeline } from "../helpers/pipelineHarness.js";

const ALICE = { objectId: "0000000a-0000-0000-0000-000000000001", name: "alice@contoso.example", role: OWNER_ACTIONS }; // a storage account contributor may list its keys

function estate() {
  const nsp = perimeter("nsp-data");
  const prof = profile(nsp, "default");
  const account = storageAccount("stkeys");
  return { account, resources: [nsp, prof, account, association(nsp, "assoc-stkeys", account.id, { profile: prof, accessMode: "Enforced" })] };
}

/** A POST through the emulator's HTTPS endpoint, as a client calling `listKeys` would send it. */
function post(emulator: ArmEmulator, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${path}?api-version=2026-09-01`, emulator.endpoint);
    const req = request(url, { method: "POST", ca: emulator.caCertificate, headers: { authorization: `Bearer ${emulator.token(ALICE)}`, "content-length": "0" } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

async function listKeysOnMember(eventFilter = deployedEventFilter()) {
  const e = estate();
  const h = await startPipeline(e.resources, { eventFilter });
  await h.pipeline.reconcile();
  await h.settle();
  const readsBefore = h.arm.calls;
  const operationsBefore = h.emulator.operations.length;
  const status = await post(h.emulator, `${e.account.id}/listKeys`);
  const decisions = await h.settle();
  return { h, status, decisions, armCalls: h.arm.calls - readsBefore, operations: h.emulator.operations.slice(operationsBefore) };
}

describe("the deployed event filter", () => {
  it("keeps a member's listKeys away from the guardrail: no evaluation, no ARM call", async () => {
    const { h, status, decisions, armCalls, operations } = await listKeysOnMember();
    expect(status).toBe(200); // StorageAccounts_ListKeys: 200 with the keys (storage spec 2026-09-01)
    // The emulator did raise the action event; Event Grid's filter did not deliver it.
    const published = h.events.published.filter((event) => event.eventType === ACTION_EVENT_TYPE);
    expect(published.map((event) => event.data.operationName)).toEqual(["Microsoft.Storage/storageAccounts/listKeys/action"]);
    expect(h.events.filteredOut.map((f) => f.event.id)).toEqual(published.map((event) => event.id));
    expect(h.outcomes).toEqual([]);
    expect(decisions).toEqual([]);
    expect(armCalls).toBe(0);
    expect(operations.map((o) => o.operation)).toEqual(["Microsoft.Storage/storageAccounts/listKeys/action"]);
  });

  it("(the same listKeys with action events admitted does cost an evaluation and ARM reads)", async () => {
    const deployed = deployedEventFilter();
    const { h, decisions, armCalls } = await listKeysOnMember({ ...deployed, includedEventTypes: [...(deployed.includedEventTypes ?? []), ACTION_EVENT_TYPE] });
    expect(h.outcomes.map((o) => o.outcome)).toEqual(["routed"]);
    expect(decisions).toHaveLength(1);
    expect(armCalls).toBeGreaterThan(0);
  });

  it("lets the write and delete events of every routed type through, whatever the id's casing", () => {
    const filter = deployedEventFilter();
    const issuer = new TokenIssuer();
    const claims = issuer.verify(issuer.mint(ALICE));
    expect(claims).toBeDefined();
    for (const route of ROUTES) {
      const segments = route.type.split("/");
      const namespace = segments[0]!;
      const path = segments.slice(1).map((t, i) => `${t}/name${i}`).join("/");
      const scope = route.type === "microsoft.insights/diagnosticsettings" ? `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/networkSecurityPerimeters/nsp/` : `/subscriptions/${SUB}/resourceGroups/rg/`;
      const resourceId = `${scope}providers/${namespace}/${path}`;
      for (const resourceType of [route.type, route.type.toUpperCase()]) {
        for (const kind of ["write", "delete"] as const) {
          const [event] = buildEvents(
            { kind, resourceId, resourceType, subscriptionId: SUB, claims: claims!, httpMethod: kind === "write" ? "PUT" : "DELETE", url: `https://management.azure.com${resourceId}`, clientIpAddress: "203.0.113.9", correlationId: "c", time: new Date() },
            "EventGridSchema",
          );
          expect(passesFilter(event!, filter), `${kind} ${resourceType}`).toBe(true);
        }
      }
    }
  });

  it("is what the code generates, with no action events while no action is routed", () => {
    expect(deployedEventFilter()).toEqual(eventFilters());
    expect(eventFilters().includedEventTypes).not.toContain(ACTION_EVENT_TYPE);
    // An allowlisted action brings action events back, for that action only.
    const withReconcile = eventFilters(["/reconcile/action"]);
    expect(withReconcile.includedEventTypes).toContain(ACTION_EVENT_TYPE);
    expect(withReconcile.advancedFilters[1]).toEqual({ operatorType: "StringEndsWith", key: "data.operationName", values: ["/write", "/delete", "/reconcile/action"] });
    expect(() => eventFilters(["listKeys"])).toThrow(/ROUTED_ACTIONS: 'listKeys'/);
  });
});
