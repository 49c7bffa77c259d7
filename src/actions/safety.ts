/**
 * Safety rails of the revert executor (architecture.md "Safe reverts"):
 *
 * - only perimeter resources (associations and access rules) are ever written, and only their writable
 *   properties (the read-only ones, provisioningState and friends, are ARM's to set);
 * - a resource reverted `flapThreshold` times within `cooldownMinutes` is not reverted again until the
 *   window has passed: someone keeps changing it back, and a person has to settle the disagreement;
 * - at most `maxPerHour` reverts in any sliding hour (circuit breaker): a mass change is a sign that the
 *   guardrail is wrong or that an intended migration is running; it closes when the hour has passed;
 * - a write the guardrail (or `nsp-guardrail undo`) made itself is recognised by the version it left
 *   (`systemData.lastModifiedAt` and a hash of the writable state; NSP resources have no ETags), so the
 *   event it raises is never fought, whatever identity the guardrail runs as.
 */
import { createHash } from "node:crypto";
import { ancestorOfType, idKey, parseArmId, type ParsedArmId } from "../model/armId.js";
import type { ArmResource } from "../model/resource.js";
import { T } from "../model/resourceTypes.js";
import type { Policy } from "../policy/policy.js";
import type { RevertLedger, RevertSummary } from "../state/revertLedger.js";

export type PerimeterResourceKind = "association" | "accessRule";

/** A write aimed at anything but an NSP association or access rule. */
export class NotAPerimeterResourceError extends Error {
  override readonly name = "NotAPerimeterResourceError";
}

/** The kind of perimeter resource an id names, or undefined for anything the guardrail must never write. */
export function perimeterResourceKind(resourceId: string): PerimeterResourceKind | undefined {
  let parsed: ParsedArmId;
  try {
    parsed = parseArmId(resourceId);
  } catch {
    return undefined;
  }
  // Extension resources (`{scope}/providers/...`) are never perimeter resources, even if the type matches.
  if (parsed.scopeId || !parsed.resourceGroup) return undefined;
  const type = parsed.type.toLowerCase();
  if (type === T.association) return "association";
  if (type === T.accessRule) return "accessRule";
  return undefined;
}

/** Parses and checks an id the writer is about to touch; throws NotAPerimeterResourceError otherwise. */
export function assertPerimeterResource(resourceId: string): { parsed: ParsedArmId; kind: PerimeterResourceKind } {
  const kind = perimeterResourceKind(resourceId);
  if (!kind) {
    throw new NotAPerimeterResourceError(
      `refusing to write ${resourceId}: the guardrail writes only network security perimeter associations and access rules`,
    );
  }
  return { parsed: parseArmId(resourceId), kind };
}

/** The perimeter an association or access rule belongs to. */
export function perimeterOf(resourceId: string): string | undefined {
  return ancestorOfType(resourceId, T.perimeter);
}

const ASSOCIATION_WRITABLE = ["privateLinkResource", "profile", "accessMode"] as const;
const ACCESS_RULE_WRITABLE = ["direction", "addressPrefixes", "fullyQualifiedDomainNames", "subscriptions", "emailAddresses", "phoneNumbers", "serviceTags"] as const;

/**
 * The writable properties of an association or access rule, as a PUT body carries them. References
 * keep only their `id` (ARM echoes more on some api-versions); missing properties stay missing, so
 * ARM applies its own defaults exactly as it did for the original body.
 */
export function writableProperties(resource: ArmResource): Record<string, unknown> {
  const kind = assertPerimeterResource(resource.id).kind;
  const props = resource.properties ?? {};
  const out: Record<string, unknown> = {};
  const names = kind === "association" ? ASSOCIATION_WRITABLE : ACCESS_RULE_WRITABLE;
  for (const name of names) {
    const value = props[name];
    if (value === undefined || value === null) continue;
    if (name === "privateLinkResource" || name === "profile") {
      const id = (value as { id?: unknown }).id;
      if (typeof id === "string") out[name] = { id };
    } else if (name === "subscriptions") {
      if (Array.isArray(value)) out[name] = value.map((s) => ({ id: typeof s === "string" ? s : (s as { id?: unknown })?.id })).filter((s) => typeof s.id === "string");
    } else {
      out[name] = Array.isArray(value) ? [...value] : value;
    }
  }
  return out;
}

