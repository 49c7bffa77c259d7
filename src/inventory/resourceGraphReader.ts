/**
 * The bulk reader: an estate from Azure Resource Graph (`@azure/arm-resourcegraph`), about one call
 * per 1,000 resources at subscription or management-group scope, plus ARM GETs for only what Resource
 * Graph does not hold (resourceGraphQueries.ts `NOT_IN_RESOURCE_GRAPH`; the read plan decides which).
 *
 * - Three queries (resourceGraphQueries.ts), each paged with skip tokens over `order by id asc`, at
 *   most 1,000 rows a page; subscriptions go in batches of at most 300 (arm-facts.md "Resource Graph").
 * - The per-user quota is honoured: every answer's `x-ms-user-quota-remaining` and
 *   `x-ms-user-quota-resets-after` are read, and when none is left the next query waits for the
 *   reset (a "quota wait"); a 429 is waited out by the SDK's retry policy (its `Retry-After`) and
 *   counted as a quota wait too.
 * - Rows become ARM resources: the projected envelope without Resource Graph's own columns and
 *   without empty values. Types stay lower-cased as Resource Graph gives them (ids and types compare
 *   case-insensitively everywhere).
 */
import { ResourceGraphClient, type QueryRequest, type QueryResponse } from "@azure/arm-resourcegraph";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { idKey, lastSegment, parseArmId } from "../model/armId.js";
import { accessModeOf } from "../model/estate.js";
import { isTrue, prop, propString, type ArmResource } from "../model/resource.js";
import { T, typesUnder } from "../model/resourceTypes.js";
import { TYPE_READERS } from "./typeReaders.js";
import { TOOL_NAME, VERSION } from "../version.js";
import { CallSession, type SdkCallOptions } from "./armCalls.js";
import { ArmClients, type ArmClientSettings } from "./armClients.js";
import {
  asResource,
  DATA_PROTECTION_API_VERSION,
  drain,
  listItems,
  liveClientSettings,
  livePlanOf,
  liveSessionOptions,
  LiveReader,
  locate,
  type LiveInventoryOptions,
  type Located,
  type Paged,
} from "./liveInventory.js";
import type { ReadCarry } from "../pipeline/ports.js";
import type { ReadPlan } from "./readPlan.js";
import { GRAPH_QUERIES, queryText, SUBSCRIPTIONS_QUERY, type GraphQuery } from "./resourceGraphQueries.js";

/** Subscriptions per query at most (arm-facts.md: batches of at most 300 advised). */
export const SUBSCRIPTION_BATCH = 300;
/** Rows per page: Resource Graph's maximum `$top`. */
export const PAGE_ROWS = 1_000;
/** Items per page of an NSP list: the `$top` maximum of networkSecurityPerimeter.json (2026-01-01) lists. */
export const NSP_LIST_TOP = 20;

/** Where to read: subscriptions, or one management group (and everything under it, with any further subscriptions named). */
export type ResourceGraphScope =
  | { readonly subscriptions: readonly string[] }
  | { readonly managementGroup: string; readonly subscriptions?: readonly string[] };

export interface ResourceGraphReadOptions extends LiveInventoryOptions {
  /** Subscriptions per query (default and maximum 300). */
  readonly batchSize?: number;
  /** Rows per page (default and maximum 1,000). */
  readonly pageRows?: number;
  /** Called when the reader waits for the quota to reset. */
  readonly onQuotaWait?: (waitMs: number) => void;
  /** What the caller (the reconcile) carries over from its previous pass instead of reading it (pipeline/carryOver.ts). */
  readonly carry?: ReadCarry;
}

export interface ResourceGraphEstate {
  readonly resources: ArmResource[];
  /** Resource Graph requests (one per page). */
  readonly graphRequests: number;
  /** Rows Resource Graph answered. */
  readonly graphRows: number;
  /** ARM calls made for what Resource Graph does not hold, by lower-case type read. */
  readonly armCallsByType: Record<string, number>;
  readonly armCalls: number;
  /** Every call: Resource Graph pages + ARM calls. */
  readonly calls: number;
  /** Times the reader waited for the quota (before a query with none left, or after a 429), and the total wait. */
  readonly quotaWaits: number;
  readonly quotaWaitMs: number;
  /** 429 answers seen. */
  readonly throttled: number;
  /** Subscriptions the rows came from (lower case). */
  readonly subscriptions: string[];
  readonly plan: ReadPlan;
}

