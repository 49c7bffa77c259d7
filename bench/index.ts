/**
 * `npm run bench`: every benchmark of the project, figures printed next to their goals.
 * Each engine size runs in its own process so that peak memory is measured per size.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { measureLiveScan, type LiveScanFigures } from "./liveScan.js";
import { measureCallsPerEvent, measureEventLatency, type EventCallFigures } from "./pipelineBench.js";
import { formatExposure, measureExposureWindow } from "./revertBench.js";
import { measurePackage } from "./packageBench.js";
import { measureSimulation } from "./simulateBench.js";
import { formatHardening, measureEventStore, measureGlobWorstCase, type EventStoreFigures, type GlobFigures } from "./hardeningBench.js";
import { measureReadiness } from "./readinessBench.js";
import { formatTenant, formatTenantReconcile, measureTenantRead, measureTenantReconcile } from "./tenantBench.js";

interface EngineFigures {
  accounts: number;
  perimeters: number;
  resources: number;
  snapshotMiB: number;
  parseMs: number;
  indexMs: number;
  evaluateMs: number;
  engineMs: number;
  findings: number;
  peakRssMiB: number;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Summary rows of the hardening cases: glob worst case (< 10 ms per match) and the bounded event-id store. */
function hardeningSummary(globs: readonly GlobFigures[], store: EventStoreFigures): Array<[string, string, string, boolean]> {
  const worst = Math.max(...globs.map((g) => g.microsPerMatch));
  return [
    ["policy glob worst case", `${worst.toFixed(1)} µs`, "< 10000 µs", worst < 10_000],
    [`event ids held after ${store.events / 1_000_000}M events`, `${store.maxHeld}`, `<= ${store.bound} (ttl+2 d)`, store.maxHeld <= store.bound],
  ];
}

