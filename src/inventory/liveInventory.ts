/**
 * The live inventory: reads an estate from ARM with the official Azure SDK clients, only what the
 * enabled rules read (src/inventory/readPlan.ts), as ARM JSON exactly as ARM returns it. The caller
 * builds `new Estate(result.resources)`; `export` writes the same resources as a snapshot.
 *
 * Order of reads, each step only when the plan has its types:
 *   1. per subscription: perimeters; per perimeter its profiles (and their access rules), its
 *      associations, links, link references and diagnostic settings; once per location of the
 *      perimeters, the onboarded-types list (`perimeterAssociableResourceTypes`);
 *   2. per associated member (once, whatever the number of associations): a storage account is a
 *      GET plus at most five child reads (file shares, object replication policies, the `default`
 *      management and inventory policies, NSP configurations) = at most 6 calls; a Cognitive
 *      Services account a GET and its NSP configurations; a member with an official client in the
 *      type table (Service Bus, Event Hubs, Cosmos DB, SQL) a GET and one list per child type read
 *      (Geo-DR configs, databases); any other member one GET through the generic client; plus, when a
 *      member rule reads them, the member's own diagnostic settings (one call);
 *   3. once per subscription in scope, only when storage members exist (and, for key vaults, when
 *      one of them uses a customer-managed key): key vaults, virtual machines, Recovery Services
 *      vaults -> protected items, Data Protection backup vaults -> backup instances (-> the backup
 *      policies of vaulted-looking instances), Storage Sync services -> sync groups -> cloud
 *      endpoints. Only resources pointing at member accounts are kept.
 */
import type { TokenCredential } from "@azure/core-auth";
import { idKey, lastSegment, parseArmId, type ParsedArmId } from "../model/armId.js";
import { isKeyVaultEncrypted, keyVaultUriOf, relation, uriHost, vhdUrisOf, type Relation } from "../model/relations.js";
import { equalsIgnoreCase, isTrue, prop, propArray, propString, type ArmResource } from "../model/resource.js";
import { RESOURCE_TYPES, T, typeRow, typesUnder } from "../model/resourceTypes.js";
import { DEFAULT_POLICY, type Policy } from "../policy/policy.js";
import { ALL_RULES } from "../rules/catalog/index.js";
import type { Rule } from "../rules/types.js";
import { CallSession, DEFAULT_CONCURRENCY, type CallOptions, type SdkCallOptions, type SessionOptions } from "./armCalls.js";
import { ArmClients, resolveArmConnection, type ArmClientSettings, type ArmConnectionOptions, type ArmRetryOptions, type RawPage } from "./armClients.js";
import { sharedArmCredential } from "./credential.js";
import { NOTHING_CARRIED, type CarriedOwners } from "./ownerInputs.js";
import { readPlanForPolicy, type ReadPlan } from "./readPlan.js";
import { TYPE_READERS } from "./typeReaders.js";

/** Data Protection REST api-version for backup instances and policies (no SDK package: see armClients.ts). */
export const DATA_PROTECTION_API_VERSION = "2024-04-01";

/**
 * api-versions for the generic GET of members that have no dedicated client here (the type table's
 * `arm-resources` rows); a member of a type the table does not know is not read (listed in
 * `unreadMembers`), its association still is.
 */
export const MEMBER_API_VERSIONS: Readonly<Record<string, string>> = Object.fromEntries(
  RESOURCE_TYPES.filter((row) => row.reach === "member" && row.client === "arm-resources").map((row) => [row.type, row.apiVersion]),
);

export type LivePhase = "perimeters" | "members" | "related" | "done";

export interface LiveProgress {
  readonly phase: LivePhase;
  /** Units of the phase finished: perimeters, members, or subscription-wide reads. */
  readonly done: number;
  readonly total: number;
  /** HTTP requests so far (all phases). */
  readonly requests: number;
}

export interface LiveInventoryOptions extends ArmConnectionOptions {
  /** Default: the process-wide credential (src/inventory/credential.ts). */
  readonly credential?: TokenCredential;
  /** The plan is made from the rules this policy leaves on (default policy: every rule). */
  readonly policy?: Policy;
  readonly rules?: readonly Rule[];
  /** An explicit plan; overrides `policy` and `rules`. */
  readonly plan?: ReadPlan;
  /** Calls in flight at most (default 8). */
  readonly concurrency?: number;
  /** Timeout of each HTTP attempt (default 30 s); a timed-out attempt is retried. */
  readonly requestTimeoutMs?: number;
  readonly retryOptions?: ArmRetryOptions;
  readonly abortSignal?: AbortSignal;
  readonly onProgress?: (progress: LiveProgress) => void;
  /** Environment for NSPG_ARM_ENDPOINT and NSPG_ARM_CA_FILE (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface MemberCalls {
  /** Members of this type read. */
  members: number;
  /** Calls made for them (one SDK operation each, whatever its pages). */
  calls: number;
  /** HTTP requests made for them (each page counts). */
  requests: number;
  /** Most calls any one member of this type took. */
  maxCallsPerMember: number;
}

