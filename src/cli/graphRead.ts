/**
 * The CLI's reads through Azure Resource Graph (`--management-group`, and `coverage`): the bulk
 * reader with the command's connection options, quota waits reported on stderr when it is a terminal.
 */
import type { Policy } from "../policy/policy.js";
import type { ReadPlan } from "../inventory/readPlan.js";
import { readResourceGraphEstate, type ResourceGraphEstate, type ResourceGraphScope } from "../inventory/resourceGraphReader.js";

export interface GraphReadOptions {
  readonly policy: Policy;
  readonly plan?: ReadPlan;
  readonly armEndpoint?: string;
  readonly cloud?: string;
}

export async function readThroughResourceGraph(scope: ResourceGraphScope, options: GraphReadOptions): Promise<ResourceGraphEstate> {
  const onQuotaWait = process.stderr.isTTY ? (ms: number) => process.stderr.write(`\r\x1b[2KResource Graph quota spent: waiting ${(ms / 1000).toFixed(1)} s\n`) : undefined;
  return readResourceGraphEstate(scope, {
    policy: options.policy,
    ...(options.plan ? { plan: options.plan } : {}),
    ...(options.armEndpoint ? { armEndpoint: options.armEndpoint } : {}),
    ...(options.cloud ? { cloud: options.cloud } : {}),
    ...(onQuotaWait ? { onQuotaWait } : {}),
  });
}

/** The scope of `--subscription` / `--management-group`. */
export function graphScope(subscriptions: readonly string[] | undefined, managementGroup: string | undefined): ResourceGraphScope {
  return managementGroup ? { managementGroup } : { subscriptions: subscriptions ?? [] };
}
