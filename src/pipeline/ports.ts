/** What the event pipeline needs from the outside world; adapters implement these. */
import type { ArmResource } from "../model/resource.js";

/** Reads ARM for incremental evaluation (the live inventory over the Azure SDK clients implements it). */
export interface ArmReader {
  /** The resource as GET returns it, or undefined when ARM says it does not exist. */
  get(resourceId: string): Promise<ArmResource | undefined>;
  /** A member and the children its rules read (at most 6 calls for a storage account). */
  readMember(memberId: string): Promise<ArmResource[]>;
  /** Perimeter ids a storage account's NSP configurations name (the routing fallback before the index is built). */
  perimetersOfMember(memberId: string): Promise<string[]>;
  /** Everything the rules read for these perimeters (full read; a perimeter's first evaluation). */
  readPerimeters(perimeterIds: readonly string[]): Promise<ArmResource[]>;
  /** Everything the rules read in these subscriptions (the reconcile pass), but the carried owners' inputs. */
  readSubscriptions(subscriptionIds: readonly string[], carry?: ReadCarry): Promise<ArmResource[]>;
}

/**
 * What a reconcile carries over from its previous pass instead of reading it again
 * (src/pipeline/carryOver.ts decides; the reader honours it).
 */
export interface ReadCarry {
  /**
   * Owners (associated members and perimeters, by id key) whose inputs Resource Graph does not hold
   * (src/inventory/ownerInputs.ts) are not read: the reconcile has them from its caches.
   */
  readonly owners: ReadonlySet<string>;
  /** `systemData` of associations as last read from ARM, by id key (Resource Graph's rows lack it). */
  readonly associationSystemData: ReadonlyMap<string, unknown>;
}

/** What a reconcile read: everything the rules read in the watched scope, and the subscriptions that scope holds now. */
export interface WatchedRead {
  readonly subscriptions: readonly string[];
  readonly resources: ArmResource[];
}

/**
 * The reconcile's bulk read of the watched scope (Resource Graph at subscription or management-group
 * scope, ARM for the rest), which also says which subscriptions are watched on this pass: those under
 * a management group change as subscriptions are created or moved.
 */
export interface WatchedScopeReader {
  readWatched(carry?: ReadCarry): Promise<WatchedRead>;
}

/** A message asking for one perimeter to be evaluated. */
export interface EvaluationMessage {
  perimeterId: string;
  /** Why: `events` (changes are in the dirty marker) or `reconcile`. */
  reason: "events" | "reconcile";
}

/** The queue between the event handler and the evaluations (Azure Storage queue in production). */
export interface EvaluationQueue {
  enqueue(message: EvaluationMessage, delayMs: number): Promise<void>;
}

/** Where messages and events that cannot be processed are parked, with the reason (never dropped). */
export interface PoisonParking {
  park(payload: unknown, reason: string): Promise<void>;
}