export interface LiveEstate {
  /** ARM resources as ARM returned them; ids are unique (compared case-insensitively). */
  readonly resources: ArmResource[];
  /** Calls made: one per SDK operation. */
  readonly calls: number;
  /** HTTP requests sent (each page counts, retries do not). */
  readonly requests: number;
  /** HTTP attempts including retries. */
  readonly attempts: number;
  /** Most calls in flight at once (never above the `concurrency` option). */
  readonly peakConcurrency: number;
  /** Calls per associated member type (lower-case ARM type). */
  readonly callsByMemberType: Record<string, MemberCalls>;
  /** Calls per kind of read outside members: `perimeters`, `profiles`, `keyVaults`... */
  readonly callsByArea: Record<string, number>;
  /** Associated members not read (type without a known api-version, or an unparsable id). */
  readonly unreadMembers: string[];
  readonly plan: ReadPlan;
}

interface Tally {
  calls: number;
  requests: number;
}

/** The read plan the options ask for (shared with the event pipeline's reader, liveArmReader.ts). */
export function livePlanOf(options: LiveInventoryOptions): ReadPlan {
  return options.plan ?? readPlanForPolicy(options.policy ?? DEFAULT_POLICY, options.rules ?? ALL_RULES);
}

/** Credential, endpoint, CA and retries of the SDK clients the options ask for. */
export function liveClientSettings(options: LiveInventoryOptions): ArmClientSettings {
  // The connection first: a bad endpoint fails before any credential is built.
  const connection = resolveArmConnection(options, options.env ?? process.env);
  return {
    credential: options.credential ?? sharedArmCredential(connection.cloud).credential,
    connection,
    ...(options.retryOptions ? { retryOptions: options.retryOptions } : {}),
  };
}

/**
 * Lists of every resource of a type in a subscription: a subscription not registered for the type's
 * provider holds none of its resources. UNCONFIRMED: whether ARM answers such a list with an empty
 * page or refuses it (MissingSubscriptionRegistration); a refusal with that code reads as "none" either way.
 * A 404 is not "none": a subscription-wide list that is not found is an error (a wrong subscription).
 */
const NOT_REGISTERED_IS_EMPTY: CallOptions = { absentOn404: false, unavailableOn: (_status, code) => code === "MissingSubscriptionRegistration" };

/** Concurrency, timeouts and abort signal of a session of calls. */
export function liveSessionOptions(options: LiveInventoryOptions): SessionOptions {
  return {
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.abortSignal ? { signal: options.abortSignal } : {}),
  };
}

/** Reads an estate from ARM. Throws ArmUnavailableError (one line) when ARM fails or refuses. */
export async function readLiveEstate(subscriptionIds: readonly string[], options: LiveInventoryOptions = {}): Promise<LiveEstate> {
  const plan = livePlanOf(options);
  const settings = liveClientSettings(options);
  const session = new CallSession(liveSessionOptions(options));
  const clients = new ArmClients(settings, session);
  const reader = new LiveReader(plan, session, clients, options.onProgress);
  try {
    await reader.read(subscriptionIds);
  } catch (error) {
    throw session.failure ?? error;
  }
  return reader.result();
}

/** `/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}` split for SDK calls. */
export interface Located {
  readonly id: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly type: string;
}

export function locate(id: string): Located | undefined {
  let parsed: ParsedArmId;
  try {
    parsed = parseArmId(id);
  } catch {
    return undefined;
  }
  if (!parsed.resourceGroup || !parsed.provider) return undefined;
  return { id: parsed.id, subscriptionId: parsed.subscriptionId, resourceGroup: parsed.resourceGroup, name: parsed.name, type: parsed.type.toLowerCase() };
}

/** A resource from a raw body: an object with a parsable ARM id and a type. */
export function asResource(item: unknown): ArmResource | undefined {
  if (item === null || typeof item !== "object" || Array.isArray(item)) return undefined;
  const { id, type } = item as { id?: unknown; type?: unknown };
  if (typeof id !== "string" || typeof type !== "string") return undefined;
  try {
    parseArmId(id);
  } catch {
    return undefined;
  }
  return item as ArmResource;
}

/** The `value[]` items of list pages. */
export function listItems(bodies: readonly unknown[]): ArmResource[] {
  const out: ArmResource[] = [];
  for (const body of bodies) {
    const value = (body as RawPage | null)?.value;
    if (!Array.isArray(value)) continue;
    for (const item of value) {
      const resource = asResource(item);
      if (resource) out.push(resource);
    }
  }
  return out;
}

/** Something that can be iterated page by page (both SDK generations' paged iterators). */
export interface Paged {
  byPage(): AsyncIterable<unknown>;
}

/** Reads every page: the capture policy keeps the raw bodies. */
export async function drain(paged: Paged): Promise<void> {
  for await (const _page of paged.byPage()) {
    // Pages are captured raw by the session; the SDK's flattened models are not used.
  }
}

