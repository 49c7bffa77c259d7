/**
 * The Teams card and the email bodies, rendered from real decisions: the card validates against the
 * Adaptive Card 1.5 schema (a faithful subset in test/fixtures: no npm package ships the 1.5 schema),
 * carries every part of the alert, and the emails carry the same content.
 */
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { ADAPTIVE_CARD_CONTENT_TYPE, renderCard, teamsMessage } from "../../src/notify/card.js";
import { renderEmail } from "../../src/notify/email.js";
import { prepareAlerts, type AlertPayload } from "../../src/notify/model.js";
import { findExemption, parsePolicy } from "../../src/policy/policy.js";
import { RULE_IDS } from "../../src/rules/catalog/index.js";
import { ALICE, accountId, changeOf, Evaluations, finding, NSP_ID, policyWith } from "./support.js";

const schema = JSON.parse(readFileSync(new URL("../fixtures/adaptive-card-1.5.subset.schema.json", import.meta.url), "utf8")) as object;
// Strict about the schema itself, except that the root requires properties its `allOf` defines.
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
ajv.addFormat("uri-reference", true);
ajv.addFormat("uri", (value: string) => /^[a-z][a-z0-9+.-]*:/i.test(value));
const validateCard = ajv.compile(schema);

const NOW = new Date("2026-11-22T08:00:00Z");
const PORTAL = "https://portal.azure.com";

function payloadsFor(kind: "new-revert" | "resolved" | "rise"): AlertPayload {
  const policy = policyWith({ dryRun: true, rules: { "storage-sftp": { action: "revert" } } });
  const evaluations = new Evaluations(policy);
  const sftp = finding("storage-sftp", "stbeta", { action: "revert", severity: "high" });
  let step = evaluations.evaluate([sftp], NOW, [changeOf("stbeta", "evt-42")]);
  if (kind === "resolved") step = evaluations.evaluate([], NOW);
  if (kind === "rise") {
    evaluations.evaluate([finding("storage-transition-mode", "stalpha", { severity: "medium" })], NOW);
    step = evaluations.evaluate([finding("storage-transition-mode", "stalpha", { severity: "high" })], NOW);
  }
  const { alerts } = prepareAlerts(step.decision, step.plans, { dryRun: policy.dryRun, now: NOW });
  return { version: 1, kind: "single", perimeterId: NSP_ID, dryRun: true, items: alerts.map((a) => a.item), createdAt: NOW.toISOString() };
}

function texts(node: unknown): string[] {
  if (typeof node === "string") return [node];
  if (Array.isArray(node)) return node.flatMap(texts);
  if (node && typeof node === "object") return Object.values(node).flatMap(texts);
  return [];
}

