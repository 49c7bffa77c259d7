/**
 * One engine benchmark step in a fresh process, so that peak memory is that step's alone:
 *   generate N FILE  writes a generated estate of N storage accounts (100 perimeters) to FILE;
 *   broad R P FILE   writes one profile of R inbound rules × P address prefixes to FILE;
 *   measure FILE     reads it as `scan --snapshot` does and prints one JSON line of figures.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { estateFromSnapshot } from "../src/inventory/snapshot.js";
import { evaluateEstate } from "../src/rules/engine.js";
import { generateBroadRules, generateEstate } from "./estateGenerator.js";

const [mode, ...args] = process.argv.slice(2);

if (mode === "generate") {
  const [accounts, file] = args;
  writeFileSync(file!, JSON.stringify({ resources: generateEstate({ accounts: Number(accounts), perimeters: 100 }) }));
} else if (mode === "broad") {
  const [rules, prefixes, file] = args;
  writeFileSync(file!, JSON.stringify({ resources: generateBroadRules({ rules: Number(rules), prefixes: Number(prefixes) }) }));
} else if (mode === "measure") {
  const file = args[0]!;
  let text: string | undefined = readFileSync(file, "utf8");
  const snapshotMiB = Buffer.byteLength(text) / 1048576;
  let t = performance.now();
  const doc = JSON.parse(text) as unknown;
  const parseMs = performance.now() - t;
  text = undefined; // as in the CLI, the text is garbage once parsed

  t = performance.now();
  const estate = estateFromSnapshot(doc, "bench.json");
  const indexMs = performance.now() - t;
  t = performance.now();
  const result = evaluateEstate(estate, { now: new Date("2026-11-23T00:00:00Z") });
  const evaluateMs = performance.now() - t;

  console.log(
    JSON.stringify({
      resources: estate.resources.length,
      snapshotMiB,
      parseMs,
      indexMs,
      evaluateMs,
      engineMs: indexMs + evaluateMs,
      associations: result.associations,
      findings: result.findings.length,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    }),
  );
} else {
  console.error("usage: engineWorker generate N FILE | broad R P FILE | measure FILE");
  process.exitCode = 2;
}