/** Same test as the storage-azure-backup rule: vaulted by its parameters, else the policy decides. */
function needsBackupPolicy(instance: ArmResource): boolean {
  const parameters = propArray(instance, "policyInfo", "policyParameters", "backupDatasourceParametersList");
  const vaultedByParameters = parameters.some((p) => equalsIgnoreCase((p as { objectType?: unknown } | null)?.objectType, "BlobBackupDatasourceParameters"));
  return !vaultedByParameters && propString(instance, "policyInfo", "policyId") !== undefined;
}

/**
 * Items of `perimeterAssociableResourceTypes` list pages as estate resources (the shape the type
 * table documents): type `Microsoft.Network/perimeterAssociableResourceTypes`, an id under the
 * location the list was read for, `location` set, `properties` as ARM returned them. ARM's own `id`
 * and `type` for these items are UNCONFIRMED (the spec marks both read-only strings, with no
 * example in the pinned subset), so the reader does not rely on them.
 */
export function associableTypeResources(bodies: readonly unknown[], subscriptionId: string, location: string): ArmResource[] {
  const out: ArmResource[] = [];
  for (const body of bodies) {
    const value = (body as RawPage | null)?.value;
    if (!Array.isArray(value)) continue;
    for (const item of value) {
      if (item === null || typeof item !== "object") continue;
      const { name, properties } = item as { name?: unknown; properties?: unknown };
      const resourceType = (properties as { resourceType?: unknown } | null)?.resourceType;
      const itemName = typeof name === "string" && name ? name : typeof resourceType === "string" ? resourceType.replace("/", ".") : undefined;
      if (!itemName) continue;
      out.push({
        id: `/subscriptions/${subscriptionId}/providers/Microsoft.Network/locations/${location}/perimeterAssociableResourceTypes/${itemName}`,
        name: itemName,
        type: "Microsoft.Network/perimeterAssociableResourceTypes",
        location,
        properties: properties !== null && typeof properties === "object" ? (properties as Record<string, unknown>) : {},
      });
    }
  }
  return out;
}

export function uniqueSubscriptions(ids: Iterable<string>): string[] {
  const seen = new Map<string, string>();
  for (const id of ids) if (!seen.has(id.toLowerCase())) seen.set(id.toLowerCase(), id);
  return [...seen.values()];
}

/**
 * One read of ARM over a session: the whole estate (`read`), or the same steps for given perimeters
 * (`readFrom`) or one member (`readMemberById`), for the event pipeline's reader (liveArmReader.ts).
 */
export class LiveReader {
  private readonly resources = new Map<string, ArmResource>();
  private readonly byArea = new Map<string, Tally>();
  private readonly byMemberType = new Map<string, MemberCalls>();
  private readonly unread: string[] = [];
  /** Each subscription's key vault list, once per read (keyVaultsOf). */
  private readonly keyVaultLists = new Map<string, Promise<ArmResource[]>>();
  /** Storage accounts read as members, by id key. */
  private readonly storageMembers = new Map<string, ArmResource>();
  private phase: LivePhase = "perimeters";
  private done = 0;
  private total = 0;

  constructor(
    private readonly plan: ReadPlan,
    private readonly session: CallSession,
    private readonly clients: ArmClients,
    private readonly onProgress: ((progress: LiveProgress) => void) | undefined,
    /** Owners (members, perimeters) whose inputs Resource Graph does not hold are the caller's: read them, not those (ownerInputs.ts). */
    private readonly carried: CarriedOwners = NOTHING_CARRIED,
  ) {}

  /** Whether this read leaves the owner's inputs (ownerInputs.ts) to its caller. */
  private carries(id: string): boolean {
    return this.carried.size > 0 && this.carried.has(idKey(id));
  }

  result(): LiveEstate {
    return {
      resources: [...this.resources.values()],
      calls: this.session.calls,
      requests: this.session.requests,
      attempts: this.session.attempts,
      peakConcurrency: this.session.peakConcurrency,
      callsByMemberType: Object.fromEntries(this.byMemberType),
      callsByArea: Object.fromEntries([...this.byArea].map(([area, tally]) => [area, tally.calls])),
      unreadMembers: [...this.unread],
      plan: this.plan,
    };
  }

  // --- bookkeeping -------------------------------------------------------------------------------

  private add(resources: readonly ArmResource[]): void {
    for (const resource of resources) {
      const key = idKey(resource.id);
      if (!this.resources.has(key)) this.resources.set(key, resource);
    }
  }

  private areaTally(area: string): Tally {
    let tally = this.byArea.get(area);
    if (!tally) {
      tally = { calls: 0, requests: 0 };
      this.byArea.set(area, tally);
    }
    return tally;
  }

  private startPhase(phase: LivePhase, total: number): void {
    this.phase = phase;
    this.done = 0;
    this.total = total;
    this.report();
  }

  private step(): void {
    this.done++;
    this.report();
  }

  private report(): void {
    try {
      this.onProgress?.({ phase: this.phase, done: this.done, total: this.total, requests: this.session.requests });
    } catch {
      // A failing progress display must not fail the inventory.
    }
  }

