/**
 * KQL checked as Log Analytics would before running it: parsed and analysed by Microsoft's Kusto
 * language service (`@kusto/language-service-next`, the analyser behind the Azure portal's query
 * editor) against a table schema, so that a column the table does not have is an error.
 *
 * The language service is a development dependency (31 MB): an installed package without it has no
 * analyser, and `kustoDiagnostics` says so by returning undefined rather than passing the query.
 */
import { createRequire } from "node:module";

/** Column types as the Azure Monitor table reference names them. */
export type KustoColumnType = "string" | "datetime" | "real" | "long" | "int" | "bool" | "dynamic" | "guid" | "timespan";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type KustoNamespace = any;

let loaded: KustoNamespace | null | undefined;

/** The language service's `Kusto` namespace (a Bridge.NET build that defines a global), or null when not installed. */
function kusto(): KustoNamespace | null {
  if (loaded !== undefined) return loaded;
  try {
    const require = createRequire(import.meta.url);
    require("@kusto/language-service-next/bridge.js");
    require("@kusto/language-service-next/Kusto.Language.Bridge.js");
    loaded = (globalThis as { Kusto?: KustoNamespace }).Kusto ?? null;
  } catch {
    loaded = null;
  }
  return loaded;
}

/** Whether the analyser can be used here. */
export function kustoAvailable(): boolean {
  return kusto() !== null;
}

/**
 * The analyser's error messages for `query` over a database holding one table with exactly these
 * columns (empty: the query is valid); undefined when the language service is not installed.
 */
export function kustoDiagnostics(query: string, table: string, columns: Readonly<Record<string, KustoColumnType>>): string[] | undefined {
  const Kusto = kusto();
  if (!Kusto) return undefined;
  const schema = Object.entries(columns)
    .map(([name, type]) => `['${name}']:${type}`)
    .join(", ");
  const symbol = Kusto.Language.Symbols.TableSymbol.From(`(${schema})`).WithName(table);
  const database = new Kusto.Language.Symbols.DatabaseSymbol.ctor("workspace", [symbol]);
  const globals = Kusto.Language.GlobalState.Default.WithDatabase(database);
  const list = Kusto.Language.KustoCode.ParseAndAnalyze(query, globals).GetDiagnostics();
  const out: string[] = [];
  for (let i = 0; i < list.Count; i++) out.push(String(list.getItem(i).Message));
  return out;
}
