/** Storage queue trigger: one evaluation of one perimeter (coalesced from a burst of events). */
import { app, type InvocationContext } from "@azure/functions";
import { runtime as getRuntime } from "../src/app/lazyRuntime.js";
import { EVALUATION_QUEUE } from "../src/pipeline/queueNames.js";

export async function evaluatePerimeter(message: unknown, context: InvocationContext): Promise<void> {
  const { pipeline } = await getRuntime();
  // A failure throws: the host retries the message and parks it in the poison queue after maxDequeueCount.
  await pipeline.evaluateMessage(message, context.invocationId);
}

app.storageQueue("evaluatePerimeter", { queueName: EVALUATION_QUEUE, connection: "AzureWebJobsStorage", handler: evaluatePerimeter });
