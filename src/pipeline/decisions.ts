/** Findings compared with what the store remembers, and the decisions taken about them. */
import { idKey } from "../model/armId.js";
import type { Finding } from "../rules/types.js";
import { severityRank } from "../rules/types.js";
import type { StoredFinding } from "../state/stateStore.js";
import type { FieldChange } from "../actions/writtenFields.js";

export type FindingChange = "new" | "existing" | "resolved";

export interface DecidedFinding extends Finding {
  status: FindingChange;
  /** For existing findings whose severity went up since last time. */
  previousSeverity?: Finding["severity"];
}

export interface Action {
  type: "alert" | "revert";
  ruleId: string;
  resourceId: string;
  operation: "restore" | "delete" | "none";
  status: "planned" | "applied" | "skipped" | "failed";
  reason: string;
  /** A revert's target: the association or access rule it writes (contracts.md Revision 2). */
  targetId?: string;
  /** What a revert applied (or, planned, would write): its target's writable fields before → after. */
  written?: FieldChange[];
}

/** One evaluation of one perimeter. */
export interface PerimeterDecision {
  perimeterId: string;
  findings: DecidedFinding[];
  actions: Action[];
}

/** One event, as `replay` reports it (contracts.md §2). */
export interface EventDecision {
  eventId: string;
  eventType: string;
  subject: string;
  affectedPerimeters: string[];
  findings: DecidedFinding[];
  actions: Action[];
}

/** The identity of a finding across evaluations. */
export function findingKey(f: Pick<Finding, "ruleId" | "resourceId" | "perimeterId" | "associationId">): string {
  return `${f.ruleId}|${idKey(f.resourceId)}|${idKey(f.perimeterId ?? "")}|${idKey(f.associationId ?? "")}`;
}

export interface FindingsDiff {
  decided: DecidedFinding[];
  /** The store's new content for the perimeter. */
  stored: StoredFinding[];
}

/**
 * Compares a fresh evaluation with the stored findings: new, existing (severity may have risen) and
 * resolved. Resolved findings stay stored (marked) so that a flapping finding is recognised.
 */
export function diffFindings(current: readonly Finding[], previous: readonly StoredFinding[], now: Date): FindingsDiff {
  const at = now.toISOString();
  const before = new Map(previous.map((s) => [s.key, s]));
  const decided: DecidedFinding[] = [];
  const stored: StoredFinding[] = [];
  const seen = new Set<string>();
  for (const finding of current) {
    const key = findingKey(finding);
    if (seen.has(key)) continue;
    seen.add(key);
    const old = before.get(key);
    if (old && old.status === "open") {
      const rose = severityRank(finding.severity) > severityRank(old.finding.severity);
      decided.push({ ...finding, status: "existing", ...(rose ? { previousSeverity: old.finding.severity } : {}) });
      stored.push({ key, finding, status: "open", firstSeen: old.firstSeen, lastSeen: at });
    } else {
      decided.push({ ...finding, status: "new" });
      stored.push({ key, finding, status: "open", firstSeen: at, lastSeen: at });
    }
  }
  for (const old of previous) {
    if (seen.has(old.key)) continue;
    if (old.status === "open") {
      decided.push({ ...old.finding, status: "resolved" });
      stored.push({ ...old, status: "resolved", resolvedAt: at });
    } else if (Date.parse(old.resolvedAt ?? old.lastSeen) > now.getTime() - 7 * 86_400_000) {
      // Resolved findings are remembered for a week, then forgotten.
      stored.push(old);
    }
  }
  return { decided, stored };
}
