import { basename } from "node:path";
import { loadSnapshotFile } from "../inventory/snapshot.js";
import { fieldChangeText } from "../actions/writtenFields.js";
import { loadTimelineFile, replay, type ReplayResult, type ReplayState } from "../replay/replay.js";
import { findingKey } from "../pipeline/decisions.js";
import { SEVERITIES, severityRank } from "../rules/types.js";
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
  seed?: number;
}

function stateLine(state: ReplayState): string {
  const counts = SEVERITIES.filter((s) => state.bySeverity[s] > 0).map((s) => `${state.bySeverity[s]} ${s}`);
  return `${state.openFindings} open finding(s)${counts.length ? `: ${counts.join(", ")}` : ""}`;
}

/** The first clause of a reason: what happened, without the channel notes. */
function gist(reason: string): string {
  return reason.split("; ")[0]!;
}

/**
 * Replay as text for a terminal: the state at the start, then per event only what it changed (new,
 * resolved, severity up or down) and what the guardrail did (reverts as before → after of the fields
 * written, alerts), then the state at the end. Every value from the snapshot or timeline has its
 * control characters stripped.
 */
export function formatReplayTable(result: ReplayResult): string {
  const t = terminalText;
  const lines: string[] = [`start: ${stateLine(result.summary.start)}`];
  for (const [i, d] of result.decisions.entries()) {
    lines.push("", `#${i + 1} ${t(d.eventType.replace("Microsoft.Resources.", ""))} ${t(shortName(d.subject))}  →  ${t(d.affectedPerimeters.map(shortName).join(", ")) || "no perimeter"}  (event ${t(d.eventId)})`);
    if (d.findings.length === 0 && d.actions.length === 0) lines.push("    no finding changed");
    // A finding raised and resolved within one event (a revert undid its change) is one line.
    const resolvedNow = new Set(d.findings.filter((f) => f.status === "resolved").map(findingKey));
    const raisedNow = new Set(d.findings.filter((f) => f.status === "new").map(findingKey));
    for (const f of d.findings) {
      if (f.status === "resolved" && raisedNow.has(findingKey(f))) continue;
      const gone = f.status === "new" && resolvedNow.has(findingKey(f)) ? "  (resolved within this event)" : "";
      const where = `${t(f.ruleId)}  ${t(shortName(f.resourceId))}${f.exempted ? " [exempted]" : ""}${gone}`;
      if (f.status === "existing" && f.previousSeverity) {
        const way = severityRank(f.severity) > severityRank(f.previousSeverity) ? "RAISED" : "LOWERED";
        lines.push(`    ${way.padEnd(9)}${`${f.previousSeverity} → ${f.severity}`.padEnd(18)}${where}`);
      } else {
        lines.push(`    ${f.status.toUpperCase().padEnd(9)}${f.severity.padEnd(18)}${where}`);
      }
    }
    for (const a of d.actions) {
      if (a.type === "revert") {
        const target = a.targetId ? shortName(a.targetId) : shortName(a.resourceId);
        const fields = (a.written ?? []).map(fieldChangeText).join("; ");
        const undo = /nsp-guardrail undo \S+/.exec(a.reason)?.[0];
        lines.push(`    REVERT   ${a.status.padEnd(18)}${t(a.ruleId)}  ${t(target)}${fields ? `  ${t(fields)}` : ""}`);
        lines.push(`             ${t(a.status === "applied" ? (undo ? `undo: ${undo}` : gist(a.reason)) : gist(a.reason))}`);
      } else {
        lines.push(`    ALERT    ${a.status.padEnd(18)}${t(a.ruleId)}  ${t(shortName(a.resourceId))}: ${t(gist(a.reason))}`);
      }
    }
  }
  const s = result.summary;
  const reverts = (["applied", "planned", "skipped", "failed"] as const).filter((k) => s.reverts[k] > 0).map((k) => `${s.reverts[k]} ${k}`);
  lines.push(
    "",
    `end: ${stateLine(s.end)}`,
    `${s.events} event(s): ${s.new} new, ${s.resolved} resolved, ${s.severityChanged} severity change(s); reverts: ${reverts.join(", ") || "none"}; alerts: ${s.alerts}`,
  );
  return `${lines.join("\n")}\n`;
}

export async function runReplay(options: ReplayCliOptions): Promise<number> {
  const policy = await loadPolicyOption(options.policy);
  const estate = await loadSnapshotFile(options.snapshot);
  const timeline = await loadTimelineFile(options.timeline, options.maxTimelineBytes);
  const result = await replay(estate.resources, timeline, { policy, timelineLabel: basename(options.timeline), ...alertDelivery(options.sendAlerts), ...(options.seed !== undefined ? { seed: options.seed } : {}) });
  const format = options.format ?? (process.stdout.isTTY ? "table" : "json");
  await emit(format === "json" ? `${JSON.stringify(result, null, 2)}\n` : formatReplayTable(result), undefined);
  return 0;
}
