/** Timer: sends the alerts waiting in the outbox (failed sends retried with backoff, rate-limited ones). */
import { app, type InvocationContext, type Timer } from "@azure/functions";
import { runtime as getRuntime } from "../src/app/lazyRuntime.js";

export async function deliverAlerts(_timer: Timer, context: InvocationContext): Promise<void> {
  const { notifier, logger } = await getRuntime();
  const log = logger.child({ invocationId: context.invocationId });
  const report = await notifier.deliverDue({ logger: log });
  if (report.delivered + report.failed + report.deferred + report.orphaned > 0) log.info({ report }, "outbox drained");
}

// Every minute: a failed send waits at least 30 s (or its Retry-After) before the next try.
app.timer("deliverAlerts", { schedule: "0 * * * * *", runOnStartup: false, handler: deliverAlerts });
