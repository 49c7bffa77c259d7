/**
 * One engine benchmark in a fresh process, so that peak memory is this size's alone.
 * Prints one JSON line: sizes, parse time, engine time (validate + index + evaluate), peak RSS.
 */
import { performance } from "node:perf_hooks";
import { resourcesFromSnapshot } from "../src/inventory/snapshot.js";
import { Estate } from "../src/model/estate.js";
import { evaluateEstate } from "../src/rules/engine.js";
import { generateEstate } from "./estateGenerator.js";

const accounts = Number(process.argv[2] ?? 10_000);
const perimeters = Number(process.argv[3] ?? 100);
const gc = (globalThis as { gc?: () => void }).gc;

const text = JSON.stringify({ resources: generateEstate({ accounts, perimeters }) });
gc?.();
const rssBefore = process.memoryUsage().rss;

let t = performance.now();
const doc = JSON.parse(text) as unknown;
const parseMs = performance.now() - t;

t = performance.now();
const resources = resourcesFromSnapshot(doc, "bench.json");
const estate = new Estate(resources);
const indexMs = performance.now() - t;
t = performance.now();
const result = evaluateEstate(estate, { now: new Date("2026-11-23T00:00:00Z") });
const evaluateMs = performance.now() - t;

const peakRssMiB = process.resourceUsage().maxRSS / 1024;
console.log(
  JSON.stringify({
    accounts,
    perimeters,
    resources: resources.length,
    snapshotMiB: Buffer.byteLength(text) / 1048576,
    parseMs,
    indexMs,
    evaluateMs,
    engineMs: indexMs + evaluateMs,
    findings: result.findings.length,
    peakRssMiB,
    baselineRssMiB: rssBefore / 1048576,
  }),
);