describe("Teams Adaptive Card", () => {
  it("a new finding: valid 1.5 card in the message envelope, with everything a responder needs", () => {
    const payload = payloadsFor("new-revert");
    const message = teamsMessage(renderCard(payload, PORTAL));
    expect(message.type).toBe("message");
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0]!.contentType).toBe(ADAPTIVE_CARD_CONTENT_TYPE);
    const card = message.attachments[0]!.content;
    expect(validateCard(card), JSON.stringify(validateCard.errors, null, 2)).toBe(true);
    expect(card["version"]).toBe("1.5");

    const all = texts(card).join("\n");
    const item = payload.items[0]!;
    expect(all).toContain("HIGH · New finding");
    expect(all).toContain("SFTP enabled on a storage account in a perimeter"); // title
    expect(all).toContain("stbeta"); // resource
    expect(all).toContain("nsp-data"); // perimeter
    expect(all).toContain("default"); // profile
    expect(all).toContain(`object id ${ALICE.objectId}, app id ${ALICE.appId}`); // caller from the plan's cause
    expect(all).toContain("evt-42");
    expect(all).toContain("stbeta has isSftpEnabled=true"); // why flagged
    expect(all).toContain("does not support SSH File Transfer Protocol"); // why it matters (rule explanation)
    expect(all).toContain("Move SFTP clients to HTTPS"); // remediation
    expect(all).toContain("https://learn.microsoft.com/azure/storage/common/storage-network-security-perimeter#limitations"); // doc
    expect(all).toContain("Revert planned, not applied (dry run): would delete assoc-stbeta"); // what the guardrail did
    expect(all).toContain("rule: storage-sftp"); // exemption snippet
    expect(all).toContain("nsp-guardrail-exempt=storage-sftp");
    const actions = card["actions"] as Array<{ title: string; url: string }>;
    expect(actions.map((a) => a.url)).toContain(`https://portal.azure.com/#@/resource${accountId("stbeta")}`);
    expect(actions.map((a) => a.url)).toContain(`https://portal.azure.com/#@/resource${NSP_ID}`);
    expect(actions.map((a) => a.url)).toContain(item.docUrl);
  });

  it("the exemption snippet is policy YAML that exempts exactly this finding", () => {
    const item = payloadsFor("new-revert").items[0]!;
    const yaml = item.exemption.yaml.replace("TODO: why this exception is acceptable", "partners move to HTTPS in Q1");
    const policy = parsePolicy(yaml, "snippet", RULE_IDS);
    expect(findExemption(policy, item.ruleId, item.resourceId, NOW)?.reason).toBe("partners move to HTTPS in Q1");
    expect(findExemption(policy, item.ruleId, accountId("stbeta2"), NOW)).toBeUndefined();
    expect(findExemption(policy, "storage-nfs", item.resourceId, NOW)).toBeUndefined();
  });

  it("resource ids with glob characters are escaped in the snippet", () => {
    const policy = policyWith({});
    const evaluations = new Evaluations(policy);
    const odd = { ...finding("storage-sftp", "stodd"), resourceId: accountId("stodd", "rg(legacy)+[1]") };
    const { decision, plans } = evaluations.evaluate([odd], NOW);
    const item = prepareAlerts(decision, plans, { dryRun: true, now: NOW }).alerts[0]!.item;
    const parsed = parsePolicy(item.exemption.yaml.replace("TODO: why this exception is acceptable", "a legacy group, moving soon"), "snippet", RULE_IDS);
    expect(findExemption(parsed, "storage-sftp", odd.resourceId, NOW)).toBeDefined();
    expect(findExemption(parsed, "storage-sftp", accountId("stodd", "rglegacy1"), NOW)).toBeUndefined();
  });

  it("a resolution notice and a severity increase validate and say what changed", () => {
    const resolved = renderCard(payloadsFor("resolved"), PORTAL);
    expect(validateCard(resolved), JSON.stringify(validateCard.errors)).toBe(true);
    expect(texts(resolved).join("\n")).toContain("RESOLVED · was High");
    expect(texts(resolved).join("\n")).toContain("no action is needed");

    const rise = renderCard(payloadsFor("rise"), PORTAL);
    expect(validateCard(rise), JSON.stringify(validateCard.errors)).toBe(true);
    expect(texts(rise).join("\n")).toContain("Severity rose from medium to high");
    expect(texts(rise).join("\n")).toContain("caller");
  });

  it("a digest validates, lists the findings worst first and stays under Teams' size limit", () => {
    const policy = policyWith({});
    const evaluations = new Evaluations(policy);
    const findings = Array.from({ length: 120 }, (_, i) =>
      finding(i % 3 === 0 ? "storage-nfs" : "storage-sftp", `st${String(i).padStart(3, "0")}`, { severity: i % 3 === 0 ? "critical" : "high" }),
    );
    const { decision, plans } = evaluations.evaluate(findings, NOW);
    const items = prepareAlerts(decision, plans, { dryRun: true, now: NOW }).alerts.map((a) => a.item);
    const payload: AlertPayload = { version: 1, kind: "digest", perimeterId: NSP_ID, dryRun: true, items, createdAt: NOW.toISOString() };
    const message = teamsMessage(renderCard(payload, PORTAL));
    const card = message.attachments[0]!.content;
    expect(validateCard(card), JSON.stringify(validateCard.errors)).toBe(true);
    expect(JSON.stringify(message).length).toBeLessThan(28_000);
    const all = texts(card).join("\n");
    expect(all).toContain("120 alerts (40 critical, 80 high)");
    expect(all).toMatch(/…and \d+ more/);
    // Worst first.
    const kickers = (card["body"] as Array<{ items?: Array<{ text?: string }> }>).slice(2).map((c) => c.items?.[0]?.text ?? "");
    expect(kickers[0]).toContain("CRITICAL");
  });

  it("the schema rejects what Teams would not take: a missing version, an unknown property, an unknown element", () => {
    const card = renderCard(payloadsFor("new-revert"), PORTAL);
    expect(validateCard({ ...card, version: undefined })).toBe(false);
    expect(validateCard({ ...card, msteams: { width: "Full" } })).toBe(false);
    expect(validateCard({ ...card, body: [{ type: "TextBlock" }] })).toBe(false);
    expect(validateCard({ ...card, body: [{ type: "Marquee", text: "x" }] })).toBe(false);
    expect(validateCard({ ...card, body: [{ type: "TextBlock", text: "x", color: "purple" }] })).toBe(false);
  });
});

