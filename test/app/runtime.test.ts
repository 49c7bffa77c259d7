/**
 * The Functions app's composition root turns the app settings into the pipeline's options: seconds
 * and hours become the milliseconds the pipeline works in.
 */
import { describe, expect, it } from "vitest";
import { loadSettings } from "../../src/app/config.js";
import { pipelineOptionsFrom } from "../../src/app/runtime.js";

const SUB = "11111111-1111-1111-1111-111111111111";
const MINIMAL = { NSPG_SUBSCRIPTION_IDS: SUB, AzureWebJobsStorage: "UseDevelopmentStorage=true" };

describe("pipelineOptionsFrom", () => {
  it("defaults: 5 s debounce, event ids kept 24 h, what Resource Graph does not hold re-read from ARM every 48 h", () => {
    expect(pipelineOptionsFrom(loadSettings(MINIMAL))).toEqual({
      debounceMs: 5_000,
      eventTtlMs: 24 * 3_600_000,
      rereadHorizonMs: 48 * 3_600_000,
      subscriptionIds: [SUB],
      selfPrincipalIds: [],
    });
  });

  it("NSPG_RECONCILE_REREAD_HOURS becomes rereadHorizonMs: fractions of an hour, and 0 (re-read every pass) kept as 0", () => {
    const horizon = (hours: string) => pipelineOptionsFrom(loadSettings({ ...MINIMAL, NSPG_RECONCILE_REREAD_HOURS: hours })).rereadHorizonMs;
    expect(horizon("0.5")).toBe(1_800_000);
    expect(horizon("0")).toBe(0);
    expect(horizon("720")).toBe(720 * 3_600_000);
  });

  it("the other settings reach the pipeline too", () => {
    const settings = loadSettings({ ...MINIMAL, NSPG_DEBOUNCE_SECONDS: "2.5", NSPG_EVENT_TTL_HOURS: "48", NSPG_SELF_PRINCIPAL_IDS: "44444444-4444-4444-4444-444444444444" });
    expect(pipelineOptionsFrom(settings)).toMatchObject({ debounceMs: 2_500, eventTtlMs: 48 * 3_600_000, selfPrincipalIds: ["44444444-4444-4444-4444-444444444444"] });
  });
});