  /** One list operation read to the end; its items from the raw pages. */
  private async list(tally: Tally, label: string, operation: (options: SdkCallOptions) => Paged, absentOn404 = true, options: CallOptions = {}): Promise<ArmResource[]> {
    const result = await this.session.call(label, (o) => drain(operation(o)), { absentOn404, ...options });
    tally.calls++;
    tally.requests += result.requests;
    return listItems(result.bodies);
  }

  /** One GET; undefined when ARM answers 404 (absent). */
  private async get(tally: Tally, label: string, operation: (options: SdkCallOptions) => Promise<unknown>): Promise<ArmResource | undefined> {
    const result = await this.session.call(label, operation, { absentOn404: true });
    tally.calls++;
    tally.requests += result.requests;
    return result.absent ? undefined : asResource(result.bodies[0]);
  }

  /** A list read with raw GETs and `nextLink` (Data Protection). */
  private async rawList(tally: Tally, label: string, subscriptionId: string, path: string, apiVersion = DATA_PROTECTION_API_VERSION, options: CallOptions = {}): Promise<ArmResource[]> {
    const result = await this.session.call(
      label,
      async (o) => {
        let link: string | undefined = path;
        while (link) {
          const page: RawPage = await this.clients.rawGet(subscriptionId, link, apiVersion, o);
          link = typeof page.nextLink === "string" && page.nextLink ? page.nextLink : undefined;
        }
      },
      { absentOn404: true, ...options },
    );
    tally.calls++;
    tally.requests += result.requests;
    return listItems(result.bodies);
  }

  // --- 1. perimeters -----------------------------------------------------------------------------

  async read(subscriptionIds: readonly string[]): Promise<void> {
    const subscriptions = uniqueSubscriptions(subscriptionIds);
    const perimeters = (
      await Promise.all(
        subscriptions.map((sub) =>
          this.list(this.areaTally("perimeters"), `list network security perimeters of subscription ${sub}`, (o) => this.clients.network(sub).networkSecurityPerimeters.listBySubscription(o), false),
        ),
      )
    ).flat();
    await this.readFrom(perimeters, subscriptions, true);
  }

  /**
   * Steps 1 to 3 for perimeters already read; `subscriptions` are those the subscription-wide reads
   * of step 3 cover (with the member accounts' own). `wholeSubscriptions`: they are read whole, so
   * every resource of the types rules about resources outside any perimeter read is listed in them.
   */
  async readFrom(perimeters: readonly ArmResource[], subscriptions: readonly string[], wholeSubscriptions = false): Promise<void> {
    this.add(perimeters);
    this.startPhase("perimeters", perimeters.length);
    const [associations] = await Promise.all([
      Promise.all(perimeters.map((p) => this.readPerimeter(p))).then((lists) => lists.flat()),
      this.readAssociableTypes(perimeters),
    ]);

    const members = this.membersOf(associations);
    this.startPhase("members", members.length);
    const keyVaultMembers: Located[] = [];
    await Promise.all(
      members.map(async (member) => {
        // Key vault members wait for the subscription-wide vault list, which may already hold them.
        if (member.type === T.keyVault) keyVaultMembers.push(member);
        else await this.readMember(member);
        this.step();
      }),
    );

    await this.readRelated(subscriptions, keyVaultMembers, wholeSubscriptions);
    this.startPhase("done", 0);
  }

  private async readPerimeter(perimeter: ArmResource): Promise<ArmResource[]> {
    const at = locate(perimeter.id);
    if (!at) return [];
    const network = this.clients.network(at.subscriptionId);
    const reads: Array<Promise<unknown>> = [];
    const profiles = this.list(this.areaTally("profiles"), `list profiles of perimeter ${at.name}`, (o) => network.networkSecurityPerimeterProfiles.list(at.resourceGroup, at.name, o));
    reads.push(
      profiles.then(async (list) => {
        this.add(list);
        if (!this.plan.has(T.accessRule)) return;
        await Promise.all(
          list.map(async (profile) => {
            const name = lastSegment(profile.id);
            this.add(
              await this.list(this.areaTally("accessRules"), `list access rules of profile ${at.name}/${name}`, (o) =>
                network.networkSecurityPerimeterAccessRules.list(at.resourceGroup, at.name, name, o),
              ),
            );
          }),
        );
      }),
    );
    const associations = this.list(this.areaTally("associations"), `list resource associations of perimeter ${at.name}`, (o) =>
      network.networkSecurityPerimeterAssociations.list(at.resourceGroup, at.name, o),
    );
    reads.push(associations.then((list) => this.add(list)));
    const carried = this.carries(at.id);
    for (const type of [T.link, T.linkReference]) {
      const list = TYPE_READERS[type]?.list;
      if (!this.plan.has(type) || !list || carried) continue;
      const what = type === T.link ? "links" : "link references";
      reads.push(this.list(this.areaTally(what === "links" ? "links" : "linkReferences"), `list ${what} of perimeter ${at.name}`, list(this.clients, at.subscriptionId, at.resourceGroup, [at.name])).then((l) => this.add(l)));
    }
    if (this.plan.has(T.diagnosticSetting) && !carried) {
      const monitor = this.clients.monitor(at.subscriptionId);
      reads.push(
        this.list(this.areaTally("diagnosticSettings"), `list diagnostic settings of perimeter ${at.name}`, (o) =>
          monitor.diagnosticSettings.list(at.id.replace(/^\/+/, ""), o),
        ).then((list) => this.add(list)),
      );
    }
    await Promise.all(reads);
    this.step();
    return associations;
  }

