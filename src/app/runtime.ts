/**
 * The composition root of the Functions app: settings, logger, credential, state store, queues and
 * the ARM reader, built once per process (module scope in the function files) and shared by every
 * invocation. Nothing connects until the first invocation asks for the runtime.
 */
import { DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import type { TokenCredential } from "@azure/core-auth";
import { SdkArmWriter } from "../actions/armWriter.js";
import { RevertExecutor, revertThenNotify } from "../actions/executor.js";
import { createArmCredential } from "../inventory/credential.js";
import { createNotifier, type Notifier } from "../notify/index.js";
import { TableAlertOutbox } from "../state/outbox.js";
import { TableRevertLedger, type RevertLedger } from "../state/revertLedger.js";
import { LiveArmReader } from "../inventory/liveArmReader.js";
import { ResourceGraphReconcileReader } from "../inventory/reconcileReader.js";
import { InputError } from "../model/errors.js";
import { createLogger, type Logger } from "../logging.js";
import { GuardrailPipeline, type PipelineOptions } from "../pipeline/pipeline.js";
import { EVALUATION_QUEUE, EVENT_POISON_QUEUE, POISON_QUEUE, QueuePoisonParking, queueServiceFrom, StorageEvaluationQueue } from "../pipeline/storageQueue.js";
import type { ArmReader, EvaluationQueue, PoisonParking, WatchedScopeReader } from "../pipeline/ports.js";
import type { StateStore } from "../state/stateStore.js";
import { TableStateStore } from "../state/tableStateStore.js";
import { loadSettings, type Settings } from "./config.js";

export interface Runtime {
  settings: Settings;
  logger: Logger;
  store: StateStore;
  arm: ArmReader;
  /** The reconcile's read: Resource Graph over the watched subscriptions or management group. */
  scope: WatchedScopeReader;
  queue: EvaluationQueue;
  eventPoison: PoisonParking;
  evaluationPoison: PoisonParking;
  pipeline: GuardrailPipeline;
  notifier: Notifier;
  ledger: RevertLedger;
  executor: RevertExecutor;
}

function storageCredential(settings: Settings): TokenCredential {
  return settings.storage.kind === "identity" && settings.storage.clientId
    ? new ManagedIdentityCredential({ clientId: settings.storage.clientId })
    : new DefaultAzureCredential();
}

/** The pipeline's options, from the app settings (seconds and hours become milliseconds). */
export function pipelineOptionsFrom(settings: Settings): PipelineOptions {
  return {
    debounceMs: settings.NSPG_DEBOUNCE_SECONDS * 1000,
    eventTtlMs: settings.NSPG_EVENT_TTL_HOURS * 3_600_000,
    rereadHorizonMs: settings.NSPG_RECONCILE_REREAD_HOURS * 3_600_000,
    subscriptionIds: settings.NSPG_SUBSCRIPTION_IDS,
    selfPrincipalIds: settings.NSPG_SELF_PRINCIPAL_IDS,
  };
}

export async function createRuntime(env: NodeJS.ProcessEnv = process.env): Promise<Runtime> {
  const settings = loadSettings(env);
  const logger = createLogger({ level: settings.NSPG_LOG_LEVEL });
  let store: TableStateStore;
  let queues: ReturnType<typeof queueServiceFrom>;
  const armCredential = createArmCredential(env).credential;
  const arm = new LiveArmReader({
    subscriptionIds: settings.NSPG_SUBSCRIPTION_IDS,
    policy: settings.policy,
    credential: armCredential,
    env,
  });
  // The reconcile reads through Resource Graph; the subscriptions it finds under the management
  // group are the ones the event path's reads look through too.
  const scope = new ResourceGraphReconcileReader(
    { subscriptionIds: settings.NSPG_SUBSCRIPTION_IDS, ...(settings.NSPG_MANAGEMENT_GROUP_ID ? { managementGroupId: settings.NSPG_MANAGEMENT_GROUP_ID } : {}) },
    { policy: settings.policy, credential: armCredential, env },
    (subscriptionIds) => arm.watchSubscriptions(subscriptionIds),
  );
  let outbox: TableAlertOutbox;
  let ledger: TableRevertLedger;
  if (settings.storage.kind === "connectionString") {
    store = TableStateStore.fromConnectionString(settings.storage.connectionString);
    outbox = TableAlertOutbox.fromConnectionString(settings.storage.connectionString);
    ledger = TableRevertLedger.fromConnectionString(settings.storage.connectionString);
  } else {
    const credential = storageCredential(settings);
    const accountName = settings.storage.accountName;
    store = TableStateStore.fromIdentity({ accountName, credential });
    outbox = TableAlertOutbox.fromIdentity({ accountName, credential });
    ledger = TableRevertLedger.fromIdentity({ accountName, credential });
  }
  // A bad alert channel setting stops the start, naming the key, as a bad app setting does.
  const notifier = createNotifier({ policy: settings.policy, env, outbox, logger, stateStore: store });
  const executor = new RevertExecutor({
    writer: new SdkArmWriter({ credential: armCredential, env }),
    ledger,
    policy: settings.policy,
    selfPrincipalIds: settings.NSPG_SELF_PRINCIPAL_IDS,
    reader: arm,
  });
  // The queue trigger listens on the host's storage (AzureWebJobsStorage); evaluations are sent there.
  if (env.AzureWebJobsStorage?.trim()) queues = queueServiceFrom({ connectionString: env.AzureWebJobsStorage });
  else if (env.AzureWebJobsStorage__accountName?.trim()) {
    queues = queueServiceFrom({ queueEndpoint: `https://${env.AzureWebJobsStorage__accountName}.queue.core.windows.net`, credential: storageCredential(settings) });
  } else if (settings.storage.kind === "connectionString") queues = queueServiceFrom({ connectionString: settings.storage.connectionString });
  else throw new InputError("app setting AzureWebJobsStorage: required for the evaluation queue");
  await Promise.all([store.init(), outbox.init(), ledger.init()]);
  const queue = StorageEvaluationQueue.on(queues, EVALUATION_QUEUE);
  const eventPoison = QueuePoisonParking.on(queues, EVENT_POISON_QUEUE);
  const evaluationPoison = QueuePoisonParking.on(queues, POISON_QUEUE);
  const pipeline = new GuardrailPipeline(
    {
      store,
      arm,
      scope,
      queue,
      poison: eventPoison,
      messagePoison: evaluationPoison,
      policy: settings.policy,
      logger,
      // Reverts first, so that alerts say what was done.
      onDecision: revertThenNotify(executor, (d, p, l) => notifier.dispatch(d, p, l)),
    },
    pipelineOptionsFrom(settings),
  );
  return { settings, logger, store, arm, scope, queue, eventPoison, evaluationPoison, pipeline, notifier, ledger, executor };
}

let shared: Promise<Runtime> | undefined;

/** The process-wide runtime; a failed start is retried by the next invocation. */
export function getRuntime(): Promise<Runtime> {
  shared ??= createRuntime().catch((error) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

/** For tests and the local host: use this runtime instead of building one from app settings. */
export function setRuntime(runtime: Runtime | undefined): void {
  shared = runtime ? Promise.resolve(runtime) : undefined;
}
