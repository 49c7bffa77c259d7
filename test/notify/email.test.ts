/**
 * Email alerts against real local receivers: an in-process SMTP server (smtp-server, STARTTLS and
 * AUTH) receiving what nodemailer sends, and an HTTPS endpoint receiving the requests of the ACS
 * EmailClient (access key with a verified HMAC signature, or a bearer token). Outages followed by
 * recovery deliver every alert exactly once; credentials never reach the logs.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createNotifier, type Notifier, type NotifierDeps } from "../../src/notify/notifier.js";
import { MemoryAlertOutbox } from "../../src/state/outbox.js";
import type { Policy } from "../../src/policy/policy.js";
import { AcsReceiver } from "../helpers/acsReceiver.js";
import { SmtpReceiver } from "../helpers/smtpReceiver.js";
import { ALICE, accountId, capturedLogger, changeOf, Evaluations, finding, ManualClock, policyWith } from "./support.js";

const START = Date.parse("2026-11-22T08:00:00Z");
const RECIPIENTS = ["secops@contoso.example", "oncall@contoso.example"];

let notifiers: Notifier[] = [];
afterEach(async () => {
  await Promise.all(notifiers.map((n) => n.close()));
  notifiers = [];
});

function emailPolicy(extra: Record<string, unknown> = {}): Policy {
  return policyWith({ dryRun: true, rules: { "storage-sftp": { action: "revert" } }, notify: { email: [{ to: RECIPIENTS, minSeverity: "medium" }] }, ...extra });
}

function setup(policy: Policy, env: Record<string, string>, overrides: Partial<NotifierDeps> = {}) {
  const clock = new ManualClock(START);
  const outbox = new MemoryAlertOutbox();
  const log = capturedLogger();
  const notifier = createNotifier({ policy, env: { NSPG_NOTIFY_TIMEOUT_SECONDS: "5", ...env }, outbox, logger: log.logger, clock: clock.now, random: () => 0.5, ...overrides });
  notifiers.push(notifier);
  return { clock, outbox, log, notifier, evaluations: new Evaluations(policy) };
}

describe("email over SMTP (nodemailer → smtp-server)", () => {
  let smtp: SmtpReceiver;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    smtp = await SmtpReceiver.start();
    dir = await mkdtemp(join(tmpdir(), "nspg-smtp-"));
    await writeFile(join(dir, "ca.pem"), smtp.certificate.cert);
    env = {
      NSPG_EMAIL_SMTP_HOST: "127.0.0.1",
      NSPG_EMAIL_SMTP_PORT: String(smtp.port),
      NSPG_EMAIL_SMTP_USER: smtp.user,
      NSPG_EMAIL_SMTP_PASSWORD: smtp.password,
      NSPG_EMAIL_SMTP_FROM: "NSP Guardrail <guardrail@contoso.example>",
      NSPG_EMAIL_SMTP_CA_FILE: join(dir, "ca.pem"),
    };
  });
  afterAll(async () => {
    await smtp.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("sends HTML and text with the card's content over STARTTLS, authenticated", async () => {
    const before = smtp.messages.length;
    const { notifier, evaluations, clock } = setup(emailPolicy(), env);
    const { decision, plans } = evaluations.evaluate([finding("storage-sftp", "stbeta", { action: "revert" })], clock.now(), [changeOf("stbeta", "evt-7")]);
    decision.actions = await notifier.dispatch(decision, plans);
    expect(decision.actions.find((a) => a.type === "alert")).toMatchObject({ status: "applied", reason: "new finding; sent to email[0]" });

    expect(smtp.messages).toHaveLength(before + 1);
    const mail = smtp.messages.at(-1)!;
    expect(mail.secure).toBe(true); // STARTTLS happened
    expect(mail.user).toBe(smtp.user);
    expect(mail.envelope.from).toBe("guardrail@contoso.example");
    expect(mail.envelope.to.sort()).toEqual([...RECIPIENTS].sort());
    const parsed = mail.parsed;
    expect(parsed.subject).toBe("[NSP Guardrail] High new finding: SFTP enabled on a storage account in a perimeter (stbeta)");
    expect(parsed.from?.text).toBe('"NSP Guardrail" <guardrail@contoso.example>');
    const alertId = parsed.headers.get("x-nspg-alert-id");
    expect(parsed.messageId).toBe(`<${alertId}@nsp-guardrail>`);
    const html = String(parsed.html);
    const text = String(parsed.text);
    for (const piece of [
      "stbeta has isSftpEnabled=true",
      "does not support SSH File Transfer Protocol",
      "Move SFTP clients to HTTPS",
      `object id ${ALICE.objectId}`,
      "evt-7",
      "Revert planned, not applied (dry run)",
      "rule: storage-sftp",
      `https://portal.azure.com/#@/resource${accountId("stbeta")}`,
    ]) {
      expect(text).toContain(piece);
      expect(html).toContain(piece);
    }
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(parsed.headers.get("content-type")).toMatchObject({ value: "multipart/alternative" });
  });

  it("a refusing, then unreachable relay: every alert delivered exactly once after recovery; no password in the logs", async () => {
    const before = smtp.messages.length;
    const { notifier, evaluations, clock, log } = setup(emailPolicy(), env);
    smtp.refuseNext(1, 451);
    let step = evaluations.evaluate([finding("storage-sftp", "st1")], clock.now());
    step.decision.actions = await notifier.dispatch(step.decision, step.plans);
    expect(step.decision.actions[0]!.status).toBe("failed");
    expect(step.decision.actions[0]!.reason).toMatch(/email\[0\]: SMTP 451 after DATA, queued for retry from 2026-11-22T08:00:30\.000Z$/);

    await smtp.down();
    clock.advance(30_000);
    step = evaluations.evaluate([finding("storage-sftp", "st1"), finding("storage-sftp", "st2")], clock.now());
    step.decision.actions = await notifier.dispatch(step.decision, step.plans);
    expect(step.decision.actions.map((a) => a.reason)).toEqual([
      "new finding; email[0]: connection refused (ECONNREFUSED), queued for retry from 2026-11-22T08:01:00.000Z",
    ]);
    // st1 waits behind the resting channel: not tried, not lost.
    expect(await notifier.deliverDue()).toMatchObject({ delivered: 0, failed: 0, deferred: 1 });
    expect((await notifier.channelHealth()).channels[0]).toMatchObject({ status: "retrying", pending: 2, consecutiveFailures: 2, lastError: "connection refused (ECONNREFUSED)" });

    await smtp.up();
    clock.advance(3_600_000);
    expect(await notifier.deliverDue()).toMatchObject({ delivered: 2, failed: 0 });
    clock.advance(3_600_000);
    expect(await notifier.deliverDue()).toMatchObject({ delivered: 0 });
    const ours = smtp.messages.slice(before);
    expect(ours.map((m) => m.parsed.subject)).toEqual([
      "[NSP Guardrail] High new finding: SFTP enabled on a storage account in a perimeter (st1)",
      "[NSP Guardrail] High new finding: SFTP enabled on a storage account in a perimeter (st2)",
    ]);
    expect(new Set(ours.map((m) => m.parsed.headers.get("x-nspg-alert-id"))).size).toBe(2);
    expect(log.text()).not.toContain(smtp.password);
  });

  it("a wrong password is an authentication failure that names no credential", async () => {
    const wrong = `wrong-${smtp.password}`;
    const { notifier, evaluations, clock, log } = setup(emailPolicy(), { ...env, NSPG_EMAIL_SMTP_PASSWORD: wrong });
    const { decision, plans } = evaluations.evaluate([finding("storage-sftp", "st9")], clock.now());
    decision.actions = await notifier.dispatch(decision, plans);
    expect(decision.actions[0]!.reason).toContain("email[0]: SMTP 535");
    const health = await notifier.channelHealth();
    for (const secret of [wrong, smtp.password]) {
      expect(log.text()).not.toContain(secret);
      expect(JSON.stringify(health)).not.toContain(secret);
      expect(decision.actions[0]!.reason).not.toContain(secret);
    }
  });

  it("refuses clear-text credentials and half-configured relays", () => {
    const make = (extra: Record<string, string>) => () => setup(emailPolicy(), { ...env, ...extra });
    expect(make({ NSPG_EMAIL_SMTP_SECURE: "none" })).toThrow("app setting NSPG_EMAIL_SMTP_SECURE: none is not allowed with NSPG_EMAIL_SMTP_USER/PASSWORD");
    expect(make({ NSPG_EMAIL_SMTP_PASSWORD: "" })).toThrow("app setting NSPG_EMAIL_SMTP_PASSWORD: required with the other one");
    expect(make({ NSPG_EMAIL_SMTP_SECURE: "maybe" })).toThrow("app setting NSPG_EMAIL_SMTP_SECURE: expected starttls|tls|none");
    expect(() => setup(emailPolicy(), {})).toThrow(/^notify\.email: no email transport configured/);
  });
});

describe("email through Azure Communication Services (EmailClient → local HTTPS endpoint)", () => {
  let acs: AcsReceiver;
  beforeAll(async () => {
    acs = await AcsReceiver.start();
  });
  afterAll(async () => {
    await acs.close();
  });

  const acsEnv = () => ({ NSPG_EMAIL_ACS_CONNECTION_STRING: acs.connectionString, NSPG_EMAIL_FROM: "DoNotReply@contoso.example" });

  it("with a connection string: a signed emails:send request carrying the alert, the message id as operation id", async () => {
    const before = acs.requests.length;
    const { notifier, evaluations, clock, log } = setup(emailPolicy(), acsEnv(), { acsCa: acs.certificate.cert });
    const { decision, plans } = evaluations.evaluate([finding("storage-sftp", "stbeta", { action: "revert" })], clock.now(), [changeOf("stbeta")]);
    decision.actions = await notifier.dispatch(decision, plans);
    expect(decision.actions.find((a) => a.type === "alert")).toMatchObject({ status: "applied", reason: "new finding; sent to email[0]" });

    const requests = acs.requests.slice(before);
    expect(requests.map((r) => `${r.method} ${r.path.split("?")[0]} ${r.answer}`)).toEqual(["POST /emails:send 202", `GET /emails/operations/${requests[0]!.headers["operation-id"]} 200`]);
    const send = requests[0]!;
    expect(send.path).toMatch(/^\/emails:send\?api-version=\d{4}-\d{2}-\d{2}/);
    expect(send.headers.authorization).toMatch(/^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=/);
    expect(send.signatureValid).toBe(true);
    expect(send.headers["x-ms-date"]).toBeTruthy();
    expect(send.headers["content-type"]).toMatch(/^application\/json/);
    const body = JSON.parse(send.body);
    expect(body.senderAddress).toBe("DoNotReply@contoso.example");
    expect(body.recipients.to.map((r: { address: string }) => r.address).sort()).toEqual([...RECIPIENTS].sort());
    expect(body.content.subject).toBe("[NSP Guardrail] High new finding: SFTP enabled on a storage account in a perimeter (stbeta)");
    expect(body.content.html).toContain("does not support SSH File Transfer Protocol");
    expect(body.content.plainText).toContain(`object id ${ALICE.objectId}`);
    expect(body.headers["X-NSPG-Alert-Id"]).toBe(send.headers["operation-id"]);
    expect(log.text()).not.toContain(acs.accessKey);
  });

  it("with an endpoint and a token credential (managed identity in Azure): bearer auth", async () => {
    const before = acs.requests.length;
    const scopes: string[] = [];
    const credential: TokenCredential = {
      async getToken(scope): Promise<AccessToken> {
        scopes.push(...(Array.isArray(scope) ? scope : [scope]));
        return { token: "mi-token-123", expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const { notifier, evaluations, clock } = setup(emailPolicy(), { NSPG_EMAIL_ACS_ENDPOINT: acs.endpoint, NSPG_EMAIL_FROM: "DoNotReply@contoso.example" }, { acsCa: acs.certificate.cert, credential });
    const { decision, plans } = evaluations.evaluate([finding("storage-sftp", "stmi")], clock.now());
    decision.actions = await notifier.dispatch(decision, plans);
    expect(decision.actions[0]!.status).toBe("applied");
    const send = acs.requests.slice(before).find((r) => r.method === "POST")!;
    expect(send.headers.authorization).toBe("Bearer mi-token-123");
    expect(scopes).toEqual(["https://communication.azure.com//.default"]);
  });

  it("5xx, 429 with Retry-After and a refused connection, then recovery: each email accepted exactly once", async () => {
    const acceptedBefore = acs.accepted.length;
    const { notifier, evaluations, clock, log } = setup(emailPolicy(), acsEnv(), { acsCa: acs.certificate.cert });
    acs.failNext(1, 503);
    let step = evaluations.evaluate([finding("storage-sftp", "sta")], clock.now());
    step.decision.actions = await notifier.dispatch(step.decision, step.plans);
    expect(step.decision.actions[0]!.reason).toBe("new finding; email[0]: ACS HTTP 503, queued for retry from 2026-11-22T08:00:30.000Z");

    acs.failNext(1, 429, { "retry-after": "200" });
    clock.advance(30_000);
    expect(await notifier.deliverDue()).toMatchObject({ failed: 1 });
    expect((await notifier.channelHealth()).channels[0]).toMatchObject({ lastError: "ACS HTTP 429", nextAttemptAt: "2026-11-22T08:03:50.000Z" });

    await acs.down();
    step = evaluations.evaluate([finding("storage-sftp", "sta"), finding("storage-sftp", "stb")], clock.now());
    step.decision.actions = await notifier.dispatch(step.decision, step.plans);
    clock.advance(200_000);
    expect(await notifier.deliverDue()).toMatchObject({ delivered: 0, failed: 1 });
    // The first request after the outage may hit a pooled connection the server cut.
    expect((await notifier.channelHealth()).channels[0]!.lastError).toMatch(/^(connection refused \(ECONNREFUSED\)|network error \(ECONNRESET\))$/);

    await acs.up();
    clock.advance(3_600_000);
    expect(await notifier.deliverDue()).toMatchObject({ delivered: 2, failed: 0 });
    clock.advance(3_600_000);
    expect(await notifier.deliverDue()).toMatchObject({ delivered: 0 });
    const ours = acs.accepted.slice(acceptedBefore);
    expect(ours.map((a) => a.message.content.subject)).toEqual([
      "[NSP Guardrail] High new finding: SFTP enabled on a storage account in a perimeter (sta)",
      "[NSP Guardrail] High new finding: SFTP enabled on a storage account in a perimeter (stb)",
    ]);
    expect(log.text()).not.toContain(acs.accessKey);
  });

  it("validates the ACS settings", () => {
    expect(() => setup(emailPolicy(), { NSPG_EMAIL_ACS_CONNECTION_STRING: acs.connectionString })).toThrow("app setting NSPG_EMAIL_FROM: required with Azure Communication Services");
    expect(() => setup(emailPolicy(), { NSPG_EMAIL_ACS_CONNECTION_STRING: "endpoint=http://x;accesskey=abc", NSPG_EMAIL_FROM: "a@b.example" })).toThrow(
      "app setting NSPG_EMAIL_ACS_CONNECTION_STRING: expected endpoint=https://...;accesskey=...",
    );
  });
});