  /** Associated members, once each, in the order first seen. */
  private membersOf(associations: readonly ArmResource[]): Located[] {
    const members = new Map<string, Located>();
    for (const association of associations) {
      const memberId = propString(association, "privateLinkResource", "id");
      if (!memberId) continue;
      const key = idKey(memberId);
      if (members.has(key)) continue;
      const at = locate(memberId);
      if (!at) {
        if (!this.unread.includes(memberId)) this.unread.push(memberId);
        continue;
      }
      members.set(key, at);
    }
    return [...members.values()];
  }

  private memberTally(type: string): MemberCalls {
    let tally = this.byMemberType.get(type);
    if (!tally) {
      tally = { members: 0, calls: 0, requests: 0, maxCallsPerMember: 0 };
      this.byMemberType.set(type, tally);
    }
    return tally;
  }

  /** Reads one member with a tally of its own, then adds it to its type's totals. */
  private async countedMember(type: string, read: (tally: Tally) => Promise<void>): Promise<void> {
    const own: Tally = { calls: 0, requests: 0 };
    try {
      await read(own);
    } finally {
      const total = this.memberTally(type);
      total.members++;
      total.calls += own.calls;
      total.requests += own.requests;
      total.maxCallsPerMember = Math.max(total.maxCallsPerMember, own.calls);
    }
  }

  // --- 2. members --------------------------------------------------------------------------------

  /** One member as step 2 reads it; a key vault with the GET step 3 makes of a vault it did not list. */
  async readMemberById(memberId: string): Promise<void> {
    const member = locate(memberId);
    if (!member) {
      this.unread.push(memberId);
      return;
    }
    if (member.type === T.keyVault) await this.readKeyVaultMember(member);
    else await this.readMember(member);
  }

  private wantsMember(type: string): boolean {
    return this.plan.readAllMembers || this.plan.has(type);
  }

  private async readMember(member: Located): Promise<void> {
    if (!this.wantsMember(member.type)) return;
    switch (member.type) {
      case T.storageAccount:
        return this.countedMember(member.type, (tally) => this.withDiagnostics(member, tally, this.readStorageMember(member, tally)));
      case T.cognitiveAccount:
        return this.countedMember(member.type, (tally) => this.withDiagnostics(member, tally, this.readCognitiveMember(member, tally)));
      default: {
        if (TYPE_READERS[member.type]?.get) return this.countedMember(member.type, (tally) => this.withDiagnostics(member, tally, this.readSdkMember(member, tally)));
        const apiVersion = MEMBER_API_VERSIONS[member.type];
        if (!apiVersion) {
          this.unread.push(member.id);
          return;
        }
        const resources = this.clients.resources(member.subscriptionId);
        return this.countedMember(member.type, (tally) =>
          this.withDiagnostics(
            member,
            tally,
            this.get(tally, `read ${member.type} ${member.name}`, (o) => resources.resources.getById(member.id.replace(/^\/+/, ""), apiVersion, o)).then((resource) => {
              if (resource) this.add([resource]);
            }),
          ),
        );
      }
    }
  }

  /**
   * A member through its official client (src/inventory/typeReaders.ts): one GET, then one list per
   * child type of the type table the plan reads (Service Bus and Event Hubs Geo-DR configs, SQL databases).
   */
  private async readSdkMember(member: Located, tally: Tally): Promise<void> {
    const { subscriptionId: sub, resourceGroup: rg, name } = member;
    const resource = await this.get(tally, `read ${member.type} ${name}`, TYPE_READERS[member.type]!.get!(this.clients, sub, rg, [name]));
    if (!resource) return;
    this.add([resource]);
    if (this.carries(member.id)) return;
    const reads: Array<Promise<ArmResource[]>> = [];
    for (const row of typesUnder(member.type)) {
      const list = TYPE_READERS[row.type]?.list;
      if (row.parent !== member.type || !list || !this.plan.has(row.type)) continue;
      reads.push(this.list(tally, `list ${lastSegment(row.armType)} of ${name}`, list(this.clients, sub, rg, [name])));
    }
    for (const list of await Promise.all(reads)) this.add(list);
  }

