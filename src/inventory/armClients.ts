/**
 * The official Azure SDK management clients the live inventory uses, one per subscription and kind,
 * all built with the same credential, endpoint, CA, retry options and the run's pipeline policies.
 *
 * Data Protection has no management package on the registry this project uses
 * (`@azure/arm-dataprotection` is missing): its backup vaults are listed with arm-resources' generic
 * resource list and their backup instances and policies read by `rawGet`, a GET sent through the
 * arm-resources client's own pipeline (same credential, TLS, retries, capture and timeouts).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { TokenCredential } from "@azure/core-auth";
import { createPipelineRequest, RestError } from "@azure/core-rest-pipeline";
import { CognitiveServicesManagementClient } from "@azure/arm-cognitiveservices";
import { ComputeManagementClient } from "@azure/arm-compute";
import type { CosmosDBManagementClient } from "@azure/arm-cosmosdb";
import type { EventHubManagementClient } from "@azure/arm-eventhub";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { MonitorClient } from "@azure/arm-monitor";
import { NetworkManagementClient } from "@azure/arm-network";
import { RecoveryServicesClient } from "@azure/arm-recoveryservices";
import { RecoveryServicesBackupClient } from "@azure/arm-recoveryservicesbackup";
import { ResourceManagementClient } from "@azure/arm-resources";
import type { ServiceBusManagementClient } from "@azure/arm-servicebus";
import type { SqlManagementClient } from "@azure/arm-sql";
import { StorageManagementClient } from "@azure/arm-storage";
import { MicrosoftStorageSync } from "@azure/arm-storagesync";
import { InputError } from "../model/errors.js";
import { TOOL_NAME, VERSION } from "../version.js";
import type { CallSession, SdkCallOptions } from "./armCalls.js";
import { cloudOfHost, CLOUDS, isLoopbackHost, parseCloud, trustedHosts, type AzureCloud } from "./cloud.js";

/**
 * Clients of member types only some estates have, loaded on first use: every command would otherwise
 * pay for parsing them at start (arm-sql alone is some 60,000 lines).
 */
const requireLazily = createRequire(import.meta.url);
type ClientClass<C> = new (credential: TokenCredential, subscriptionId: string, options: Record<string, unknown>) => C;
function lazyClient<C>(pkg: string, name: string): ClientClass<C> {
  return (requireLazily(pkg) as Record<string, ClientClass<C>>)[name]!;
}

export const PUBLIC_ARM_ENDPOINT = CLOUDS.AzureCloud.armEndpoint;

/** Where ARM is and which CA to trust, before defaults and the environment are applied. */
export interface ArmConnectionOptions {
  /** `--arm-endpoint`; else `NSPG_ARM_ENDPOINT`; else the cloud's ARM endpoint. */
  readonly armEndpoint?: string;
  /** `--cloud`; else `NSPG_CLOUD`; else AzureCloud. Sets the default endpoint and the token's audience. */
  readonly cloud?: string;
  /** PEM of an extra CA to trust (the emulator's self-signed certificate). */
  readonly ca?: string;
  /** A PEM file to read `ca` from; else `NSPG_ARM_CA_FILE`. */
  readonly caFile?: string;
}

export interface ArmConnection {
  /** Origin (and optional base path) without a trailing slash. */
  readonly endpoint: string;
  readonly ca?: string;
  readonly cloud: AzureCloud;
  /** The scope tokens are requested for: the cloud's ARM audience. */
  readonly scope: string;
}

/** SDK retry options; the defaults are the SDK's (3 retries, exponential from 800 ms, Retry-After honoured). */
export interface ArmRetryOptions {
  readonly maxRetries?: number;
  readonly retryDelayInMs?: number;
  readonly maxRetryDelayInMs?: number;
}

/**
 * Resolves the endpoint, cloud and CA from options and the environment. Only https endpoints are
 * accepted: TLS verification is never turned off, an emulator is trusted through its CA instead.
 * The ARM token goes only to the cloud's own ARM endpoint, to a loopback endpoint (the emulator) or
 * to a host listed in `NSPG_ARM_TRUSTED_HOSTS`; any other endpoint is refused before a token exists.
 */
