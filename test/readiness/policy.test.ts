import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, parsePolicy } from "../../src/policy/policy.js";

describe("policy: readiness settings", () => {
  it("defaults to /24 and subscription rules preferred", () => {
    expect(DEFAULT_POLICY.readiness).toEqual({ maxPrefixLength: 24, preferSubscriptionRules: true });
    expect(parsePolicy("readiness: { maxPrefixLength: 28 }", "p.yaml", []).readiness).toEqual({ maxPrefixLength: 28, preferSubscriptionRules: true });
  });

  it.each([
    ["readiness: { maxPrefixLength: 33 }", "p.yaml: readiness.maxPrefixLength: "],
    ["readiness: { maxPrefixLength: 0 }", "p.yaml: readiness.maxPrefixLength: "],
    ["readiness: { maxPrefixLength: 24.5 }", "p.yaml: readiness.maxPrefixLength: "],
    ["readiness: { preferSubscriptionRules: 'yes' }", "p.yaml: readiness.preferSubscriptionRules: expected true|false"],
    ["readiness: { maxPrefix: 24 }", "p.yaml: readiness.maxPrefix: unknown key"],
  ])("%s is refused", (text, message) => {
    expect(() => parsePolicy(text, "p.yaml", [])).toThrow(message);
  });
});