  /** A member's read, then its own diagnostic settings when a member rule reads them (one call). */
  private async withDiagnostics(member: Located, tally: Tally, read: Promise<void>): Promise<void> {
    await read;
    if (!this.plan.memberDiagnosticSettings || !this.resources.has(idKey(member.id)) || this.carries(member.id)) return;
    const monitor = this.clients.monitor(member.subscriptionId);
    this.add(await this.list(tally, `list diagnostic settings of ${member.name}`, (o) => monitor.diagnosticSettings.list(member.id.replace(/^\/+/, ""), o)));
  }

  /**
   * The onboarded-types catalog, once per location of the perimeters read (through the first
   * subscription seen there), stored as the type table documents for `T.perimeterAssociableResourceType`.
   */
  private async readAssociableTypes(perimeters: readonly ArmResource[]): Promise<void> {
    const list = TYPE_READERS[T.perimeterAssociableResourceType]?.list;
    if (!this.plan.has(T.perimeterAssociableResourceType) || !list) return;
    const locations = new Map<string, string>();
    for (const perimeter of perimeters) {
      const location = typeof perimeter.location === "string" ? perimeter.location.toLowerCase().replace(/\s+/g, "") : "";
      if (location && !locations.has(location)) locations.set(location, parseArmId(perimeter.id).subscriptionId);
    }
    await Promise.all(
      [...locations].map(async ([location, sub]) => {
        const result = await this.session.call(`list perimeter associable resource types of ${location}`, (o) => drain(list(this.clients, sub, "", [location])(o)), { absentOn404: true });
        const tally = this.areaTally("perimeterAssociableResourceTypes");
        tally.calls++;
        tally.requests += result.requests;
        this.add(associableTypeResources(result.bodies, sub, location));
      }),
    );
  }

  /** GET, then at most five child reads, skipping those the account's kind cannot have. */
  private async readStorageMember(member: Located, tally: Tally): Promise<void> {
    const storage = this.clients.storage(member.subscriptionId);
    const { resourceGroup: rg, name } = member;
    const account = await this.get(tally, `read storage account ${name}`, (o) => storage.storageAccounts.getProperties(rg, name, o));
    if (!account) return;
    this.add([account]);
    this.storageMembers.set(idKey(member.id), account);
    if (!this.plan.has(T.storageAccount) || this.carries(member.id)) return;

    // FileStorage has no blob service; BlobStorage and BlockBlobStorage no file service; a
    // general-purpose v1 account has neither object replication, lifecycle nor blob inventory.
    const kind = typeof account.kind === "string" ? account.kind.toLowerCase() : undefined;
    const hasFiles = kind !== "blobstorage" && kind !== "blockblobstorage";
    const hasBlobPolicies = kind !== "filestorage" && kind !== "storage";
    // Object replication is not available on accounts with a hierarchical namespace.
    const canReplicate = hasBlobPolicies && !isTrue(prop(account, "isHnsEnabled"));

    const reads: Array<Promise<ArmResource[]>> = [];
    if (this.plan.has(T.fileShare) && hasFiles) {
      reads.push(this.list(tally, `list file shares of ${name}`, (o) => storage.fileShares.list(rg, name, o)));
    }
    if (this.plan.has(T.objectReplicationPolicy) && canReplicate) {
      reads.push(this.list(tally, `list object replication policies of ${name}`, (o) => storage.objectReplicationPolicies.list(rg, name, o)));
    }
    if (this.plan.has(T.managementPolicy) && hasBlobPolicies) {
      reads.push(this.get(tally, `read the management policy of ${name}`, (o) => storage.managementPolicies.get(rg, name, "default", o)).then((r) => (r ? [r] : [])));
    }
    if (this.plan.has(T.inventoryPolicy) && hasBlobPolicies) {
      reads.push(this.get(tally, `read the blob inventory policy of ${name}`, (o) => storage.blobInventoryPolicies.get(rg, name, "default", o)).then((r) => (r ? [r] : [])));
    }
    if (this.plan.has(T.storageNspConfiguration)) {
      reads.push(
        this.list(tally, `list network security perimeter configurations of ${name}`, (o) => storage.networkSecurityPerimeterConfigurations.list(rg, name, o)),
      );
    }
    for (const list of await Promise.all(reads)) this.add(list);
  }

  private async readCognitiveMember(member: Located, tally: Tally): Promise<void> {
    const cognitive = this.clients.cognitive(member.subscriptionId);
    const { resourceGroup: rg, name } = member;
    const account = await this.get(tally, `read Cognitive Services account ${name}`, (o) => cognitive.accounts.get(rg, name, o));
    if (!account) return;
    this.add([account]);
    if (this.plan.has(T.cognitiveNspConfiguration) && !this.carries(member.id)) {
      this.add(
        await this.list(tally, `list network security perimeter configurations of ${name}`, (o) => cognitive.networkSecurityPerimeterConfigurations.list(rg, name, o)),
      );
    }
  }

  // --- 3. subscription-wide reads ----------------------------------------------------------------