export function resolveArmConnection(options: ArmConnectionOptions = {}, env: Readonly<Record<string, string | undefined>> = process.env): ArmConnection {
  const chosenCloud = (options.cloud ?? env["NSPG_CLOUD"] ?? "").trim();
  let cloud = parseCloud(chosenCloud, options.cloud !== undefined ? "--cloud" : "NSPG_CLOUD");
  const fromOption = options.armEndpoint !== undefined;
  const raw = (options.armEndpoint ?? env["NSPG_ARM_ENDPOINT"] ?? "").trim() || cloud.armEndpoint;
  const source = fromOption ? "--arm-endpoint" : env["NSPG_ARM_ENDPOINT"] ? "NSPG_ARM_ENDPOINT" : "ARM endpoint";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(`${source}: not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== "https:") throw new InputError(`${source}: expected an https:// URL, got ${JSON.stringify(raw)}`);
  if (url.search || url.hash) throw new InputError(`${source}: expected a base URL without query or fragment, got ${JSON.stringify(raw)}`);
  const endpoint = `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
  const host = url.hostname.toLowerCase();
  const endpointCloud = cloudOfHost(host);
  // No cloud named: a sovereign cloud's ARM endpoint brings its own audience.
  if (endpointCloud && !chosenCloud) cloud = endpointCloud;
  if (endpointCloud && endpointCloud !== cloud) {
    throw new InputError(`${source}: ${host} is the ARM endpoint of ${endpointCloud.name}, not of ${cloud.name} (--cloud / NSPG_CLOUD)`);
  }
  if (!endpointCloud && !isLoopbackHost(host) && !trustedHosts(env["NSPG_ARM_TRUSTED_HOSTS"]).includes(host)) {
    throw new InputError(
      `${source}: ${host} is not the ARM endpoint of ${cloud.name} (${new URL(cloud.armEndpoint).hostname}) nor a loopback host; ` +
        "the ARM token is sent there only if NSPG_ARM_TRUSTED_HOSTS lists it",
    );
  }

  let ca = options.ca;
  if (ca === undefined) {
    const caFile = options.caFile ?? env["NSPG_ARM_CA_FILE"];
    if (caFile) {
      const label = options.caFile !== undefined ? "--arm-ca-file" : "NSPG_ARM_CA_FILE";
      try {
        ca = readFileSync(caFile, "utf8");
      } catch (error) {
        throw new InputError(`${label}: cannot read ${caFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
      if (!ca.includes("-----BEGIN CERTIFICATE-----")) throw new InputError(`${label}: ${caFile} holds no PEM certificate`);
    }
  }
  const scope = cloud.armScope;
  return ca ? { endpoint, ca, cloud, scope } : { endpoint, cloud, scope };
}

export interface ArmClientSettings {
  readonly credential: TokenCredential;
  readonly connection: ArmConnection;
  readonly retryOptions?: ArmRetryOptions;
}

/** A page or body read through `rawGet`. */
export interface RawPage {
  readonly value?: unknown;
  readonly nextLink?: unknown;
}

/** Per-subscription SDK clients of one inventory run. */
export class ArmClients {
  private readonly cache = new Map<string, unknown>();
  /** Options both client generations accept: core-client (`credentialScopes`) and TypeSpec (`credentials.scopes`). */
  private readonly options: Record<string, unknown>;

  constructor(
    private readonly settings: ArmClientSettings,
    session: CallSession,
  ) {
    const { connection } = settings;
    this.options = {
      endpoint: connection.endpoint,
      ...(connection.ca ? { tlsOptions: { ca: connection.ca } } : {}),
      ...(settings.retryOptions ? { retryOptions: { ...settings.retryOptions } } : {}),
      credentialScopes: [connection.scope],
      credentials: { scopes: [connection.scope] },
      userAgentOptions: { userAgentPrefix: `${TOOL_NAME}/${VERSION}` },
      additionalPolicies: [
        { policy: session.capturePolicy, position: "perCall" },
        { policy: session.timeoutPolicy, position: "perRetry" },
      ],
    };
  }

  get endpoint(): string {
    return this.settings.connection.endpoint;
  }

  private client<T>(kind: string, subscriptionId: string, make: () => T): T {
    const key = `${kind}|${subscriptionId.toLowerCase()}`;
    let client = this.cache.get(key) as T | undefined;
    if (!client) {
      client = make();
      this.cache.set(key, client);
    }
    return client;
  }

  network(subscriptionId: string): NetworkManagementClient {
    return this.client("network", subscriptionId, () => new NetworkManagementClient(this.settings.credential, subscriptionId, this.options));
  }

