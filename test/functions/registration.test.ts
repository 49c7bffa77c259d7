/**
 * The function files register the triggers and bindings the host expects. The `@azure/functions`
 * package skips registration outside the host (test mode), so this test stands in for the host's
 * core module and records what each file registers.
 */
import Module from "node:module";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";

const fake = fileURLToPath(new URL("../helpers/fakeFunctionsCore.cjs", import.meta.url));
type Resolver = (request: string, ...rest: unknown[]) => string;
const moduleWithResolver = Module as unknown as { _resolveFilename: Resolver };
const original = moduleWithResolver._resolveFilename;
moduleWithResolver._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
  return request === "@azure/functions-core" ? fake : original.call(this, request, ...rest);
};
const core = createRequire(import.meta.url)(fake) as { registered: Array<{ metadata: { name: string; bindings: Record<string, Record<string, unknown>> }; callback: unknown }> };

// The compiled files, as the host loads them (package.json "main").
await import(`${ROOT}dist/functions/onResourceEvent.js`);
await import(`${ROOT}dist/functions/evaluatePerimeter.js`);
await import(`${ROOT}dist/functions/reconcile.js`);
await import(`${ROOT}dist/functions/health.js`);
await import(`${ROOT}dist/functions/scan.js`);
await import(`${ROOT}dist/functions/deliverAlerts.js`);
await import(`${ROOT}dist/functions/readinessCheck.js`);
moduleWithResolver._resolveFilename = original;

function binding(name: string) {
  const entry = core.registered.find((r) => r.metadata.name === name);
  expect(entry, `${name} registered`).toBeDefined();
  const bindings = Object.values(entry!.metadata.bindings);
  const trigger = bindings.find((b) => String(b["type"]).endsWith("Trigger"))!;
  return { trigger, bindings, callback: entry!.callback };
}

describe("function registration", () => {
  it("registers exactly the seven functions", () => {
    expect(core.registered.map((r) => r.metadata.name).sort()).toEqual(["deliverAlerts", "evaluatePerimeter", "health", "healthDetails", "onResourceEvent", "readinessCheck", "reconcile", "scan"]);
    for (const r of core.registered) expect(typeof r.callback).toBe("function");
  });

  it("onResourceEvent: Event Grid trigger", () => {
    const { trigger } = binding("onResourceEvent");
    expect(trigger).toMatchObject({ type: "eventGridTrigger", direction: "in" });
  });

  it("evaluatePerimeter: queue trigger on perimeter-evaluations through AzureWebJobsStorage", () => {
    const { trigger } = binding("evaluatePerimeter");
    expect(trigger).toMatchObject({ type: "queueTrigger", direction: "in", queueName: "perimeter-evaluations", connection: "AzureWebJobsStorage" });
  });

  it("reconcile: timer on NSPG_RECONCILE_SCHEDULE", () => {
    const { trigger } = binding("reconcile");
    expect(trigger).toMatchObject({ type: "timerTrigger", schedule: "%NSPG_RECONCILE_SCHEDULE%" });
  });

  it("readinessCheck: timer daily at 06:00 UTC", () => {
    expect(binding("readinessCheck").trigger).toMatchObject({ type: "timerTrigger", schedule: "0 0 6 * * *" });
  });

  it("deliverAlerts: timer every minute", () => {
    expect(binding("deliverAlerts").trigger).toMatchObject({ type: "timerTrigger", schedule: "0 * * * * *" });
  });

  it("health is anonymous GET, its details and scan need the function key", () => {
    expect(binding("health").trigger).toMatchObject({ type: "httpTrigger", authLevel: "anonymous", methods: ["GET"], route: "health" });
    expect(binding("healthDetails").trigger).toMatchObject({ type: "httpTrigger", authLevel: "function", methods: ["GET"], route: "health/details" });
    expect(binding("scan").trigger).toMatchObject({ type: "httpTrigger", authLevel: "function", methods: ["POST"], route: "scan" });
    for (const name of ["health", "healthDetails", "scan"]) expect(binding(name).bindings.some((b) => b["type"] === "http" && b["direction"] === "out")).toBe(true);
  });

  it("package.json main globs the compiled function files", () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as { main: string };
    expect(pkg.main).toBe("dist/functions/*.js");
  });
});
