import { describe, expect, it } from "vitest";
import { closest, didYouMean, editDistance } from "../../src/model/suggest.js";

describe("did you mean", () => {
  it("counts insertions, deletions, substitutions and adjacent transpositions as one edit each", () => {
    expect(editDistance("storage-nfs", "storage-nfs")).toBe(0);
    expect(editDistance("storage-nsf", "storage-nfs")).toBe(1);
    expect(editDistance("maxPerHr", "maxPerHour")).toBe(2);
    expect(editDistance("abc", "")).toBe(3);
  });

  it("suggests the closest name within a third of the input's length, case-insensitively, else nothing", () => {
    expect(closest("dryrun", ["dryRun", "rules"])).toBe("dryRun");
    expect(closest("hgih", ["critical", "high", "medium"])).toBe("high");
    expect(closest("xml", ["table", "json", "html"])).toBeUndefined();
    expect(closest("frobnicate", ["dryRun", "rules", "revert"])).toBeUndefined();
    expect(didYouMean("storage-sftpp", ["storage-sftp", "storage-nfs"])).toBe(" (did you mean storage-sftp?)");
    expect(didYouMean("zzz", ["storage-sftp"])).toBe("");
  });
});
