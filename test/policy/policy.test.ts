import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, findExemption, parsePolicy, tagExemption } from "../../src/policy/policy.js";

const IDS = ["storage-nfs", "storage-sftp", "perimeter-no-access-logs"];
const parse = (text: string) => parsePolicy(text, "policy.yaml", IDS);

describe("policy defaults", () => {
  it("is safe by default: dry run, alert everything, 30 days grace", () => {
    expect(DEFAULT_POLICY.dryRun).toBe(true);
    expect(DEFAULT_POLICY.transitionGraceDays).toBe(30);
    expect(DEFAULT_POLICY.rules).toEqual({});
    expect(DEFAULT_POLICY.revert).toEqual({ maxPerHour: 10, cooldownMinutes: 15, flapThreshold: 3 });
    expect(parse("")).toEqual(DEFAULT_POLICY);
  });
});

describe("policy file (contracts.md §3)", () => {
  it("reads the documented example", () => {
    const p = parse(`
dryRun: false
transitionGraceDays: 14
trustedSubscriptions: ["/subscriptions/AAAA-1", "bbbb-2"]
onboardedTypes: [Microsoft.Web/sites]
exemptPrincipals: [00000000-0000-0000-0000-00000000000a]
rules:
  storage-nfs: { action: revert, severity: critical }
  perimeter-no-access-logs: { action: off }
exemptions:
  - rule: storage-sftp
    resource: "/subscriptions/*/resourceGroups/legacy-*/**"
    reason: "SFTP partners move to HTTPS in Q1"
    expires: 2027-01-31
revert: { maxPerHour: 10, cooldownMinutes: 15 }
notify:
  teams: [ { webhookUrl: "env:TEAMS_WEBHOOK_URL", minSeverity: high } ]
  email: [ { to: ["secops@example.com"], minSeverity: medium } ]
`);
    expect(p.dryRun).toBe(false);
    expect(p.trustedSubscriptions).toEqual(["aaaa-1", "bbbb-2"]);
    expect(p.rules["storage-nfs"]).toEqual({ action: "revert", severity: "critical" });
    expect(p.exemptions[0]!.expires).toBe("2027-01-31");
    expect(p.notify.email[0]!.minSeverity).toBe("medium");
  });

  it("reads JSON too", () => {
    expect(parse(JSON.stringify({ rules: { "storage-sftp": { action: "off" } } })).rules["storage-sftp"]!.action).toBe("off");
  });

  it.each([
    ["rules:\n  storage-nfs: { action: delete }", "policy.yaml: rules.storage-nfs.action: expected off|alert|revert"],
    ["rules:\n  storage-nfs: { severity: urgent }", "policy.yaml: rules.storage-nfs.severity: expected critical|high|medium|low|info"],
    ["rules:\n  storage-nsf: { action: off }", "policy.yaml: rules.storage-nsf: unknown rule id"],
    ["rules:\n  storage-nfs: { acton: off }", "policy.yaml: rules.storage-nfs.acton: unknown key"],
    ["dryrun: false", "policy.yaml: dryrun: unknown key"],
    ["dryRun: maybe", "policy.yaml: dryRun: expected true|false"],
    ["transitionGraceDays: -1", "policy.yaml: transitionGraceDays:"],
    ["exemptions:\n  - rule: storage-sftp\n    resource: '/subscriptions/**'\n    reason: short", "policy.yaml: exemptions[0].reason: must be at least 10 characters"],
    ["exemptions:\n  - rule: storage-sftp\n    resource: '/subscriptions/**'", "policy.yaml: exemptions[0].reason: required"],
    ["exemptions:\n  - rule: nope\n    resource: '/x'\n    reason: 'a long enough reason'", 'policy.yaml: exemptions[0].rule: unknown rule id "nope"'],
    ["exemptions:\n  - rule: '*'\n    resource: '/x'\n    reason: 'a long enough reason'\n    expires: 31/01/2027", "policy.yaml: exemptions[0].expires: expected a date (YYYY-MM-DD)"],
    ["notify:\n  email: [ { to: [not-an-address] } ]", "policy.yaml: notify.email[0].to[0]: expected an email address"],
    ["- just\n- a list", "policy.yaml: (root): expected a mapping of policy settings"],
    ["rules: [", "policy.yaml: line 1: not valid YAML or JSON"],
  ])("%j is refused with an error naming the key", (text, message) => {
    expect(() => parse(text)).toThrow(message);
  });
});

