import { describe, expect, it } from "vitest";
import { runDemo } from "../../src/demo/demo.js";
import { decodeHeader, summariseTeamsMessage } from "../../src/demo/receivers.js";

describe("nsp-guardrail demo", () => {
  it("plays the built-in Contoso timeline end to end: findings, reverts applied in ARM, alerts at both receivers, under 60 s", async () => {
    const lines: string[] = [];
    const started = performance.now();
    const result = await runDemo({ write: (line) => lines.push(line) });
    const elapsed = performance.now() - started;
    const out = lines.join("\n");
    // The guardrail's state lives in Azurite (in memory), as on Azure Tables and Blobs.
    expect(out).toMatch(/^  state: Azurite in memory \(http:\/\/127\.0\.0\.1:\d+\)$/m);

    expect(result.exitCode).toBe(0);
    expect(elapsed).toBeLessThan(60_000);
    expect(result.findingsBefore).toBeGreaterThan(20);
    expect(out).toMatch(/First reconcile/);

    // The five scripted mistakes, each with its decision and time.
    expect(result.steps).toHaveLength(5);
    for (let i = 1; i <= 5; i++) expect(out).toMatch(new RegExp(`Step ${i}/5: `));
    expect((out.match(/decision after \d+ ms/g) ?? []).length).toBe(5);
    expect(out).toMatch(/NEW\s+HIGH\s+storage-enforcement-downgrade\s+stwebassets/);
    expect(out).toMatch(/NEW\s+CRITICAL\s+storage-nfs\s+stgenomics/);
    expect(out).toMatch(/NEW\s+CRITICAL\s+accessrule-broad-inbound\s+allow-contoso-offices/);
    expect(out).toMatch(/NEW\s+HIGH\s+storage-sftp\s+stinventory/);
    expect(out).toMatch(/RAISED\s+CRITICAL\s+storage-cmk-key-vault\s+stledger \(was medium\)/);

    // Reverts applied (dry run off), read back from the emulator.
    expect(result.revertsApplied).toBeGreaterThanOrEqual(2);
    expect(out).toMatch(/REVERTED storage-enforcement-downgrade on stwebassets/);
    expect(out).toMatch(/REVERTED accessrule-broad-inbound on allow-contoso-offices/);
    expect(result.verified).toEqual([
      { what: expect.stringMatching(/assoc-stwebassets is back to Enforced/), ok: true },
      { what: expect.stringMatching(/allow-contoso-offices no longer allows 0\.0\.0\.0\/0/), ok: true },
    ]);

    // Alerts really arrived at the local receivers, and were printed as they arrived.
    expect(result.teamsAlerts.length).toBeGreaterThan(5);
    expect(result.emailAlerts.length).toBeGreaterThan(5);
    expect(result.teamsAlerts.some((a) => /CRITICAL/.test(a.headline) && a.resource === "stgenomics")).toBe(true);
    expect(result.emailAlerts.some((a) => /NFS on a storage account in a perimeter \(stgenomics\)/.test(a.title))).toBe(true);
    expect(out).toMatch(/↳ Teams .*stgenomics/);
    expect(out).toMatch(/↳ Email .*stgenomics/);

    // Enforcement readiness of the associations in Transition, from the month of logs served by the emulator's Log Analytics API.
    expect(out).toMatch(/Enforcement readiness: a month of NSPAccessLogs/);
    expect(out).toMatch(/BREAKS\s+stfinance \(Learning\) in nsp-finance\/finance/);
    expect(out).toMatch(/NO-DATA stdatalake \(Learning\) in nsp-analytics\/analytics/);
    expect(out).toMatch(/az network perimeter profile access-rule create .* --perimeter-name nsp-finance --profile-name finance -n readiness-inbound-ips --direction Inbound --address-prefixes "\['198\.18\.0\.9\/32', '198\.51\.100\.64\/27'\]"/);
    const finance = result.readiness.associations.find((a) => a.resourceId.endsWith("/stfinance"))!;
    expect(finance.verdict).toBe("breaks");
    expect(finance.wouldBreak.map((w) => w.fix).sort()).toEqual(["fqdn-rule", "ip-rule", "ip-rule", "ip-rule", "ip-rule", "ip-rule", "none", "none", "subscription-rule"]);
    expect(out).toMatch(/readiness: 0 ready, 2 breaks, 2 no-data/);

    expect(out).toMatch(/Summary/);
    expect(out).toMatch(new RegExp(`alerts received: ${result.teamsAlerts.length} by Teams, ${result.emailAlerts.length} by email`));
    expect(out).toMatch(/total time: \d+ ms/);
  }, 90_000);

  it("reads the headline, title and resource of a Teams card, and decodes encoded mail subjects", () => {
    const card = {
      type: "message",
      attachments: [
        {
          contentType: "application/vnd.microsoft.card.adaptive",
          content: {
            type: "AdaptiveCard",
            body: [
              { type: "Container", items: [{ type: "TextBlock", text: "HIGH · New finding" }, { type: "TextBlock", text: "SFTP enabled", style: "heading" }] },
              { type: "FactSet", facts: [{ title: "Rule", value: "storage-sftp" }, { title: "Resource", value: "stinventory" }] },
            ],
          },
        },
      ],
    };
    expect(summariseTeamsMessage(JSON.stringify(card))).toEqual({ headline: "HIGH · New finding", title: "SFTP enabled", resource: "stinventory" });
    expect(decodeHeader("=?UTF-8?B?w4lsw6h2ZQ==?= ok")).toBe("Élève ok");
    expect(decodeHeader("=?UTF-8?Q?caf=C3=A9_bar?=")).toBe("café bar");
  });
});