/** `hh:mm:ss` (or `d.hh:mm:ss`) → milliseconds; undefined when unreadable. */
export function parseResetsAfter(text: string | undefined): number | undefined {
  const m = /^(?:(\d+)\.)?(\d+):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec((text ?? "").trim());
  if (!m) return undefined;
  const [, days = "0", h, mi, s, frac = "0"] = m;
  return (((Number(days) * 24 + Number(h)) * 60 + Number(mi)) * 60 + Number(s)) * 1000 + Math.round(Number(`0.${frac}`) * 1000);
}

/** The quota as the last answer reported it, and the waits it caused. */
class QuotaTracker {
  remaining: number | undefined;
  resetAt = 0;
  waits = 0;
  waitMs = 0;
  throttled = 0;

  constructor(private readonly onWait: ((ms: number) => void) | undefined) {}

  readonly policy: PipelinePolicy = {
    name: "nspgResourceGraphQuota",
    sendRequest: async (request, next) => {
      const response = await next(request);
      const remaining = Number(response.headers.get("x-ms-user-quota-remaining"));
      const resetsAfter = parseResetsAfter(response.headers.get("x-ms-user-quota-resets-after"));
      if (Number.isFinite(remaining) && response.headers.get("x-ms-user-quota-remaining") !== undefined) this.remaining = remaining;
      if (resetsAfter !== undefined) this.resetAt = Date.now() + resetsAfter;
      if (response.status === 429) {
        // The SDK's retry policy waits out Retry-After before the next attempt.
        this.throttled++;
        const seconds = Number(response.headers.get("retry-after"));
        this.count(Number.isFinite(seconds) ? seconds * 1000 : 0);
      }
      return response;
    },
  };

  private count(ms: number): void {
    this.waits++;
    this.waitMs += ms;
    try {
      this.onWait?.(ms);
    } catch {
      // A failing display must not fail the read.
    }
  }

  /** Waits for the reset when the last answer said no query is left. */
  async ready(signal: AbortSignal): Promise<void> {
    if (this.remaining === undefined || this.remaining > 0) return;
    const wait = this.resetAt - Date.now();
    this.remaining = undefined;
    if (wait <= 0) return;
    this.count(wait);
    await new Promise<void>((resolve, reject) => {
      // The listener goes when the wait ends: a long read waits many times on one signal.
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
      };
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, wait);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}

/** An ARM resource from a Resource Graph row: the envelope, without Resource Graph's own columns and empty values. */
export function resourceOfRow(row: unknown): ArmResource | undefined {
  if (row === null || typeof row !== "object" || Array.isArray(row)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row as Record<string, unknown>)) {
    if (value === null || value === undefined || value === "") continue;
    if (key === "resourceGroup" || key === "subscriptionId" || key === "tenantId") continue;
    out[key] = value;
  }
  return asResource(out);
}

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Reads an estate through Resource Graph, then ARM for the rest. Throws ArmUnavailableError (one line) when either fails. */
export async function readResourceGraphEstate(scope: ResourceGraphScope, options: ResourceGraphReadOptions = {}): Promise<ResourceGraphEstate> {
  const plan = livePlanOf(options);
  const settings = liveClientSettings(options);
  const session = new CallSession(liveSessionOptions(options));
  const reader = new GraphReader(plan, settings, session, options);
  try {
    return await reader.read(scope);
  } catch (error) {
    throw session.failure ?? error;
  }
}

/**
 * The subscriptions under a management group now, from Resource Graph's `resourcecontainers`
 * (resourceGraphQueries.ts `SUBSCRIPTIONS_QUERY`): a subscription created or moved under the group
 * is in the next answer. One request per 1,000 subscriptions.
 */
export async function subscriptionsUnderManagementGroup(managementGroup: string, options: ResourceGraphReadOptions = {}): Promise<string[]> {
  const session = new CallSession(liveSessionOptions(options));
  const reader = new GraphReader(livePlanOf(options), liveClientSettings(options), session, options);
  try {
    return await reader.subscriptionsUnder(managementGroup);
  } catch (error) {
    throw session.failure ?? error;
  }
}

class GraphReader {
  private readonly quota: QuotaTracker;
  private readonly client: ResourceGraphClient;
  private readonly clients: ArmClients;
  private readonly resources = new Map<string, ArmResource>();
  private readonly armCalls = new Map<string, number>();
  private graphRequests = 0;
  private graphRows = 0;
  private readonly batchSize: number;
  private readonly pageRows: number;
  private readonly carry: ReadCarry | undefined;