/** The PUT body for a resource: id, name and type for addressing, and only its writable properties. */
export function writableBody(resource: ArmResource): ArmResource {
  const { parsed } = assertPerimeterResource(resource.id);
  return { id: parsed.id, name: parsed.name, type: parsed.type, properties: writableProperties(resource) };
}

function normalised(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) {
    // Prefix lists, FQDNs and subscriptions are sets to ARM: order does not matter.
    return value.map((v) => normalised(v)).map((v) => JSON.stringify(v)).sort();
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = normalised((value as Record<string, unknown>)[k], k);
    return out;
  }
  // Ids and enum values (accessMode, direction) compare case-insensitively, as ARM does.
  if (typeof value === "string" && (key === "id" || key === "accessMode" || key === "direction" || value.startsWith("/subscriptions/"))) return value.toLowerCase();
  return value;
}

/** A hash of everything a PUT could set (normalised as `sameWritableState` compares). */
export function writableStateHash(resource: ArmResource): string {
  const state: Record<string, unknown> = { ...writableProperties(resource) };
  if (perimeterResourceKind(resource.id) === "association") state["accessMode"] ??= "Learning";
  return createHash("sha256").update(JSON.stringify(normalised(state))).digest("hex").slice(0, 16);
}

/**
 * The version of a perimeter resource as ARM holds it: `systemData.lastModifiedAt` plus the hash of
 * its writable state (`2026-11-28T09:00:00.000Z#3f2a…`). What the ledger records after a write, in
 * place of an ETag the NSP provider does not have.
 */
export function resourceVersion(resource: ArmResource): string {
  return `${resource.systemData?.lastModifiedAt ?? "-"}#${writableStateHash(resource)}`;
}

/**
 * Compare-then-write: whether the target ARM holds now is the one the evaluation saw: the same
 * writable state, and the same `systemData.lastModifiedAt` and `lastModifiedBy` (a write of the same
 * values by someone else is a change too: it has its own event).
 */
export function unchangedSince(seen: ArmResource, now: ArmResource): boolean {
  return (
    sameWritableState(seen, now) &&
    (seen.systemData?.lastModifiedAt ?? "") === (now.systemData?.lastModifiedAt ?? "") &&
    (seen.systemData?.lastModifiedBy ?? "").toLowerCase() === (now.systemData?.lastModifiedBy ?? "").toLowerCase()
  );
}

/** Whether two bodies of the same perimeter resource agree on everything a PUT could set. */
export function sameWritableState(a: ArmResource, b: ArmResource): boolean {
  if (idKey(a.id) !== idKey(b.id)) return false;
  const left = { accessMode: "Learning", ...writableProperties(a) };
  const right = { accessMode: "Learning", ...writableProperties(b) };
  // A missing accessMode means Learning on an association; on an access rule the default is harmless.
  if (perimeterResourceKind(a.id) !== "association") {
    delete (left as Record<string, unknown>)["accessMode"];
    delete (right as Record<string, unknown>)["accessMode"];
  }
  return JSON.stringify(normalised(left)) === JSON.stringify(normalised(right));
}

// ---------------------------------------------------------------------------------------------------
// Rate rails: flapping and the circuit breaker, over the ledger's applied reverts.

export type RevertLimits = Policy["revert"];

export interface FlapCheck {
  flapping: boolean;
  /** Reverts of the resource applied within the cooldown window. */
  count: number;
  /** When the oldest of them leaves the window (reverts of it may resume). */
  resumesAt?: Date;
}

export interface BreakerCheck {
  open: boolean;
  /** Reverts applied within the last hour. */
  count: number;
  /** When the breaker closes again (the oldest revert of the hour leaves the window). */
  closesAt?: Date;
}

const HOUR_MS = 3_600_000;

/**
 * How far back the executor looks for its own recent records (pending retries, its own writes, the
 * rails' counts): the queue retries within minutes and the timer reconcile re-runs every perimeter
 * within the hour, so a day is ample; it bounds what each query reads as the ledger grows.
 */
