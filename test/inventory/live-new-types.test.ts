/**
 * Live parity for the resource types of Revision 2: an estate with every one of them (NSP links and
 * link references, Service Bus and Event Hubs Geo-DR configs, Cosmos DB, a SQL server with a
 * dedicated SQL pool, members' own diagnostic settings, the onboarded-types list) read from the
 * emulator through the official clients gives back exactly what ARM holds, the same findings as the
 * snapshot, and a perimeter closure that holds them.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { idKey } from "../../src/model/armId.js";
import { Estate } from "../../src/model/estate.js";
import type { ArmResource } from "../../src/model/resource.js";
import { T } from "../../src/model/resourceTypes.js";
import { readLiveEstate, type LiveEstate } from "../../src/inventory/liveInventory.js";
import { readPlanFor } from "../../src/inventory/readPlan.js";
import { perimeterClosure } from "../../src/pipeline/closure.js";
import { ALL_RULES } from "../../src/rules/catalog/index.js";
import { evaluateEstate } from "../../src/rules/engine.js";
import type { AssociationRule } from "../../src/rules/types.js";
import type { ArmEmulator } from "../../src/emulator/server.js";
import { association, diagnosticSetting, logAnalyticsWorkspace, NOW, perimeter, profile, SUB } from "../helpers/builders.js";
import { startEmulator } from "../helpers/emulator.js";

/** A made-up association rule reading `reads` (metadata borrowed from a real rule, so it stays a valid Rule). */
function madeUpRule(id: string, reads: readonly string[]): AssociationRule {
  const base = ALL_RULES.find((r): r is AssociationRule => r.scope === "association")!;
  return { ...base, meta: { ...base.meta, id, reads }, check: () => undefined };
}
import { comparable, liveOptions } from "./liveSupport.js";

const RG = `/subscriptions/${SUB}/resourceGroups/rg-data/providers`;

function estate() {
  const nsp = perimeter("nsp-data");
  const prof = profile(nsp, "default");
  const remote = perimeter("nsp-partner");
  const remoteProfile = profile(remote, "default");
  const serviceBus: ArmResource = {
    id: `${RG}/Microsoft.ServiceBus/namespaces/sb-orders`,
    name: "sb-orders",
    type: "Microsoft.ServiceBus/namespaces",
    location: "westeurope",
    sku: { name: "Premium", tier: "Premium", capacity: 1 },
    properties: { publicNetworkAccess: "SecuredByPerimeter", geoDataReplication: { maxReplicationLagDurationInSeconds: 300, locations: [{ locationName: "westeurope", roleType: "Primary" }] } },
  };
  const serviceBusDr: ArmResource = {
    id: `${serviceBus.id}/disasterRecoveryConfigs/sb-alias`,
    name: "sb-alias",
    type: "Microsoft.ServiceBus/namespaces/disasterRecoveryConfigs",
    properties: { partnerNamespace: `${RG}/Microsoft.ServiceBus/namespaces/sb-orders-dr`, role: "Primary", provisioningState: "Succeeded" },
  };
  const eventHubs: ArmResource = {
    id: `${RG}/Microsoft.EventHub/namespaces/eh-telemetry`,
    name: "eh-telemetry",
    type: "Microsoft.EventHub/namespaces",
    location: "westeurope",
    sku: { name: "Standard", tier: "Standard", capacity: 1 },
    properties: { publicNetworkAccess: "Enabled", provisioningState: "Succeeded" },
  };
  const eventHubsDr: ArmResource = {
    id: `${eventHubs.id}/disasterRecoveryConfigs/eh-alias`,
    name: "eh-alias",
    type: "Microsoft.EventHub/namespaces/disasterRecoveryConfigs",
    properties: { partnerNamespace: `${RG}/Microsoft.EventHub/namespaces/eh-telemetry-dr`, role: "Primary", provisioningState: "Succeeded" },
  };
  const cosmos: ArmResource = {
    id: `${RG}/Microsoft.DocumentDB/databaseAccounts/cosmos-orders`,
    name: "cosmos-orders",
    type: "Microsoft.DocumentDB/databaseAccounts",
    location: "westeurope",
    kind: "GlobalDocumentDB",
    properties: { databaseAccountOfferType: "Standard", keyVaultKeyUri: "https://kv-keys.vault.azure.net/keys/cosmos", enableAnalyticalStorage: true, backupPolicy: { type: "Periodic" }, provisioningState: "Succeeded" },
  };
  const sqlServer: ArmResource = {
    id: `${RG}/Microsoft.Sql/servers/sql-warehouse`,
    name: "sql-warehouse",
    type: "Microsoft.Sql/servers",
    location: "westeurope",
    properties: { administratorLogin: "sqladmin", version: "12.0", publicNetworkAccess: "Enabled", state: "Ready" },
  };
  const sqlPool: ArmResource = {
    id: `${sqlServer.id}/databases/dw1`,
    name: "dw1",
    type: "Microsoft.Sql/servers/databases",
    location: "westeurope",
    sku: { name: "DW100c", tier: "DataWarehouse" },
    properties: { status: "Online" },
  };
  const workspace = logAnalyticsWorkspace("law-outside");
  const memberLogs = diagnosticSetting(serviceBus, "to-law", { workspaceId: workspace.id, logs: [{ categoryGroup: "allLogs", enabled: true }] });
  const link: ArmResource = {
    id: `${nsp.id}/links/to-partner`,
    name: "to-partner",
    type: "Microsoft.Network/networkSecurityPerimeters/links",
    properties: { autoApprovedRemotePerimeterResourceId: remote.id, localInboundProfiles: ["*"], remoteInboundProfiles: ["*"], status: "Approved", provisioningState: "Succeeded" },
  };
  const linkReference: ArmResource = {
    id: `${remote.id}/linkReferences/from-data`,
    name: "from-data",
    type: "Microsoft.Network/networkSecurityPerimeters/linkReferences",
    properties: { remotePerimeterResourceId: nsp.id, localInboundProfiles: ["*"], status: "Approved", provisioningState: "Succeeded" },
  };
  const onboarded = (name: string, resourceType: string): ArmResource => ({
    id: `/subscriptions/${SUB}/providers/Microsoft.Network/locations/westeurope/perimeterAssociableResourceTypes/${name}`,
    name,
    type: "Microsoft.Network/perimeterAssociableResourceTypes",
    location: "westeurope",
    properties: { displayName: resourceType, resourceType, publicDnsZones: [], serviceTags: [] },
  });
  const members = [serviceBus, eventHubs, cosmos, sqlServer];
  const associations = members.map((m) => association(nsp, `assoc-${m.name}`, m.id, { profile: prof, accessMode: "Learning" }));
  const resources: ArmResource[] = [
    nsp,
    prof,
    remote,
    remoteProfile,
    ...members,
    ...associations,
    serviceBusDr,
    eventHubsDr,
    sqlPool,
    workspace,
    memberLogs,
    link,
    linkReference,
    onboarded("Microsoft.ServiceBus.namespaces", "Microsoft.ServiceBus/namespaces"),
    onboarded("Microsoft.Sql.servers", "Microsoft.Sql/servers"),
  ];
  const newTypes = [serviceBusDr, eventHubsDr, cosmos, sqlServer, sqlPool, memberLogs, link, linkReference, serviceBus];
  return { nsp, remote, resources, newTypes };
}

