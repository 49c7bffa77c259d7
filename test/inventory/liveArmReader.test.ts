/**
 * The event pipeline's ArmReader over the live inventory, against the ARM emulator seeded with the
 * contoso estate: raw bodies of every routed type, member and perimeter reads that match what a whole
 * read gives, and call counts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { idKey, parseArmId } from "../../src/model/armId.js";
import { ArmUnavailableError } from "../../src/model/errors.js";
import { Estate } from "../../src/model/estate.js";
import type { ArmResource } from "../../src/model/resource.js";
import { NSP_CONFIGURATION_TYPES, T } from "../../src/model/resourceTypes.js";
import { ROUTES } from "../../src/events/routing.js";
import { nspConfigurationsFor } from "../../src/emulator/nspConfigurations.js";
import type { ArmEmulator } from "../../src/emulator/server.js";
import { perimeterClosure } from "../../src/pipeline/closure.js";
import { LiveArmReader } from "../../src/inventory/liveArmReader.js";
import { readLiveEstate } from "../../src/inventory/liveInventory.js";
import { startEmulator } from "../helpers/emulator.js";
import { fixtureResources, liveOptions, subscriptionsOf, withAncestors } from "./liveSupport.js";

const { resources: contoso } = fixtureResources("contoso.json");
const subscriptions = subscriptionsOf(contoso);
const SUB = `/subscriptions/${subscriptions[0]}`;
const PROD = `${SUB}/resourceGroups/rg-nsp/providers/Microsoft.Network/networkSecurityPerimeters/nsp-prod-data`;
const STPAYROLL = `${SUB}/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts/stpayroll`;
const STTEAMFILES = `${SUB}/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts/stteamfiles`;
const VAULT = `${SUB}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-contoso-keys`;
const COGNITIVE = `${SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/ais-contoso-assist`;
const WORKSPACE = `${SUB}/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/law-central`;

const resource = (id: string, extra: Partial<ArmResource> = {}): ArmResource => {
  const parsed = parseArmId(id);
  // Only tracked (top-level) resources have a location; children such as private endpoint connections have none.
  return { id, name: parsed.name, type: parsed.type, ...(parsed.rootId === parsed.id ? { location: "westeurope" } : {}), properties: { note: `seeded ${parsed.name}` }, ...extra };
};

/** Routed types the contoso fixture has no resource of. */
const EXTRA: ArmResource[] = [
  resource(`${STPAYROLL}/privateEndpointConnections/pe-payroll.1234`, { properties: { privateLinkServiceConnectionState: { status: "Approved" } } }),
  resource(`${SUB}/resourceGroups/rg-backup/providers/Microsoft.DataProtection/backupVaults/bv1/backupPolicies/blob-vaulted`, {
    properties: { datasourceTypes: ["Microsoft.Storage/storageAccounts/blobServices"], objectType: "BackupPolicy" },
  }),
  resource(`${SUB}/resourceGroups/rg-mon/providers/Microsoft.Insights/dataCollectionEndpoints/dce-central`),
  resource(`${SUB}/resourceGroups/rg-mon/providers/Microsoft.Insights/scheduledQueryRules/sqr-errors`),
  resource(`${SUB}/resourceGroups/rg-mon/providers/Microsoft.Insights/actionGroups/ag-oncall`, { location: "global" }),
  resource(`${SUB}/resourceGroups/rg-search/providers/Microsoft.Search/searchServices/srch-docs`),
  resource(`${SUB}/resourceGroups/rg-events/providers/Microsoft.EventHub/namespaces/evh-telemetry`),
  resource(`${SUB}/resourceGroups/rg-sql/providers/Microsoft.Sql/servers/sql-orders`),
  resource(`${SUB}/resourceGroups/rg-sql/providers/Microsoft.Sql/servers/sql-orders/databases/dw1`, { location: "westeurope", sku: { name: "DW100c", tier: "DataWarehouse" } }),
  resource(`${SUB}/resourceGroups/rg-events/providers/Microsoft.EventHub/namespaces/evh-telemetry/disasterRecoveryConfigs/evh-alias`),
  resource(`${SUB}/resourceGroups/rg-bus/providers/Microsoft.ServiceBus/namespaces/sb-orders`),
  resource(`${SUB}/resourceGroups/rg-bus/providers/Microsoft.ServiceBus/namespaces/sb-orders/disasterRecoveryConfigs/sb-alias`),
  resource(`${PROD}/links/to-partner`, { properties: { autoApprovedRemotePerimeterResourceId: `${SUB}/resourceGroups/rg-nsp/providers/Microsoft.Network/networkSecurityPerimeters/nsp-partner`, status: "Approved" } }),
  resource(`${PROD}/linkReferences/from-partner`, { properties: { remotePerimeterResourceId: `${SUB}/resourceGroups/rg-nsp/providers/Microsoft.Network/networkSecurityPerimeters/nsp-partner`, status: "Approved" } }),
];

