/** Event Grid trigger: resource changes from the subscription system topic (either schema). */
import { app, type EventGridEvent, type InvocationContext } from "@azure/functions";
import { runtime as getRuntime } from "../src/app/lazyRuntime.js";

export async function onResourceEvent(event: EventGridEvent, context: InvocationContext): Promise<void> {
  const { pipeline } = await getRuntime();
  await pipeline.handleEvent(event, context.invocationId);
}

app.eventGrid("onResourceEvent", { handler: onResourceEvent });
