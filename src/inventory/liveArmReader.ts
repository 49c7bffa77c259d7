/**
 * The event pipeline's ArmReader (src/pipeline/ports.ts) over the live inventory's machinery: the
 * same SDK clients, read plan, raw-body capture, bounded concurrency, retries, per-attempt timeouts
 * and one-line ArmUnavailableError as `readLiveEstate`.
 *
 * The reader lives as long as the process: its clients (and their connections) are built once, and
 * every method runs as a session of its own (a failure stops that read, not the reader), all
 * sessions sharing one concurrency limiter. `calls` and `requests` add up every read so far, for the
 * pipeline bench's "ARM calls per event".
 *
 * `readPerimeters` reads what `readLiveEstate` reads for those perimeters only, plus what a whole
 * read would have found elsewhere: the associations of CMK vaults and log destinations in the other
 * perimeters of the subscriptions in scope (and, for vaults, those perimeters' profiles and rules).
 * Those are found by listing the other perimeters' associations, not through the members' NSP
 * configurations, so that an incremental evaluation sees exactly the perimeters the reconcile pass
 * (a whole read of the same subscriptions) sees.
 */
import { idKey, parseArmId, type ParsedArmId } from "../model/armId.js";
import { Estate } from "../model/estate.js";
import { propString, type ArmResource } from "../model/resource.js";
import { T } from "../model/resourceTypes.js";
import { RELATIONS } from "../model/relations.js";
import type { ArmReader, ReadCarry } from "../pipeline/ports.js";
import { CallSession, DEFAULT_CONCURRENCY, Semaphore, type SdkCallOptions, type SessionOptions } from "./armCalls.js";
import { ArmClients, type RawPage } from "./armClients.js";
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
  MEMBER_API_VERSIONS,
  uniqueSubscriptions,
  type LiveInventoryOptions,
  type Located,
  type Paged,
} from "./liveInventory.js";
import type { ReadPlan } from "./readPlan.js";
import { TYPE_READERS } from "./typeReaders.js";

/**
 * api-version of the raw GETs of Key Vault NSP configurations: arm-keyvault 5 has no operation for
 * them, so they are read with the version that client speaks for vaults, which the Key Vault spec
 * declares them in (specification/keyvault/resource-manager/Microsoft.KeyVault/KeyVault/stable/2026-02-01/openapi.json,
 * `NetworkSecurityPerimeterConfigurations_ListConfigurations` / `_GetConfiguration`). Whether every
 * region serves them at that version is UNCONFIRMED: a refusal makes them unavailable (see below).
 */
export const KEY_VAULT_API_VERSION = "2026-02-01";

/**
 * ARM's refusals of a Key Vault NSP configuration read for its api-version (400
 * InvalidApiVersionParameter, 400/404 NoRegisteredProviderFound or InvalidResourceType): that one
 * input is unavailable, the rest of the read goes on.
 */
const VERSION_REFUSALS = new Set(["invalidapiversionparameter", "noregisteredproviderfound", "invalidresourcetype"]);
function refusedForVersion(status: number, code: string | undefined): boolean {
  return (status === 400 || status === 404) && VERSION_REFUSALS.has((code ?? "").toLowerCase());
}

/** A rule input the reader could not read (ARM refused it); what it would have told is unknown, not absent. */
export interface UnavailableInput {
  /** The resource whose input it is (the vault). */
  readonly resourceId: string;
  /** What could not be read (`networkSecurityPerimeterConfigurations`). */
  readonly input: string;
  /** The api-version it was asked at. */
  readonly apiVersion: string;
  /** ARM's answer, one line. */
  readonly reason: string;
}


export interface LiveArmReaderOptions extends Omit<LiveInventoryOptions, "onProgress"> {
  /** What `readPerimeters` looks through for CMK vaults' and log destinations' other perimeters (with the perimeters' own). */
  readonly subscriptionIds?: readonly string[];
}

/** A GET the reader knows how to make for one resource id. */
interface Read {
  readonly label: string;
  readonly operation: (options: SdkCallOptions) => Promise<unknown>;
  /** Set for inputs that degrade to unavailable when ARM refuses them (Key Vault NSP configurations). */
  readonly unavailable?: { resourceId: string; input: string; apiVersion: string };
}

interface Counts {
  calls: number;
  requests: number;
  attempts: number;
}

/**
 * Names along a resource's own type path: `[account, "default", share]` for
 * `.../storageAccounts/account/fileServices/default/shares/share`.
 */
function namesOf(parsed: ParsedArmId): string[] {
  const own = parsed.scopeId ? parsed.id.slice(parsed.scopeId.length) : parsed.id;
  const parts = own.split("/");
  const providers = parts.findIndex((s) => s.toLowerCase() === "providers");
  return parts.slice(providers + 2).filter((_s, i) => i % 2 === 1);
}

