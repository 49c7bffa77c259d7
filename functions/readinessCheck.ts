/** Timer: daily enforcement readiness of the associations in Transition (when NSPG_LOGS_WORKSPACE_ID is set). */
import { app, type InvocationContext, type Timer } from "@azure/functions";
import { runtime as getRuntime } from "../src/app/lazyRuntime.js";

export async function readinessCheck(_timer: Timer, context: InvocationContext): Promise<void> {
  const runtime = await getRuntime();
  // Loaded on first use: the readiness code stays out of the host's cold start.
  const { checkReadiness } = await import("../src/app/readinessCheck.js");
  const log = runtime.logger.child({ invocationId: context.invocationId });
  const result = await checkReadiness(runtime, new Date(), log);
  if (result) log.info({ associations: result.associations, byState: result.byState, announced: result.announced, raced: result.raced }, "readiness checked");
}

// Daily at 06:00 UTC: access logs change by the day, and a notice a day at most per association.
app.timer("readinessCheck", { schedule: "0 0 6 * * *", runOnStartup: false, handler: readinessCheck });
