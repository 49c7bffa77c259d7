/** A ResourceChange as the emulator hands its Event Grid publisher, for the event tests. */
import type { ResourceChange } from "../../src/emulator/changes.js";
import { TokenIssuer, type TokenClaims } from "../../src/emulator/tokens.js";

export const EVENT_SUB = "00000000-1111-2222-3333-444444444444";
export const EVENT_NSP = `/subscriptions/${EVENT_SUB}/resourceGroups/rg-net/providers/Microsoft.Network/networkSecurityPerimeters/nsp1`;
export const EVENT_ASSOCIATION = `${EVENT_NSP}/resourceAssociations/assoc-st1`;
export const ASSOCIATION_TYPE = "Microsoft.Network/networkSecurityPerimeters/resourceAssociations";

const issuer = new TokenIssuer();
export const appClaims: TokenClaims = issuer.verify(issuer.mint({ objectId: "aaaaaaaa-0000-0000-0000-000000000001", appId: "bbbbbbbb-0000-0000-0000-000000000002" }))!;
export const userClaims: TokenClaims = issuer.verify(issuer.mint({ objectId: "cccccccc-0000-0000-0000-000000000003", name: "alice@contoso.com" }))!;

/** A write of the association (or the kind, resource and fields `overrides` give) by an application. */
export function resourceChange(overrides: Partial<ResourceChange> = {}): ResourceChange {
  const kind = overrides.kind ?? "write";
  const method = kind === "delete" ? "DELETE" : kind === "action" ? "POST" : "PUT";
  const resourceId = overrides.resourceId ?? EVENT_ASSOCIATION;
  const suffix = kind === "action" ? `/${overrides.action ?? "reconcile"}` : "";
  return {
    kind,
    resourceId,
    resourceType: ASSOCIATION_TYPE,
    subscriptionId: EVENT_SUB,
    claims: appClaims,
    httpMethod: method,
    url: `https://127.0.0.1:8443${resourceId}${suffix}?api-version=2026-01-01`,
    clientIpAddress: "127.0.0.1",
    correlationId: "0f0e0d0c-0b0a-0908-0706-050403020100",
    time: new Date("2025-03-01T12:34:56.789Z"),
    ...(kind === "action" ? { action: "reconcile" } : {}),
    ...overrides,
  };
}