  constructor(
    private readonly plan: ReadPlan,
    settings: ArmClientSettings,
    private readonly session: CallSession,
    options: ResourceGraphReadOptions,
  ) {
    this.quota = new QuotaTracker(options.onQuotaWait);
    this.carry = options.carry;
    this.pageRows = Math.max(1, Math.min(PAGE_ROWS, Math.floor(options.pageRows ?? PAGE_ROWS)));
    this.batchSize = Math.max(1, Math.min(SUBSCRIPTION_BATCH, Math.floor(options.batchSize ?? SUBSCRIPTION_BATCH)));
    const { connection } = settings;
    this.client = new ResourceGraphClient(settings.credential, {
      endpoint: connection.endpoint,
      ...(connection.ca ? { tlsOptions: { ca: connection.ca } } : {}),
      ...(settings.retryOptions ? { retryOptions: { ...settings.retryOptions } } : {}),
      credentials: { scopes: [connection.scope] },
      userAgentOptions: { userAgentPrefix: `${TOOL_NAME}/${VERSION}` },
      additionalPolicies: [
        { policy: session.capturePolicy, position: "perCall" },
        { policy: session.timeoutPolicy, position: "perRetry" },
        { policy: this.quota.policy, position: "perRetry" },
      ],
    });
    this.clients = new ArmClients(settings, session);
  }

  async read(scope: ResourceGraphScope): Promise<ResourceGraphEstate> {
    const scopes: Array<Pick<QueryRequest, "subscriptions" | "managementGroups">> = [
      ...("managementGroup" in scope ? [{ managementGroups: [scope.managementGroup] }] : []),
      ...batches([...new Set(scope.subscriptions ?? [])], this.batchSize).map((subscriptions) => ({ subscriptions })),
    ];
    // Queries run one after another: the quota is per user, and pages of one query are sequential anyway.
    for (const query of GRAPH_QUERIES) for (const s of scopes) this.add(await this.query(query, s));
    await this.readTheRest();
    const armCalls = [...this.armCalls.values()].reduce((a, b) => a + b, 0);
    const subscriptions = [...new Set([...this.resources.values()].map((r) => parseArmId(r.id).subscriptionId.toLowerCase()))].sort();
    return {
      resources: [...this.resources.values()],
      graphRequests: this.graphRequests,
      graphRows: this.graphRows,
      armCallsByType: Object.fromEntries(this.armCalls),
      armCalls,
      calls: this.graphRequests + armCalls,
      quotaWaits: this.quota.waits,
      quotaWaitMs: Math.round(this.quota.waitMs),
      throttled: this.quota.throttled,
      subscriptions,
      plan: this.plan,
    };
  }

  /** The ids of the subscriptions under a management group, in id order. */
  async subscriptionsUnder(managementGroup: string): Promise<string[]> {
    const rows = await this.query(SUBSCRIPTIONS_QUERY, { managementGroups: [managementGroup] });
    return rows.map((row) => parseArmId(row.id).subscriptionId).filter(Boolean);
  }

  private add(resources: readonly ArmResource[], replace = false): void {
    for (const resource of resources) {
      const key = idKey(resource.id);
      if (replace || !this.resources.has(key)) this.resources.set(key, resource);
    }
  }

  /** Every page of one query at one scope. */
  private async query(query: GraphQuery, scope: Pick<QueryRequest, "subscriptions" | "managementGroups">): Promise<ArmResource[]> {
    const text = queryText(query);
    const out: ArmResource[] = [];
    let skipToken: string | undefined;
    do {
      await this.quota.ready(this.session.signal);
      const token = skipToken;
      const result = await this.session.call(`query Resource Graph for ${query.label}`, (o: SdkCallOptions) =>
        this.client.resources({ ...scope, query: text, options: { top: this.pageRows, resultFormat: "objectArray", ...(token ? { skipToken: token } : {}) } }, { abortSignal: o.abortSignal }),
      );
      this.graphRequests++;
      const response = result.value as QueryResponse;
      if (!Array.isArray(response.data)) throw new Error(`Resource Graph answered ${query.label} without an objectArray "data"`);
      // A truncated answer would silently drop resources: every query projects `id`, so it must page instead.
      if (String(response.resultTruncated) === "true") throw new Error(`Resource Graph truncated the answer for ${query.label} instead of paging it`);
      this.graphRows += response.data.length;
      for (const row of response.data) {
        const resource = resourceOfRow(row);
        if (resource) out.push(resource);
      }
      skipToken = response.skipToken || undefined;
    } while (skipToken);
    return out;
  }