  private async readRelated(scanned: readonly string[], keyVaultMembers: readonly Located[], wholeSubscriptions: boolean): Promise<void> {
    const accounts = [...this.storageMembers.values()];
    const subscriptions = uniqueSubscriptions([...scanned, ...accounts.map((a) => parseArmId(a.id).subscriptionId)]);
    const haveStorage = accounts.length > 0;
    const cmkHosts = new Set(accounts.filter(isKeyVaultEncrypted).map((a) => uriHost(keyVaultUriOf(a))).filter((h): h is string => !!h));

    const steps: Array<() => Promise<void>> = [];
    // Listing vaults serves the CMK relation: only when a rule reads vaults themselves, not only their NSP configurations.
    const vaultsListed = this.plan.declared.has(T.keyVault) && cmkHosts.size > 0;
    steps.push(() => this.readKeyVaults(vaultsListed ? subscriptions : [], cmkHosts, keyVaultMembers));
    if (haveStorage && this.plan.has(T.virtualMachine)) for (const sub of subscriptions) steps.push(() => this.readVirtualMachines(sub));
    if (haveStorage && this.plan.has(T.protectedItem)) for (const sub of subscriptions) steps.push(() => this.readProtectedItems(sub));
    if (haveStorage && this.plan.has(T.backupInstance)) for (const sub of subscriptions) steps.push(() => this.readBackupInstances(sub));
    if (haveStorage && this.plan.has(T.syncCloudEndpoint)) for (const sub of subscriptions) steps.push(() => this.readCloudEndpoints(sub));
    // Rules about resources outside any perimeter: every resource of their types in the subscriptions
    // read whole (a scan, the reconcile), not on a perimeter's incremental read.
    if (wholeSubscriptions) for (const sub of uniqueSubscriptions(scanned)) for (const type of this.plan.outsideTypes) steps.push(() => this.readAllOfType(sub, type));

    this.startPhase("related", steps.length);
    await Promise.all(
      steps.map(async (run) => {
        await run();
        this.step();
      }),
    );
  }

  /**
   * Every resource of an associable type in one subscription, members or not: through the type's
   * official package where it has one, else a raw GET of the type's list-by-subscription route
   * (`/subscriptions/{s}/providers/{armType}`, the list every tracked type serves per the ARM RPC) at
   * the type table's api-version. Members already read keep their GET body.
   */
  private async readAllOfType(sub: string, type: string): Promise<void> {
    const row = typeRow(type);
    if (!row) return;
    // The vault list also serves the CMK relation (readKeyVaults): one call for both.
    if (type === T.keyVault) return void this.add(await this.keyVaultsOf(sub));
    const tally = this.areaTally("outsidePerimeters");
    const label = `list ${row.armType} of subscription ${sub}`;
    const listInSubscription = TYPE_READERS[type]?.listInSubscription;
    this.add(
      listInSubscription
        ? await this.list(tally, label, listInSubscription(this.clients, sub), false, NOT_REGISTERED_IS_EMPTY)
        : await this.rawList(tally, label, sub, `/subscriptions/${sub}/providers/${row.armType}`, row.apiVersion, NOT_REGISTERED_IS_EMPTY),
    );
  }

  /** The key vaults of a subscription, listed once per read whoever asks (the CMK relation, the outside-perimeter rules). */
  private keyVaultsOf(sub: string): Promise<ArmResource[]> {
    const key = sub.toLowerCase();
    let listed = this.keyVaultLists.get(key);
    if (!listed) {
      listed = this.list(this.areaTally("keyVaults"), `list key vaults of subscription ${sub}`, (o) => this.clients.keyVault(sub).vaults.listBySubscription(o), false, NOT_REGISTERED_IS_EMPTY);
      this.keyVaultLists.set(key, listed);
    }
    return listed;
  }

  /** Vaults a member account's customer-managed key points at, then key vault members not yet read. */
  private async readKeyVaults(subscriptions: readonly string[], cmkHosts: ReadonlySet<string>, members: readonly Located[]): Promise<void> {
    const cmkNames = new Set([...cmkHosts].map((h) => h.split(".")[0]!));
    const lists = await Promise.all(subscriptions.map((sub) => this.keyVaultsOf(sub)));
    const memberKeys = new Set(members.map((m) => idKey(m.id)));
    const listed = new Set<string>();
    for (const vault of lists.flat()) {
      listed.add(idKey(vault.id));
      const host = uriHost(propString(vault, "vaultUri"));
      const name = (vault.name ?? lastSegment(vault.id)).toLowerCase();
      if (memberKeys.has(idKey(vault.id)) || cmkNames.has(name) || (host && cmkHosts.has(host))) this.add([vault]);
    }
    await Promise.all(
      members.map(async (member) => {
        if (!this.wantsMember(member.type)) return;
        if (listed.has(idKey(member.id))) {
          this.memberTally(member.type).members++;
          return;
        }
        await this.readKeyVaultMember(member);
      }),
    );
  }

  private async readKeyVaultMember(member: Located): Promise<void> {
    if (!this.wantsMember(member.type)) return;
    const keyVault = this.clients.keyVault(member.subscriptionId);
    await this.countedMember(member.type, async (tally) => {
      const read = this.get(tally, `read key vault ${member.name}`, (o) => keyVault.vaults.get(member.resourceGroup, member.name, o)).then((vault) => {
        if (vault) this.add([vault]);
      });
      await this.withDiagnostics(member, tally, read);
    });
  }