function unique(resources: readonly ArmResource[]): ArmResource[] {
  const byKey = new Map<string, ArmResource>();
  for (const resource of resources) if (!byKey.has(idKey(resource.id))) byKey.set(idKey(resource.id), resource);
  return [...byKey.values()];
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}

export class LiveArmReader implements ArmReader {
  private readonly plan: ReadPlan;
  private readonly limiter: Semaphore;
  private readonly sessionOptions: SessionOptions;
  private readonly clients: ArmClients;
  private subscriptionIds: readonly string[];
  private readonly finished: Counts = { calls: 0, requests: 0, attempts: 0 };
  private readonly running = new Set<CallSession>();
  private readonly unavailableList: UnavailableInput[] = [];

  constructor(options: LiveArmReaderOptions = {}) {
    this.plan = livePlanOf(options);
    // One bound for all reads: concurrent evaluations must not multiply the load on ARM.
    this.limiter = new Semaphore(Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY)));
    this.sessionOptions = { ...liveSessionOptions(options), limiter: this.limiter };
    // The clients' policies count each request on the session of its call; this one is only their fallback.
    this.clients = new ArmClients(liveClientSettings(options), new CallSession(this.sessionOptions));
    this.subscriptionIds = options.subscriptionIds ?? [];
  }

  /** The subscriptions `readPerimeters` looks through from now on (a reconcile found those under a management group). */
  watchSubscriptions(subscriptionIds: readonly string[]): void {
    this.subscriptionIds = [...subscriptionIds];
  }

  /** SDK operations made so far (one per call, whatever its pages). */
  get calls(): number {
    return this.finished.calls + [...this.running].reduce((n, s) => n + s.calls, 0);
  }

  /** HTTP requests sent so far (each page counts, retries do not). */
  get requests(): number {
    return this.finished.requests + [...this.running].reduce((n, s) => n + s.requests, 0);
  }

  /** HTTP attempts so far, retries included. */
  get attempts(): number {
    return this.finished.attempts + [...this.running].reduce((n, s) => n + s.attempts, 0);
  }

  /** Rule inputs ARM refused so far (the reads' notes): each read went on without them. */
  get unavailableInputs(): readonly UnavailableInput[] {
    return this.unavailableList;
  }

  /** Most calls in flight at once, over all reads (never above the `concurrency` option). */
  get peakConcurrency(): number {
    return this.limiter.peak;
  }

  // --- ArmReader ---------------------------------------------------------------------------------

  async get(resourceId: string): Promise<ArmResource | undefined> {
    const read = this.readFor(resourceId);
    return this.run((session) => this.getOne(session, read));
  }

  async readMember(memberId: string): Promise<ArmResource[]> {
    return this.run(async (session) => {
      const reader = new LiveReader(this.plan, session, this.clients, undefined);
      await reader.readMemberById(memberId);
      return reader.result().resources;
    });
  }

  async perimetersOfMember(memberId: string): Promise<string[]> {
    const member = locate(memberId);
    if (!member) return [];
    const { subscriptionId, resourceGroup: rg, name } = member;
    const label = `list network security perimeter configurations of ${name}`;
    let list: ((session: CallSession) => Promise<ArmResource[]>) | undefined;
    switch (member.type) {
      case T.storageAccount:
        list = (session) => this.list(session, label, (o) => this.clients.storage(subscriptionId).networkSecurityPerimeterConfigurations.list(rg, name, o));
        break;
      case T.cognitiveAccount:
        list = (session) => this.list(session, label, (o) => this.clients.cognitive(subscriptionId).networkSecurityPerimeterConfigurations.list(rg, name, o));
        break;
      case T.keyVault:
        list = (session) =>
          this.rawList(session, label, subscriptionId, `${member.id}/networkSecurityPerimeterConfigurations`, KEY_VAULT_API_VERSION, {
            resourceId: member.id,
            input: "networkSecurityPerimeterConfigurations",
            apiVersion: KEY_VAULT_API_VERSION,
          });
        break;
    }
    // Other member types have no NSP configurations this reader can list.
    if (!list) return [];
    const configurations = await this.run(list);
    const perimeters = new Map<string, string>();
    for (const configuration of configurations) {
      const perimeterId = propString(configuration, "networkSecurityPerimeter", "id");
      if (perimeterId && !perimeters.has(idKey(perimeterId))) perimeters.set(idKey(perimeterId), perimeterId);
    }
    return [...perimeters.values()];
  }

  async readPerimeters(perimeterIds: readonly string[]): Promise<ArmResource[]> {
    const wanted = new Map<string, Located>();
    for (const id of perimeterIds) {
      const at = locate(id);
      // Anything but a perimeter id names nothing to read here.
      if (at?.type === T.perimeter) wanted.set(idKey(at.id), at);
    }
    if (wanted.size === 0) return [];
    return this.run(async (session) => {
      const perimeters = (
        await Promise.all(
          [...wanted.values()].map((at) =>
            this.getOne(session, {
              label: `read network security perimeter ${at.name}`,
              operation: (o) => this.clients.network(at.subscriptionId).networkSecurityPerimeters.get(at.resourceGroup, at.name, o),
            }),
          ),
        )
      ).filter(isDefined);
      const scope = uniqueSubscriptions([...this.subscriptionIds, ...perimeters.map((p) => parseArmId(p.id).subscriptionId)]);
      const reader = new LiveReader(this.plan, session, this.clients, undefined);
      await reader.readFrom(perimeters, scope);
      const read = reader.result().resources;
      return unique([...read, ...(await this.readOutsideAssociations(session, read, new Set(wanted.keys()), scope))]);
    });
  }

  async readSubscriptions(subscriptionIds: readonly string[], carry?: ReadCarry): Promise<ArmResource[]> {
    return this.run(async (session) => {
      const reader = new LiveReader(this.plan, session, this.clients, undefined, carry?.owners);
      await reader.read(subscriptionIds);
      return reader.result().resources;
    });
  }

  // --- sessions and calls ------------------------------------------------------------------------

  /** One read as a session of its own: its first failure stops it, and is what it throws. */
  private async run<R>(work: (session: CallSession) => Promise<R>): Promise<R> {
    const session = new CallSession(this.sessionOptions);
    this.running.add(session);
    try {
      return await work(session);
    } catch (error) {
      throw session.failure ?? error;
    } finally {
      this.running.delete(session);
      this.finished.calls += session.calls;
      this.finished.requests += session.requests;
      this.finished.attempts += session.attempts;
    }
  }

  /** One GET; undefined when ARM answers 404. */
  private async getOne(session: CallSession, read: Read): Promise<ArmResource | undefined> {
    const result = await session.call(read.label, read.operation, { absentOn404: true, ...(read.unavailable ? { unavailableOn: refusedForVersion } : {}) });
    if (result.unavailable && read.unavailable) this.unavailableList.push({ ...read.unavailable, reason: result.unavailable });
    return result.absent ? undefined : asResource(result.bodies[0]);
  }

  /** One list read to the end; its items from the raw pages. */
  private async list(session: CallSession, label: string, operation: (options: SdkCallOptions) => Paged, absentOn404 = true): Promise<ArmResource[]> {
    const result = await session.call(label, (o) => drain(operation(o)), { absentOn404 });
    return listItems(result.bodies);
  }

  /** A list read with raw GETs and `nextLink` (APIs no installed SDK covers). */
  private async rawList(
    session: CallSession,
    label: string,
    subscriptionId: string,
    path: string,
    apiVersion: string,
    degradable?: { resourceId: string; input: string; apiVersion: string },
  ): Promise<ArmResource[]> {
    const result = await session.call(
      label,
      async (o) => {
        let link: string | undefined = path;
        while (link) {
          const page: RawPage = await this.clients.rawGet(subscriptionId, link, apiVersion, o);
          link = typeof page.nextLink === "string" && page.nextLink ? page.nextLink : undefined;
        }
      },
      { absentOn404: true, ...(degradable ? { unavailableOn: refusedForVersion } : {}) },
    );
    if (result.unavailable && degradable) this.unavailableList.push({ ...degradable, reason: result.unavailable });
    return listItems(result.bodies);
  }

  // --- get: one SDK operation per routed type ----------------------------------------------------

  /** The GET of a resource id: the dedicated SDK operation of its type, else a raw GET with a known api-version. */
  private readFor(resourceId: string): Read {
    const parsed = parseArmId(resourceId);
    const type = parsed.type.toLowerCase();
    const sub = parsed.subscriptionId;
    const label = `read ${parsed.type} ${parsed.name}`;
    const raw = (apiVersion: string): Read => ({ label, operation: (o) => this.clients.rawGet(sub, parsed.id, apiVersion, o) });

    // Extension resources and raw GETs need no resource group.
    if (type === T.diagnosticSetting && parsed.scopeId) {
      const scope = parsed.scopeId.replace(/^\/+/, "");
      return { label, operation: (o) => this.clients.monitor(sub).diagnosticSettings.get(scope, parsed.name, o) };
    }
    if (type === T.backupInstance || type === T.backupPolicy) return raw(DATA_PROTECTION_API_VERSION);
    if (type === T.keyVaultNspConfiguration) {
      return { ...raw(KEY_VAULT_API_VERSION), unavailable: { resourceId: parsed.parentId ?? parsed.id, input: "networkSecurityPerimeterConfigurations", apiVersion: KEY_VAULT_API_VERSION } };
    }

    const rg = parsed.resourceGroup;
    const specific = rg ? this.sdkRead(type, sub, rg, namesOf(parsed)) : undefined;
    if (specific) return { label, operation: specific };
    const apiVersion = MEMBER_API_VERSIONS[type];
    if (apiVersion) {
      return { label, operation: (o) => this.clients.resources(sub).resources.getById(parsed.id.replace(/^\/+/, ""), apiVersion, o) };
    }
    throw new Error(`cannot read ${resourceId}: no SDK operation or api-version is known for type ${parsed.type}`);
  }

  /** The dedicated SDK GET of `type` (src/inventory/typeReaders.ts); `names` are those along the id's type path. */
  private sdkRead(type: string, sub: string, rg: string, names: readonly string[]): Read["operation"] | undefined {
    return TYPE_READERS[type]?.get?.(this.clients, sub, rg, names);
  }

  // --- readPerimeters: what a whole read finds outside the perimeters ----------------------------

  /**
   * Associations, in perimeters other than `requested`, of the CMK vaults of the members read and of
   * the requested perimeters' log destinations; for vaults also those perimeters and the profiles
   * (with their access rules) the associations name. Nothing is read when there is no such target.
   */
  private async readOutsideAssociations(
    session: CallSession,
    read: readonly ArmResource[],
    requested: ReadonlySet<string>,
    scope: readonly string[],
  ): Promise<ArmResource[]> {
    // What the closure reads around (relations with `alsoRead`): vaults with their perimeters, log destinations' associations.
    const estate = new Estate(read);
    const vaults = new Set<string>();
    const destinations = new Set<string>();
    for (const r of RELATIONS) {
      const around = r.closure?.direction === "forward" ? r.closure.alsoRead : undefined;
      if (!around) continue;
      for (const source of estate.ofType(r.from)) {
        if (around === "perimeters") for (const target of estate.targetsOf(r, source)) vaults.add(idKey(target.id));
        else for (const key of r.keys(source)) destinations.add(key);
      }
    }
    if (vaults.size === 0 && destinations.size === 0) return [];

    const listed = (
      await Promise.all(
        scope.map((sub) =>
          this.list(session, `list network security perimeters of subscription ${sub}`, (o) => this.clients.network(sub).networkSecurityPerimeters.listBySubscription(o), false),
        ),
      )
    ).flat();
    const out: ArmResource[] = [];
    const profiles = new Map<string, Promise<ArmResource[]>>();
    await Promise.all(
      listed
        .filter((perimeter) => !requested.has(idKey(perimeter.id)))
        .map(async (perimeter) => {
          const at = locate(perimeter.id);
          if (!at) return;
          const associations = await this.list(session, `list resource associations of perimeter ${at.name}`, (o) =>
            this.clients.network(at.subscriptionId).networkSecurityPerimeterAssociations.list(at.resourceGroup, at.name, o),
          );
          for (const association of associations) {
            const memberId = propString(association, "privateLinkResource", "id");
            if (!memberId) continue;
            const key = idKey(memberId);
            if (destinations.has(key)) out.push(association);
            if (!vaults.has(key)) continue;
            out.push(association, perimeter);
            const profileId = propString(association, "profile", "id");
            if (profileId && !profiles.has(idKey(profileId))) profiles.set(idKey(profileId), this.readProfile(session, profileId));
          }
        }),
    );
    for (const list of await Promise.all(profiles.values())) out.push(...list);
    return out;
  }

  /** A profile and (when the plan reads them) its access rules. */
  private async readProfile(session: CallSession, profileId: string): Promise<ArmResource[]> {
    const parsed = parseArmId(profileId);
    const [perimeterName = "", profileName = ""] = namesOf(parsed);
    const rg = parsed.resourceGroup;
    if (!rg || parsed.type.toLowerCase() !== T.profile) return [];
    const network = this.clients.network(parsed.subscriptionId);
    const reads: Array<Promise<ArmResource[]>> = [
      this.getOne(session, {
        label: `read profile ${perimeterName}/${profileName}`,
        operation: (o) => network.networkSecurityPerimeterProfiles.get(rg, perimeterName, profileName, o),
      }).then((profile) => (profile ? [profile] : [])),
    ];
    if (this.plan.has(T.accessRule)) {
      reads.push(
        this.list(session, `list access rules of profile ${perimeterName}/${profileName}`, (o) =>
          network.networkSecurityPerimeterAccessRules.list(rg, perimeterName, profileName, o),
        ),
      );
    }
    return (await Promise.all(reads)).flat();
  }
}
