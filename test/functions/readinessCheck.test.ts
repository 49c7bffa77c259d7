/**
 * The readinessCheck timer as the host invokes it: settings loaded from app settings, the state and
 * the outbox in Azurite, the logs from the emulator's Log Analytics API through
 * `@azure/monitor-query-logs` over HTTPS, the card posted to a Teams receiver.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvocationContext, type Timer } from "@azure/functions";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readinessCheck } from "../../functions/readinessCheck.js";
import { loadSettings } from "../../src/app/config.js";
import { setRuntime, type Runtime } from "../../src/app/runtime.js";
import { DemoTeamsReceiver } from "../../src/demo/receivers.js";
import { silentLogger } from "../../src/logging.js";
import { createNotifier } from "../../src/notify/notifier.js";
import { TableAlertOutbox } from "../../src/state/outbox.js";
import { TableStateStore } from "../../src/state/tableStateStore.js";
import { startAzurite, type AzuriteInstance } from "../helpers/azurite.js";
import { startEmulator } from "../helpers/emulator.js";
import { ASSOC_ACCOUNT, estateResources, monthOfRows, NSP, SUB } from "../readiness/fixture.js";

const WORKSPACE = "5c3b1a2e-0000-4000-8000-0000000000cc";
const TIMER: Timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: new Date(0).toISOString(), next: new Date().toISOString(), lastUpdated: new Date(0).toISOString() } };
const DAY = 86_400_000;

let azurite: AzuriteInstance;
let receiver: DemoTeamsReceiver;
const saved = { token: process.env["NSPG_LOGS_TOKEN"], ca: process.env["NSPG_LOGS_CA_FILE"] };
beforeAll(async () => {
  azurite = await startAzurite();
  receiver = await DemoTeamsReceiver.start(() => undefined);
}, 60_000);
afterAll(async () => {
  await receiver.close();
  await azurite.stop();
});
afterEach(() => {
  setRuntime(undefined);
  for (const [key, value] of [["NSPG_LOGS_TOKEN", saved.token], ["NSPG_LOGS_CA_FILE", saved.ca]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

async function install(options: { workspace: boolean }, prefix: string) {
  const now = new Date();
  // The storage account's association is 40 days old: past the 30 grace days.
  const resources = estateResources().map((r) => (r.id === ASSOC_ACCOUNT ? { ...r, systemData: { createdAt: new Date(now.getTime() - 40 * DAY).toISOString() } } : r));
  const emulator = await startEmulator([], { logs: { [WORKSPACE]: monthOfRows(now) } });
  const caFile = join(mkdtempSync(join(tmpdir(), "nspg-readiness-fn-")), "ca.pem");
  writeFileSync(caFile, emulator.caCertificate);
  // The app's identity in Azure; here a token of the emulator, as NSPG_ARM_TOKEN is for ARM.
  process.env["NSPG_LOGS_TOKEN"] = emulator.token();
  process.env["NSPG_LOGS_CA_FILE"] = caFile;
  const env = {
    AzureWebJobsStorage: azurite.connectionString,
    NSPG_SUBSCRIPTION_IDS: SUB,
    NSPG_POLICY: JSON.stringify({ transitionGraceDays: 30, notify: { teams: [{ webhookUrl: "env:TEAMS_WEBHOOK_URL", minSeverity: "info" }] } }),
    TEAMS_WEBHOOK_URL: receiver.url,
    NSPG_WEBHOOK_ALLOWED_HOSTS: new URL(receiver.url).hostname,
    // The workspace, and the emulator's Log Analytics endpoint instead of api.loganalytics.io.
    ...(options.workspace ? { NSPG_LOGS_WORKSPACE_ID: WORKSPACE, NSPG_LOGS_ENDPOINT: emulator.logsEndpoint } : {}),
  };
  const settings = loadSettings(env);
  const store = TableStateStore.fromConnectionString(azurite.connectionString, { prefix });
  const outbox = TableAlertOutbox.fromConnectionString(azurite.connectionString, { prefix });
  await Promise.all([store.init(), outbox.init()]);
  // What the reconcile leaves: the perimeter's cache.
  await store.putPerimeterCache({ perimeterId: NSP, reconciledAt: now.toISOString(), resources }, undefined);
  const notifier = createNotifier({ policy: settings.policy, env, outbox });
  // The rest of the runtime is not used by this function.
  setRuntime({ settings, store, notifier, logger: silentLogger } as unknown as Runtime);
  return { emulator, store };
}

describe("readinessCheck (timer)", () => {
  it("with NSPG_LOGS_WORKSPACE_ID: queries the workspace, posts the card once, remembers the state in Azurite", async () => {
    const { emulator, store } = await install({ workspace: true }, "rdyon");
    const before = receiver.bodies.length;
    await readinessCheck(TIMER, new InvocationContext({ functionName: "readinessCheck" }));
    expect(emulator.logAnalytics.queries.map((q) => q.workspaceId)).toEqual([WORKSPACE]);
    expect(receiver.bodies.length - before).toBe(1);
    expect(receiver.bodies.at(-1)).toContain("Still not ready after 30 days: enforcing stdata would deny 10 caller(s)");
    expect((await store.getReadinessMemory(ASSOC_ACCOUNT)).value).toMatchObject({ state: "overdue" });

    // The next run: same state, nothing posted.
    await readinessCheck(TIMER, new InvocationContext({ functionName: "readinessCheck" }));
    expect(emulator.logAnalytics.queries).toHaveLength(2);
    expect(receiver.bodies.length - before).toBe(1);
  }, 120_000);

  it("without NSPG_LOGS_WORKSPACE_ID: off, no query, nothing posted", async () => {
    const { emulator, store } = await install({ workspace: false }, "rdyoff");
    const before = receiver.bodies.length;
    await readinessCheck(TIMER, new InvocationContext({ functionName: "readinessCheck" }));
    expect(emulator.logAnalytics.queries).toEqual([]);
    expect(receiver.bodies.length).toBe(before);
    expect((await store.getReadinessMemory(ASSOC_ACCOUNT)).value).toBeUndefined();
  }, 60_000);

  it("a workspace id that is not a GUID is an app-setting error naming it", () => {
    expect(() => loadSettings({ AzureWebJobsStorage: "UseDevelopmentStorage=true", NSPG_SUBSCRIPTION_IDS: SUB, NSPG_LOGS_WORKSPACE_ID: "/subscriptions/x/workspaces/law" })).toThrow("app setting NSPG_LOGS_WORKSPACE_ID: expected the Log Analytics workspace id");
  });
});
