import { formatSnapshot } from "../inventory/snapshot.js";
import { readLiveEstate } from "../inventory/liveInventory.js";
import { note } from "./log.js";
import { emit } from "./output.js";
import { loadPolicyOption, progressReporter } from "./scan.js";

import { InputError } from "../model/errors.js";
import type { Policy } from "../policy/policy.js";
import { ALL_RULES } from "../rules/catalog/index.js";

export interface ExportOptions {
  subscription?: string[];
  /** `--management-group`: read through Resource Graph (graphRead.ts). */
  managementGroup?: string;
  output?: string;
  armEndpoint?: string;
  /** `--cloud`: AzureCloud, AzureUSGovernment or AzureChinaCloud. */
  cloud?: string;
  policy?: string;
}

/**
 * An export feeds later scans under any policy: it reads the inputs of every rule, those off by
 * default included (storage-lifecycle-management...), except the rules the given policy turns off.
 */
function readsForEveryRule(policy: Policy): Policy {
  const rules = { ...policy.rules };
  for (const rule of ALL_RULES) rules[rule.meta.id] ??= { action: "alert" };
  return { ...policy, rules };
}

/** `nsp-guardrail export`: the live estate as a snapshot, resources exactly as ARM returned them. */
export async function runExport(options: ExportOptions): Promise<number> {
  const subscriptions = options.subscription ?? [];
  if ((subscriptions.length > 0) === (options.managementGroup !== undefined)) throw new InputError("export: give either --subscription ID... or --management-group ID (one of them)");
  const policy = readsForEveryRule(await loadPolicyOption(options.policy));
  if (options.managementGroup) {
    // --- management group: Resource Graph (graphRead.ts) ---
    const { readThroughResourceGraph } = await import("./graphRead.js");
    const read = await readThroughResourceGraph({ managementGroup: options.managementGroup }, { policy, ...(options.armEndpoint ? { armEndpoint: options.armEndpoint } : {}), ...(options.cloud ? { cloud: options.cloud } : {}) });
    await emit(formatSnapshot(read.resources), options.output);
    if (options.output) process.stderr.write(`exported ${read.resources.length} resource(s) in ${read.graphRequests} Resource Graph and ${read.armCalls} ARM call(s) (${read.quotaWaits} quota wait(s)) to ${options.output}\n`);
    return 0;
  }
  const onProgress = progressReporter();
  const live = await readLiveEstate(subscriptions, {
    policy,
    ...(options.armEndpoint ? { armEndpoint: options.armEndpoint } : {}),
    ...(options.cloud ? { cloud: options.cloud } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  await emit(formatSnapshot(live.resources, live.plan.types), options.output);
  if (options.output) note(`exported ${live.resources.length} resource(s) in ${live.calls} ARM call(s) to ${options.output}`);
  return 0;
}
