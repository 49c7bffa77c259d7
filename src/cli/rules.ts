import { ALL_RULES } from "../rules/catalog/index.js";
import { renderCatalogMarkdown } from "../rules/docs.js";
import { docUrl, SOURCES } from "../rules/types.js";

import type { RulesFormat } from "./formats.js";
export { RULES_FORMATS, type RulesFormat } from "./formats.js";

/** The rule catalog, from the rules' own metadata. */
export function renderRules(format: RulesFormat): string {
  const metas = ALL_RULES.map((r) => r.meta);
  switch (format) {
    case "json":
      return `${JSON.stringify(
        {
          version: 1,
          rules: metas.map((m) => ({
            id: m.id,
            title: m.title,
            category: m.category,
            severity: m.severity,
            severityLogic: m.severityLogic,
            resource: m.resource,
            docUrl: docUrl(m.sources[0]!),
            sources: m.sources.map((s) => ({ ...s, title: SOURCES[s.doc].title, date: SOURCES[s.doc].date, url: docUrl(s) })),
            defaultAction: m.defaultAction ?? "alert",
            ...(m.retired ? { retired: m.retired } : {}),
            explanation: m.explanation,
            remediation: m.remediation,
            reads: m.reads,
            needsPreviousState: m.needsPreviousState === true,
            ...(m.revert ? { revert: m.revert } : {}),
          })),
        },
        null,
        2,
      )}\n`;
    case "markdown":
      return renderCatalogMarkdown(metas, (id) => `docs/rules/${id}.md`);
    case "table": {
      const idWidth = Math.max(...metas.map((m) => m.id.length));
      const lines = metas.map((m) => `${m.id.padEnd(idWidth)}  ${m.severity.padEnd(8)}  ${m.category.padEnd(11)}  ${m.title}`);
      return `${"ID".padEnd(idWidth)}  SEVERITY  CATEGORY     TITLE\n${lines.join("\n")}\n`;
    }
  }
}
