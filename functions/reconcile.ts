/** Timer: the full pass (catches missed events, refreshes caches and the reverse index). */
import { app, type InvocationContext, type Timer } from "@azure/functions";
import { runtime as getRuntime } from "../src/app/lazyRuntime.js";

export async function reconcile(_timer: Timer, context: InvocationContext): Promise<void> {
  const { pipeline } = await getRuntime();
  await pipeline.reconcile(context.invocationId);
}

app.timer("reconcile", { schedule: "%NSPG_RECONCILE_SCHEDULE%", runOnStartup: false, handler: reconcile });