/** The simulate figures: runs/s, faults by kind, violations (goal: none). */
async function simulateSection(): Promise<Array<[string, string, string, boolean | undefined]>> {
  const simRuns = Number(process.env.NSPG_BENCH_SIM_RUNS ?? 10_000);
  console.log(`\nsimulate: ${simRuns} runs under heavy faults (Contoso, demo policy: reverts on, dry run off)`);
  const sim = await measureSimulation(simRuns);
  console.log(`  ${sim.figures.runsPerSecond} runs/s over ${sim.figures.wallSeconds} s; ${sim.figures.events} events, ${sim.figures.evaluations} evaluations, ${sim.figures.guardrailWrites} guardrail writes`);
  console.log(`  faults injected: ${Object.entries(sim.faultsInjected).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  for (const v of sim.violations.slice(0, 20)) console.log(`  VIOLATION ${v.invariant} (seed ${v.seed}): ${v.detail}`);
  return [
    [`simulate violations, ${simRuns} heavy runs`, `${sim.violations.length}`, "0", sim.violations.length === 0],
    ["simulate throughput", `${sim.figures.runsPerSecond} runs/s`, "reported", undefined],
  ];
}

/**
 * readiness: caller summaries (as the workspace query returns them) for 1,000 associations, at three
 * sizes so that growth shows. `NSPG_BENCH_READINESS_ROWS` (comma-separated) overrides the sizes.
 */
function readinessSection(): Array<[string, string, string, boolean | undefined]> {
  const sizes = (process.env.NSPG_BENCH_READINESS_ROWS ?? "250000,500000,1000000").split(",").map(Number);
  console.log("\nreadiness: log rows already summarised per caller, 1,000 associations in Learning");
  const runs = sizes.map((rows) => measureReadiness(rows, 1000));
  for (const r of runs) {
    console.log(`  ${r.rows} rows: ${r.ms.toFixed(0)} ms wall, ${r.cpuMs.toFixed(0)} ms CPU (${((r.ms * 1000) / r.rows).toFixed(2)} µs/row), ${r.breaking} breaking callers, ${r.proposedRules} proposed rules, peak RSS ${r.peakRssMiB.toFixed(0)} MiB`);
  }
  const largest = runs[runs.length - 1]!;
  const growth = largest.ms / largest.rows / (runs[0]!.ms / runs[0]!.rows);
  // Wall time counts what other processes take from this one; the load average says how busy the machine was.
  console.log(`  load average while measuring: ${loadavg().map((l) => l.toFixed(1)).join(", ")} on ${availableParallelism()} core(s)`);
  return [
    [`readiness, ${largest.rows / 1_000_000}M rows / 1,000 assoc.`, `${largest.ms.toFixed(0)} ms`, "< 5000 ms", largest.rows >= 1_000_000 ? largest.ms < 5000 : undefined],
    [`readiness CPU time, ${largest.rows / 1_000_000}M rows`, `${largest.cpuMs.toFixed(0)} ms`, "reported", undefined],
    [`readiness time per row, ${largest.rows / 1000}k vs ${runs[0]!.rows / 1000}k`, `${growth.toFixed(2)}x`, "linear (<= 1.5x)", runs.length > 1 ? growth <= 1.5 : undefined],
  ];
}

function printSummary(rows: ReadonlyArray<[string, string, string, boolean | undefined]>): void {
  console.log("\nSummary against goals");
  for (const [what, got, goal, ok] of rows) {
    console.log(`${what.padEnd(34)} ${got.padStart(12)}   goal ${goal.padEnd(12)} ${ok === undefined ? "" : ok ? "met" : "NOT MET"}`);
  }
}

/**
 * Tenant scale through Resource Graph, measured at 100,000 members in 300 subscriptions (1,000
 * perimeters): the Functions app's reconcile with every rule on, on the pass after another, and a full
 * read with the graph-held rules; beside them the first pass of 1,000 members and the ARM path (`--only tenant`).
 */
async function tenantSection(): Promise<Array<[string, string, string, boolean | undefined]>> {
  const members = Number(process.env.NSPG_BENCH_TENANT_MEMBERS ?? 100_000);
  const subscriptions = Number(process.env.NSPG_BENCH_TENANT_SUBSCRIPTIONS ?? 300);
  const allRulesMembers = Number(process.env.NSPG_BENCH_TENANT_ALL_RULES_MEMBERS ?? 1_000);
  console.log(`\ntenant: reads through Resource Graph against the emulator (20 ms per call, quota 15 queries per 5 s)`);
  const reconcile = await measureTenantReconcile(members, subscriptions, "seeded");
  console.log(formatTenantReconcile(reconcile));
  const small = await measureTenantReconcile(allRulesMembers, Math.min(subscriptions, allRulesMembers), "read");
  console.log(formatTenantReconcile(small));
  const held = await measureTenantRead(members, subscriptions, "graph-held rules");
  console.log(formatTenant(held));
  const all = await measureTenantRead(allRulesMembers, Math.min(subscriptions, allRulesMembers), "all rules");
  console.log(formatTenant(all));
  const arm = await measureLiveScan(1_000);
  console.log(`  ARM path for comparison (all rules, one subscription): ${arm.members} members, ${arm.calls} calls = ${(arm.calls / arm.members).toFixed(2)} calls/member, wall ${(arm.wallMs / 1000).toFixed(1)} s`);
  console.log(`  load average while measuring: ${loadavg().map((l) => l.toFixed(1)).join(", ")} on ${availableParallelism()} core(s)`);
  const k = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));
  return [
    [`calls per member, reconcile of ${k(reconcile.members)} (all rules, next pass)`, reconcile.callsPerMember.toFixed(4), "<= 0.05", reconcile.callsPerMember <= 0.05],
    [`quota waits, reconcile of ${k(reconcile.members)}`, `${reconcile.quotaWaits} (${(reconcile.quotaWaitMs / 1000).toFixed(1)} s)`, "reported", undefined],
    [`wall time, reconcile of ${k(reconcile.members)}`, `${(reconcile.wallMs / 1000).toFixed(1)} s`, "reported", undefined],
    [`calls per member, first pass of ${k(small.members)} (all rules)`, (small.previousPass.calls! / small.members).toFixed(3), "reported", undefined],
    [`calls per member, full read of ${k(held.members)} (graph-held rules)`, held.callsPerMember.toFixed(4), "<= 0.05", held.callsPerMember <= 0.05],
    [`calls per member, ARM path ${k(arm.members)}`, (arm.calls / arm.members).toFixed(2), "reported", undefined],
  ];
}

const work = join(tmpdir(), `nspg-bench-${process.pid}`);
mkdirSync(work, { recursive: true });
process.on("exit", () => rmSync(work, { recursive: true, force: true }));

function runEngine(accounts: number): EngineFigures {
  const file = join(work, `estate-${accounts}.json`);
  const worker = join(here, "engineWorker.js");
  execFileSync(process.execPath, ["--max-old-space-size=4096", worker, "generate", String(accounts), file]);
  const out = execFileSync(process.execPath, ["--max-old-space-size=4096", worker, "measure", file], { encoding: "utf8" });
  rmSync(file);
  return { accounts, perimeters: 100, ...(JSON.parse(out.trim().split("\n").pop()!) as Omit<EngineFigures, "accounts" | "perimeters">) };
}

/** One profile of 300 inbound rules × 300 prefixes, scanned as `scan --snapshot` does (goal: under 1 s). */
function broadRulesRow(): [string, string, string, boolean] {
  const worker = join(here, "engineWorker.js");
  const file = join(work, "broad-300x300.json");
  execFileSync(process.execPath, [worker, "broad", "300", "300", file]);
  const broad = JSON.parse(execFileSync(process.execPath, [worker, "measure", file], { encoding: "utf8" }).trim().split("\n").pop()!) as Omit<EngineFigures, "accounts" | "perimeters">;
  rmSync(file);
  const scanMs = broad.parseMs + broad.engineMs;
  console.log(`rules: 300 inbound rules x 300 prefixes in one profile (${broad.snapshotMiB.toFixed(1)} MiB): parse ${broad.parseMs.toFixed(0)} ms, index ${broad.indexMs.toFixed(0)} ms, evaluate ${broad.evaluateMs.toFixed(0)} ms, ${broad.findings} findings`);
  return ["scan, 300 rules x 300 prefixes", `${scanMs.toFixed(0)} ms`, "< 1000 ms", scanMs < 1000];
}

/** The engine (index + evaluate) against a bare `JSON.parse` of the same file (goal: at most 1.5x). */
function engineRatioRow(big: EngineFigures): [string, string, string, boolean] {
  const ratio = big.engineMs / big.parseMs;
  return [`engine / bare JSON parse, ${big.accounts / 1000}k`, `${ratio.toFixed(2)}x`, "<= 1.5x", ratio <= 1.5];
}

/** `--only rules`: the two figures of the rules' cost in what they read. */
function rulesSection(): Array<[string, string, string, boolean | undefined]> {
  const broad = broadRulesRow();
  const big = runEngine(Number(process.env.NSPG_BENCH_RULES_ACCOUNTS ?? 100_000));
  console.log(`rules: ${big.accounts} accounts (${big.snapshotMiB.toFixed(1)} MiB): bare JSON.parse ${big.parseMs.toFixed(0)} ms, engine ${big.engineMs.toFixed(0)} ms (index ${big.indexMs.toFixed(0)}, evaluate ${big.evaluateMs.toFixed(0)}), ${big.findings} findings`);
  return [broad, engineRatioRow(big)];
}

// `npm run bench -- --only hardening|simulate|readiness|tenant|rules` runs only those cases.
const onlyIndex = process.argv.indexOf("--only");
if (onlyIndex >= 0) {
  const only = process.argv[onlyIndex + 1] ?? "";
  if (only === "hardening") {
    const globs = measureGlobWorstCase();
    const store = await measureEventStore();
    console.log(formatHardening(globs, store));
    printSummary(hardeningSummary(globs, store));
  } else if (only === "simulate") {
    printSummary(await simulateSection());
  } else if (only === "readiness") {
    printSummary(readinessSection());
  } else if (only === "tenant") {
    printSummary(await tenantSection());
  } else if (only === "rules") {
    printSummary(rulesSection());
  } else {
    console.error(`bench: --only takes "hardening", "simulate", "readiness", "tenant" or "rules", got ${JSON.stringify(only)}`);
    process.exit(2);
  }
  process.exit(0);
}
const sizes = (process.env.NSPG_BENCH_SIZES ?? "10000,50000,100000").split(",").map(Number);


const fmt = (n: number, digits = 0) => n.toFixed(digits).padStart(8);

console.log("Rule engine over generated estates (100 perimeters; storage accounts with shares, lifecycle policies, associations)");
console.log(
  `${"accounts".padStart(9)} ${"resources".padStart(9)} ${"JSON MiB".padStart(8)} ${"parse ms".padStart(8)} ${"engine ms".padStart(9)} ${"index ms".padStart(8)} ${"eval ms".padStart(8)} ${"engine/parse".padStart(12)} ${"peak RSS MiB".padStart(12)} ${"findings".padStart(8)}`,
);
const rows: EngineFigures[] = [];
for (const accounts of sizes) {
  const r = runEngine(accounts);
  rows.push(r);
  console.log(
    `${String(r.accounts).padStart(9)} ${String(r.resources).padStart(9)} ${fmt(r.snapshotMiB, 1)} ${fmt(r.parseMs)} ${fmt(r.engineMs).padStart(9)} ${fmt(r.indexMs)} ${fmt(r.evaluateMs)} ${(r.engineMs / r.parseMs).toFixed(2).padStart(12)} ${fmt(r.peakRssMiB).padStart(12)} ${String(r.findings).padStart(8)}`,
  );
}
if (rows.length > 1) {
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  const scale = last.accounts / first.accounts;
  console.log(`growth: ${scale}x accounts -> ${(last.engineMs / first.engineMs).toFixed(1)}x engine time (linear would be ${scale}x)`);
}

console.log("\nLive scan through the Azure SDK clients against the ARM emulator (20 ms latency per call, concurrency 8)");
console.log(`${"members".padStart(8)} ${"calls".padStart(7)} ${"requests".padStart(8)} ${"calls/member".padStart(12)} ${"wall ms".padStart(8)} ${"calls×latency÷conc".padStart(18)} ${"wall/ideal".padStart(10)}`);
const liveRows: LiveScanFigures[] = [];
for (const members of (process.env.NSPG_BENCH_LIVE_SIZES ?? "10,100,1000").split(",").map(Number)) {
  const r = await measureLiveScan(members);
  liveRows.push(r);
  console.log(
    `${String(r.members).padStart(8)} ${String(r.calls).padStart(7)} ${String(r.requests).padStart(8)} ${(r.calls / r.members).toFixed(2).padStart(12)} ${fmt(r.wallMs)} ${fmt(r.expectedMs).padStart(18)} ${(r.wallMs / r.expectedMs).toFixed(2).padStart(10)}`,
  );
  for (const [type, t] of Object.entries(r.byType)) {
    console.log(`${"".padStart(8)}   ${type}: ${t.members} member(s), ${t.calls} call(s), ${(t.calls / Math.max(1, t.members)).toFixed(2)} per member, at most ${t.maxCallsPerMember}`);
  }
}

console.log("\nEvent pipeline: ARM calls per single-member event (SFTP toggled on one account), by perimeter size");
const eventRows: EventCallFigures[] = [];
for (const members of [10, 100, 1000]) {
  const r = await measureCallsPerEvent(members);
  eventRows.push(r);
  console.log(`${String(members).padStart(8)} members: calls per event ${r.callsPerEvent.join(", ")}`);
}
const latency = await measureEventLatency(200, 20);
console.log(`\nChange-to-decision latency over ${latency.events} events (debounce 0, 20 ms ARM latency): p50 ${latency.p50Ms.toFixed(0)} ms, p99 ${latency.p99Ms.toFixed(0)} ms, max ${latency.maxMs.toFixed(0)} ms`);

const biggest = rows.find((r) => r.accounts === 100_000);
const summary: Array<[string, string, string, boolean | undefined]> = [];
if (biggest) {
  summary.push(["engine time, 100k accounts", `${biggest.engineMs.toFixed(0)} ms`, "< 2000 ms", biggest.engineMs < 2000]);
  summary.push(["peak memory, 100k accounts", `${biggest.peakRssMiB.toFixed(0)} MiB`, "< 1024 MiB", biggest.peakRssMiB < 1024]);
  summary.push(engineRatioRow(biggest));
}
summary.push(broadRulesRow());
const largestLive = liveRows.at(-1);
if (largestLive) {
  const storage = largestLive.byType["microsoft.storage/storageaccounts"];
  if (storage) summary.push([`calls per storage member, ${largestLive.members}`, `at most ${storage.maxCallsPerMember}`, "<= 6", storage.maxCallsPerMember <= 6]);
  summary.push([`live wall / (calls×latency÷conc), ${largestLive.members}`, `${(largestLive.wallMs / largestLive.expectedMs).toFixed(2)}x`, "close to 1x (<= 1.5x)", largestLive.wallMs / largestLive.expectedMs <= 1.5]);
}
console.log("\nExposure window: a risky write applied in ARM until the guardrail's revert is applied");
const exposure0 = await measureExposureWindow(100, 0);
console.log(formatExposure(exposure0));
console.log(formatExposure(await measureExposureWindow(100, 5000, { lanes: 25 })));
summary.push(["exposure window p99 (debounce 0)", `${exposure0.p99Ms.toFixed(0)} ms`, "< 1000 ms", exposure0.p99Ms < 1000]);

const pack = await measurePackage(join(here, "..", ".."));
console.log(`\nDeployment package: ${pack.zipMiB.toFixed(2)} MiB zipped; importing the function entries in a fresh Node process: ${pack.importMs.toFixed(0)} ms (median of 5)`);
summary.push(["deployment package size", `${pack.zipMiB.toFixed(2)} MiB`, "< 5 MiB", pack.zipMiB < 5]);
summary.push(["cold import of the function entries", `${pack.importMs.toFixed(0)} ms`, "< 300 ms", pack.importMs < 300]);

summary.push(...(await simulateSection()));
summary.push(...(await tenantSection()));
const hardeningGlobs = measureGlobWorstCase();
const hardeningStore = await measureEventStore();
console.log(`\n${formatHardening(hardeningGlobs, hardeningStore)}`);
summary.push(...hardeningSummary(hardeningGlobs, hardeningStore));

summary.push(...readinessSection());

const maxCalls = Math.max(...eventRows.flatMap((r) => r.callsPerEvent));
const constant = new Set(eventRows.map((r) => Math.max(...r.callsPerEvent))).size === 1;
summary.push(["ARM calls per single-member event", `at most ${maxCalls}${constant ? ", same at 10/100/1000" : ", grows with size"}`, "<= 6, constant", maxCalls <= 6 && constant]);
summary.push(["event-to-decision p99 (debounce 0)", `${latency.p99Ms.toFixed(0)} ms`, "< 500 ms", latency.p99Ms < 500]);
printSummary(summary);
