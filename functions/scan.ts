/**
 * POST /api/scan (function key): a full reconcile now; answers with the findings by perimeter and
 * what the read could not check (`notEvaluated`, as scan JSON has it: contracts.md Revision 2), and
 * how many owners' inputs Resource Graph does not hold were carried over rather than re-read
 * (`reread`; NSPG_RECONCILE_REREAD_HOURS).
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { runtime as getRuntime } from "../src/app/lazyRuntime.js";

export async function scan(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const { pipeline } = await getRuntime();
  const { decisions, notEvaluated, subscriptions, reread } = await pipeline.reconcileReport(context.invocationId);
  return {
    status: 200,
    jsonBody: {
      version: 1,
      subscriptions,
      notEvaluated,
      reread,
      perimeters: decisions.map((d) => ({
        perimeterId: d.perimeterId,
        findings: d.findings.filter((f) => f.status !== "resolved"),
        resolved: d.findings.filter((f) => f.status === "resolved").length,
      })),
    },
  };
}

app.http("scan", { route: "scan", methods: ["POST"], authLevel: "function", handler: scan });
