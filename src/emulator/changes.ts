/**
 * What the emulator tells its event publisher after each successful ARM write, delete or action:
 * enough to build the Event Grid event Azure would emit for it.
 */
import type { TokenClaims } from "./tokens.js";

export type ChangeKind = "write" | "delete" | "action";

export interface ResourceChange {
  kind: ChangeKind;
  /** The resource id as the caller addressed it. */
  resourceId: string;
  /** Resource type, e.g. `Microsoft.Network/networkSecurityPerimeters/resourceAssociations`. */
  resourceType: string;
  /** For actions: the action name (`reconcile`); the operation is then `{type}/{action}/action`. */
  action?: string;
  subscriptionId: string;
  /** Claims of the caller's bearer token. */
  claims: TokenClaims;
  httpMethod: "PUT" | "PATCH" | "DELETE" | "POST";
  /** The request URL as the caller sent it (scheme, host, path and query). */
  url: string;
  clientIpAddress: string;
  correlationId: string;
  /** When ARM finished the operation. */
  time: Date;
}

/** Receives changes; the Event Grid publisher implements it. Must not throw into the emulator. */
export interface ChangeSink {
  publish(change: ResourceChange): void;
}
