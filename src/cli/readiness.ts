/** `nsp-guardrail readiness`: what breaks if these associations are enforced (contracts.md revision 2). */
import { basename } from "node:path";
import { InputError } from "../model/errors.js";
import { Estate } from "../model/estate.js";
import { DEFAULT_SNAPSHOT_LIMIT_BYTES, loadSnapshotFile } from "../inventory/snapshot.js";
import { readLiveEstate } from "../inventory/liveInventory.js";
import { loadLogFile, summariseRecords, type CallerSummary } from "../readiness/logs.js";
import { assessReadiness, readinessExitCode } from "../readiness/readiness.js";
import { renderReadiness, type ReadinessFormat } from "../readiness/render.js";
import { emit } from "./output.js";
import { loadPolicyOption, progressReporter } from "./scan.js";

export interface ReadinessCliOptions {
  snapshot?: string;
  subscription?: string[];
  logs?: string[];
  workspace?: string;
  since?: string;
  association?: string[];
  policy?: string;
  format?: ReadinessFormat;
  output?: string;
  armEndpoint?: string;
  logsEndpoint?: string;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `30d`, `12h`, `90m`, `2w` → milliseconds. */
export function parseSince(text: string): number {
  const m = /^(\d+)([mhdw])$/.exec(text.trim());
  if (!m || Number(m[1]) <= 0) throw new InputError(`--since ${text}: expected a positive duration such as 30d, 12h, 90m or 2w`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** Reads `--logs` files, keeping the records inside the window; says how many fell outside. */
export async function summariesFromFiles(paths: readonly string[], window: { from: Date; to: Date }): Promise<{ summaries: CallerSummary[]; outsideWindow: number; total: number }> {
  const from = window.from.toISOString();
  const to = window.to.toISOString();
  const kept = [];
  let outsideWindow = 0;
  let total = 0;
  for (const path of paths) {
    for (const record of await loadLogFile(path)) {
      total++;
      if (record.time < from || record.time > to) outsideWindow++;
      else kept.push(record);
    }
  }
  return { summaries: summariseRecords(kept), outsideWindow, total };
}

export async function runReadiness(options: ReadinessCliOptions, now: Date = new Date()): Promise<number> {
  const subscriptions = options.subscription ?? [];
  if (!options.snapshot === (subscriptions.length === 0)) throw new InputError("readiness: give either --snapshot FILE or --subscription ID... (one of them)");
  const logs = options.logs ?? [];
  if ((logs.length === 0) === !options.workspace) throw new InputError("readiness: give either --logs FILE... or --workspace ID (one of them)");
  const policy = await loadPolicyOption(options.policy);
  const window = { from: new Date(now.getTime() - parseSince(options.since ?? "30d")), to: now };

  let estate: Estate;
  if (options.snapshot) {
    estate = await loadSnapshotFile(options.snapshot, { maxBytes: DEFAULT_SNAPSHOT_LIMIT_BYTES });
  } else {
    const onProgress = progressReporter();
    const live = await readLiveEstate(subscriptions, {
      policy,
      ...(options.armEndpoint ? { armEndpoint: options.armEndpoint } : {}),
      ...(onProgress ? { onProgress } : {}),
    });
    estate = new Estate(live.resources);
  }
  if (estate.perimeters().length === 0) {
    throw new InputError(`${options.snapshot ? basename(options.snapshot) : `subscription(s) ${subscriptions.join(", ")}`}: the estate holds no network security perimeter`);
  }

  let summaries: CallerSummary[];
  const notes: string[] = [];
  let emptySourceReason: string | undefined;
  if (options.workspace) {
    const { queryWorkspace } = await import("../readiness/workspace.js");
    summaries = await queryWorkspace(options.workspace, window, options.logsEndpoint ? { endpoint: options.logsEndpoint } : {});
    if (summaries.length === 0) emptySourceReason = `workspace ${options.workspace} returned no NSPAccessLogs row in the window`;
  } else {
    const read = await summariesFromFiles(logs, window);
    summaries = read.summaries;
    if (read.outsideWindow > 0) notes.push(`${read.outsideWindow} of ${read.total} log record(s) fall outside the window (--since ${options.since ?? "30d"}) and were not assessed`);
    if (summaries.length === 0) emptySourceReason = `the log file(s) hold no record inside the window (${read.total} record(s) in all)`;
  }

  const report = assessReadiness(estate, summaries, {
    window,
    ...(options.association ? { associations: options.association } : {}),
    settings: policy.readiness,
    ...(emptySourceReason ? { emptySourceReason } : {}),
  });
  report.notes.unshift(...notes);
  const terminal = !options.output && process.stdout.isTTY === true;
  const format = options.format ?? (terminal ? "table" : "json");
  await emit(renderReadiness(report, format), options.output);
  return readinessExitCode(report);
}
