/**
 * Alerts to Teams through the notifier and the outbox, against a real local webhook endpoint:
 * delivery and content, dedupe across evaluations, severity increases and resolutions, digests,
 * routing, rate limit, outages (5xx, 429 + Retry-After, refused connection, timeout, the legacy
 * "200 with an error") followed by recovery with every alert delivered exactly once, channel health,
 * and no webhook URL in the logs or the outbox.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createNotifier, type Notifier, type NotifierDeps } from "../../src/notify/notifier.js";
import { MemoryAlertOutbox } from "../../src/state/outbox.js";
import type { Policy } from "../../src/policy/policy.js";
import { TeamsReceiver } from "../helpers/teamsReceiver.js";
import { ALICE, capturedLogger, cardValidator, changeOf, Evaluations, finding, ManualClock, policyWith } from "./support.js";

const START = Date.parse("2026-11-22T08:00:00Z");
const validateCard = cardValidator();

let receivers: TeamsReceiver[] = [];
let notifiers: Notifier[] = [];

beforeEach(() => {
  receivers = [];
  notifiers = [];
});
afterEach(async () => {
  await Promise.all(notifiers.map((n) => n.close()));
  await Promise.all(receivers.map((r) => r.close()));
});

async function receiver(): Promise<TeamsReceiver> {
  const r = await TeamsReceiver.start();
  receivers.push(r);
  return r;
}

function teamsPolicy(extra: Record<string, unknown> = {}, notify: Record<string, unknown> = {}): Policy {
  return policyWith({
    dryRun: true,
    ...extra,
    notify: { teams: [{ webhookUrl: "env:TEAMS_WEBHOOK_URL", minSeverity: "medium" }], ...notify },
  });
}

function setup(policy: Policy, env: Record<string, string>, overrides: Partial<NotifierDeps> = {}) {
  const clock = new ManualClock(START);
  const outbox = new MemoryAlertOutbox();
  const log = capturedLogger();
  const notifier = createNotifier({
    policy,
    // The local receivers are allowed by name, as a deployment lists its own hosts.
    env: { NSPG_NOTIFY_TIMEOUT_SECONDS: "2", NSPG_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1", ...env },
    outbox,
    logger: log.logger,
    clock: clock.now,
    random: () => 0.5,
    ...overrides,
  });
  notifiers.push(notifier);
  const evaluations = new Evaluations(policy);
  return { clock, outbox, log, notifier, evaluations };
}

const cardsOf = (r: TeamsReceiver) => r.delivered.map((m) => m.attachments[0]!.content);
const titleOf = (card: Record<string, unknown>) => String(((card["body"] as Array<{ items?: Array<{ text: string }> }>)[0]!.items ?? [])[1]?.text);
const kickerOf = (card: Record<string, unknown>) => String(((card["body"] as Array<{ items?: Array<{ text: string }> }>)[0]!.items ?? [])[0]?.text);

describe("Teams delivery", () => {
  it("posts a valid Adaptive Card in the message envelope to the webhook and marks the alert applied", async () => {
    const teams = await receiver();
    const { notifier, evaluations, clock } = setup(teamsPolicy({ rules: { "storage-sftp": { action: "revert" } } }), { TEAMS_WEBHOOK_URL: teams.url });
    const { decision, plans } = evaluations.evaluate([finding("storage-sftp", "stbeta", { action: "revert" })], clock.now(), [changeOf("stbeta")]);
    decision.actions = await notifier.dispatch(decision, plans);

    expect(teams.posts).toHaveLength(1);
    const post = teams.posts[0]!;
    expect(post.headers["content-type"]).toBe("application/json");
    expect(post.headers["x-nspg-alert-id"]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const message = JSON.parse(post.body);
    expect(message.type).toBe("message");
    expect(message.attachments[0].contentType).toBe("application/vnd.microsoft.card.adaptive");
    const card = message.attachments[0].content;
    expect(validateCard(card), validateCard.errorsText()).toBe(true);
    expect(titleOf(card)).toBe("SFTP enabled on a storage account in a perimeter");
    expect(JSON.stringify(card)).toContain(`object id ${ALICE.objectId}`);
    expect(JSON.stringify(card)).toContain("Revert planned, not applied (dry run)");

    const alert = decision.actions.find((a) => a.type === "alert")!;
    expect(alert.status).toBe("applied");
    expect(alert.reason).toBe("new finding; sent to teams[0]");
    // The revert action is not the notifier's business.
    expect(decision.actions.find((a) => a.type === "revert")!.status).toBe("planned");
  });

  it("never repeats an unchanged finding; announces severity increases, resolutions and a finding's return", async () => {
    const teams = await receiver();
    const { notifier, evaluations, clock } = setup(teamsPolicy(), { TEAMS_WEBHOOK_URL: teams.url });
    const run = async (findings: ReturnType<typeof finding>[]) => {
      clock.advance(60_000);
      const { decision, plans } = evaluations.evaluate(findings, clock.now());
      decision.actions = await notifier.dispatch(decision, plans);
      // Dispatching the same decision twice (a retried invocation) queues nothing new either.
      await notifier.dispatch(
        { ...decision, actions: decision.actions.map((a) => ({ ...a, status: a.type === "alert" ? "planned" : a.status, reason: a.reason.split(";")[0]! })) },
        plans,
      );
      return decision;
    };
    const medium = finding("storage-transition-mode", "stalpha", { severity: "medium" });
    const high = finding("storage-transition-mode", "stalpha", { severity: "high" });
    await run([medium]);
    await run([medium]);
    await run([medium]);
    expect(cardsOf(teams).map(kickerOf)).toEqual(["MEDIUM · New finding · NSP Guardrail"]);
    await run([high]);
    await run([high]);
    await run([]);
    await run([]);
    await run([high]);
    expect(cardsOf(teams).map(kickerOf)).toEqual([
      "MEDIUM · New finding · NSP Guardrail",
      "HIGH · Severity rose from medium to high · NSP Guardrail",
      "RESOLVED · was High · NSP Guardrail",
      "HIGH · New finding · NSP Guardrail",
    ]);
    expect(teams.posts).toHaveLength(4);
  });

  it("a resolution goes only to channels that were told about the finding", async () => {
    const all = await receiver();
    const criticalOnly = await receiver();
    const policy = teamsPolicy({}, {
      teams: [
        { webhookUrl: "env:TEAMS_ALL", minSeverity: "low" },
        { webhookUrl: "env:TEAMS_CRITICAL", minSeverity: "critical" },
      ],
    });
    const { notifier, evaluations, clock } = setup(policy, { TEAMS_ALL: all.url, TEAMS_CRITICAL: criticalOnly.url });
    let step = evaluations.evaluate([finding("storage-sftp", "stbeta")], clock.now());
    step.decision.actions = await notifier.dispatch(step.decision, step.plans);
    expect(step.decision.actions[0]!.reason).toBe("new finding; sent to teams[0]; teams[1]: below minSeverity critical");
    step = evaluations.evaluate([], clock.now());
    step.decision.actions = await notifier.dispatch(step.decision, step.plans);
    expect(cardsOf(all).map(kickerOf)).toEqual(["HIGH · New finding · NSP Guardrail", "RESOLVED · was High · NSP Guardrail"]);
    expect(criticalOnly.posts).toHaveLength(0);
  });

  it("one evaluation raising more than digestThreshold alerts sends one digest card", async () => {
    const teams = await receiver();
    const { notifier, evaluations, clock } = setup(teamsPolicy({}, { digestThreshold: 3 }), { TEAMS_WEBHOOK_URL: teams.url });
    const findings = ["st1", "st2", "st3", "st4", "st5"].map((n, i) => finding(i < 2 ? "storage-nfs" : "storage-sftp", n, { severity: i < 2 ? "critical" : "high" }));
    const { decision, plans } = evaluations.evaluate(findings, clock.now());
    decision.actions = await notifier.dispatch(decision, plans);
    expect(teams.posts).toHaveLength(1);
    const card = cardsOf(teams)[0]!;
    expect(validateCard(card), validateCard.errorsText()).toBe(true);
    expect(kickerOf(card)).toBe("DIGEST · 5 alerts (2 critical, 3 high) · NSP Guardrail");
    for (const n of ["st1", "st2", "st3", "st4", "st5"]) expect(JSON.stringify(card)).toContain(`storageAccounts/${n})`);
    expect(decision.actions.map((a) => `${a.status} ${a.reason}`)).toEqual(Array(5).fill("applied new finding; sent to teams[0] (digest)"));
    // Three alerts are not more than three: one card each.
    const next = evaluations.evaluate([...findings, ...["st6", "st7", "st8"].map((n) => finding("storage-sftp", n))], clock.now());
    next.decision.actions = await notifier.dispatch(next.decision, next.plans);
    expect(teams.posts).toHaveLength(4);
  });

  it("routes by minimum severity, rule ids, resource groups and resource tags", async () => {
    const teams = await receiver();
    const policy = teamsPolicy({}, {
      teams: [{ webhookUrl: "env:TEAMS_WEBHOOK_URL", minSeverity: "medium", rules: ["storage-sftp", "storage-nfs"], resourceGroups: ["rg-prod-*"], tags: { env: "prod", owner: "*" } }],
    });
    const tagsByAccount: Record<string, Record<string, string>> = {
      stok: { Env: "PROD", owner: "data-team" },
      stnoowner: { env: "prod" },
      stdev: { env: "dev", owner: "x" },
      stlow: { env: "prod", owner: "x" },
      strule: { env: "prod", owner: "x" },
      strg: { env: "prod", owner: "x" },
    };
    const { notifier, evaluations, clock } = setup(policy, { TEAMS_WEBHOOK_URL: teams.url }, {
      tagsOf: async (resourceId) => tagsByAccount[resourceId.split("/").pop()!],
    });
    const { decision, plans } = evaluations.evaluate(
      [
        finding("storage-sftp", "stok", { rg: "rg-prod-eu" }),
        finding("storage-sftp", "stnoowner", { rg: "rg-prod-eu" }),
        finding("storage-sftp", "stdev", { rg: "rg-prod-eu" }),
        finding("storage-sftp", "stlow", { rg: "rg-prod-eu", severity: "low" }),
        finding("storage-lifecycle-management", "strule", { rg: "rg-prod-eu" }),
        finding("storage-sftp", "strg", { rg: "rg-test" }),
      ],
      clock.now(),
    );
    decision.actions = await notifier.dispatch(decision, plans);
    expect(teams.posts).toHaveLength(1);
    expect(JSON.stringify(cardsOf(teams)[0])).toContain("stok");
    const reasons = Object.fromEntries(decision.actions.map((a) => [a.resourceId.split("/").pop(), `${a.status}: ${a.reason}`]));
    expect(reasons).toEqual({
      stok: "applied: new finding; sent to teams[0]",
      stnoowner: "skipped: new finding; teams[0]: tag owner does not match",
      stdev: "skipped: new finding; teams[0]: tag env does not match",
      stlow: "skipped: new finding; teams[0]: below minSeverity medium",
      strule: "skipped: new finding; teams[0]: rule not listed",
      strg: "skipped: new finding; teams[0]: resource group not listed",
    });
  });

  it("rate-limits each channel: what is over the limit waits in the outbox and goes out in the next window", async () => {
    const teams = await receiver();
    const { notifier, evaluations, clock } = setup(teamsPolicy({}, { digestThreshold: 10 }), { TEAMS_WEBHOOK_URL: teams.url, NSPG_NOTIFY_MAX_PER_MINUTE: "2" });
    const { decision, plans } = evaluations.evaluate(["st1", "st2", "st3", "st4"].map((n) => finding("storage-sftp", n)), clock.now());
    decision.actions = await notifier.dispatch(decision, plans);
    expect(teams.posts).toHaveLength(2);
    expect(decision.actions.map((a) => a.status)).toEqual(["applied", "applied", "planned", "planned"]);
    expect(decision.actions[2]!.reason).toBe("new finding; teams[0]: queued (rate limit of 2 per minute reached)");
    await notifier.deliverDue();
    expect(teams.posts).toHaveLength(2); // still the same window
    clock.advance(60_000);
    const report = await notifier.deliverDue();
    expect(report).toMatchObject({ delivered: 2, failed: 0 });
    expect(cardsOf(teams).map((c) => JSON.stringify(c).match(/storageAccounts\/(st\d)/)![1])).toEqual(["st1", "st2", "st3", "st4"]);
  });
});

describe("Teams outages and recovery", () => {
  it("5xx: retried with backoff from the outbox, delivered exactly once, channel health follows", async () => {
    const teams = await receiver();
    const { notifier, evaluations, clock, log } = setup(teamsPolicy(), { TEAMS_WEBHOOK_URL: teams.url });
    teams.failNext(3, { status: 503 });
    const { decision, plans } = evaluations.evaluate([finding("storage-sftp", "st1"), finding("storage-nfs", "st2", { severity: "critical" })], clock.now());
    decision.actions = await notifier.dispatch(decision, plans);
    // The first send failed; the channel rests, so the second waits without being tried.
    expect(teams.posts).toHaveLength(1);
    expect(decision.actions.map((a) => a.status)).toEqual(["failed", "planned"]);
    expect(decision.actions[0]!.reason).toBe("new finding; teams[0]: HTTP 503 Service Unavailable, queued for retry from 2026-11-22T08:00:30.000Z");
    expect(decision.actions[1]!.reason).toMatch(/^new finding; teams\[0\]: queued \(channel resting after a failure/);
    let health = await notifier.channelHealth();
    expect(health.channels[0]).toMatchObject({ status: "retrying", pending: 2, consecutiveFailures: 1, lastError: "HTTP 503 Service Unavailable", target: "127.0.0.1:" + new URL(teams.url).port });

    expect(await notifier.deliverDue()).toMatchObject({ delivered: 0, failed: 0 }); // still backing off
    clock.advance(30_000);
    expect(await notifier.deliverDue()).toMatchObject({ delivered: 0, failed: 1, deferred: 1 }); // 2nd failure, backoff 60 s
    clock.advance(59_000);
    expect(await notifier.deliverDue()).toMatchObject({ delivered: 0, failed: 0 });
    clock.advance(1_000);
    expect(await notifier.deliverDue()).toMatchObject({ delivered: 0, failed: 1 }); // 3rd: failing
    health = await notifier.channelHealth();
    expect(health.status).toBe("degraded");
    expect(health.channels[0]).toMatchObject({ status: "failing", consecutiveFailures: 3, pending: 2 });
    expect(log.lines.filter((l) => l.includes("alert channel failing"))).toHaveLength(1);

    clock.advance(120_000);
    expect(await notifier.deliverDue()).toMatchObject({ delivered: 2, failed: 0 });
    expect(await notifier.deliverDue()).toMatchObject({ delivered: 0 });
    expect(cardsOf(teams).map((c) => JSON.stringify(c).match(/storageAccounts\/(st\d)/)![1])).toEqual(["st1", "st2"]);
    health = await notifier.channelHealth();
    expect(health).toMatchObject({ status: "ok" });
    expect(health.channels[0]).toMatchObject({ status: "ok", pending: 0, consecutiveFailures: 0 });
    expect(log.lines.some((l) => l.includes("alert channel recovered"))).toBe(true);
  });

  // Before: fetch followed the redirect and re-posted the alert to the host it named.
  it("refuses a redirect: the alert is not re-posted to the host it names", async () => {
    const teams = await receiver();
    const elsewhere = await receiver();
    const { notifier, evaluations, clock } = setup(teamsPolicy(), { TEAMS_WEBHOOK_URL: teams.url });
    teams.failNext(1, { status: 307, headers: { Location: elsewhere.url } });
    const { decision, plans } = evaluations.evaluate([finding("storage-sftp", "st1")], clock.now());
    decision.actions = await notifier.dispatch(decision, plans);
    expect(teams.posts).toHaveLength(1);
    expect(elsewhere.posts).toHaveLength(0);
    expect(decision.actions[0]!.reason).toContain("redirect refused");
  });

  it("429 honours Retry-After", async () => {
    const teams = await receiver();
    const { notifier, evaluations, clock } = setup(teamsPolicy(), { TEAMS_WEBHOOK_URL: teams.url });
    teams.failNext(1, { status: 429, headers: { "Retry-After": "300" } });
    const { decision, plans } = evaluations.evaluate([finding("storage-sftp", "st1")], clock.now());
    decision.actions = await notifier.dispatch(decision, plans);
    expect(decision.actions[0]!.reason).toBe("new finding; teams[0]: HTTP 429 Too Many Requests, queued for retry from 2026-11-22T08:05:00.000Z");
    clock.advance(299_000);
    expect(await notifier.deliverDue()).toMatchObject({ delivered: 0 });
    clock.advance(1_000);
    expect(await notifier.deliverDue()).toMatchObject({ delivered: 1 });
    expect(teams.delivered).toHaveLength(1);
  });

  it("a refused connection on one channel holds nothing back on the others; every alert arrives once after recovery", async () => {
    const down = await receiver();
    const fine = await receiver();
    const policy = teamsPolicy({}, {
      teams: [
        { webhookUrl: "env:TEAMS_DOWN", minSeverity: "low" },
        { webhookUrl: "env:TEAMS_FINE", minSeverity: "low" },
      ],
    });
    const { notifier, evaluations, clock } = setup(policy, { TEAMS_DOWN: down.url, TEAMS_FINE: fine.url });
    await down.down();
    const accounts = ["st1", "st2", "st3"];
    for (const [i, account] of accounts.entries()) {
      const { decision, plans } = evaluations.evaluate(accounts.slice(0, i + 1).map((a) => finding("storage-sftp", a)), clock.now());
      decision.actions = await notifier.dispatch(decision, plans);
      const alert = decision.actions.find((a) => a.resourceId.endsWith(account))!;
      expect(alert.status).not.toBe("applied");
      expect(alert.reason).toContain("sent to teams[1]");
      clock.advance(40_000);
      await notifier.deliverDue();
    }
    expect(fine.delivered).toHaveLength(3);
    const health = await notifier.channelHealth();
    expect(health.channels.map((c) => [c.label, c.status, c.pending])).toEqual([
      ["teams[0]", "failing", 3],
      ["teams[1]", "ok", 0],
    ]);
    expect(health.status).toBe("degraded");
    expect(health.channels[0]!.lastError).toBe("connection refused (ECONNREFUSED)");

    await down.up();
    clock.advance(3_600_000);
    expect(await notifier.deliverDue()).toMatchObject({ delivered: 3, failed: 0 });
    clock.advance(3_600_000);
    expect(await notifier.deliverDue()).toMatchObject({ delivered: 0 });
    expect(cardsOf(down).map((c) => JSON.stringify(c).match(/storageAccounts\/(st\d)/)![1])).toEqual(["st1", "st2", "st3"]);
    expect(fine.delivered).toHaveLength(3);
  });

  it("a timeout and a legacy webhook's 200-with-an-error are failures too", async () => {
    const teams = await receiver();
    const { notifier, evaluations, clock } = setup(teamsPolicy(), { TEAMS_WEBHOOK_URL: teams.url, NSPG_NOTIFY_TIMEOUT_SECONDS: "1" });
    teams.failNext(1, { hangMs: 3_000 });
    teams.failNext(1, { legacyError: 429 });
    const { decision, plans } = evaluations.evaluate([finding("storage-sftp", "st1")], clock.now());
    decision.actions = await notifier.dispatch(decision, plans);
    expect(decision.actions[0]!.reason).toMatch(/teams\[0\]: timeout after 1000 ms, queued for retry/);
    clock.advance(30_000);
    expect(await notifier.deliverDue()).toMatchObject({ failed: 1 });
    expect((await notifier.channelHealth()).channels[0]!.lastError).toBe("HTTP 200 relaying Teams error 429");
    clock.advance(60_000);
    expect(await notifier.deliverDue()).toMatchObject({ delivered: 1 });
    expect(teams.delivered).toHaveLength(1);
  });

  it("webhook URLs never reach the logs, the outbox or the health report", async () => {
    const teams = await receiver();
    const { notifier, evaluations, clock, log, outbox } = setup(teamsPolicy(), { TEAMS_WEBHOOK_URL: teams.url });
    teams.failNext(1, { status: 500, body: `upstream said: ${teams.url}` });
    const { decision, plans } = evaluations.evaluate([finding("storage-sftp", "st1")], clock.now());
    decision.actions = await notifier.dispatch(decision, plans);
    await teams.down();
    clock.advance(30_000);
    await notifier.deliverDue();
    await teams.up();
    clock.advance(60_000);
    await notifier.deliverDue();
    expect(teams.delivered).toHaveLength(1);
    expect(log.lines.length).toBeGreaterThan(2);
    const secrets = [teams.url, teams.secretPath, new URL(teams.url).search.slice(1)];
    const stored = JSON.stringify([await outbox.due(new Date(8e15), 100), await outbox.listChannels(), await outbox.pending()]);
    const health = JSON.stringify(await notifier.channelHealth());
    for (const secret of secrets) {
      expect(log.text()).not.toContain(secret);
      expect(stored).not.toContain(secret);
      expect(health).not.toContain(secret);
      expect(JSON.stringify(decision.actions)).not.toContain(secret);
    }
    // The project's logger redacts a webhookUrl field too, should anyone log one.
    log.logger.info({ channel: { webhookUrl: teams.url } }, "configured");
    expect(log.text()).not.toContain(teams.secretPath);
  });
});

describe("Teams channel configuration", () => {
  it("env: URLs resolve from the environment; http is refused except for localhost; errors never echo a URL", async () => {
    const outbox = new MemoryAlertOutbox();
    const make = (webhookUrl: string, env: Record<string, string> = {}) => () => createNotifier({ policy: teamsPolicy({}, { teams: [{ webhookUrl, minSeverity: "high" }] }), env, outbox });
    const local = { NSPG_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1, localhost" };
    expect(make("env:TEAMS_WEBHOOK_URL")).toThrow("notify.teams[0].webhookUrl: environment variable TEAMS_WEBHOOK_URL is not set");
    expect(make("env:TEAMS_WEBHOOK_URL", { TEAMS_WEBHOOK_URL: "http://prod-01.westeurope.logic.azure.com/workflows/secret" })).toThrow(
      /^notify\.teams\[0\]\.webhookUrl \(from TEAMS_WEBHOOK_URL\): must be an https URL \(http is accepted only for localhost\)$/,
    );
    expect(make("http://10.0.0.5/hook/secret")).toThrow(/^notify\.teams\[0\]\.webhookUrl: must be an https URL/);
    expect(make("not a url /secret")).toThrow(/^notify\.teams\[0\]\.webhookUrl: not a valid URL$/);
    expect(make("http://localhost:7071/hook", local)).not.toThrow();
    expect(make("http://127.0.0.1:7071/hook", local)).not.toThrow();
    const notifier = make("env:TEAMS_WEBHOOK_URL", { TEAMS_WEBHOOK_URL: "https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=SECRET" })();
    expect(notifier.channels[0]).toMatchObject({ kind: "teams", label: "teams[0]", target: "prod-01.westeurope.logic.azure.com" });
    expect(JSON.stringify(await notifier.channelHealth())).not.toContain("SECRET");
  });

  // Before: any https host, and http to localhost without asking.
  it("sends only to allowed hosts: Teams Workflows, Logic Apps and Power Automate by default, others when listed", () => {
    const outbox = new MemoryAlertOutbox();
    const make = (webhookUrl: string, env: Record<string, string> = {}) => () => createNotifier({ policy: teamsPolicy({}, { teams: [{ webhookUrl, minSeverity: "high" }] }), env, outbox });
    expect(make("https://prod-27.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=x")).not.toThrow();
    expect(make("https://default1234.09.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/abc/triggers/manual/paths/invoke?sig=x")).not.toThrow();
    expect(make("https://attacker.example/hook/secret")).toThrow(
      /^notify\.teams\[0\]\.webhookUrl: host attacker\.example is not allowed \(NSPG_WEBHOOK_ALLOWED_HOSTS: \*\.logic\.azure\.com, \*\.environment\.api\.powerplatform\.com\)$/,
    );
    // A look-alike is not a subdomain.
    expect(make("https://evil-logic.azure.com.attacker.example/x")).toThrow(/is not allowed/);
    expect(make("https://notlogic.azure.com/x")).toThrow(/is not allowed/);
    // The local receivers of tests and the demo only when listed: no blanket loopback bypass.
    expect(make("http://127.0.0.1:7071/hook")).toThrow(/host 127\.0\.0\.1 is not allowed/);
    expect(make("https://contoso.webhook.office.com/webhookb2/secret", { NSPG_WEBHOOK_ALLOWED_HOSTS: "*.webhook.office.com" })).not.toThrow();
    expect(make("https://prod-27.westus.logic.azure.com/x", { NSPG_WEBHOOK_ALLOWED_HOSTS: "*.webhook.office.com" })).toThrow(/is not allowed/);
    expect(make("https://a.example/x", { NSPG_WEBHOOK_ALLOWED_HOSTS: "*" })).toThrow('app setting NSPG_WEBHOOK_ALLOWED_HOSTS: "*": expected a host or *.domain');
  });

  it("without channels, alerts are logged and marked applied", async () => {
    const { notifier, evaluations, clock, log } = setup(policyWith({}), {});
    const { decision, plans } = evaluations.evaluate([finding("storage-sftp", "st1")], clock.now());
    decision.actions = await notifier.dispatch(decision, plans);
    expect(decision.actions[0]).toMatchObject({ status: "applied", reason: "new finding; logged (no alert channel configured)" });
    expect(log.lines.some((l) => l.includes('"msg":"alert"'))).toBe(true);
    expect((await notifier.channelHealth()).status).toBe("unconfigured");
  });
});