export const RECENT_MS = 24 * HOUR_MS;

/**
 * The rails' view of recent reverts, loaded once per execution (one ledger query) and kept current as
 * the execution applies reverts, so that a batch cannot overshoot the cap.
 */
export class RevertRails {
  private constructor(
    private readonly limits: RevertLimits,
    private readonly now: Date,
    /** Applied automatic reverts inside the longest window: [target key, applied at ms]. */
    private readonly applied: Array<{ target: string; at: number }>,
  ) {}

  static async load(ledger: RevertLedger, limits: RevertLimits, now: Date): Promise<RevertRails> {
    const windowMs = Math.max(HOUR_MS, limits.cooldownMinutes * 60_000);
    const since = new Date(now.getTime() - windowMs);
    const recent = await ledger.list({ kind: "revert", statuses: ["applied"], since, createdSince: new Date(since.getTime() - RECENT_MS) });
    return new RevertRails(limits, now, recent.filter(hasTarget).map((r) => ({ target: idKey(r.targetId), at: Date.parse(r.appliedAt ?? r.updatedAt) })));
  }

  /** Flapping: the resource was already reverted `flapThreshold` times within `cooldownMinutes`. */
  flapping(targetId: string): FlapCheck {
    const since = this.now.getTime() - this.limits.cooldownMinutes * 60_000;
    const times = this.applied.filter((a) => a.target === idKey(targetId) && a.at > since).map((a) => a.at).sort((x, y) => x - y);
    const flapping = this.limits.cooldownMinutes > 0 && times.length >= this.limits.flapThreshold;
    return { flapping, count: times.length, ...(flapping && times[0] !== undefined ? { resumesAt: new Date(times[0] + this.limits.cooldownMinutes * 60_000) } : {}) };
  }

  /** The circuit breaker: `maxPerHour` reverts were applied within the last hour. */
  breaker(): BreakerCheck {
    const since = this.now.getTime() - HOUR_MS;
    const times = this.applied.filter((a) => a.at > since).map((a) => a.at).sort((x, y) => x - y);
    const open = times.length >= this.limits.maxPerHour;
    // With maxPerHour 0 the breaker never closes: reverts are off.
    const oldest = times[times.length - this.limits.maxPerHour];
    return { open, count: times.length, ...(open && this.limits.maxPerHour > 0 && oldest !== undefined ? { closesAt: new Date(oldest + HOUR_MS) } : {}) };
  }

  /** Counts a revert applied by this execution. */
  noteApplied(targetId: string, at: Date): void {
    this.applied.push({ target: idKey(targetId), at: at.getTime() });
  }
}

function hasTarget(r: RevertSummary): r is RevertSummary & { targetId: string } {
  return typeof r.targetId === "string";
}

/**
 * The applied revert or undo whose write left the resource as `resource` is now: a change the
 * guardrail made itself (its event must not be fought), found by the version the write left.
 */
export async function ownWriteAt(ledger: RevertLedger, targetId: string, resource: ArmResource | undefined, now: Date): Promise<RevertSummary | undefined> {
  if (!resource?.systemData?.lastModifiedAt) return undefined;
  const version = resourceVersion(resource);
  // The event of a write is evaluated within seconds (or minutes, with retries): recent writes suffice.
  const writes = await ledger.list({ targetId, statuses: ["applied"], createdSince: new Date(now.getTime() - RECENT_MS) });
  return writes.find((w) => w.resultVersion === version);
}

// ---------------------------------------------------------------------------------------------------
// Who changed it

/** A change's author as established from ARM's `systemData` (and the event's claims, when there is one). */
export interface ChangeAuthor {
  /** `systemData.lastModifiedBy`: a user's UPN, an application's client id. */
  by: string;
  /** `systemData.lastModifiedByType`: User, Application, ManagedIdentity, Key. */
  byType?: string;
  /** `systemData.lastModifiedAt`. */
  at?: string;
  /** From the event's claims, when an event names the author. */
  objectId?: string;
  appId?: string;
  /** The event whose claims agree with systemData. */
  eventId?: string;
}

export type AuthorFinding = { established: true; author: ChangeAuthor } | { established: false; reason: string };

