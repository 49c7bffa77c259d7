/**
 * Never repeat an unchanged finding: each channel's ledger remembers what it was last told about
 * each finding (open at a severity, or resolved). Message ids derive from the ledger state they
 * start from, so that dispatching the same decision twice queues the same message once, while a
 * finding that comes back after a resolution gets a new one.
 */
import { createHash } from "node:crypto";
import type { NotifiedState } from "../state/outbox.js";
import type { AlertItem } from "./model.js";

/** Why a channel should not hear about this item again, or undefined when it should. */
export function alreadyNotified(item: AlertItem, prior: NotifiedState | undefined): string | undefined {
  if (item.change === "resolved") {
    // A resolution is news only to a channel that was told the finding was open. A channel told
    // that the change was reverted knows it is over: the resolution the revert brings stays quiet.
    if (prior?.state !== "open") return prior?.revertId ? `already told it was reverted (${prior.revertId})` : prior ? "already told it is resolved" : "never told about this finding";
    return undefined;
  }
  if (item.change === "reverted") {
    if (prior?.state === "resolved" && prior.revertId === item.revert?.revertId) return "already told it was reverted";
    return undefined;
  }
  if (prior?.state === "open" && prior.severity === item.severity) return "already notified: unchanged since the last alert";
  return undefined;
}

/** What a channel knows after an alert: a reverted change is over, as a resolved finding is. */
export function ledgerEntry(item: AlertItem, at: string): NotifiedState {
  if (item.change === "reverted") return { state: "resolved", severity: item.severity, at, ...(item.revert ? { revertId: item.revert.revertId } : {}) };
  return { state: item.change === "resolved" ? "resolved" : "open", severity: item.severity, at };
}

/** A deterministic GUID-shaped id (ACS takes it as the operation id). */
export function messageIdFor(channelId: string, entries: ReadonlyArray<{ item: AlertItem; prior: NotifiedState | undefined }>): string {
  const hash = createHash("sha256");
  hash.update(channelId);
  for (const { item, prior } of [...entries].sort((a, b) => a.item.key.localeCompare(b.item.key))) {
    hash.update(`\n${item.key}|${item.change}|${item.severity}|${prior ? `${prior.state}@${prior.severity}@${prior.at}` : "-"}`);
  }
  return guidLayout(hash.digest("hex"));
}

/** A deterministic GUID-shaped id for a name (a readiness transition, ...). */
export function nameBasedGuid(name: string): string {
  return guidLayout(createHash("sha256").update(name).digest("hex"));
}

/** RFC 4122 layout of a hex digest, version 5 and variant bits set (name-based). */
function guidLayout(hex: string): string {
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
