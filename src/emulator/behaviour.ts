/**
 * How Azure answers each operation of each resource type the emulator serves, from Azure's REST
 * specifications (paths relative to ../shared/azure-rest-api-specs). One row per type; the server
 * reads only this table to decide ETags, long-running vs synchronous answers, action responses and
 * list limits. Anything no spec settles says UNCONFIRMED, and the server's default for it is the
 * plain synchronous ARM answer.
 */
import { hasEtag, SPECS, T } from "../model/resourceTypes.js";

const NSP_SPEC = SPECS.nsp;
const STORAGE_SPEC = SPECS.storage;
const KEYVAULT_SPEC = SPECS.keyVault;

/** A long-running write: the first answer's status, its provisioningState, and how it is polled. */
export interface LongRunning {
  /** Status of the first answer (the spec's 202 for association creation). */
  status: 202;
  /** `provisioningState` in the first answer's body (undefined: no body, as a DELETE's 202). */
  provisioningState?: "Creating" | "Updating";
  /** `x-ms-long-running-operation-options.final-state-via`: which header the 202 carries. */
  via: "azure-async-operation" | "location";
}

export interface ActionAnswer {
  status: 200 | 202 | 204;
  /** 202: a `Location` to poll (final-state-via: location). */
  location?: boolean;
  /** The 200 answer's body (default `{}`). */
  body?: (target: { id: string }) => unknown;
  spec: string;
}

export interface TypeBehaviour {
  /** Lower-cased ARM type. */
  type: string;
  spec: string;
  /** PUT: undefined = synchronous 200 (replaced) / 201 (created). */
  put?: LongRunning;
  /** DELETE: undefined = synchronous 200 (deleted) / 204 (did not exist). */
  delete?: LongRunning;
  /** Query parameters the DELETE declares (the perimeter's `forceDeletion`). */
  deleteParameters?: readonly string[];
  /** POST actions by name (lower-case). */
  actions?: Readonly<Record<string, ActionAnswer>>;
  /** Lists of this type take `$top` in [1, topMax] and page with `$skipToken`. */
  topMax?: number;
  /** false: the spec's properties have no `provisioningState`, so ARM's answers carry none. */
  provisioningState?: false;
}

const NSP_LIST = { topMax: 20 } as const;

/**
 * The NSP types: every list declares `$top` (int32, minimum 1, maximum 20) and `$skipToken`.
 * - Perimeter: PUT 200/201 synchronous; DELETE long-running (`NetworkSecurityPerimeters_Delete`:
 *   200/202/204, 202 with Azure-AsyncOperation + Retry-After, final-state-via azure-async-operation)
 *   with the `forceDeletion` query parameter ("deletes the resource even if it contains any child
 *   associations").
 * - Profile: PUT 200/201, DELETE 200/204, both synchronous.
 * - Access rule: PUT 200/201, DELETE 200/204, both synchronous; `reconcile` POST answers 200 (`{}`).
 * - Association: PUT long-running (200/201/202; 202 with Azure-AsyncOperation + Retry-After and the
 *   association in the body, final-state-via azure-async-operation); DELETE long-running (200/202/204,
 *   202 with Azure-AsyncOperation + Retry-After); `reconcile` POST answers 200 (`{}`).
 * - Link: PUT 200/201 synchronous; DELETE long-running, final-state-via location (202 + Location).
 * - Link reference: DELETE long-running, final-state-via location.
 * - Logging configuration: PUT 200/201, DELETE 200/204, synchronous.
 */
