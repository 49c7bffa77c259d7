import { describe, expect, it } from "vitest";
import { Estate } from "../../src/model/estate.js";
import { parsePolicy } from "../../src/policy/policy.js";
import { ALL_RULES, RULE_IDS } from "../../src/rules/catalog/index.js";
import { evaluateEstate, evaluatePerimeter } from "../../src/rules/engine.js";
import { defineRule, type Rule } from "../../src/rules/types.js";
import { fileShare, NOW, storageInPerimeter } from "../helpers/builders.js";

const nfs = storageInPerimeter("stnfs");
const estateResources = [...nfs.resources, fileShare(nfs.account, "data", "NFS")];
const nfsRule = ALL_RULES.find((r) => r.meta.id === "storage-nfs")!;
const policy = (text: string) => parsePolicy(text, "policy.yaml", RULE_IDS);

const throwing: Rule = defineRule({
  scope: "association",
  meta: { ...nfsRule.meta, id: "storage-nfs" },
  check(association) {
    if (association.memberDisplayId.endsWith("stnfs")) throw new Error("unexpected shape");
    return undefined;
  },
});

describe("engine", () => {
  it("turns a throwing rule into an engine-error finding naming the rule and resource, and goes on", () => {
    const other = storageInPerimeter("stother", { nspName: "nsp2" });
    const { findings } = evaluateEstate(new Estate([...estateResources, ...other.resources]), { rules: [throwing], now: NOW });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: "engine-error", resourceId: nfs.account.id, severity: "high", associationId: nfs.association.id });
    expect(findings[0]!.message).toBe(`rule storage-nfs failed on ${nfs.account.id}: unexpected shape`);
  });

  it("stamps rule metadata, perimeter, profile and association on findings", () => {
    const { findings } = evaluateEstate(new Estate(estateResources), { rules: [nfsRule], now: NOW });
    expect(findings).toEqual([
      expect.objectContaining({
        ruleId: "storage-nfs",
        category: "unsupported",
        resourceId: nfs.account.id,
        perimeterId: nfs.nsp.id,
        profileId: nfs.profile.id,
        associationId: nfs.association.id,
        docUrl: expect.stringMatching(/^https:\/\/learn\.microsoft\.com\//),
        remediation: nfsRule.meta.remediation,
        exempted: false,
        action: "alert",
      }),
    ]);
  });

  it("applies per-rule policy: off, severity override, revert action", () => {
    const estate = new Estate(estateResources);
    expect(evaluateEstate(estate, { rules: [nfsRule], policy: policy("rules: { storage-nfs: { action: off } }") }).findings).toEqual([]);
    const [f] = evaluateEstate(estate, { rules: [nfsRule], policy: policy("rules: { storage-nfs: { action: revert, severity: low } }") }).findings;
    expect(f).toMatchObject({ severity: "low", action: "revert" });
  });

  it("marks findings exempted by policy or by tag, keeping them in the output", () => {
    const p = policy(`exemptions: [ { rule: storage-nfs, resource: "/subscriptions/*/resourceGroups/rg-app/**", reason: "NFS lab until Q3" } ]`);
    const [byPolicy] = evaluateEstate(new Estate(estateResources), { rules: [nfsRule], policy: p, now: NOW }).findings;
    expect(byPolicy).toMatchObject({ exempted: true, exemptionReason: "NFS lab until Q3" });
    const tagged = { ...nfs.account, tags: { "nsp-guardrail-exempt": "storage-sftp,storage-nfs", "nsp-guardrail-exempt-reason": "HPC scratch" } };
    const resources = estateResources.map((r) => (r === nfs.account ? tagged : r));
    const allowNfs = policy("tagExemptions: { allow: [storage-nfs] }");
    const [byTag] = evaluateEstate(new Estate(resources), { rules: [nfsRule], policy: allowNfs, now: NOW }).findings.filter((f) => f.ruleId === "storage-nfs");
    expect(byTag).toMatchObject({ exempted: true, exemptionReason: "HPC scratch" });
  });

  describe("tag exemptions", () => {
    const systemData = { lastModifiedBy: "mallory@contoso.example", lastModifiedByType: "User", lastModifiedAt: "2026-11-20T08:00:00Z" };
    const tagged = (tags: Record<string, string>) => {
      const account = { ...nfs.account, tags, systemData };
      return new Estate(estateResources.map((r) => (r === nfs.account ? account : r)));
    };
    const downgradeAsRevert = policy("rules: { storage-nfs: { action: revert } }");

    // Before: `*` exempted the account from every rule, reverts included, and nothing said so.
    it("a * tag silences nothing, even on a revert rule", () => {
      const { findings } = evaluateEstate(tagged({ "nsp-guardrail-exempt": "*", "nsp-guardrail-exempt-reason": "trust me" }), { rules: [nfsRule], policy: downgradeAsRevert, now: NOW });
      expect(findings).toEqual([expect.objectContaining({ ruleId: "storage-nfs", exempted: false, action: "revert" })]);
    });

    it("a tag naming a revert rule the policy does not list exempts nothing", () => {
      const tags = { "nsp-guardrail-exempt": "storage-nfs", "nsp-guardrail-exempt-reason": "HPC scratch" };
      expect(evaluateEstate(tagged(tags), { rules: [nfsRule], policy: downgradeAsRevert, now: NOW }).findings).toEqual([
        expect.objectContaining({ ruleId: "storage-nfs", exempted: false }),
      ]);
      const listed = policy("rules: { storage-nfs: { action: revert } }\ntagExemptions: { allow: [storage-nfs] }");
      expect(evaluateEstate(tagged(tags), { rules: [nfsRule], policy: listed, now: NOW }).findings.find((f) => f.ruleId === "storage-nfs")).toMatchObject({ exempted: true });
    });

    it("every tag exemption that applies is an info finding naming who last wrote the resource", () => {
      const tags = { "nsp-guardrail-exempt": "storage-nfs,storage-sftp", "nsp-guardrail-exempt-reason": "HPC scratch" };
      const { findings } = evaluateEstate(tagged(tags), { rules: [nfsRule], policy: policy("tagExemptions: { allow: [storage-nfs] }"), now: NOW });
      const notice = findings.find((f) => f.ruleId === "tag-exemption");
      expect(notice).toMatchObject({ severity: "info", exempted: false, action: "alert", resourceId: nfs.account.id, perimeterId: nfs.nsp.id });
      expect(notice!.message).toContain("exempts this resource from storage-nfs");
      expect(notice!.message).toContain('reason: "HPC scratch"');
      expect(notice!.message).toContain("not in tagExemptions.allow: storage-sftp");
      expect(notice!.message).toContain("last written by mallory@contoso.example (User) at 2026-11-20T08:00:00Z");
      expect(findings).toHaveLength(2);
    });
  });

  it("evaluates one perimeter alone, as the event pipeline does", () => {
    const other = storageInPerimeter("stnfs2", { nspName: "nsp2" });
    const estate = new Estate([...estateResources, ...other.resources, fileShare(other.account, "x", "NFS")]);
    const findings = evaluatePerimeter(estate, other.nsp, { rules: [nfsRule], now: NOW });
    expect(findings.map((f) => f.resourceId)).toEqual([other.account.id]);
  });

  it("finds perimeters known only from their children", () => {
    const withoutPerimeter = estateResources.filter((r) => r !== nfs.nsp);
    const estate = new Estate(withoutPerimeter);
    expect(estate.perimeters().map((p) => p.id.toLowerCase())).toEqual([nfs.nsp.id.toLowerCase()]);
    expect(evaluateEstate(estate, { rules: [nfsRule], now: NOW }).findings).toHaveLength(1);
  });

  it("sorts worst first and counts perimeters and associations", () => {
    // Its own public access (not SecuredByPerimeter): Learning is not effectively enforcing, so NFS is high.
    const learning = storageInPerimeter("stlearn", { accessMode: "Learning", nspName: "nsp3", properties: { publicNetworkAccess: "Enabled" } });
    const result = evaluateEstate(new Estate([...estateResources, ...learning.resources, fileShare(learning.account, "d", "NFS")]), {
      rules: [nfsRule],
      now: NOW,
    });
    expect(result.perimeters).toBe(2);
    expect(result.associations).toBe(2);
    expect(result.findings.map((f) => f.severity)).toEqual(["critical", "high"]);
  });
});
