/**
 * The Resource Graph query texts are valid KQL over the tables' documented columns (the Kusto
 * language service), and the emulator serves exactly them.
 */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { GRAPH_QUERIES, PROJECTED_COLUMNS, queryText, SUBSCRIPTIONS_QUERY } from "../../src/inventory/resourceGraphQueries.js";
import { RESOURCE_GRAPH_COLUMNS, RESOURCE_GRAPH_TABLES, recogniseQuery } from "../../src/emulator/resourceGraph.js";

// The Kusto language service (Bridge.NET build) defines the global `Kusto` namespace when loaded.
const require = createRequire(import.meta.url);
require("@kusto/language-service-next/bridge.js");
require("@kusto/language-service-next/Kusto.Language.Bridge.js");
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const Kusto = (globalThis as any).Kusto;

/** Diagnostics of a query analysed against a database holding the three tables with Resource Graph's standard columns. */
function diagnostics(query: string): string[] {
  const schema = Object.entries(RESOURCE_GRAPH_COLUMNS).map(([name, type]) => `['${name}']:${type}`).join(", ");
  const tables = RESOURCE_GRAPH_TABLES.map((name) => Kusto.Language.Symbols.TableSymbol.From(`(${schema})`).WithName(name));
  const database = new Kusto.Language.Symbols.DatabaseSymbol.ctor("resourcegraph", tables);
  const globals = Kusto.Language.GlobalState.Default.WithDatabase(database);
  const list = Kusto.Language.KustoCode.ParseAndAnalyze(query, globals).GetDiagnostics();
  const out: string[] = [];
  for (let i = 0; i < list.Count; i++) out.push(list.getItem(i).Message);
  return out;
}

describe("the Resource Graph queries", () => {
  it.each(GRAPH_QUERIES.map((q) => [q.label, q] as const))("%s is valid KQL over the table's columns", (_label, query) => {
    expect(diagnostics(queryText(query))).toEqual([]);
  });

  it("the subscriptions query (resourcecontainers) is valid KQL and served by the emulator", () => {
    expect(diagnostics(queryText(SUBSCRIPTIONS_QUERY))).toEqual([]);
    expect(recogniseQuery(queryText(SUBSCRIPTIONS_QUERY))).toEqual({ table: "resourcecontainers", types: ["microsoft.resources/subscriptions"], columns: [...PROJECTED_COLUMNS] });
  });

  it("a column the tables do not have fails (systemData is not projected)", () => {
    const text = queryText(GRAPH_QUERIES[0]!);
    expect(diagnostics(text.replace("properties", "systemData"))).toEqual([expect.stringContaining("'systemData' does not refer to any known column")]);
    expect(diagnostics(text.replace("resources", "resourcez"))).not.toEqual([]);
  });

  it("every query projects id (skip-token paging needs it) and orders by it", () => {
    expect(PROJECTED_COLUMNS).toContain("id");
    for (const query of GRAPH_QUERIES) expect(queryText(query)).toMatch(/\| order by id asc$/);
  });

  it("the emulator recognises exactly these queries", () => {
    for (const query of GRAPH_QUERIES) {
      expect(recogniseQuery(queryText(query))).toEqual({ table: query.table, types: query.types, columns: [...PROJECTED_COLUMNS] });
    }
    expect(typeof recogniseQuery("resources | take 5")).toBe("string");
    expect(recogniseQuery(queryText(GRAPH_QUERIES[0]!).replace("properties", "systemData"))).toMatch(/'systemData' does not refer to any known column/);
  });
});