export const BEHAVIOUR: readonly TypeBehaviour[] = [
  { type: T.perimeter, spec: NSP_SPEC, delete: { status: 202, via: "azure-async-operation" }, deleteParameters: ["forceDeletion"], ...NSP_LIST },
  // `NspProfileProperties`: accessRulesVersion and diagnosticSettingsVersion only, no provisioningState.
  { type: T.profile, spec: NSP_SPEC, provisioningState: false, ...NSP_LIST },
  { type: T.accessRule, spec: NSP_SPEC, actions: { reconcile: { status: 200, spec: NSP_SPEC } }, ...NSP_LIST },
  {
    type: T.association,
    spec: NSP_SPEC,
    // The spec allows 200/201/202 for the PUT; creation answers 202 + `provisioningState: Creating`.
    // UNCONFIRMED: which of them an update answers; 202 + `Updating` keeps clients on the poller path.
    put: { status: 202, provisioningState: "Creating", via: "azure-async-operation" },
    delete: { status: 202, via: "azure-async-operation" },
    actions: { reconcile: { status: 200, spec: NSP_SPEC } },
    ...NSP_LIST,
  },
  { type: T.link, spec: NSP_SPEC, delete: { status: 202, via: "location" }, ...NSP_LIST },
  { type: T.linkReference, spec: NSP_SPEC, delete: { status: 202, via: "location" }, ...NSP_LIST },
  { type: "microsoft.network/networksecurityperimeters/loggingconfigurations", spec: NSP_SPEC },
  // `PerimeterAssociableResourceProperties`: displayName, resourceType, publicDnsZones, serviceTags,
  // readinessState, outboundSupported, description; no provisioningState. Listed only (no GET, no PUT).
  { type: T.perimeterAssociableResourceType, spec: NSP_SPEC, provisioningState: false },
  // The guardrail only reads the types below (GET and list, synchronous in every spec). Their write
  // answers (long-running or not) are UNCONFIRMED here, their specs being outside the pinned subset:
  // the server's synchronous default serves the tests' seeding writes. Sources, in Azure/azure-rest-api-specs:
  // servicebus/.../stable/2021-11-01 (namespace-preview.json, DisasterRecoveryConfig.json),
  // eventhub/.../stable/2026-01-01 (disasterRecoveryConfigs.json), cosmos-db/.../stable/2026-03-15,
  // sql/.../preview/2022-08-01-preview (Servers.json, Databases.json). UNCONFIRMED: whether SQL's
  // ServerProperties / DatabaseProperties carry provisioningState (kept, the server's default).
  { type: T.serviceBusNamespace, spec: "UNCONFIRMED (servicebus 2021-11-01, outside the pinned subset)" },
  { type: T.serviceBusDisasterRecoveryConfig, spec: "UNCONFIRMED (servicebus 2021-11-01, outside the pinned subset)" },
  { type: T.eventHubDisasterRecoveryConfig, spec: "UNCONFIRMED (eventhub 2026-01-01, outside the pinned subset)" },
  { type: T.cosmosAccount, spec: "UNCONFIRMED (cosmos-db 2026-03-15, outside the pinned subset)" },
  { type: T.sqlServer, spec: "UNCONFIRMED (sql 2022-08-01-preview, outside the pinned subset)" },
  { type: T.sqlDatabase, spec: "UNCONFIRMED (sql 2022-08-01-preview, outside the pinned subset)" },
  // `FileShareProperties` declare no provisioningState (oav rejects one in FileShares_Create's answer).
  { type: T.fileShare, spec: STORAGE_SPEC, provisioningState: false },
  // `ObjectReplicationPolicyProperties` (policyId, enabledTime, sourceAccount, destinationAccount, rules,
  // metrics, priorityReplication, tagsReplication): no provisioningState either.
  { type: T.objectReplicationPolicy, spec: STORAGE_SPEC, provisioningState: false },
  // `StorageAccounts_ListKeys`: synchronous 200 with `StorageAccountListKeysResult` (`keys`: keyName,
  // value, permissions, creationTime). The values are made up: nothing in the emulator accepts them.
  {
    type: T.storageAccount,
    spec: STORAGE_SPEC,
    actions: {
      listkeys: {
        status: 200,
        spec: STORAGE_SPEC,
        body: () => ({
          keys: ["key1", "key2"].map((keyName) => ({
            keyName,
            value: Buffer.from(`emulated-${keyName}`).toString("base64"),
            permissions: "Full",
            creationTime: "2026-01-01T00:00:00.0000000Z",
          })),
        }),
      },
    },
  },
  // `NetworkSecurityPerimeterConfigurations_Reconcile`: long-running, 202 with Location + Retry-After, final-state-via location.
  { type: T.storageNspConfiguration, spec: STORAGE_SPEC, actions: { reconcile: { status: 202, location: true, spec: STORAGE_SPEC } } },
  // `NetworkSecurityPerimeterConfigurations_ReconcileConfiguration`: synchronous 204.
  { type: T.keyVaultNspConfiguration, spec: KEYVAULT_SPEC, actions: { reconcile: { status: 204, spec: KEYVAULT_SPEC } } },
];

const byType = new Map(BEHAVIOUR.map((b) => [b.type, b]));

/** Whether ARM's answers for `type` carry `properties.provisioningState` (UNCONFIRMED outside the table: yes). */
export function carriesProvisioningState(type: string): boolean {
  return behaviourOf(type)?.provisioningState !== false;
}

export function behaviourOf(type: string): TypeBehaviour | undefined {
  return byType.get(type.toLowerCase());
}

/**
 * Whether the emulator stamps an `etag` on `type` and honours If-Match / If-None-Match for it: only
 * where the spec defines `etag` (src/model/resourceTypes.ts RESOURCE_TYPES). Types outside the pinned
 * spec subset are UNCONFIRMED and get none.
 */
export function emulatesEtag(type: string): boolean {
  return hasEtag(type);
}

/**
 * The answer to a POST action. Actions no spec row names (listKeys, regenerateKey, ...) are
 * UNCONFIRMED here: answered 202 + Location, the generic ARM asynchronous-action shape.
 */
export function actionAnswer(type: string, action: string): ActionAnswer {
  return behaviourOf(type)?.actions?.[action.toLowerCase()] ?? { status: 202, location: true, spec: "UNCONFIRMED" };
}

/** Where NSP long-running operations are polled (`NetworkSecurityPerimeterOperationStatuses_Get`). */
export const NSP_OPERATION_STATUSES = "networkSecurityPerimeterOperationStatuses";
/** The RBAC action of that GET, as ARM names it (the least-privilege role must grant it). */
export const NSP_OPERATION_STATUS_READ = "Microsoft.Network/locations/networkSecurityPerimeterOperationStatuses/read";