  // --- ARM for what Resource Graph does not hold -------------------------------------------------

  /** Whether the caller carries this owner's inputs (ownerInputs.ts) over from its previous pass. */
  private carries(id: string): boolean {
    return this.carry !== undefined && this.carry.owners.has(idKey(id));
  }

  private tally(type: string, calls = 1): void {
    this.armCalls.set(type, (this.armCalls.get(type) ?? 0) + calls);
  }

  /** A list, counted by the pages it took (each page is a request against ARM's quota). */
  private async armList(type: string, label: string, operation: (o: SdkCallOptions) => Paged, absentOn404 = true): Promise<ArmResource[]> {
    const result = await this.session.call(label, (o) => drain(operation(o)), { absentOn404 });
    this.tally(type, Math.max(1, result.requests));
    return listItems(result.bodies);
  }

  private async armGet(type: string, label: string, operation: (o: SdkCallOptions) => Promise<unknown>): Promise<ArmResource | undefined> {
    const result = await this.session.call(label, operation, { absentOn404: true });
    this.tally(type);
    return result.absent ? undefined : asResource(result.bodies[0]);
  }

  private ofType(type: string): ArmResource[] {
    return [...this.resources.values()].filter((r) => r.type.toLowerCase() === type);
  }

  private async readTheRest(): Promise<void> {
    const associations = this.ofType(T.association);
    const members = new Map<string, Located>();
    for (const association of associations) {
      const memberId = propString(association, "privateLinkResource", "id");
      const at = memberId ? locate(memberId) : undefined;
      if (at && !members.has(idKey(at.id))) members.set(idKey(at.id), at);
    }
    const storageMembers = [...members.values()].filter((m) => m.type === T.storageAccount && this.resources.has(idKey(m.id)));
    const reads: Array<Promise<void>> = [];

    reads.push(this.readAssociationAges(associations));

    // Links and link references (NSP children Resource Graph is not asked for): listed per perimeter.
    for (const type of [T.link, T.linkReference]) {
      const list = TYPE_READERS[type]?.list;
      if (!this.plan.has(type) || !list) continue;
      for (const perimeter of this.ofType(T.perimeter)) {
        const at = locate(perimeter.id);
        if (!at || this.carries(at.id)) continue;
        reads.push(this.armList(type, `list ${lastSegment(type)} of perimeter ${at.name}`, list(this.clients, at.subscriptionId, at.resourceGroup, [at.name])).then((l) => this.add(l)));
      }
    }

    if (this.plan.has(T.diagnosticSetting)) {
      for (const perimeter of this.ofType(T.perimeter)) {
        const at = locate(perimeter.id);
        if (!at || this.carries(at.id)) continue;
        reads.push(
          this.armList(T.diagnosticSetting, `list diagnostic settings of perimeter ${at.name}`, (o) =>
            this.clients.monitor(at.subscriptionId).diagnosticSettings.list(at.id.replace(/^\/+/, ""), o),
          ).then((list) => this.add(list)),
        );
      }
    }

    for (const member of members.values()) {
      const held = this.resources.get(idKey(member.id));
      if (!held) {
        // Not in Resource Graph's answer (a type the query does not ask for, or gone): read it as the ARM path does.
        if (this.plan.readAllMembers || this.plan.has(member.type)) reads.push(this.readMemberByArm(member.id));
        continue;
      }
      // Resource Graph answered the member; what it does not hold comes from the caller's previous pass.
      if (this.carries(member.id)) continue;
      if (member.type !== T.storageAccount && member.type !== T.cognitiveAccount) {
        // Other member types (Service Bus, Event Hubs, SQL...) have children Resource Graph does not
        // hold (Geo-DR configs, databases) and their own diagnostic settings: read them as the ARM path does.
        if (this.plan.memberDiagnosticSettings || typesUnder(member.type).some((row) => row.parent === member.type && this.plan.has(row.type))) {
          reads.push(this.readMemberByArm(member.id));
        }
        continue;
      }
      if (this.plan.memberDiagnosticSettings) {
        reads.push(
          this.armList(T.diagnosticSetting, `list diagnostic settings of ${member.name}`, (o) =>
            this.clients.monitor(member.subscriptionId).diagnosticSettings.list(member.id.replace(/^\/+/, ""), o),
          ).then((list) => this.add(list)),
        );
      }
      if (member.type === T.storageAccount && this.plan.has(T.storageAccount)) reads.push(this.readStorageChildren(member, held));
      if (member.type === T.cognitiveAccount && this.plan.has(T.cognitiveNspConfiguration)) {
        reads.push(
          this.armList(T.cognitiveNspConfiguration, `list network security perimeter configurations of ${member.name}`, (o) =>
            this.clients.cognitive(member.subscriptionId).networkSecurityPerimeterConfigurations.list(member.resourceGroup, member.name, o),
          ).then((list) => this.add(list)),
        );
      }
    }
    await Promise.all(reads);

    const memberKeys = new Set(storageMembers.map((m) => idKey(m.id)));
    const followUps: Array<Promise<void>> = [];
    if (storageMembers.length > 0 && this.plan.has(T.backupPolicy)) followUps.push(this.readBackupPolicies(memberKeys));
    if (storageMembers.length > 0 && this.plan.has(T.syncCloudEndpoint)) followUps.push(this.readCloudEndpoints(memberKeys));
    await Promise.all(followUps);
  }

