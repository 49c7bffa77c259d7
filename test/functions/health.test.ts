import { HttpRequest, InvocationContext } from "@azure/functions";
import { afterEach, describe, expect, it, vi } from "vitest";
import { health, healthDetails } from "../../functions/health.js";
import { setRuntime, type Runtime } from "../../src/app/runtime.js";
import { VERSION } from "../../src/version.js";

const get = (path: string) => new HttpRequest({ method: "GET", url: `http://localhost:7071/api/${path}` });
const context = (name: string) => new InvocationContext({ functionName: name, logHandler: () => undefined });

afterEach(() => {
  vi.unstubAllEnvs();
  setRuntime(undefined);
});

describe("health", () => {
  it("anonymous: down and the version only when the app cannot start; the reason needs the function key", async () => {
    setRuntime(undefined);
    vi.stubEnv("NSPG_SUBSCRIPTION_IDS", "");
    const anonymous = await health(get("health"), context("health"));
    // It used to answer with the failing setting's name and storage host names.
    expect(anonymous).toEqual({ status: 503, jsonBody: { status: "down", version: VERSION } });
    const details = await healthDetails(get("health/details"), context("healthDetails"));
    expect(details.status).toBe(503);
    expect(details.jsonBody).toMatchObject({ status: "unavailable", reason: expect.stringContaining("NSPG_SUBSCRIPTION_IDS") });
  });

  // Before: every anonymous call read the outbox table (channel health) and the index flag.
  it("anonymous: touches no storage and no alert channel", async () => {
    const untouchable = new Proxy(
      {},
      {
        get: (_target, key) => {
          throw new Error(`anonymous health used ${String(key)}`);
        },
      },
    );
    setRuntime({ settings: untouchable, store: untouchable, notifier: untouchable } as unknown as Runtime);
    expect(await health(get("health"), context("health"))).toEqual({ status: 200, jsonBody: { status: "up", version: VERSION } });
  });
});

