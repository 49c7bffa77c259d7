/**
 * The daily readiness check as the Functions app runs it: the estate from the perimeter caches, the
 * logs from NSPG_LOGS_WORKSPACE_ID through `@azure/monitor-query-logs` (the app's managed identity),
 * notices through the app's notifier. Off when the workspace setting is absent.
 */
import type { Logger } from "../logging.js";
import { runDailyReadiness, type DailyReadinessResult } from "../readiness/daily.js";
import type { Runtime } from "./runtime.js";

export async function checkReadiness(runtime: Pick<Runtime, "settings" | "store" | "notifier">, now: Date, logger: Logger): Promise<DailyReadinessResult | undefined> {
  const workspaceId = runtime.settings.NSPG_LOGS_WORKSPACE_ID;
  if (!workspaceId) {
    logger.debug("readiness check off: NSPG_LOGS_WORKSPACE_ID is not set");
    return undefined;
  }
  const { queryWorkspace } = await import("../readiness/workspace.js");
  const endpoint = runtime.settings.NSPG_LOGS_ENDPOINT;
  return runDailyReadiness({
    store: runtime.store,
    notifier: runtime.notifier,
    policy: runtime.settings.policy,
    now,
    logger,
    queryLogs: (window) => queryWorkspace(workspaceId, window, endpoint ? { endpoint } : {}),
  });
}
