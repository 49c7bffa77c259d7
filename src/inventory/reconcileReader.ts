/**
 * The Functions app's reconcile read (pipeline/ports.ts `WatchedScopeReader`): the watched scope
 * through Resource Graph, ARM only for what Resource Graph does not hold (resourceGraphReader.ts),
 * instead of ~6 ARM calls per member.
 *
 * With a management group, each pass first asks Resource Graph which subscriptions are under it
 * (`resourcecontainers`), then reads at management-group scope: a subscription created or moved
 * under the group is watched from the next pass, without a redeploy. Subscriptions named besides
 * (NSPG_SUBSCRIPTION_IDS) that are not under the group are read by subscription.
 */
import type { ReadCarry, WatchedRead, WatchedScopeReader } from "../pipeline/ports.js";
import { readResourceGraphEstate, subscriptionsUnderManagementGroup, type ResourceGraphEstate, type ResourceGraphReadOptions, type ResourceGraphScope } from "./resourceGraphReader.js";

export interface WatchedScope {
  /** Subscriptions watched by name (may be empty when a management group is given). */
  readonly subscriptionIds: readonly string[];
  /** A management group whose subscriptions are all watched. */
  readonly managementGroupId?: string;
}

export class ResourceGraphReconcileReader implements WatchedScopeReader {
  /** The figures of the last read (requests, ARM calls, quota waits), for logs and tests. */
  lastRead: ResourceGraphEstate | undefined;

  constructor(
    private readonly scope: WatchedScope,
    private readonly options: ResourceGraphReadOptions,
    /** Told the subscriptions watched on each pass (the event path reads through them too). */
    private readonly onSubscriptions?: (subscriptionIds: readonly string[]) => void,
  ) {
    if (scope.subscriptionIds.length === 0 && !scope.managementGroupId) throw new Error("ResourceGraphReconcileReader: give subscriptions or a management group to watch");
  }

  async readWatched(carry?: ReadCarry): Promise<WatchedRead> {
    const named = uniqueIds(this.scope.subscriptionIds);
    const group = this.scope.managementGroupId;
    let subscriptions = named;
    let graphScope: ResourceGraphScope = { subscriptions: named };
    if (group) {
      const under = await subscriptionsUnderManagementGroup(group, this.options);
      const underKeys = new Set(under.map((s) => s.toLowerCase()));
      const outside = named.filter((s) => !underKeys.has(s.toLowerCase()));
      subscriptions = [...under, ...outside];
      graphScope = { managementGroup: group, subscriptions: outside };
    }
    const estate = await readResourceGraphEstate(graphScope, carry ? { ...this.options, carry } : this.options);
    this.lastRead = estate;
    this.onSubscriptions?.(subscriptions);
    return { subscriptions, resources: estate.resources };
  }
}

function uniqueIds(ids: readonly string[]): string[] {
  const byKey = new Map<string, string>();
  for (const id of ids) if (!byKey.has(id.toLowerCase())) byKey.set(id.toLowerCase(), id);
  return [...byKey.values()];
}
