import { ancestorOfType, isArmId } from "./armId.js";
import { propString, type ArmResource } from "./resource.js";
import { T } from "./resourceTypes.js";

/** Where a diagnostic setting sends logs: the resource that would be associated with a perimeter. */
export interface LogDestination {
  readonly kind: "Log Analytics workspace" | "storage account" | "Event Hub namespace";
  readonly id: string;
}

/**
 * The destinations of one diagnostic setting (`workspaceId`, `storageAccountId`,
 * `eventHubAuthorizationRuleId`: Microsoft.Insights diagnosticSettings). The setting names an Event
 * Hub authorization rule; the namespace is what gets associated. A value that is not an ARM id (empty,
 * a legacy workspace GUID) cannot be looked up and is left out.
 */
export function logDestinationsOf(setting: ArmResource): LogDestination[] {
  const out: LogDestination[] = [];
  const add = (kind: LogDestination["kind"], id: string | undefined) => {
    if (id && isArmId(id)) out.push({ kind, id });
  };
  add("Log Analytics workspace", propString(setting, "workspaceId"));
  add("storage account", propString(setting, "storageAccountId"));
  const authRule = propString(setting, "eventHubAuthorizationRuleId");
  if (authRule) add("Event Hub namespace", ancestorOfType(authRule, T.eventHubNamespace) ?? authRule);
  return out;
}