  /**
   * The age of every association not in Enforced mode (its `systemData.createdAt` decides the
   * transition grace), which Resource Graph's rows do not carry (UNCONFIRMED, so a row that does
   * carry it is used as is). Per perimeter, whichever costs fewer requests: one GET per such
   * association, or listing the perimeter's associations (the list answers `systemData` too:
   * `SecurityPerimeterProxyResource` in the NSP spec's common.json, and its NspAssociationList
   * example) at `$top` 20, the spec's maximum for that list (networkSecurityPerimeter.json
   * `NetworkSecurityPerimeterAssociations_List`), i.e. ceil(associations / 20) pages.
   */
  private async readAssociationAges(associations: readonly ArmResource[]): Promise<void> {
    const byPerimeter = new Map<string, { perimeter: Located; all: number; ageless: Located[] }>();
    for (const association of associations) {
      const at = locate(association.id);
      const parentId = at ? parseArmId(at.id).parentId : undefined;
      const perimeter = parentId ? locate(parentId) : undefined;
      if (!at || !perimeter) continue;
      const key = idKey(perimeter.id);
      let entry = byPerimeter.get(key);
      if (!entry) byPerimeter.set(key, (entry = { perimeter, all: 0, ageless: [] }));
      entry.all++;
      if (association.systemData) continue;
      // What an earlier read of ARM found, on every association (the reconcile's carry-over also tells
      // from it when the association last changed): createdAt does not change while it exists.
      const carried = this.carry?.associationSystemData.get(idKey(association.id));
      if (carried !== undefined) this.add([{ ...association, systemData: carried } as ArmResource], true);
      else if (accessModeOf(association) !== "Enforced") entry.ageless.push(at);
    }
    const reads: Array<Promise<void>> = [];
    for (const { perimeter, all, ageless } of byPerimeter.values()) {
      if (ageless.length === 0) continue;
      const network = this.clients.network(perimeter.subscriptionId);
      if (Math.ceil(all / NSP_LIST_TOP) < ageless.length) {
        reads.push(
          this.armList(T.association, `list resource associations of perimeter ${perimeter.name}`, (o) =>
            network.networkSecurityPerimeterAssociations.list(perimeter.resourceGroup, perimeter.name, { ...o, top: NSP_LIST_TOP }),
          ).then((listed) => this.add(listed, true)),
        );
        continue;
      }
      for (const at of ageless) {
        reads.push(
          this.armGet(T.association, `read resource association ${perimeter.name}/${at.name}`, (o) =>
            network.networkSecurityPerimeterAssociations.get(perimeter.resourceGroup, perimeter.name, at.name, o),
          ).then((full) => full && this.add([full], true)),
        );
      }
    }
    await Promise.all(reads);
  }

  private async readMemberByArm(memberId: string): Promise<void> {
    const reader = new LiveReader(this.plan, this.session, this.clients, undefined, this.carry?.owners);
    await reader.readMemberById(memberId);
    const result = reader.result();
    this.add(result.resources);
    for (const [type, tally] of Object.entries(result.callsByMemberType)) this.armCalls.set(type, (this.armCalls.get(type) ?? 0) + tally.calls);
  }

