import picomatch from "picomatch";
import { describe, expect, it } from "vitest";
import { compileGlob, globMatches } from "../../src/policy/glob.js";

const RG = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/";

/** The median of five timed calls: one call can be preempted on a busy machine, five in a row are not. */
function timed(fn: () => boolean): { result: boolean; ms: number } {
  const runs: number[] = [];
  let result = false;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    result = fn();
    runs.push(performance.now() - start);
  }
  return { result, ms: runs.sort((a, b) => a - b)[2]! };
}

describe("policy globs", () => {
  it("keep the glob semantics: * within a segment, ** across segments, case-insensitive", () => {
    const id = `${RG}Legacy-App/providers/Microsoft.Storage/storageAccounts/st1`;
    expect(globMatches("/subscriptions/*/resourceGroups/legacy-*/**", id)).toBe(true);
    expect(globMatches("/subscriptions/*/resourceGroups/legacy-*", `${RG}legacy-app`)).toBe(true);
    // `X/**` covers X itself, whatever X is (picomatch did for `a/**` but not for `a*/**`).
    expect(globMatches("/subscriptions/*/resourceGroups/legacy-*/**", `${RG}legacy-app`)).toBe(true);
    expect(globMatches("/subscriptions/*/resourceGroups/*", `${RG}`)).toBe(false);
    expect(globMatches("/subscriptions/*/resourceGroups/legacy-*", id)).toBe(false);
    expect(globMatches("/subscriptions/*/resourceGroups/prod-*/**", id)).toBe(false);
    expect(globMatches("**/storageAccounts/st1", id)).toBe(true);
    expect(globMatches("/subscriptions/**/storageAccounts/*", id)).toBe(true);
    expect(globMatches("/subscriptions/*/storageAccounts/*", id)).toBe(false);
    expect(globMatches("rg-?", "rg-1")).toBe(true);
    expect(globMatches("rg-?", "rg-12")).toBe(false);
    expect(globMatches("**", id)).toBe(true);
    // An escaped character is literal (what alert cards write for ids with parentheses).
    expect(globMatches("rg\\(1\\)", "rg(1)")).toBe(true);
    expect(globMatches("st\\*", "stx")).toBe(false);
  });

  it("agrees with picomatch on ordinary globs", () => {
    const globs = [
      "/subscriptions/*/resourceGroups/legacy-*/**",
      "/subscriptions/*/resourceGroups/*/providers/microsoft.storage/storageaccounts/st*",
      "**/storageAccounts/*",
      "/subscriptions/**/st1",
      "/subscriptions/*/resourceGroups/rg-?/**",
      "rg-*-prod",
      "*",
    ];
    const candidates = [
      `${RG}legacy-a/providers/Microsoft.Storage/storageAccounts/st1`,
      `${RG}rg-1/providers/Microsoft.Storage/storageAccounts/st1`,
      `${RG}rg-12/providers/Microsoft.Storage/storageAccounts/st1`,
      "rg-a-b-prod",
      "rg-prod",
      "rg/x",
      "",
    ];
    for (const glob of globs) {
      const reference = picomatch(glob, { nocase: true, dot: true });
      for (const candidate of candidates) expect(globMatches(glob, candidate), `${glob} vs ${candidate}`).toBe(reference(candidate));
    }
  });

  // Both took seconds (the first about 40 s) with the picomatch matcher compiled to a RegExp.
  it("matches the pathological patterns in under 10 ms", () => {
    const stars = compileGlob("*a*a*a*a*a*a*a*a*a*a*a*a*x");
    const subject = "a".repeat(41);
    expect(subject).toHaveLength(41);
    stars(subject); // compile and warm up
    const first = timed(() => stars(subject));
    expect(first.result).toBe(false);
    expect(first.ms).toBeLessThan(10);

    const resourceGroup = compileGlob("/subscriptions/*/resourceGroups/*-*-*-*-*-*-*-*-prod/**");
    const id = `${RG}${"-".repeat(89)}`;
    expect(id.length - RG.length).toBe(89);
    resourceGroup(id);
    const second = timed(() => resourceGroup(id));
    expect(second.result).toBe(false);
    expect(second.ms).toBeLessThan(10);
    const matching = `${RG}${"-".repeat(84)}-prod`;
    expect(timed(() => resourceGroup(matching)).result).toBe(true);
  });
});
