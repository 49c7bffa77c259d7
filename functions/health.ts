/** GET /api/health: the app is up, and what it knows (no secrets). */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { runtime as getRuntime } from "../src/app/lazyRuntime.js";
import { VERSION } from "../src/version.js";

export async function health(_request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const { settings, store, notifier } = await getRuntime();
    const notify = await notifier.channelHealth();
    return {
      status: 200,
      jsonBody: {
        status: notify.status === "degraded" ? "degraded" : "ok",
        version: VERSION,
        subscriptions: settings.NSPG_SUBSCRIPTION_IDS,
        dryRun: settings.policy.dryRun,
        indexWarm: await store.isIndexWarm(),
        notify,
      },
    };
  } catch (error) {
    return { status: 503, jsonBody: { status: "unavailable", reason: error instanceof Error ? error.message : String(error) } };
  }
}

app.http("health", { route: "health", methods: ["GET"], authLevel: "anonymous", handler: health });
