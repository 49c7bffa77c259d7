import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ALL_RULES } from "../src/rules/catalog/index.js";
import { renderRuleDoc, renderRulesIndex, withReadmeRuleTable } from "../src/rules/docs.js";
import { ROOT } from "./helpers/cli.js";

const metas = ALL_RULES.map((r) => r.meta);
const docsDir = join(ROOT, "docs", "rules");
const stale = "stale: run `npm run docs` and commit the result";

describe("generated rule docs are current", () => {
  it.each(metas.map((m) => [m.id, m] as const))("docs/rules/%s.md", (id, meta) => {
    const path = join(docsDir, `${id}.md`);
    expect(existsSync(path), `${path} missing: ${stale}`).toBe(true);
    expect(readFileSync(path, "utf8"), stale).toBe(renderRuleDoc(meta));
  });

  it("docs/rules holds exactly one page per rule plus the index", () => {
    expect(readdirSync(docsDir).sort()).toEqual([...metas.map((m) => `${m.id}.md`), "README.md"].sort());
    expect(readFileSync(join(docsDir, "README.md"), "utf8"), stale).toBe(renderRulesIndex(metas));
  });

  it("the README rule table", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(readme, stale).toBe(withReadmeRuleTable(readme, metas));
    for (const m of metas) expect(readme).toContain(`docs/rules/${m.id}.md`);
  });
});