describe("exemptions", () => {
  const p = parse(`
exemptions:
  - rule: storage-sftp
    resource: "/subscriptions/*/resourceGroups/legacy-*/**"
    reason: "SFTP partners move to HTTPS in Q1"
    expires: 2027-01-31
  - rule: "*"
    resource: "/subscriptions/*/resourceGroups/sandbox/providers/Microsoft.Storage/storageAccounts/st1"
    reason: "sandbox account, deleted weekly"
`);
  const legacy = "/subscriptions/s1/resourceGroups/Legacy-Files/providers/Microsoft.Storage/storageAccounts/old";
  const before = new Date("2027-01-31T23:00:00Z");
  const after = new Date("2027-02-01T00:00:01Z");

  it("matches globs case-insensitively across segments with **", () => {
    expect(findExemption(p, "storage-sftp", legacy, before)?.reason).toBe("SFTP partners move to HTTPS in Q1");
    expect(findExemption(p, "storage-sftp", legacy.toLowerCase() + "/", before)).toBeDefined();
  });
  it("does not match other rules, other groups, or after expiry", () => {
    expect(findExemption(p, "storage-nfs", legacy, before)).toBeUndefined();
    expect(findExemption(p, "storage-sftp", legacy.replace("Legacy-Files", "files"), before)).toBeUndefined();
    expect(findExemption(p, "storage-sftp", legacy, after)).toBeUndefined();
  });
  it("a * rule covers every rule but only the named resource (no prefix match)", () => {
    const st1 = "/subscriptions/x/resourceGroups/sandbox/providers/Microsoft.Storage/storageAccounts/st1";
    expect(findExemption(p, "storage-nfs", st1, after)).toBeDefined();
    expect(findExemption(p, "storage-nfs", `${st1}0`, after)).toBeUndefined();
  });
  it("reads the exemption tags case-insensitively, for the rules the policy allows", () => {
    const allow = parse("tagExemptions: { allow: [storage-nfs, storage-sftp] }");
    expect(tagExemption({ "NSP-Guardrail-Exempt": "storage-nfs, storage-sftp", "nsp-guardrail-exempt-reason": "lab" }, "storage-sftp", allow)).toBe("lab");
    expect(tagExemption({ "nsp-guardrail-exempt": "storage-nfs", "nsp-guardrail-exempt-reason": "lab" }, "storage-sftp", allow)).toBeUndefined();
    expect(tagExemption(null, "storage-nfs", allow)).toBeUndefined();
    const noReason = parse("tagExemptions: { allow: [storage-nfs], requireReason: false }");
    expect(tagExemption({ "nsp-guardrail-exempt": "storage-nfs" }, "storage-nfs", noReason)).toBe("resource tag nsp-guardrail-exempt");
  });
});

describe("tag exemptions are governed by the policy", () => {
  const everything = { "nsp-guardrail-exempt": "*", "nsp-guardrail-exempt-reason": "trust me, this is fine" };
  it("are off by default: a tag exempts nothing unless tagExemptions.allow lists the rule", () => {
    expect(DEFAULT_POLICY.tagExemptions).toEqual({ allow: [], requireReason: true });
    expect(tagExemption({ "nsp-guardrail-exempt": "storage-nfs", "nsp-guardrail-exempt-reason": "HPC scratch" }, "storage-nfs", DEFAULT_POLICY)).toBeUndefined();
  });
  it("never honour a * tag, even for allowed rules", () => {
    const allow = parse("tagExemptions: { allow: [storage-nfs] }");
    expect(tagExemption(everything, "storage-nfs", allow)).toBeUndefined();
    expect(tagExemption(everything, "storage-sftp", allow)).toBeUndefined();
  });
  it("require a reason tag unless the policy says otherwise", () => {
    const allow = parse("tagExemptions: { allow: [storage-nfs] }");
    expect(tagExemption({ "nsp-guardrail-exempt": "storage-nfs" }, "storage-nfs", allow)).toBeUndefined();
    expect(tagExemption({ "nsp-guardrail-exempt": "storage-nfs", "nsp-guardrail-exempt-reason": "  " }, "storage-nfs", allow)).toBeUndefined();
  });
  it("refuse * and unknown rule ids in the policy, naming the field", () => {
    expect(() => parse("tagExemptions: { allow: ['*'] }")).toThrow('policy.yaml: tagExemptions.allow[0]: "*" is not allowed');
    expect(() => parse("tagExemptions: { allow: [storage-nfz] }")).toThrow('policy.yaml: tagExemptions.allow[0]: unknown rule id "storage-nfz"');
    expect(() => parse("tagExemptions: { allow: [storage-nfs], reason: x }")).toThrow("policy.yaml: tagExemptions.reason: unknown key");
    expect(() => parse("tagExemptions: { requireReason: maybe }")).toThrow("policy.yaml: tagExemptions.requireReason: expected true|false");
  });
});
