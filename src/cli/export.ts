import { formatSnapshot } from "../inventory/snapshot.js";
import { readLiveEstate } from "../inventory/liveInventory.js";
import { note } from "./log.js";
import { emit } from "./output.js";
import { loadPolicyOption, progressReporter } from "./scan.js";

export interface ExportOptions {
  subscription: string[];
  output?: string;
  armEndpoint?: string;
  /** `--cloud`: AzureCloud, AzureUSGovernment or AzureChinaCloud. */
  cloud?: string;
  policy?: string;
}

/** `nsp-guardrail export`: the live estate as a snapshot, resources exactly as ARM returned them. */
export async function runExport(options: ExportOptions): Promise<number> {
  const policy = await loadPolicyOption(options.policy);
  const onProgress = progressReporter();
  const live = await readLiveEstate(options.subscription, {
    policy,
    ...(options.armEndpoint ? { armEndpoint: options.armEndpoint } : {}),
    ...(options.cloud ? { cloud: options.cloud } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  await emit(formatSnapshot(live.resources, live.plan.types), options.output);
  if (options.output) note(`exported ${live.resources.length} resource(s) in ${live.calls} ARM call(s) to ${options.output}`);
  return 0;
}