  storage(subscriptionId: string): StorageManagementClient {
    return this.client("storage", subscriptionId, () => new StorageManagementClient(this.settings.credential, subscriptionId, this.options));
  }

  keyVault(subscriptionId: string): KeyVaultManagementClient {
    return this.client("keyvault", subscriptionId, () => new KeyVaultManagementClient(this.settings.credential, subscriptionId, this.options));
  }

  cognitive(subscriptionId: string): CognitiveServicesManagementClient {
    return this.client("cognitive", subscriptionId, () => new CognitiveServicesManagementClient(this.settings.credential, subscriptionId, this.options));
  }

  compute(subscriptionId: string): ComputeManagementClient {
    return this.client("compute", subscriptionId, () => new ComputeManagementClient(this.settings.credential, subscriptionId, this.options));
  }

  /** Diagnostic settings are addressed by resource URI; the subscription only picks the cached client. */
  monitor(subscriptionId: string): MonitorClient {
    return this.client("monitor", subscriptionId, () => new MonitorClient(this.settings.credential, subscriptionId, this.options));
  }

  recoveryServices(subscriptionId: string): RecoveryServicesClient {
    return this.client("recoveryservices", subscriptionId, () => new RecoveryServicesClient(this.settings.credential, subscriptionId, this.options));
  }

  backup(subscriptionId: string): RecoveryServicesBackupClient {
    return this.client("backup", subscriptionId, () => new RecoveryServicesBackupClient(this.settings.credential, subscriptionId, this.options));
  }

  storageSync(subscriptionId: string): MicrosoftStorageSync {
    return this.client("storagesync", subscriptionId, () => new MicrosoftStorageSync(this.settings.credential, subscriptionId, this.options));
  }

  serviceBus(subscriptionId: string): ServiceBusManagementClient {
    return this.client("servicebus", subscriptionId, () => new (lazyClient<ServiceBusManagementClient>("@azure/arm-servicebus", "ServiceBusManagementClient"))(this.settings.credential, subscriptionId, this.options));
  }

  eventHub(subscriptionId: string): EventHubManagementClient {
    return this.client("eventhub", subscriptionId, () => new (lazyClient<EventHubManagementClient>("@azure/arm-eventhub", "EventHubManagementClient"))(this.settings.credential, subscriptionId, this.options));
  }

  cosmos(subscriptionId: string): CosmosDBManagementClient {
    return this.client("cosmosdb", subscriptionId, () => new (lazyClient<CosmosDBManagementClient>("@azure/arm-cosmosdb", "CosmosDBManagementClient"))(this.settings.credential, subscriptionId, this.options));
  }

  sql(subscriptionId: string): SqlManagementClient {
    return this.client("sql", subscriptionId, () => new (lazyClient<SqlManagementClient>("@azure/arm-sql", "SqlManagementClient"))(this.settings.credential, subscriptionId, this.options));
  }

  resources(subscriptionId: string): ResourceManagementClient {
    return this.client("resources", subscriptionId, () => new ResourceManagementClient(this.settings.credential, subscriptionId, this.options));
  }

  /**
   * GET of an ARM path or of a `nextLink`, through the arm-resources client's pipeline; for APIs no
   * installed SDK covers (Data Protection). Links must stay on the ARM endpoint: the request carries
   * the ARM bearer token.
   */
  async rawGet(subscriptionId: string, pathOrLink: string, apiVersion: string, options: SdkCallOptions): Promise<RawPage> {
    const base = new URL(this.endpoint);
    const url = new URL(pathOrLink, `${base.origin}/`);
    if (url.origin !== base.origin) throw new Error(`refusing to follow a link off the ARM endpoint: ${url.origin}`);
    if (!/^https?:/.test(pathOrLink)) url.pathname = `${base.pathname.replace(/\/+$/, "")}${url.pathname}`;
    if (!url.searchParams.has("api-version")) url.searchParams.set("api-version", apiVersion);
    const request = createPipelineRequest({ url: url.href, method: "GET", abortSignal: options.abortSignal });
    request.headers.set("accept", "application/json");
    const response = await this.resources(subscriptionId).sendRequest(request);
    if (response.status >= 400) {
      throw new RestError(`GET ${url.pathname} failed with HTTP ${response.status}`, { statusCode: response.status, request, response });
    }
    try {
      return JSON.parse(response.bodyAsText ?? "{}") as RawPage;
    } catch {
      return {};
    }
  }
}