export interface ChangeClaim {
  resourceId: string;
  deleted: boolean;
  eventId: string;
  caller?: { objectId?: string; appId?: string; name?: string };
}

/** Whether an event's caller is the identity `systemData` names (a UPN for users, the client id for applications). */
function callerIs(caller: ChangeClaim["caller"], by: string, byType: string | undefined): boolean {
  if (!caller) return false;
  const b = by.toLowerCase();
  const type = (byType ?? "").toLowerCase();
  if (type === "user") return caller.name?.toLowerCase() === b;
  if (type === "application" || type === "managedidentity") return caller.appId?.toLowerCase() === b || caller.objectId?.toLowerCase() === b;
  return [caller.name, caller.appId, caller.objectId].some((v) => v?.toLowerCase() === b);
}

/**
 * Who made the change that left `target` as the evaluation saw it (`current`; undefined: deleted).
 * - From `systemData.lastModifiedBy`/`lastModifiedByType`; without them the author is not established.
 * - With events for the target, one of them must name that same identity; it gives the object id.
 *   Several events (delivered in any order) are matched against systemData, never "the last one".
 * - Without events (the timer reconcile), systemData alone: no object id.
 * - A deletion leaves no systemData: only the delete event's claims establish its author.
 */
export function authorOf(target: string, current: ArmResource | undefined, changes: readonly ChangeClaim[]): AuthorFinding {
  const name = target.split("/").pop();
  const events = changes.filter((c) => idKey(c.resourceId) === idKey(target));
  if (!current) {
    const deletion = [...events].reverse().find((c) => c.deleted && c.caller && (c.caller.objectId || c.caller.appId || c.caller.name));
    if (!deletion) return { established: false, reason: `${name} was deleted and no event names who deleted it` };
    const by = deletion.caller!.name ?? deletion.caller!.appId ?? deletion.caller!.objectId!;
    return { established: true, author: { by, ...(deletion.caller!.objectId ? { objectId: deletion.caller!.objectId } : {}), ...(deletion.caller!.appId ? { appId: deletion.caller!.appId } : {}), eventId: deletion.eventId } };
  }
  const sd = current.systemData;
  const by = sd?.lastModifiedBy;
  if (!by) return { established: false, reason: `ARM reports no systemData.lastModifiedBy for ${name}` };
  const base: ChangeAuthor = { by, ...(sd?.lastModifiedByType ? { byType: sd.lastModifiedByType } : {}), ...(sd?.lastModifiedAt ? { at: sd.lastModifiedAt } : {}) };
  if (events.length === 0) return { established: true, author: base };
  const match = [...events].reverse().find((c) => !c.deleted && callerIs(c.caller, by, sd?.lastModifiedByType));
  if (!match) {
    const named = [...new Set(events.map((c) => c.caller?.name ?? c.caller?.appId ?? c.caller?.objectId ?? "no caller"))].join(", ");
    return { established: false, reason: `${name} was last modified by ${by} (${sd?.lastModifiedByType ?? "type unknown"}) at ${sd?.lastModifiedAt ?? "an unknown time"}, but its event(s) name ${named}` };
  }
  return {
    established: true,
    author: { ...base, ...(match.caller?.objectId ? { objectId: match.caller.objectId } : {}), ...(match.caller?.appId ? { appId: match.caller.appId } : {}), eventId: match.eventId },
  };
}

/** Every identifier of an author a policy or the guardrail's own ids could name. */
export function authorIds(author: ChangeAuthor): string[] {
  return [author.objectId, author.appId, author.by].filter((v): v is string => !!v).map((v) => v.toLowerCase());
}

/**
 * Whether `principals` (object ids, per contracts.md; application ids and UPNs match too) name the
 * author. "unknown": the author is known only from systemData (a UPN or client id, no object id) and
 * the list holds entries it cannot be compared with, so an exempt author cannot be ruled out.
 */
export function namedAmong(author: ChangeAuthor, principals: readonly string[]): boolean | "unknown" {
  const ids = new Set(authorIds(author));
  if (principals.some((p) => ids.has(p.toLowerCase()))) return true;
  if (!author.objectId && principals.length > 0) return "unknown";
  return false;
}
