/**
 * `nsp-guardrail demo`: the whole product on a laptop in under a minute, without an Azure account.
 * Starts the ARM emulator seeded with the built-in Contoso estate (demo/estate.json), a local Teams
 * receiver and a local SMTP receiver, lets the guardrail reconcile (its findings are printed), then
 * plays demo/timeline.json, a script of realistic mistakes, through the real event path: each change is
 * written to the emulator, which emits the Event Grid event Azure would; the guardrail evaluates the
 * perimeters it touches, reverts where the demo policy (demo/policy.yaml: dry run off) says so, and
 * alerts the receivers, which print each alert as it arrives.
 *
 * State: the guardrail's in-memory state store (Azurite is not started).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseSnapshot } from "../inventory/snapshot.js";
import { InputError } from "../model/errors.js";
import type { ArmResource } from "../model/resource.js";
import type { Action, EventDecision } from "../pipeline/decisions.js";
import { parsePolicy, type Policy } from "../policy/policy.js";
import { parseTimeline, ReplaySession, type TimelineOperation } from "../replay/replay.js";
import { RULE_IDS } from "../rules/catalog/index.js";
import type { Finding } from "../rules/types.js";
import { DemoSmtpReceiver, DemoTeamsReceiver, type ReceivedAlert } from "./receivers.js";
import { startDemoPage } from "./page.js";
import { startAzurite, type AzuriteInstance } from "./azurite.js";
import { TableStateStore } from "../state/tableStateStore.js";
import type { StateStore } from "../state/stateStore.js";
import { Estate } from "../model/estate.js";
import { ALL_RULES } from "../rules/catalog/index.js";
import { buildScanReport } from "../report/scanReport.js";
import { formatHtml } from "../report/html.js";
import type { ReadinessReport } from "../readiness/readiness.js";
import { formatReadinessHtml } from "../readiness/render.js";
import { demoAccessLogs, DEMO_WORKSPACE_ID } from "./readinessLogs.js";
import { readinessStep } from "./readinessStep.js";

export interface DemoStep {
  title: string;
  operations: TimelineOperation[];
}

export interface DemoData {
  estate: readonly ArmResource[];
  /** A perimeter in Transition for the readiness step (demo/readiness-estate.json), seeded beside the estate. */
  readinessEstate: readonly ArmResource[];
  timeline: DemoStep[];
  policy: Policy;
}

export interface DemoOptions {
  /** Where lines go (default: stdout). */
  write?: (line: string) => void;
  /** Folder holding estate.json, timeline.json and policy.yaml (default: the package's demo/). */
  dataDir?: string;
  /** Port of the page served with `keep` (default: any free port). */
  port?: number;
  /** After the timeline, serve the local page until `keepUntil` resolves. */
  keep?: boolean;
  /** Called with the page's URL once it is served. */
  onPage?: (url: string) => void | Promise<void>;
  /** How long to keep serving (default: until SIGINT or SIGTERM). */
  keepUntil?: Promise<void>;
}

export interface DemoStepResult {
  title: string;
  ms: number;
  newFindings: number;
  resolvedFindings: number;
  revertsApplied: number;
  revertsPlanned: number;
}

export interface DemoResult {
  exitCode: number;
  findingsBefore: number;
  findingsAfter: number;
  steps: DemoStepResult[];
  revertsApplied: number;
  teamsAlerts: ReceivedAlert[];
  emailAlerts: ReceivedAlert[];
  /** Checks of the emulator after the timeline: what the reverts restored. */
  verified: Array<{ what: string; ok: boolean }>;
  /** Enforcement readiness of the associations in Transition, from the month of logs. */
  readiness: ReadinessReport;
  totalMs: number;
}

