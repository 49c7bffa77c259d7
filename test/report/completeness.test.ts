/** The completeness check on its own: which rule inputs an estate provides, from the rules' declared reads. */
import { describe, expect, it } from "vitest";
import { Estate } from "../../src/model/estate.js";
import { T } from "../../src/model/resourceTypes.js";
import { assessCompleteness, describeNotEvaluated, type EstateOrigin } from "../../src/report/completeness.js";
import { ALL_RULES } from "../../src/rules/catalog/index.js";
import { defineRule, type Rule } from "../../src/rules/types.js";
import { association, fileShare, keyVault, perimeter, profile, storageAccount, storageInPerimeter } from "../helpers/builders.js";

const snapshot = (extra: Partial<Extract<EstateOrigin, { kind: "snapshot" }>> = {}): EstateOrigin => ({ kind: "snapshot", file: "estate.json", resourceGraph: false, ...extra });
const byRule = (rule: string) => ALL_RULES.filter((r) => r.meta.id === rule);

describe("assessCompleteness", () => {
  const nfs = storageInPerimeter("stnfs");

  it("a snapshot without any file share cannot be checked for NFS; one with a share somewhere can", () => {
    const without = assessCompleteness(new Estate(nfs.resources), byRule("storage-nfs"), snapshot());
    expect(without.notEvaluated).toEqual([
      { ruleId: "storage-nfs", resourceId: nfs.account.id, missing: "file shares of the storage account", missingType: T.fileShare, perimeterId: nfs.nsp.id },
    ]);
    expect(describeNotEvaluated(without.notEvaluated[0]!, "the snapshot")).toBe("storage-nfs on stnfs: no file shares of the storage account in the snapshot");
    expect(without.advice).toBe("estate.json holds no file shares of storage accounts: write the snapshot with `nsp-guardrail export --subscription ID...`, or add them from their ARM list calls.");
    const withShare = assessCompleteness(new Estate([...nfs.resources, fileShare(nfs.account, "data", "SMB")]), byRule("storage-nfs"), snapshot());
    expect(withShare.notEvaluated).toEqual([]);
    expect(withShare.advice).toBeUndefined();
  });

  it("trusts what a snapshot declares it read, and what a live read planned", () => {
    expect(assessCompleteness(new Estate(nfs.resources), byRule("storage-nfs"), snapshot({ inputs: [T.fileShare] })).notEvaluated).toEqual([]);
    const declaredWithout = assessCompleteness(new Estate([...nfs.resources, fileShare(nfs.account, "d")]), byRule("storage-nfs"), snapshot({ inputs: [T.storageAccount] }));
    expect(declaredWithout.notEvaluated.map((e) => e.missingType)).toEqual([T.fileShare]);
    expect(assessCompleteness(new Estate(nfs.resources), byRule("storage-nfs"), { kind: "live", types: [T.fileShare] }).notEvaluated).toEqual([]);
    const refused = assessCompleteness(new Estate(nfs.resources), byRule("storage-nfs"), {
      kind: "live",
      types: [T.fileShare],
      unavailable: [{ resourceId: nfs.account.id, type: T.fileShare, reason: "HTTP 400 InvalidApiVersionParameter" }],
    });
    expect(refused.notEvaluated.map((e) => e.missing)).toEqual(["file shares of the storage account (ARM refused them: HTTP 400 InvalidApiVersionParameter)"]);
  });

  it("a live read evaluates the rules about resources outside any perimeter (the read lists their types per subscription)", () => {
    const rules = byRule("member-secured-unassociated");
    expect(assessCompleteness(new Estate(nfs.resources), rules, { kind: "live", types: [T.storageAccount, T.association] }).notEvaluated).toEqual([]);
  });

  it("a member the estate does not hold is named, not checked", () => {
    const nsp = perimeter("nsp1");
    const prof = profile(nsp);
    const absent = storageAccount("stgone");
    const estate = new Estate([nsp, prof, association(nsp, "a1", absent.id, { profile: prof, accessMode: "Enforced" })]);
    const result = assessCompleteness(estate, byRule("storage-sftp"), snapshot());
    expect(result.notEvaluated.map((e) => [e.ruleId, e.missing])).toEqual([["storage-sftp", "the storage account itself"]]);
    // A rule that needs the state before a change is never evaluated by a scan: not listed as if input were missing.
    const all = assessCompleteness(estate, ALL_RULES, snapshot());
    expect(all.notEvaluated.some((e) => e.ruleId === "storage-sftp")).toBe(true);
    expect(all.notEvaluated.some((e) => e.ruleId === "storage-enforcement-downgrade")).toBe(false);
  });

  it("a rule applies to the members its reads are about; a child of another member type is not asked of them", () => {
    const nsp = perimeter("nsp1");
    const prof = profile(nsp);
    const vault = keyVault("kv1");
    const estate = new Estate([nsp, prof, vault, association(nsp, "a1", vault.id, { profile: prof, accessMode: "Enforced" })]);
    // Storage rules (storage-cmk-key-vault, which also reads key vaults, included) do not apply to a key
    // vault; the provisioning-issues rule asks for the vault's own NSP configurations only.
    const result = assessCompleteness(estate, ALL_RULES, snapshot());
    expect(result.notEvaluated.filter((e) => e.resourceId === vault.id).map((e) => [e.ruleId, e.missingType])).toEqual([
      ["association-provisioning-issues", T.keyVaultNspConfiguration],
    ]);
  });

  it("covers a rule added to the catalog from its declared reads alone", () => {
    const containers = "microsoft.storage/storageaccounts/blobservices/containers";
    const newRule: Rule = defineRule({
      scope: "association",
      meta: { ...byRule("storage-sftp")[0]!.meta, id: "storage-public-containers", reads: [T.association, T.storageAccount, containers] },
      check: () => undefined,
    });
    const result = assessCompleteness(new Estate(nfs.resources), [newRule], snapshot({ resourceGraph: true }));
    expect(result.notEvaluated).toEqual([
      { ruleId: "storage-public-containers", resourceId: nfs.account.id, missing: `${containers} of the storage account`, missingType: containers, perimeterId: nfs.nsp.id },
    ]);
    expect(result.advice).toMatch(/^estate\.json is Resource Graph output, which does not hold microsoft\.storage\/storageaccounts\/blobservices\/containers of storage accounts: write the snapshot with `nsp-guardrail export/);
  });

  it("perimeter and profile rules: inputs of the perimeter (diagnostic settings) and of the profile (access rules)", () => {
    const result = assessCompleteness(new Estate(nfs.resources), ALL_RULES.filter((r) => ["perimeter-no-access-logs", "profile-rule-limit", "accessrule-broad-inbound"].includes(r.meta.id)), snapshot());
    expect(result.notEvaluated.map((e) => [e.ruleId, e.resourceId, e.missing])).toEqual([
      ["accessrule-broad-inbound", nfs.profile.id, "access rules of the profile"],
      ["profile-rule-limit", nfs.profile.id, "access rules of the profile"],
      ["perimeter-no-access-logs", nfs.nsp.id, "diagnostic settings of the perimeter"],
    ]);
  });
});
