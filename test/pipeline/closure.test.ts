import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSnapshotFile } from "../../src/inventory/snapshot.js";
import { Estate } from "../../src/model/estate.js";
import { parsePolicy } from "../../src/policy/policy.js";
import { RULE_IDS } from "../../src/rules/catalog/index.js";
import { evaluatePerimeter } from "../../src/rules/engine.js";
import { perimeterClosure } from "../../src/pipeline/closure.js";
import type { Finding } from "../../src/rules/types.js";
import { NOW } from "../helpers/builders.js";
import { ROOT } from "../helpers/cli.js";
import { FIXTURE_POLICY } from "../fixtures/estates.js";
import { FIXTURE_FILES } from "../inventory/liveSupport.js";

const policy = parsePolicy(FIXTURE_POLICY, "policy.yaml", RULE_IDS);
const summary = (findings: Finding[]) =>
  findings.filter((f) => f.perimeterId !== undefined).map((f) => `${f.ruleId} ${f.resourceId.toLowerCase()} ${f.severity} ${f.exempted}`).sort();

describe("perimeter closure", () => {
  for (const file of FIXTURE_FILES) {
    it(`${file}: each perimeter evaluated on its closure alone gives the findings it has in the whole estate`, async () => {
      const estate = await loadSnapshotFile(join(ROOT, "test", "fixtures", "estates", file));
      for (const perimeter of estate.perimeters()) {
        const closure = perimeterClosure(estate, perimeter);
        const whole = evaluatePerimeter(estate, perimeter, { now: NOW, policy });
        const alone = evaluatePerimeter(new Estate(closure.resources), perimeter, { now: NOW, policy });
        expect(summary(alone), perimeter.id).toEqual(summary(whole));
      }
    });
  }

  it("indexes members, their blob hosts and the cross-perimeter resources the rules read", async () => {
    const estate = await loadSnapshotFile(join(ROOT, "test", "fixtures", "estates", "contoso.json"));
    const prod = estate.perimeters().find((p) => p.name === "nsp-prod-data")!;
    const closure = perimeterClosure(estate, prod);
    const keys = new Set(closure.indexKeys);
    expect(keys.has("/subscriptions/11111111-1111-1111-1111-111111111111/resourcegroups/rg-app/providers/microsoft.storage/storageaccounts/stpayroll")).toBe(true);
    expect(keys.has("blobhost:stlegacyvhds.blob.core.windows.net")).toBe(true);
    expect([...keys].some((k) => k.endsWith("/vaults/kv-contoso-keys"))).toBe(true);
    expect([...keys].some((k) => k.includes("/networksecurityperimeters/nsp-keys/profiles/keys"))).toBe(true);
    expect([...keys].some((k) => k.endsWith("/virtualmachines/vm-legacy-erp"))).toBe(true);
    expect([...keys].some((k) => k.startsWith(prod.id.toLowerCase()))).toBe(false);
    expect(closure.unresolved).toEqual([]);
  });
});