/** A rule of the kind Revision 2 adds: it reads every new type, so the plan reads them all. */
const probe = madeUpRule("new-types-probe", [
      T.association,
      T.link,
      T.linkReference,
      T.perimeterAssociableResourceType,
      T.serviceBusNamespace,
      T.serviceBusDisasterRecoveryConfig,
      T.eventHubNamespace,
      T.eventHubDisasterRecoveryConfig,
      T.cosmosAccount,
      T.sqlServer,
      T.sqlDatabase,
      T.diagnosticSetting,
    ]);

describe("live inventory of the resource types of Revision 2", () => {
  const e = estate();
  const plan = readPlanFor([...ALL_RULES, probe]);
  let emulator: ArmEmulator;
  let live: LiveEstate;

  beforeAll(async () => {
    emulator = await startEmulator(e.resources);
    live = await readLiveEstate([SUB], liveOptions(emulator, { plan }));
  });

  it("reads every resource of the new types, exactly as ARM's GET returns it", () => {
    const stored = new Map(emulator.resources().map((r) => [idKey(r.id), r]));
    const read = new Map(live.resources.map((r) => [idKey(r.id), r]));
    for (const resource of [...e.newTypes, ...e.resources.filter((r) => r.type.toLowerCase() === T.perimeterAssociableResourceType)]) {
      expect(read.get(idKey(resource.id)), resource.id).toEqual(stored.get(idKey(resource.id)));
    }
    // Through the official clients: each new type's read shows in the operation log.
    const operations = new Set(emulator.operations.map((o) => o.operation?.toLowerCase()));
    for (const op of [
      "microsoft.servicebus/namespaces/read",
      "microsoft.servicebus/namespaces/disasterrecoveryconfigs/read",
      "microsoft.eventhub/namespaces/disasterrecoveryconfigs/read",
      "microsoft.documentdb/databaseaccounts/read",
      "microsoft.sql/servers/databases/read",
      "microsoft.network/networksecurityperimeters/links/read",
      "microsoft.network/networksecurityperimeters/linkreferences/read",
      "microsoft.network/locations/perimeterassociableresourcetypes/read",
    ]) {
      expect(operations.has(op), op).toBe(true);
    }
  });

  it("gives exactly the findings of the snapshot", () => {
    const fromSnapshot = evaluateEstate(new Estate(e.resources), { now: NOW });
    const fromLive = evaluateEstate(new Estate(live.resources), { now: NOW });
    expect(comparable(fromLive.findings)).toEqual(comparable(fromSnapshot.findings));
    expect(fromLive.perimeters).toBe(fromSnapshot.perimeters);
    expect(fromLive.associations).toBe(fromSnapshot.associations);
  });

  it("the perimeter's closure holds them, and indexes the linked perimeter and the member's log destination", () => {
    const liveEstate = new Estate(live.resources);
    const closure = perimeterClosure(liveEstate, liveEstate.get(e.nsp.id)!);
    const held = new Set(closure.resources.map((r) => idKey(r.id)));
    // Everything new but the link reference, which lives under the remote perimeter.
    for (const resource of e.newTypes.filter((r) => r.type.toLowerCase() !== T.linkReference)) expect(held.has(idKey(resource.id)), resource.id).toBe(true);
    expect(closure.indexKeys).toContain(idKey(e.remote.id));
    expect(closure.indexKeys).toContain(idKey(logAnalyticsWorkspace("law-outside").id));
    // The remote side's link reference lives in the remote perimeter's own closure.
    const remote = perimeterClosure(liveEstate, liveEstate.get(e.remote.id)!);
    expect(remote.resources.some((r) => r.type.toLowerCase() === T.linkReference)).toBe(true);
    expect(remote.indexKeys).toContain(idKey(e.nsp.id));
  });
});
