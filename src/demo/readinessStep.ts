/**
 * The demo's readiness step: nsp-finance's month of Transition-mode logs, queried from the
 * emulator's Log Analytics API through `@azure/monitor-query-logs` (as `readiness --workspace` does),
 * re-checked against the perimeters as the emulator holds them after the timeline.
 */
import type { ArmEmulator } from "../emulator/server.js";
import { Estate } from "../model/estate.js";
import type { Policy } from "../policy/policy.js";
import { assessReadiness, type ReadinessReport } from "../readiness/readiness.js";
import { azCommand, azLinkCommand } from "../readiness/proposalText.js";
import { formatReadinessTable } from "../readiness/render.js";
import { queryWorkspace } from "../readiness/workspace.js";
import { DEMO_WORKSPACE_ID } from "./readinessLogs.js";

const WINDOW_DAYS = 30;

export async function readinessStep(emulator: ArmEmulator, policy: Policy, now: Date, write: (line: string) => void): Promise<ReadinessReport> {
  const window = { from: new Date(now.getTime() - WINDOW_DAYS * 86_400_000), to: now };
  const started = performance.now();
  const summaries = await queryWorkspace(DEMO_WORKSPACE_ID, window, { endpoint: emulator.logsEndpoint, credential: emulator.credential(), ca: emulator.caCertificate });
  const report = assessReadiness(new Estate(emulator.resources()), summaries, { window, settings: policy.readiness });
  const requests = summaries.reduce((n, s) => n + s.requests, 0);
  write(`  ${requests} logged request(s) in ${WINDOW_DAYS} days, summarised by the workspace into ${summaries.length} caller(s); judged in ${Math.round(performance.now() - started)} ms`);
  for (const line of formatReadinessTable(report).trimEnd().split("\n").slice(1)) write(`  ${line}`);
  for (const a of report.associations) {
    if (a.proposedRules.length === 0 && a.proposedLinks.length === 0) continue;
    write(`  to apply for ${a.resourceId.split("/").pop()}:`);
    a.proposedRules.forEach((r, i) => write(`    ${azCommand(r, i)}`));
    a.proposedLinks.forEach((l) => write(`    ${azLinkCommand(l)}`));
  }
  return report;
}
