import { basename } from "node:path";
import { loadSnapshotFile } from "../inventory/snapshot.js";
import { loadTimelineFile, replay, type ReplayResult } from "../replay/replay.js";
import { terminalText } from "../report/escape.js";
import { shortName } from "../report/scanReport.js";
import { emit } from "./output.js";
import { loadPolicyOption } from "./scan.js";
import { alertDelivery } from "./sendAlerts.js";

import { REPLAY_FORMATS } from "./formats.js";
export { REPLAY_FORMATS };

export interface ReplayCliOptions {
  snapshot: string;
  timeline: string;
  policy?: string;
  format?: (typeof REPLAY_FORMATS)[number];
  sendAlerts?: boolean;
  maxTimelineBytes?: number;
}

/** Replay as text for a terminal; every value from the snapshot or timeline has its control characters stripped. */
export function formatReplayTable(result: ReplayResult): string {
  const lines: string[] = [];
  const t = terminalText;
  for (const [i, d] of result.decisions.entries()) {
    lines.push(`#${i + 1} ${t(d.eventType.replace("Microsoft.Resources.", ""))} ${t(shortName(d.subject))}  →  ${t(d.affectedPerimeters.map(shortName).join(", ")) || "no perimeter"}`);
    for (const f of d.findings.filter((x) => x.status !== "existing")) {
      lines.push(`    ${f.status.toUpperCase().padEnd(8)} ${f.severity.padEnd(8)} ${t(f.ruleId)}  ${t(shortName(f.resourceId))}${f.exempted ? " [exempted]" : ""}`);
    }
    for (const a of d.actions) {
      lines.push(`    ${a.type.padEnd(6)} ${a.status.padEnd(8)} ${a.operation.padEnd(7)} ${t(a.ruleId)}: ${t(a.reason)}`);
    }
  }
  lines.push(`final state: ${result.findings.length} open finding(s)`);
  return `${lines.join("\n")}\n`;
}

export async function runReplay(options: ReplayCliOptions): Promise<number> {
  const policy = await loadPolicyOption(options.policy);
  const estate = await loadSnapshotFile(options.snapshot);
  const timeline = await loadTimelineFile(options.timeline, options.maxTimelineBytes);
  const result = await replay(estate.resources, timeline, { policy, timelineLabel: basename(options.timeline), ...alertDelivery(options.sendAlerts) });
  const format = options.format ?? (process.stdout.isTTY ? "table" : "json");
  await emit(format === "json" ? `${JSON.stringify(result, null, 2)}\n` : formatReplayTable(result), undefined);
  return 0;
}
