/**
 * GET /api/health (anonymous): up or down, and the version; nothing else, and no storage call, so
 * that anyone may poll it without learning the deployment or costing a table scan.
 * GET /api/health/details (function key): what the app knows (subscriptions, dry run, index, alert
 * channel health; never a secret).
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { runtime as getRuntime } from "../src/app/lazyRuntime.js";
import { VERSION } from "../src/version.js";

export async function health(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    // Loads and validates the settings once per instance; touches no storage.
    await getRuntime();
    return { status: 200, jsonBody: { status: "up", version: VERSION } };
  } catch (error) {
    context.error(`health: runtime unavailable: ${error instanceof Error ? error.message : String(error)}`);
    return { status: 503, jsonBody: { status: "down", version: VERSION } };
  }
}

export async function healthDetails(_request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const { settings, store, notifier } = await getRuntime();
    const notify = await notifier.channelHealth();
    return {
      status: 200,
      jsonBody: {
        status: notify.status === "degraded" ? "degraded" : "ok",
        version: VERSION,
        subscriptions: settings.NSPG_SUBSCRIPTION_IDS,
        ...(settings.NSPG_MANAGEMENT_GROUP_ID ? { managementGroup: settings.NSPG_MANAGEMENT_GROUP_ID } : {}),
        dryRun: settings.policy.dryRun,
        indexWarm: await store.isIndexWarm(),
        notify,
      },
    };
  } catch (error) {
    return { status: 503, jsonBody: { status: "unavailable", version: VERSION, reason: error instanceof Error ? error.message : String(error) } };
  }
}

app.http("health", { route: "health", methods: ["GET"], authLevel: "anonymous", handler: health });
app.http("healthDetails", { route: "health/details", methods: ["GET"], authLevel: "function", handler: healthDetails });