const keys = (resources: readonly ArmResource[]) => [...new Set(resources.map((r) => idKey(r.id)))].sort();

describe("LiveArmReader", () => {
  let emulator: ArmEmulator;
  let reader: LiveArmReader;
  /** The whole live read of the estate (what the reconcile pass and `export` see). */
  let whole: Estate;

  beforeAll(async () => {
    emulator = await startEmulator([...withAncestors(contoso), ...EXTRA]);
    reader = new LiveArmReader({ ...liveOptions(emulator), subscriptionIds: subscriptions });
    whole = new Estate((await readLiveEstate(subscriptions, liveOptions(emulator))).resources);
  });

  /** Runs `work`, returning its result, the emulator operations it caused and the reader's call count. */
  async function measured<R>(work: () => Promise<R>) {
    const from = emulator.operations.length;
    const calls = reader.calls;
    const requests = reader.requests;
    const result = await work();
    return { result, operations: emulator.operations.slice(from), calls: reader.calls - calls, requests: reader.requests - requests };
  }

  /** What GET returns for `id`: the stored body, or the configuration the resource provider computes. */
  function expectedBody(id: string): ArmResource | undefined {
    const parsed = parseArmId(id);
    if (NSP_CONFIGURATION_TYPES.includes(parsed.type.toLowerCase())) {
      const member = emulator.store.get(parsed.parentId!)!.resource;
      return nspConfigurationsFor(emulator.store, member).find((c) => idKey(c.id) === idKey(id));
    }
    return emulator.store.get(id)?.resource;
  }

  /** One resource of `type` the emulator holds (NSP configurations: computed for members). */
  function sampleOf(type: string): string | undefined {
    if (NSP_CONFIGURATION_TYPES.includes(type)) {
      const memberType = type.slice(0, type.lastIndexOf("/"));
      for (const { resource: member } of emulator.store.all()) {
        if (member.type.toLowerCase() !== memberType) continue;
        const configuration = nspConfigurationsFor(emulator.store, member)[0];
        if (configuration) return configuration.id;
      }
      return undefined;
    }
    const entry = emulator.store
      .all()
      .find((e) => e.parsed.type.toLowerCase() === type && (type !== T.diagnosticSetting || parseArmId(e.parsed.scopeId ?? SUB).type.toLowerCase() === T.perimeter));
    return entry?.resource.id;
  }

  describe("get", () => {
    it.each(ROUTES.map((r) => r.type))("returns the body GET returns for a %s, in one call", async (type) => {
      const id = sampleOf(type);
      expect(id, `no ${type} in the emulator`).toBeDefined();
      const { result, operations, calls } = await measured(() => reader.get(id!));
      expect(result).toEqual(expectedBody(id!));
      expect(calls).toBe(1);
      expect(operations).toHaveLength(1);
      expect(operations[0]!.method).toBe("GET");
      expect(idKey(operations[0]!.path)).toBe(idKey(id!));
    });

    it.each([
      `${SUB}/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts/stgone`,
      `${STTEAMFILES}/fileServices/default/shares/gone`,
      `${SUB}/resourceGroups/rg-gone/providers/Microsoft.Storage/storageAccounts/stgone/fileServices/default/shares/team`,
      `${PROD}/profiles/gone`,
      `${PROD}/providers/Microsoft.Insights/diagnosticSettings/gone`,
      `${SUB}/resourceGroups/rg-backup/providers/Microsoft.DataProtection/backupVaults/bv1/backupInstances/gone`,
      `${SUB}/resourceGroups/rg-vms/providers/Microsoft.Compute/virtualMachines/vm-gone`,
      `${SUB}/resourceGroups/rg-web/providers/Microsoft.Web/sites/app-gone`,
      `${VAULT}/networkSecurityPerimeterConfigurations/gone`,
    ])("answers undefined when ARM says 404: %s", async (id) => {
      const { result, calls } = await measured(() => reader.get(id));
      expect(result).toBeUndefined();
      expect(calls).toBe(1);
    });

    it("refuses a type it has no way to read, without calling ARM", async () => {
      const { calls } = await measured(() => expect(reader.get(`${SUB}/resourceGroups/rg/providers/Microsoft.Foo/bars/x`)).rejects.toThrow(/no SDK operation or api-version/));
      expect(calls).toBe(0);
    });
  });

  describe("readMember", () => {
    it("reads a storage account and its children in at most 6 calls, as the whole read does", async () => {
      for (const member of [STTEAMFILES, STPAYROLL]) {
        const { result, operations, calls } = await measured(() => reader.readMember(member));
        expect(calls).toBeLessThanOrEqual(6);
        expect(operations.length).toBe(calls);
        expect(result.some((r) => idKey(r.id) === idKey(member))).toBe(true);
        const fromWhole = whole.resources.filter((r) => idKey(r.id) === idKey(member) || idKey(r.id).startsWith(`${idKey(member)}/`));
        expect(keys(result)).toEqual(keys(fromWhole));
      }
      const team = await reader.readMember(STTEAMFILES);
      const types = new Set(team.map((r) => r.type.toLowerCase()));
      expect(types.has(T.fileShare)).toBe(true);
      expect(types.has(T.storageNspConfiguration)).toBe(true);
    });

    it("reads a key vault with one GET, a Cognitive Services account with its configurations, other members with one GET", async () => {
      const vault = await measured(() => reader.readMember(VAULT));
      expect(keys(vault.result)).toEqual([idKey(VAULT)]);
      // Its GET and the list of its own diagnostic settings (member-logs-outside reads them).
      expect(vault.calls).toBe(2);
      const cognitive = await measured(() => reader.readMember(COGNITIVE));
      expect(cognitive.calls).toBe(3); // its GET, its NSP configurations and its own diagnostic settings
      expect(cognitive.result.map((r) => r.type.toLowerCase()).sort()).toEqual([T.cognitiveAccount, T.cognitiveNspConfiguration]);
      const workspace = await measured(() => reader.readMember(WORKSPACE));
      expect(workspace.result).toEqual([emulator.store.get(WORKSPACE)!.resource]);
      expect(workspace.calls).toBe(2); // its GET and its own diagnostic settings
    });

    it("answers nothing for a member that is gone", async () => {
      expect(await reader.readMember(`${SUB}/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts/stgone`)).toEqual([]);
    });
  });

  describe("perimetersOfMember", () => {
    it.each([
      [STPAYROLL, "nsp-prod-data"],
      [VAULT, "nsp-keys"],
      [COGNITIVE, "nsp-ai"],
    ])("names the perimeters of %s from its NSP configurations, in one call", async (member, perimeter) => {
      const { result, calls } = await measured(() => reader.perimetersOfMember(member));
      expect(result.map((id) => parseArmId(id).name)).toEqual([perimeter]);
      expect(result.every((id) => parseArmId(id).type.toLowerCase() === T.perimeter)).toBe(true);
      expect(calls).toBe(1);
    });

    it("answers [] for types without configurations (no call) and for members that are gone", async () => {
      const workspace = await measured(() => reader.perimetersOfMember(WORKSPACE));
      expect(workspace.result).toEqual([]);
      expect(workspace.calls).toBe(0);
      expect(await reader.perimetersOfMember(`${SUB}/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts/stgone`)).toEqual([]);
    });
  });

  describe("readPerimeters", () => {
    it("returns the closure a whole read gives nsp-prod-data, in fewer calls than readSubscriptions", async () => {
      const partial = await measured(() => reader.readPerimeters([PROD]));
      const full = await measured(() => reader.readSubscriptions(subscriptions));
      const perimeter = whole.get(PROD)!;
      const closure = perimeterClosure(new Estate(partial.result), perimeter);
      const expected = perimeterClosure(new Estate(full.result), perimeter);
      expect(keys(closure.resources)).toEqual(keys(expected.resources));
      expect([...closure.indexKeys].sort()).toEqual([...expected.indexKeys].sort());
      expect(closure.unresolved).toEqual([]);
      // The closure reaches outside the perimeter: the CMK vault's perimeter and its rules.
      expect(closure.resources.some((r) => idKey(r.id).includes("/networksecurityperimeters/nsp-keys/"))).toBe(true);
      expect(partial.calls).toBeLessThan(full.calls);
      expect(partial.operations).toHaveLength(partial.requests);

      // And the snapshot's own closure, but for the NSP configurations ARM computes for every association.
      // Lifecycle and inventory policies are read only when their rules (off by default since Revision 2) are
      // on; private endpoint connections the live read takes from the account's own properties.
      const snapshot = new Estate([...contoso, ...EXTRA]);
      const computedOrNotRead = (key: string) => /\/(networksecurityperimeterconfigurations|managementpolicies|inventorypolicies|privateendpointconnections)\//.test(key);
      expect(keys(closure.resources).filter((k) => !computedOrNotRead(k))).toEqual(
        keys(perimeterClosure(snapshot, snapshot.get(PROD)!).resources).filter((k) => !computedOrNotRead(k)),
      );
    });

    it("gives every perimeter of the estate the closure the whole read gives it", async () => {
      for (const perimeter of whole.perimeters()) {
        const partial = await reader.readPerimeters([perimeter.id]);
        const closure = perimeterClosure(new Estate(partial), perimeter);
        expect(keys(closure.resources), perimeter.id).toEqual(keys(perimeterClosure(whole, perimeter).resources));
        expect([...closure.indexKeys].sort(), perimeter.id).toEqual([...perimeterClosure(whole, perimeter).indexKeys].sort());
      }
    });

    it("answers nothing for a perimeter that is gone, or an id that is not a perimeter", async () => {
      const gone = await measured(() => reader.readPerimeters([`${SUB}/resourceGroups/rg-nsp/providers/Microsoft.Network/networkSecurityPerimeters/nsp-gone`, STPAYROLL]));
      expect(gone.result).toEqual([]);
      expect(gone.calls).toBe(1);
    });
  });

  describe("readSubscriptions", () => {
    it("is readLiveEstate's resources", async () => {
      expect(keys(await reader.readSubscriptions(subscriptions))).toEqual(keys(whole.resources));
    });
  });

  describe("sessions and counters", () => {
    it("counts calls and requests across reads, equal to the operations ARM logged", async () => {
      const { calls, requests, operations } = await measured(async () => {
        await reader.get(STPAYROLL);
        await reader.readMember(STPAYROLL);
        await reader.perimetersOfMember(VAULT);
      });
      expect(calls).toBe(operations.length);
      expect(requests).toBe(operations.length);
      expect(reader.attempts).toBeGreaterThanOrEqual(reader.requests);
    });

    it("bounds the calls in flight over concurrent reads", async () => {
      const bounded = new LiveArmReader({ ...liveOptions(emulator), subscriptionIds: subscriptions, concurrency: 3 });
      emulator.faults.add({ path: "/subscriptions/**", kind: "latency", latencyMs: 5 });
      try {
        await Promise.all([bounded.readPerimeters([PROD]), bounded.readMember(STTEAMFILES), bounded.readSubscriptions(subscriptions)]);
      } finally {
        emulator.faults.clear();
      }
      expect(bounded.peakConcurrency).toBe(3);
    });

    it("fails one read with one ArmUnavailableError line and keeps serving the next ones", async () => {
      emulator.faults.clear();
      emulator.faults.add({ path: "/subscriptions/**/storageAccounts/stpayroll", kind: "error", status: 500 });
      const error = await reader.get(STPAYROLL).catch((e: unknown) => e as Error);
      emulator.faults.clear();
      expect(error).toBeInstanceOf(ArmUnavailableError);
      expect((error as Error).message).not.toMatch(/\n/);
      expect((error as Error).message).toMatch(/HTTP 500/);
      expect(await reader.get(STPAYROLL)).toEqual(emulator.store.get(STPAYROLL)!.resource);
    });
  });
});