  /** The children the ARM path lists or GETs per storage member, skipping those the account's kind cannot have (as liveInventory.ts does). */
  private async readStorageChildren(member: Located, account: ArmResource): Promise<void> {
    const storage = this.clients.storage(member.subscriptionId);
    const { resourceGroup: rg, name } = member;
    const kind = typeof account.kind === "string" ? account.kind.toLowerCase() : undefined;
    const hasFiles = kind !== "blobstorage" && kind !== "blockblobstorage";
    const hasBlobPolicies = kind !== "filestorage" && kind !== "storage";
    const canReplicate = hasBlobPolicies && !isTrue(prop(account, "isHnsEnabled"));
    const reads: Array<Promise<ArmResource[]>> = [];
    if (this.plan.has(T.fileShare) && hasFiles) reads.push(this.armList(T.fileShare, `list file shares of ${name}`, (o) => storage.fileShares.list(rg, name, o)));
    if (this.plan.has(T.objectReplicationPolicy) && canReplicate) {
      reads.push(this.armList(T.objectReplicationPolicy, `list object replication policies of ${name}`, (o) => storage.objectReplicationPolicies.list(rg, name, o)));
    }
    if (this.plan.has(T.managementPolicy) && hasBlobPolicies) {
      reads.push(this.armGet(T.managementPolicy, `read the management policy of ${name}`, (o) => storage.managementPolicies.get(rg, name, "default", o)).then((r) => (r ? [r] : [])));
    }
    if (this.plan.has(T.inventoryPolicy) && hasBlobPolicies) {
      reads.push(this.armGet(T.inventoryPolicy, `read the blob inventory policy of ${name}`, (o) => storage.blobInventoryPolicies.get(rg, name, "default", o)).then((r) => (r ? [r] : [])));
    }
    if (this.plan.has(T.storageNspConfiguration)) {
      reads.push(
        this.armList(T.storageNspConfiguration, `list network security perimeter configurations of ${name}`, (o) => storage.networkSecurityPerimeterConfigurations.list(rg, name, o)),
      );
    }
    for (const list of await Promise.all(reads)) this.add(list);
  }

  /** The backup policies of member accounts' backup instances (the storage-azure-backup rule reads them to tell vaulted from operational). */
  private async readBackupPolicies(memberKeys: ReadonlySet<string>): Promise<void> {
    const policyIds = new Map<string, string>();
    for (const instance of this.ofType(T.backupInstance)) {
      const source =
        propString(instance, "dataSourceInfo", "resourceID") ?? propString(instance, "dataSourceInfo", "resourceId") ?? propString(instance, "dataSourceInfo", "resourceUri");
      const policyId = propString(instance, "policyInfo", "policyId");
      if (source && memberKeys.has(idKey(source)) && policyId && !this.resources.has(idKey(policyId))) policyIds.set(idKey(policyId), policyId);
    }
    await Promise.all(
      [...policyIds.values()].map(async (policyId) => {
        const at = locate(policyId);
        if (!at) return;
        const policy = await this.armGet(T.backupPolicy, `read backup policy ${at.name}`, (o) => this.clients.rawGet(at.subscriptionId, policyId, DATA_PROTECTION_API_VERSION, o));
        if (policy) this.add([policy]);
      }),
    );
  }

  /** Storage Sync services (from Resource Graph) → sync groups → cloud endpoints on member accounts. */
  private async readCloudEndpoints(memberKeys: ReadonlySet<string>): Promise<void> {
    await Promise.all(
      this.ofType(T.storageSyncService).map(async (service) => {
        const at = locate(service.id);
        if (!at) return;
        const sync = this.clients.storageSync(at.subscriptionId);
        const groups = await this.armList(T.syncCloudEndpoint, `list sync groups of Storage Sync service ${at.name}`, (o) => sync.syncGroups.listByStorageSyncService(at.resourceGroup, at.name, o));
        const endpoints = (
          await Promise.all(
            groups.map((group) =>
              this.armList(T.syncCloudEndpoint, `list cloud endpoints of sync group ${at.name}/${lastSegment(group.id)}`, (o) =>
                sync.cloudEndpoints.listBySyncGroup(at.resourceGroup, at.name, lastSegment(group.id), o),
              ),
            ),
          )
        ).flat();
        this.add(endpoints.filter((e) => memberKeys.has(idKey(propString(e, "storageAccountResourceId") ?? ""))));
      }),
    );
  }
}