describe("email bodies", () => {
  it("HTML and plain text carry the card's content", () => {
    const payload = payloadsFor("new-revert");
    const card = texts(renderCard(payload, PORTAL)).join("\n");
    const email = renderEmail(payload, PORTAL);
    expect(email.subject).toBe("[NSP Guardrail] High new finding: SFTP enabled on a storage account in a perimeter (stbeta)");
    for (const piece of [
      "stbeta has isSftpEnabled=true",
      "does not support SSH File Transfer Protocol",
      "Move SFTP clients to HTTPS",
      `object id ${ALICE.objectId}`,
      "Revert planned, not applied (dry run)",
      "rule: storage-sftp",
      `https://portal.azure.com/#@/resource${accountId("stbeta")}`,
      "https://learn.microsoft.com/azure/storage/common/storage-network-security-perimeter#limitations",
    ]) {
      expect(card).toContain(piece);
      expect(email.text).toContain(piece);
      expect(email.html).toContain(piece.replace(/&/g, "&amp;"));
    }
    expect(email.html).toContain("<code>isSftpEnabled</code>"); // backticks of the remediation
  });

  it("escapes what it did not write", () => {
    const payload = payloadsFor("new-revert");
    payload.items[0]!.message = `<script>alert("x")</script> & more`;
    const email = renderEmail(payload, PORTAL);
    expect(email.html).not.toContain("<script>");
    expect(email.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more");
  });
});

describe("Teams card text from ARM", () => {
  // Before: a tag value quoted in a message became a clickable link in the card.
  it("forms no Markdown link and carries no control character from a message", () => {
    const policy = policyWith({ dryRun: true });
    const evaluations = new Evaluations(policy);
    const hostile = 'tag nsp-guardrail-exempt exempts this resource (reason: "[sign in again](https://phish.example/login) \u001b]0;x\u0007 ok")';
    const step = evaluations.evaluate([finding("storage-sftp", "stbeta", { message: hostile })], NOW);
    const { alerts } = prepareAlerts(step.decision, step.plans, { dryRun: true, now: NOW });
    const payload: AlertPayload = { version: 1, kind: "single", perimeterId: NSP_ID, dryRun: true, items: alerts.map((a) => a.item), createdAt: NOW.toISOString() };
    const all = texts(renderCard(payload, PORTAL)).join("\n");
    expect(all).toContain("sign in again");
    expect(all).not.toMatch(/\]\(https:\/\/phish/);
    expect(all).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });
});