  /** VMs with an unmanaged disk on a member account (matched like the estate index: the host's first label). */
  private async readVirtualMachines(sub: string): Promise<void> {
    const names = new Set([...this.storageMembers.values()].map((a) => (a.name ?? lastSegment(a.id)).toLowerCase()));
    const vms = await this.list(this.areaTally("virtualMachines"), `list virtual machines of subscription ${sub}`, (o) => this.clients.compute(sub).virtualMachines.listAll(o), false);
    this.add(vms.filter((vm) => vhdUrisOf(vm).some((uri) => names.has(uriHost(uri)?.split(".")[0] ?? ""))));
  }

  /** Whether a related resource points at a member account, by the relations registry's keys. */
  private pointsAtMember(r: Relation, source: ArmResource): boolean {
    return r.keys(source).some((key) => this.storageMembers.has(key));
  }

  /** Recovery Services vaults, then their Azure Storage protected items pointing at member accounts. */
  private async readProtectedItems(sub: string): Promise<void> {
    const tally = this.areaTally("recoveryServices");
    const vaults = await this.list(tally, `list Recovery Services vaults of subscription ${sub}`, (o) => this.clients.recoveryServices(sub).vaults.listBySubscriptionId(o), false);
    const backup = this.clients.backup(sub);
    await Promise.all(
      vaults.map(async (vault) => {
        const at = locate(vault.id);
        if (!at) return;
        const items = await this.list(tally, `list protected items of Recovery Services vault ${at.name}`, (o) =>
          backup.backupProtectedItems.list(at.name, at.resourceGroup, { ...o, filter: "backupManagementType eq 'AzureStorage'" }),
        );
        this.add(items.filter((item) => this.pointsAtMember(relation("backup-protected-item"), item)));
      }),
    );
  }

  /** Backup vaults (generic resource list), their instances of member accounts, and the policies that decide "vaulted". */
  private async readBackupInstances(sub: string): Promise<void> {
    const tally = this.areaTally("dataProtection");
    const vaults = await this.list(tally, `list Data Protection backup vaults of subscription ${sub}`, (o) =>
      this.clients.resources(sub).resources.list({ ...o, filter: "resourceType eq 'Microsoft.DataProtection/backupVaults'" }), false,
    );
    const instances = (
      await Promise.all(
        vaults.map((vault) => this.rawList(tally, `list backup instances of backup vault ${lastSegment(vault.id)}`, sub, `${vault.id}/backupInstances`)),
      )
    )
      .flat()
      .filter((instance) => this.pointsAtMember(relation("backup-instance"), instance));
    this.add(instances);
    if (!this.plan.has(T.backupPolicy)) return;
    const policyIds = new Map<string, string>();
    for (const instance of instances) {
      const policyId = propString(instance, "policyInfo", "policyId");
      if (policyId && needsBackupPolicy(instance)) policyIds.set(idKey(policyId), policyId);
    }
    await Promise.all(
      [...policyIds.values()].map(async (policyId) => {
        const at = locate(policyId);
        if (!at) return;
        const result = await this.session.call(`read backup policy ${at.name}`, (o) => this.clients.rawGet(at.subscriptionId, policyId, DATA_PROTECTION_API_VERSION, o), {
          absentOn404: true,
        });
        tally.calls++;
        tally.requests += result.requests;
        const policy = result.absent ? undefined : asResource(result.bodies[0]);
        if (policy) this.add([policy]);
      }),
    );
  }

  /** Storage Sync services -> sync groups -> cloud endpoints on member accounts (and their services). */
  private async readCloudEndpoints(sub: string): Promise<void> {
    const tally = this.areaTally("storageSync");
    const sync = this.clients.storageSync(sub);
    const services = await this.list(tally, `list Storage Sync services of subscription ${sub}`, (o) => sync.storageSyncServices.listBySubscription(o), false);
    await Promise.all(
      services.map(async (service) => {
        const at = locate(service.id);
        if (!at) return;
        const groups = await this.list(tally, `list sync groups of Storage Sync service ${at.name}`, (o) => sync.syncGroups.listByStorageSyncService(at.resourceGroup, at.name, o));
        const endpoints = (
          await Promise.all(
            groups.map((group) =>
              this.list(tally, `list cloud endpoints of sync group ${at.name}/${lastSegment(group.id)}`, (o) =>
                sync.cloudEndpoints.listBySyncGroup(at.resourceGroup, at.name, lastSegment(group.id), o),
              ),
            ),
          )
        )
          .flat()
          .filter((endpoint) => this.pointsAtMember(relation("file-sync-cloud-endpoint"), endpoint));
        if (endpoints.length === 0) return;
        if (this.plan.has(T.storageSyncService)) this.add([service]);
        this.add(endpoints);
      }),
    );
  }
}
