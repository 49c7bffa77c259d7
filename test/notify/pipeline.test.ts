/**
 * End to end: the ARM emulator emits Event Grid events, the pipeline evaluates, the notifier (as the
 * pipeline's onDecision) posts to a real local Teams endpoint. Repeated evaluations stay quiet, the
 * caller of the change comes from the event's claims, and a fix brings resolution notices.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ArmResource } from "../../src/model/resource.js";
import { createNotifier, type Notifier } from "../../src/notify/notifier.js";
import { MemoryAlertOutbox, type AlertOutbox } from "../../src/state/outbox.js";
import { failOnce, withFaults } from "../../src/simulate/faultyStore.js";
import type { EvaluationMessage } from "../../src/pipeline/ports.js";
import { MemoryStateStore } from "../../src/state/memoryStateStore.js";
import { accessRule, association, perimeter, profile, storageAccount } from "../helpers/builders.js";
import { startPipeline } from "../helpers/pipelineHarness.js";
import { TeamsReceiver } from "../helpers/teamsReceiver.js";
import { cardValidator, policyWith } from "./support.js";

const ALICE = { objectId: "0000000a-0000-0000-0000-00000000a11c", name: "alice@contoso.example" };
const validateCard = cardValidator();

let teams: TeamsReceiver;
let prodOnly: TeamsReceiver;
let devOnly: TeamsReceiver;
let notifier: Notifier | undefined;
beforeAll(async () => {
  [teams, prodOnly, devOnly] = await Promise.all([TeamsReceiver.start(), TeamsReceiver.start(), TeamsReceiver.start()]);
});
afterAll(async () => {
  await notifier?.close();
  await Promise.all([teams.close(), prodOnly.close(), devOnly.close()]);
});

describe("pipeline → notifier → Teams", () => {
  it("an outbox that refuses the alerts makes the evaluation retry instead of losing them", async () => {
    const nsp = perimeter("nsp-data");
    const prof = profile(nsp, "default");
    const account = storageAccount("stalpha");
    const assoc = association(nsp, "assoc-stalpha", account.id, { profile: prof, accessMode: "Enforced" });
    const policy = policyWith({ notify: { teams: [{ webhookUrl: "env:TEAMS_WEBHOOK_URL", minSeverity: "low" }] } });
    const store = new MemoryStateStore();
    let schedule = (_port: string, _method: string): "before" | "after" | undefined => undefined;
    const outbox = withFaults<AlertOutbox>(new MemoryAlertOutbox(), "outbox", (p, m) => schedule(p, m));
    const local = createNotifier({ policy, env: { TEAMS_WEBHOOK_URL: teams.url, NSPG_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1" }, outbox, stateStore: store });
    const queued: EvaluationMessage[] = [];
    const h = await startPipeline([nsp, prof, account, assoc], {
      policy,
      store,
      queue: { enqueue: async (m) => void queued.push(m) },
      onDecision: async (decision, plans, log) => ({ ...decision, actions: await local.dispatch(decision, plans, log) }),
    });
    await h.pipeline.reconcile();
    const before = teams.delivered.length;
    h.emulator.put({ ...account, properties: { ...account.properties, isSftpEnabled: true } }, ALICE);
    await h.events.drain();
    schedule = failOnce("outbox.add");
    const message = queued.shift()!;
    await expect(h.pipeline.evaluateMessage(message)).rejects.toThrow(/could not be queued/); // before: swallowed, findings stored, alert lost
    expect(teams.delivered.length).toBe(before);
    const retried = await h.pipeline.evaluateMessage(message); // the host's retry
    expect(retried!.findings.filter((f) => f.status === "new").map((f) => f.ruleId)).toEqual(["storage-sftp"]);
    const cards = teams.delivered.slice(before).map((m) => JSON.stringify(m.attachments[0]!.content));
    expect(cards).toHaveLength(1);
    expect(cards[0]).toContain("storage-sftp");
    await local.close();
  });

  it("alerts once per change, names the caller, and announces the resolution", async () => {
    const nsp = perimeter("nsp-data");
    const prof = profile(nsp, "default");
    const ipRule = accessRule(prof, "offices", { direction: "Inbound", addressPrefixes: ["203.0.113.0/24"] });
    // Its own public access: in Learning the account is then not effectively enforcing (transition-mode stays medium).
    const account = storageAccount("stalpha", { publicNetworkAccess: "Enabled" }, {}, { tags: { Env: "prod" } });
    const assoc = association(nsp, "assoc-stalpha", account.id, { profile: prof, accessMode: "Enforced" });
    const resources: ArmResource[] = [nsp, prof, ipRule, account, assoc];
    const policy = policyWith({
      dryRun: true,
      rules: { "storage-enforcement-downgrade": { action: "revert" } },
      notify: {
        teams: [
          { webhookUrl: "env:TEAMS_WEBHOOK_URL", minSeverity: "medium" },
          // Tags come from the perimeter caches of the state store.
          { webhookUrl: "env:TEAMS_PROD", minSeverity: "medium", tags: { env: "prod" } },
          { webhookUrl: "env:TEAMS_DEV", minSeverity: "medium", tags: { env: "dev" } },
        ],
      },
    });
    const store = new MemoryStateStore();
    notifier = createNotifier({ policy, env: { TEAMS_WEBHOOK_URL: teams.url, TEAMS_PROD: prodOnly.url, TEAMS_DEV: devOnly.url, NSPG_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1" }, outbox: new MemoryAlertOutbox(), stateStore: store });
    const n = notifier;
    const h = await startPipeline(resources, { policy, store, onDecision: async (decision, plans, log) => ({ ...decision, actions: await n.dispatch(decision, plans, log) }) });
    await h.pipeline.reconcile();
    const baseline = teams.posts.length;
    await h.pipeline.reconcile();
    await h.pipeline.reconcile();
    expect(teams.posts.length).toBe(baseline); // repeated evaluations: nothing new

    h.emulator.put({ ...assoc, properties: { ...assoc.properties, accessMode: "Learning" } }, ALICE);
    const decisions = await h.settle();
    const alerts = decisions.flatMap((d) => d.actions.filter((a) => a.type === "alert"));
    expect(alerts.map((a) => `${a.ruleId} ${a.status}`).sort()).toEqual(["storage-enforcement-downgrade applied", "storage-transition-mode applied"]);
    const fresh = teams.delivered.slice(baseline).map((m) => m.attachments[0]!.content);
    expect(fresh).toHaveLength(2);
    for (const card of fresh) expect(validateCard(card), validateCard.errorsText()).toBe(true);
    const downgrade = JSON.stringify(fresh.find((c) => JSON.stringify(c).includes("storage-enforcement-downgrade")));
    expect(downgrade).toContain(`object id ${ALICE.objectId}`);
    expect(downgrade).toContain("Revert planned, not applied (dry run): would restore assoc-stalpha");
    expect(downgrade).toContain("stalpha");

    await h.pipeline.reconcile();
    expect(teams.posts.length).toBe(baseline + 2);

    h.emulator.put(assoc, ALICE);
    await h.settle();
    const resolved = teams.delivered.slice(baseline + 2).map((m) => JSON.stringify(m.attachments[0]!.content));
    expect(resolved).toHaveLength(2);
    for (const card of resolved) expect(card).toContain("RESOLVED");
    expect((await n.channelHealth()).channels[0]).toMatchObject({ status: "ok", pending: 0 });
    // Tag routing: the prod channel heard about stalpha (tagged Env=prod) exactly as the main one did.
    const about = (r: TeamsReceiver) => r.delivered.map((m) => JSON.stringify(m)).filter((c) => c.includes("stalpha")).length;
    expect(about(prodOnly)).toBe(4);
    expect(about(devOnly)).toBe(0);
  });
});
