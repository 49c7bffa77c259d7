/**
 * One alert per outcome, end to end: the emulator's events, the pipeline, the revert executor writing
 * to the emulator, then the notifier (as the Functions app wires them: reverts, then alerts) posting
 * to a real local Teams endpoint and a real SMTP server. A change the guardrail reverts is one
 * "Reverted" message per channel; a change that is undone by a person is a new alert and then a
 * resolution notice.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNotifier, type Notifier } from "../../src/notify/notifier.js";
import { MemoryAlertOutbox } from "../../src/state/outbox.js";
import { ALICE, policyOf, revertEstate, startRevertPipeline, withProps } from "../helpers/revertHarness.js";
import { SmtpReceiver } from "../helpers/smtpReceiver.js";
import { TeamsReceiver } from "../helpers/teamsReceiver.js";
import { cardValidator, changeOf, Evaluations, finding } from "./support.js";

const validateCard = cardValidator();
let teams: TeamsReceiver;
let smtp: SmtpReceiver;
let dir: string;
let env: Record<string, string>;
const notifiers: Notifier[] = [];

beforeAll(async () => {
  [teams, smtp] = await Promise.all([TeamsReceiver.start(), SmtpReceiver.start()]);
  dir = await mkdtemp(join(tmpdir(), "nspg-reverted-"));
  await writeFile(join(dir, "ca.pem"), smtp.certificate.cert);
  env = {
    TEAMS_WEBHOOK_URL: teams.url,
    NSPG_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
    NSPG_EMAIL_SMTP_HOST: "127.0.0.1",
    NSPG_EMAIL_SMTP_PORT: String(smtp.port),
    NSPG_EMAIL_SMTP_USER: smtp.user,
    NSPG_EMAIL_SMTP_PASSWORD: smtp.password,
    NSPG_EMAIL_FROM: "guardrail@contoso.example",
    NSPG_EMAIL_SMTP_CA_FILE: join(dir, "ca.pem"),
  };
});
afterAll(async () => {
  await Promise.all(notifiers.map((n) => n.close()));
  await Promise.all([teams.close(), smtp.close()]);
  await rm(dir, { recursive: true, force: true });
});

const POLICY = `
dryRun: false
rules:
  storage-enforcement-downgrade: { action: revert }
  storage-sftp: { action: alert }
notify:
  teams: [ { webhookUrl: "env:TEAMS_WEBHOOK_URL", minSeverity: low } ]
  email: [ { to: [secops@contoso.example], minSeverity: low } ]
`;

async function start() {
  const policy = policyOf(POLICY);
  const e = revertEstate();
  let notifier: Notifier | undefined;
  const h = await startRevertPipeline(e.resources, { policy, notify: (d, p, l) => notifier!.dispatch(d, p, l) });
  notifier = createNotifier({ policy, env, outbox: new MemoryAlertOutbox(), stateStore: h.store });
  notifiers.push(notifier);
  await h.pipeline.reconcile();
  const marks = { teams: teams.delivered.length, mail: smtp.messages.length };
  const since = () => ({ cards: teams.delivered.slice(marks.teams).map((m) => m.attachments[0]!.content), mails: smtp.messages.slice(marks.mail).map((m) => m.parsed) });
  return { ...h, e, since };
}

describe("one alert per outcome", () => {
  it("the same reverted decision dispatched twice (a store conflict re-runs it) is still one message; a later recurrence is news again", async () => {
    const policy = policyOf(POLICY);
    const notifier = createNotifier({ policy, env, outbox: new MemoryAlertOutbox() });
    notifiers.push(notifier);
    const e = revertEstate();
    const evaluations = new Evaluations(policy, e.nsp.id);
    const account = e.accounts[2]!;
    const assoc = e.assocs[2]!;
    const downgrade = (revertId: string) => {
      const f = { ...finding("storage-enforcement-downgrade", account.name!, { action: "revert" }), resourceId: account.id, perimeterId: e.nsp.id, profileId: e.prof.id, associationId: assoc.id };
      const { decision, plans } = evaluations.evaluate([f], new Date(), [{ ...changeOf(account.name!), resourceId: assoc.id }]);
      const applied = { type: "revert" as const, ruleId: f.ruleId, resourceId: f.resourceId, operation: "restore" as const, status: "applied" as const, targetId: assoc.id, written: [{ field: "properties.accessMode", before: "Learning", after: "Enforced" }], reason: `restored ${assoc.name} to its last known good body; undo with: nsp-guardrail undo ${revertId}` };
      return { decision: { ...decision, actions: [...decision.actions.filter((a) => a.type !== "revert"), applied] }, plans };
    };
    const before = teams.delivered.length;
    const first = downgrade("rv-20261128T090000000Z-0a1b2c3d");
    await notifier.dispatch(first.decision, first.plans);
    const again = await notifier.dispatch(first.decision, first.plans);
    expect(again.find((a) => a.type === "alert")?.reason).toMatch(/already told it was reverted/);
    expect(teams.delivered.length - before).toBe(1);
    // The revert's own evaluation resolves the finding: quiet.
    const resolved = evaluations.evaluate([], new Date());
    const quiet = await notifier.dispatch(resolved.decision, resolved.plans);
    expect(quiet.find((a) => a.type === "alert")?.reason).toMatch(/already told it was reverted \(rv-20261128T090000000Z-0a1b2c3d\)/);
    // The same change again later, reverted again: a new Reverted alert.
    const second = downgrade("rv-20261128T100000000Z-4e5f6a7b");
    await notifier.dispatch(second.decision, second.plans);
    const cards = teams.delivered.slice(before).map((m) => JSON.stringify(m.attachments[0]!.content));
    expect(cards).toHaveLength(2);
    expect(cards[1]).toContain("nsp-guardrail undo rv-20261128T100000000Z-4e5f6a7b");
  });

  it("a change the guardrail reverts is one Reverted message per channel: what changed, by whom, what was restored, how to undo", async () => {
    const h = await start();
    try {
      const assoc = h.e.assocs[0]!;
      h.emulator.put(withProps(assoc, { accessMode: "Learning" }), ALICE);
      const decisions = await h.settle();
      // The revert was applied and its own event evaluated (the findings resolved)...
      expect(decisions.flatMap((d) => d.actions).filter((a) => a.type === "revert").map((a) => a.status)).toContain("applied");
      expect(decisions.flatMap((d) => d.findings).filter((f) => f.status === "resolved").length).toBeGreaterThan(0);
      expect(h.stored(assoc.id)?.properties?.["accessMode"]).toBe("Enforced");
      // ...and each channel heard about it once (before: a "new" alert per finding, then their resolutions).
      const { cards, mails } = h.since();
      expect(cards).toHaveLength(1);
      expect(mails).toHaveLength(1);
      const card = cards[0]!;
      expect(validateCard(card), validateCard.errorsText()).toBe(true);
      const revertId = /nsp-guardrail undo (rv-\d{8}T\d{9}Z-[0-9a-f]{8})/.exec(JSON.stringify(card))?.[1];
      expect(revertId).toBeDefined();
      expect((await h.ledger.get(revertId!))?.status).toBe("applied");
      const mail = mails[0]!;
      expect(mail.subject).toMatch(/^\[NSP Guardrail\] Reverted: .*\(stalpha\)$/);
      for (const body of [JSON.stringify(card), String(mail.text), String(mail.html)]) {
        expect(body).toContain("REVERTED");
        expect(body).toContain("storage-enforcement-downgrade"); // what changed
        expect(body).toContain(ALICE.name); // by whom (systemData), with the event's object id
        expect(body).toContain(`object id ${ALICE.objectId}`);
        expect(body).toContain("accessMode: Learning → Enforced"); // what was restored
        expect(body).toContain(`nsp-guardrail undo ${revertId}`); // how to undo
        expect(body).toContain("storage-transition-mode"); // the other finding the same write settled
      }
    } finally {
      await h.emulator.close();
    }
  });

  it("a change undone by a person still brings a new alert and then a resolution notice", async () => {
    const h = await start();
    try {
      const account = h.e.accounts[1]!;
      h.emulator.put(withProps(account, { isSftpEnabled: true }), ALICE);
      await h.settle();
      h.emulator.put(withProps(account, { isSftpEnabled: false }), ALICE);
      await h.settle();
      const { cards, mails } = h.since();
      expect(mails.map((m) => m.subject)).toEqual([
        "[NSP Guardrail] High new finding: SFTP enabled on a storage account in a perimeter (stbeta)",
        "[NSP Guardrail] Resolved: SFTP enabled on a storage account in a perimeter (stbeta)",
      ]);
      expect(cards.map((c) => String(c["fallbackText"]))).toEqual([
        "High new finding: SFTP enabled on a storage account in a perimeter (stbeta)",
        "Resolved: SFTP enabled on a storage account in a perimeter (stbeta)",
      ]);
    } finally {
      await h.emulator.close();
    }
  });
});