/** The package root (where package.json and demo/ are), from src/demo or dist/src/demo. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "demo"))) return dir;
    dir = dirname(dir);
  }
  throw new InputError("demo: cannot find the demo/ folder of the package");
}

async function readText(dir: string, name: string): Promise<string> {
  try {
    return await readFile(join(dir, name), "utf8");
  } catch (error) {
    throw new InputError(`demo/${name}: cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

export async function loadDemoData(dir = join(packageRoot(), "demo")): Promise<DemoData> {
  const [estateText, timelineText, policyText, readinessText] = await Promise.all([
    readText(dir, "estate.json"),
    readText(dir, "timeline.json"),
    readText(dir, "policy.yaml"),
    readText(dir, "readiness-estate.json"),
  ]);
  const estate = parseSnapshot(estateText, "estate.json");
  const readinessEstate = parseSnapshot(readinessText, "readiness-estate.json");
  const policy = parsePolicy(policyText, "policy.yaml", RULE_IDS);
  let doc: unknown;
  try {
    doc = JSON.parse(timelineText);
  } catch (error) {
    throw new InputError(`timeline.json: (root): not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(doc)) throw new InputError("timeline.json: (root): expected an array of steps");
  const timeline = doc.map((step: unknown, i): DemoStep => {
    const s = step as { title?: unknown; operations?: unknown };
    if (typeof s?.title !== "string") throw new InputError(`timeline.json: [${i}].title: expected a string`);
    return { title: s.title, operations: parseTimeline(JSON.stringify(s.operations ?? null), `timeline.json [${i}].operations`) };
  });
  return { estate, readinessEstate, timeline, policy };
}

const short = (id: string) => id.split("/").pop() ?? id;
const ms = (n: number) => `${Math.round(n)} ms`;

function findingLine(f: Finding & { status?: string }): string {
  return `${f.severity.toUpperCase().padEnd(8)} ${f.ruleId.padEnd(34)} ${short(f.resourceId)}`;
}

function revertLine(a: Action, tookMs: number | undefined): string {
  const state = a.status === "applied" ? "REVERTED" : a.status === "planned" ? "PLANNED " : a.status.toUpperCase().padEnd(8);
  return `${state} ${a.ruleId} on ${short(a.resourceId)}${tookMs === undefined ? "" : ` (in ARM ${ms(tookMs)} after the change)`}: ${a.reason}`;
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const started = performance.now();
  const data = await loadDemoData(options.dataDir);
  let stepStart = started;
  const printAlert = (a: ReceivedAlert) => {
    const after = ms(a.at - stepStart);
    if (a.channel === "teams") write(`      ↳ Teams  +${after.padStart(7)}  ${a.headline} | ${a.title}${a.resource ? ` | ${a.resource}` : ""}`);
    else write(`      ↳ Email  +${after.padStart(7)}  ${a.title} (${a.headline})`);
  };
  const teams = await DemoTeamsReceiver.start(printAlert);
  const smtp = await DemoSmtpReceiver.start(printAlert);
  const env: NodeJS.ProcessEnv = {
    TEAMS_WEBHOOK_URL: teams.url,
    // The local receiver is allowed by name: alert webhooks go only to allowed hosts.
    NSPG_WEBHOOK_ALLOWED_HOSTS: new URL(teams.url).hostname,
    NSPG_EMAIL_SMTP_HOST: "127.0.0.1",
    NSPG_EMAIL_SMTP_PORT: String(smtp.port),
    NSPG_EMAIL_SMTP_SECURE: "none",
    NSPG_EMAIL_SMTP_FROM: "nsp-guardrail@contoso.example",
    NSPG_NOTIFY_MAX_PER_MINUTE: "600",
  };
  let session: ReplaySession | undefined;
  let azurite: AzuriteInstance | undefined;
  try {
    // The guardrail's state in Azurite (in memory), as in production on Azure Tables and Blobs.
    let store: StateStore | undefined;
    let stateLabel = "in-memory store (Azurite could not start)";
    try {
      azurite = await startAzurite();
      const tables = TableStateStore.fromConnectionString(azurite.connectionString);
      await tables.init();
      store = tables;
      stateLabel = `Azurite in memory (${azurite.tableEndpoint.replace(/\/[^/]*$/, "")})`;
    } catch {
      azurite = undefined;
    }
    const perimeters = data.estate.filter((r) => r.type.toLowerCase() === "microsoft.network/networksecurityperimeters");
    write(`NSP Guardrail demo: Contoso, ${data.estate.length} ARM resources, ${perimeters.length} perimeters (${perimeters.map((p) => p.name ?? short(p.id)).join(", ")})`);
    write(`  ARM emulator: in process  ·  Teams receiver: ${teams.url.replace(/\/webhookb2\/.*/, "/webhookb2/…")}  ·  SMTP receiver: 127.0.0.1:${smtp.port}`);
    write(`  policy: dry run ${data.policy.dryRun ? "on" : "off"}; revert: ${Object.entries(data.policy.rules).filter(([, r]) => r.action === "revert").map(([id]) => id).join(", ")}`);
    write(`  state: ${stateLabel}`);
    // The demo's alerts go to its own local receivers: sent, as `--send-alerts` would.
    // The month of access logs is dated from now, like the workspace a real perimeter sends them to.
    const logsEnd = new Date();
    session = await ReplaySession.start([...data.estate, ...data.readinessEstate], {
      policy: data.policy,
      env,
      sendAlerts: true,
      ...(store ? { store } : {}),
      // The demo sends only the project's query; its Kusto analysis (seconds to load) runs in the tests.
      logs: { logs: { [DEMO_WORKSPACE_ID]: demoAccessLogs(logsEnd) }, analyseLogQueries: false },
    });
    write("");
    write("── First reconcile: the estate as found ─────────────────────────────────────────");
    stepStart = performance.now();
    await session.reconcile();
    const before = await session.openFindings();
    write(`  ${before.length} open finding(s) after ${ms(performance.now() - stepStart)}:`);
    for (const f of before) write(`    ${findingLine(f)}`);

    const steps: DemoStepResult[] = [];
    for (const [i, step] of data.timeline.entries()) {
      write("");
      write(`── Step ${i + 1}/${data.timeline.length}: ${step.title}`);
      stepStart = performance.now();
      const wallStart = Date.now();
      const decisions: EventDecision[] = [];
      for (const op of step.operations) {
        write(`   ${op.op === "put" ? "PUT   " : "DELETE"} ${short(op.op === "put" ? op.resource.id : op.id)}`);
        const d = await session.apply(op);
        if (d) decisions.push(d);
      }
      const took = performance.now() - stepStart;
      const findings = decisions.flatMap((d) => d.findings);
      const fresh = findings.filter((f) => f.status === "new");
      const resolved = findings.filter((f) => f.status === "resolved");
      const rose = findings.filter((f) => f.status === "existing" && f.previousSeverity);
      const reverts = decisions.flatMap((d) => d.actions).filter((a) => a.type === "revert");
      write(`   decision after ${ms(took)}: perimeters ${[...new Set(decisions.flatMap((d) => d.affectedPerimeters))].map(short).join(", ") || "none"}`);
      for (const f of fresh) write(`   NEW      ${findingLine(f)}`);
      for (const f of rose) write(`   RAISED   ${findingLine(f)} (was ${f.previousSeverity})`);
      for (const f of resolved) write(`   RESOLVED ${findingLine(f)}`);
      for (const a of reverts) {
        const revertId = /\brv-[0-9A-Za-z-]+/.exec(a.reason)?.[0];
        const record = a.status === "applied" && revertId ? await session.ledger.get(revertId) : undefined;
        write(`   ${revertLine(a, record?.appliedAt ? Math.max(0, Date.parse(record.appliedAt) - wallStart) : undefined)}`);
      }
      steps.push({
        title: step.title,
        ms: took,
        newFindings: fresh.length,
        resolvedFindings: resolved.length,
        revertsApplied: reverts.filter((a) => a.status === "applied").length,
        revertsPlanned: reverts.filter((a) => a.status === "planned").length,
      });
    }

    const after = await session.openFindings();
    const ledger = await session.ledger.list();
    const applied = ledger.filter((r) => r.status === "applied");
    const verified = verifyReverts(session, data);
    write("");
    write("── Enforcement readiness: a month of NSPAccessLogs (Log Analytics API of the emulator) ──");
    const readiness = await readinessStep(session.emulator, data.policy, logsEnd, write);
    const totalMs = performance.now() - started;
    write("");
    write("── Summary ───────────────────────────────────────────────────────────────────────");
    write(`  open findings: ${before.length} after the first reconcile, ${after.length} at the end`);
    write(`  changes played: ${data.timeline.length} steps (${data.timeline.reduce((n, s) => n + s.operations.length, 0)} ARM operations), decided in ${steps.map((s) => ms(s.ms)).join(", ")}`);
    write(`  reverts applied: ${applied.length}${applied.map((r) => `  [${r.ruleId} → ${short(r.targetId ?? r.resourceId)}]`).join("")}`);
    for (const v of verified) write(`    ${v.ok ? "✔" : "✘"} ${v.what}`);
    write(`  alerts received: ${teams.cards.length} by Teams, ${smtp.messages.length} by email`);
    write(`  readiness: ${(["ready", "breaks", "no-data"] as const).map((v) => `${readiness.associations.filter((a) => a.verdict === v).length} ${v}`).join(", ")}`);
    write(`  total time: ${ms(totalMs)}`);
    if (options.keep) {
      const live = session;
      const lastFindings = await session.openFindings();
      const page = await startDemoPage(
        {
          report: () => {
            const estate = new Estate(live.emulator.resources());
            const findings = lastFindings;
            const perimeters = estate.perimeters().length;
            const associations = estate.perimeters().reduce((n, p) => n + estate.associationsOfPerimeter(p.id).length, 0);
            return formatHtml(buildScanReport({ perimeters, associations, findings }, { snapshot: "demo estate (live)" }, new Date()), estate, ALL_RULES.map((r) => r.meta), readiness);
          },
          readiness: () => formatReadinessHtml(readiness),
          teamsBodies: () => teams.bodies,
          mails: () => smtp.messages,
        },
        options.port,
      );
      write(`\nThe demo page is at ${page.url} (perimeter map, findings, the Teams cards, the inbox). Ctrl-C stops it.`);
      await options.onPage?.(page.url);
      await (options.keepUntil ??
        new Promise<void>((resolve) => {
          process.once("SIGINT", () => resolve());
          process.once("SIGTERM", () => resolve());
        }));
      await page.close();
    }
    return {
      exitCode: verified.every((v) => v.ok) ? 0 : 1,
      findingsBefore: before.length,
      findingsAfter: after.length,
      steps,
      revertsApplied: applied.length,
      teamsAlerts: teams.cards,
      emailAlerts: smtp.alerts,
      verified,
      readiness,
      totalMs,
    };
  } finally {
    await session?.close();
    await teams.close();
    await smtp.close();
    await azurite?.stop();
  }
}

/** What the demo's reverts must have restored in ARM (the emulator), read back from it. */
function verifyReverts(session: ReplaySession, data: DemoData): Array<{ what: string; ok: boolean }> {
  const out: Array<{ what: string; ok: boolean }> = [];
  const revertRules = new Set(Object.entries(data.policy.rules).filter(([, r]) => r.action === "revert").map(([id]) => id));
  if (data.policy.dryRun) return out;
  for (const op of data.timeline.flatMap((s) => s.operations)) {
    if (op.op !== "put") continue;
    const props = (op.resource as { properties?: Record<string, unknown> }).properties ?? {};
    const now = session.emulator.store.get(op.resource.id)?.resource as { properties?: Record<string, unknown> } | undefined;
    if (revertRules.has("storage-enforcement-downgrade") && props.accessMode === "Learning") {
      out.push({ what: `${short(op.resource.id)} is back to ${String(now?.properties?.accessMode)} in ARM`, ok: now?.properties?.accessMode === "Enforced" });
    }
    if (revertRules.has("accessrule-broad-inbound") && Array.isArray(props.addressPrefixes) && props.addressPrefixes.includes("0.0.0.0/0")) {
      const prefixes = (now?.properties?.addressPrefixes as string[] | undefined) ?? [];
      out.push({ what: `${short(op.resource.id)} no longer allows 0.0.0.0/0 in ARM (${prefixes.join(", ") || "no prefixes"})`, ok: !prefixes.includes("0.0.0.0/0") });
    }
  }
  return out;
}
