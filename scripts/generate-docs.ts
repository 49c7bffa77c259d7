/** `npm run docs`: writes docs/rules/*.md and the README rule table from the rule metadata. */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ALL_RULES } from "../src/rules/catalog/index.js";
import { renderRuleDoc, renderRulesIndex, withReadmeRuleTable } from "../src/rules/docs.js";

const root = process.argv[2] ?? process.cwd();
const dir = join(root, "docs", "rules");
mkdirSync(dir, { recursive: true });
const metas = ALL_RULES.map((r) => r.meta);
const wanted = new Set(metas.map((m) => `${m.id}.md`).concat("README.md"));
for (const file of readdirSync(dir)) if (!wanted.has(file)) rmSync(join(dir, file));
for (const meta of metas) writeFileSync(join(dir, `${meta.id}.md`), renderRuleDoc(meta));
writeFileSync(join(dir, "README.md"), renderRulesIndex(metas));
const readmePath = join(root, "README.md");
writeFileSync(readmePath, withReadmeRuleTable(readFileSync(readmePath, "utf8"), metas));
console.log(`wrote ${metas.length} rule pages to docs/rules and the README rule table`);
