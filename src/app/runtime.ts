/**
 * The composition root of the Functions app: settings, logger, credential, state store, queues and
 * the ARM reader, built once per process (module scope in the function files) and shared by every
 * invocation. Nothing connects until the first invocation asks for the runtime.
 */
import { DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import type { TokenCredential } from "@azure/core-auth";
import { createArmCredential } from "../inventory/credential.js";
import { LiveArmReader } from "../inventory/liveArmReader.js";
import { InputError } from "../model/errors.js";
import { createLogger, type Logger } from "../logging.js";
import { GuardrailPipeline } from "../pipeline/pipeline.js";
import { EVALUATION_QUEUE, EVENT_POISON_QUEUE, POISON_QUEUE, QueuePoisonParking, queueServiceFrom, StorageEvaluationQueue } from "../pipeline/storageQueue.js";
import type { ArmReader, EvaluationQueue, PoisonParking } from "../pipeline/ports.js";
import type { StateStore } from "../state/stateStore.js";
import { TableStateStore } from "../state/tableStateStore.js";
import { loadSettings, type Settings } from "./config.js";

export interface Runtime {
  settings: Settings;
  logger: Logger;
  store: StateStore;
  arm: ArmReader;
  queue: EvaluationQueue;
  eventPoison: PoisonParking;
  evaluationPoison: PoisonParking;
  pipeline: GuardrailPipeline;
}

function storageCredential(settings: Settings): TokenCredential {
  return settings.storage.kind === "identity" && settings.storage.clientId
    ? new ManagedIdentityCredential({ clientId: settings.storage.clientId })
    : new DefaultAzureCredential();
}

export async function createRuntime(env: NodeJS.ProcessEnv = process.env): Promise<Runtime> {
  const settings = loadSettings(env);
  const logger = createLogger({ level: settings.NSPG_LOG_LEVEL });
  let store: TableStateStore;
  let queues: ReturnType<typeof queueServiceFrom>;
  const arm = new LiveArmReader({
    subscriptionIds: settings.NSPG_SUBSCRIPTION_IDS,
    policy: settings.policy,
    credential: createArmCredential(env).credential,
    env,
  });
  if (settings.storage.kind === "connectionString") {
    store = TableStateStore.fromConnectionString(settings.storage.connectionString);
  } else {
    store = TableStateStore.fromIdentity({ accountName: settings.storage.accountName, credential: storageCredential(settings) });
  }
  // The queue trigger listens on the host's storage (AzureWebJobsStorage); evaluations are sent there.
  if (env.AzureWebJobsStorage?.trim()) queues = queueServiceFrom({ connectionString: env.AzureWebJobsStorage });
  else if (env.AzureWebJobsStorage__accountName?.trim()) {
    queues = queueServiceFrom({ queueEndpoint: `https://${env.AzureWebJobsStorage__accountName}.queue.core.windows.net`, credential: storageCredential(settings) });
  } else if (settings.storage.kind === "connectionString") queues = queueServiceFrom({ connectionString: settings.storage.connectionString });
  else throw new InputError("app setting AzureWebJobsStorage: required for the evaluation queue");
  await store.init();
  const queue = StorageEvaluationQueue.on(queues, EVALUATION_QUEUE);
  const eventPoison = QueuePoisonParking.on(queues, EVENT_POISON_QUEUE);
  const evaluationPoison = QueuePoisonParking.on(queues, POISON_QUEUE);
  const pipeline = new GuardrailPipeline(
    { store, arm, queue, poison: eventPoison, messagePoison: evaluationPoison, policy: settings.policy, logger },
    {
      debounceMs: settings.NSPG_DEBOUNCE_SECONDS * 1000,
      eventTtlMs: settings.NSPG_EVENT_TTL_HOURS * 3_600_000,
      subscriptionIds: settings.NSPG_SUBSCRIPTION_IDS,
      selfPrincipalIds: settings.NSPG_SELF_PRINCIPAL_IDS,
    },
  );
  return { settings, logger, store, arm, queue, eventPoison, evaluationPoison, pipeline };
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
