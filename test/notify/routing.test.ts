import { describe, expect, it } from "vitest";
import type { AlertItem } from "../../src/notify/model.js";
import { routeMismatch } from "../../src/notify/routing.js";

const account = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-data-prod/providers/Microsoft.Storage/storageAccounts/st1";
const item = (ruleId: string, severity: AlertItem["severity"]): AlertItem => ({
  key: `${ruleId}|${account}||`,
  change: "new",
  severity,
  ruleId,
  title: "t",
  category: "hygiene",
  message: "m",
  explanation: "",
  remediation: "",
  docUrl: "https://learn.microsoft.com/",
  sources: [],
  resourceId: account,
  guardrail: { outcome: "alert-only", text: "" },
  exemption: { yaml: "", tag: "" },
  detectedAt: "2026-11-28T00:00:00Z",
});

describe("alert routing", () => {
  it("sends a tag exemption (info) to every channel whatever its minSeverity; other info findings stay below it", () => {
    expect(routeMismatch({ minSeverity: "high" }, item("tag-exemption", "info"), undefined)).toBeUndefined();
    expect(routeMismatch({ minSeverity: "high" }, item("storage-nfs", "info"), undefined)).toBe("below minSeverity high");
    // The channel's other filters still apply.
    expect(routeMismatch({ minSeverity: "high", rules: ["storage-nfs"] }, item("tag-exemption", "info"), undefined)).toBe("rule not listed");
  });

  it("matches resource group globs case-insensitively and in linear time", () => {
    expect(routeMismatch({ minSeverity: "low", resourceGroups: ["RG-*-prod"] }, item("storage-nfs", "high"), undefined)).toBeUndefined();
    expect(routeMismatch({ minSeverity: "low", resourceGroups: ["rg-*-dev"] }, item("storage-nfs", "high"), undefined)).toBe("resource group not listed");
    const hostile = { ...item("storage-nfs", "high"), resourceId: account.replace("rg-data-prod", "-".repeat(89)) };
    const start = performance.now();
    expect(routeMismatch({ minSeverity: "low", resourceGroups: ["*-*-*-*-*-*-*-*-prod"] }, hostile, undefined)).toBe("resource group not listed");
    expect(performance.now() - start).toBeLessThan(50);
  });
});
