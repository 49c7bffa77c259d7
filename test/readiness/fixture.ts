/** A perimeter in Transition with a month of access logs: offices, a partner NAT range, a Function app's identity, SAS and SMB clients, a service-endpoint VNet. */
import type { ArmResource } from "../../src/model/resource.js";

export const SUB = "11111111-1111-1111-1111-111111111111";
export const APP_SUB = "33333333-3333-3333-3333-333333333333";
export const PERIMETER_GUID = "aaaaaaaa-0000-0000-0000-000000000001";
const RG = `/subscriptions/${SUB}/resourceGroups/rg-nsp`;
export const NSP = `${RG}/providers/Microsoft.Network/networkSecurityPerimeters/nsp-data`;
export const PROFILE = `${NSP}/profiles/default`;
export const ACCOUNT = `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts/stdata`;
export const VAULT = `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.KeyVault/vaults/kv-data`;
export const ENFORCED_ACCOUNT = `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts/stlocked`;
export const ASSOC_ACCOUNT = `${NSP}/resourceAssociations/assoc-stdata`;
export const ASSOC_VAULT = `${NSP}/resourceAssociations/assoc-kv`;
export const ASSOC_ENFORCED = `${NSP}/resourceAssociations/assoc-stlocked`;
export const FUNCTION_APP = `/subscriptions/${APP_SUB}/resourceGroups/rg-func/providers/Microsoft.Web/sites/func-orders`;

export function estateResources(options: { diagnostics?: "allLogs" | "none" | "denied-only"; accessRulesVersion?: number } = {}): ArmResource[] {
  const diagnostics = options.diagnostics ?? "allLogs";
  const resources: ArmResource[] = [
    { id: NSP, type: "Microsoft.Network/networkSecurityPerimeters", name: "nsp-data", location: "westeurope", properties: { perimeterGuid: PERIMETER_GUID } },
    // The spec types accessRulesVersion as a string.
    { id: PROFILE, type: "Microsoft.Network/networkSecurityPerimeters/profiles", name: "default", properties: { accessRulesVersion: String(options.accessRulesVersion ?? 3) } },
    {
      id: `${PROFILE}/accessRules/offices`,
      type: "Microsoft.Network/networkSecurityPerimeters/profiles/accessRules",
      name: "offices",
      properties: { direction: "Inbound", addressPrefixes: ["203.0.113.0/24"] },
    },
    {
      id: `${PROFILE}/accessRules/platform`,
      type: "Microsoft.Network/networkSecurityPerimeters/profiles/accessRules",
      name: "platform",
      properties: { direction: "Inbound", subscriptions: [{ id: `/subscriptions/${SUB}` }] },
    },
    { id: ACCOUNT, type: "Microsoft.Storage/storageAccounts", name: "stdata", location: "westeurope", properties: { publicNetworkAccess: "Enabled" } },
    { id: VAULT, type: "Microsoft.KeyVault/vaults", name: "kv-data", location: "westeurope", properties: { tenantId: "72f988bf-0000-0000-0000-000000000000", sku: { family: "A", name: "standard" } } },
    { id: ENFORCED_ACCOUNT, type: "Microsoft.Storage/storageAccounts", name: "stlocked", location: "westeurope", properties: {} },
    association(ASSOC_ACCOUNT, ACCOUNT, "Learning"),
    association(ASSOC_VAULT, VAULT, "Audit"),
    association(ASSOC_ENFORCED, ENFORCED_ACCOUNT, "Enforced"),
    {
      id: `${ACCOUNT}/networkSecurityPerimeterConfigurations/${PERIMETER_GUID}.assoc-stdata`,
      type: "Microsoft.Storage/storageAccounts/networkSecurityPerimeterConfigurations",
      name: `${PERIMETER_GUID}.assoc-stdata`,
      properties: {
        networkSecurityPerimeter: { id: NSP, perimeterGuid: PERIMETER_GUID },
        provisioningIssues: [
          {
            name: "MissingPerimeterConfiguration",
            properties: {
              issueType: "MissingPerimeterConfiguration",
              severity: "Warning",
              description: "Allow the backup vault's subscription.",
              suggestedAccessRules: [{ name: "suggested", properties: { direction: "Inbound", subscriptions: [{ id: "/subscriptions/44444444-4444-4444-4444-444444444444" }] } }],
              suggestedResourceIds: [`/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.KeyVault/vaults/kv-cmk`],
            },
          },
        ],
      },
    },
  ];
  if (diagnostics !== "none") {
    resources.push({
      id: `${NSP}/providers/Microsoft.Insights/diagnosticSettings/to-law`,
      type: "Microsoft.Insights/diagnosticSettings",
      name: "to-law",
      properties: {
        workspaceId: `/subscriptions/${SUB}/resourceGroups/rg-nsp/providers/Microsoft.OperationalInsights/workspaces/law`,
        logs:
          diagnostics === "allLogs"
            ? [{ categoryGroup: "allLogs", enabled: true }]
            : [{ category: "NspPublicInboundPerimeterRulesDenied", enabled: true }],
      },
    });
  }
  return resources;
}

function association(id: string, member: string, accessMode: string): ArmResource {
  return {
    id,
    type: "Microsoft.Network/networkSecurityPerimeters/resourceAssociations",
    name: id.split("/").pop()!,
    properties: { privateLinkResource: { id: member }, profile: { id: PROFILE }, accessMode },
  };
}

export interface Row {
  [column: string]: unknown;
}

/** One NSPAccessLogs row. */
export function row(category: string, serviceResourceId: string, fields: Row = {}, time = "2026-11-01T10:00:00.000Z"): Row {
  return {
    TimeGenerated: time,
    Category: category,
    _ResourceId: NSP,
    Profile: "default",
    ServiceResourceId: serviceResourceId,
    AccessRuleVersion: "3",
    OperationName: "GetBlob",
    ...fields,
  };
}

/** The default end of the fixture's window. */
export const END = new Date("2026-11-28T00:00:00Z");

/** A month of Transition-mode traffic to the storage account and the vault: one round a day for the 27 days before `end`. */
export function monthOfRows(end: Date = END): Row[] {
  const rows: Row[] = [];
  for (let d = 27; d >= 1; d--) {
    const day = new Date(end.getTime() - d * 86_400_000 + 3_600_000).toISOString();
    // Offices: admitted by the "offices" rule at the current version: never a break.
    rows.push(row("NspPublicInboundPerimeterRulesAllowed", ACCOUNT, { SourceIpAddress: "203.0.113.10", SourceAppId: "app-office", MatchedRule: '{"accessRule":"offices"}' }, day));
    // Partner NAT range 198.51.100.0/27 and one more partner address in another /24.
    for (const host of [1, 7, 30]) {
      rows.push(row("NspPublicInboundResourceRulesAllowed", ACCOUNT, { SourceIpAddress: `198.51.100.${host}`, OperationName: "PutBlob" }, day));
    }
    rows.push(row("NspPublicInboundResourceRulesAllowed", ACCOUNT, { SourceIpAddress: "192.0.2.77", OperationName: "ListBlobs" }, day));
    // The Function app's managed identity (Entra ID) from another subscription.
    rows.push(row("NspPublicInboundResourceRulesAllowed", ACCOUNT, { SourceIpAddress: "52.160.10.4", SourceResourceId: FUNCTION_APP, SourceAppId: "9c1b-func", OperationName: "PutBlob" }, day));
    // A SAS client from a public address, and one whose record has no address.
    rows.push(row("NspPublicInboundResourceRulesAllowed", ACCOUNT, { SourceIpAddress: "198.18.0.9", ResultDescription: "Authenticated with SAS token", OperationName: "GetBlob" }, day));
    rows.push(row("NspPublicInboundResourceRulesAllowed", ACCOUNT, { SourceResourceId: `/subscriptions/${APP_SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/legacy`, ResultDescription: "SharedKey", OperationName: "GetBlob" }, day));
    // A service-endpoint VNet (private source on a public request).
    rows.push(row("NspPublicInboundResourceRulesAllowed", ACCOUNT, { SourceIpAddress: "10.1.2.3", OperationName: "GetBlob" }, day));
    // SMB without a source address.
    rows.push(row("NspPublicInboundResourceRulesAllowed", ACCOUNT, { SourceProtocol: "SMB:TCP", OperationName: "SMB2_CREATE" }, day));
    // Denied today already, private endpoint traffic, an attempt: none can break.
    rows.push(row("NspPublicInboundResourceRulesDenied", ACCOUNT, { SourceIpAddress: "45.1.1.1" }, day));
    rows.push(row("NspPrivateInboundAllowed", ACCOUNT, { SourceIpAddress: "10.9.9.9", TrafficType: "Private" }, day));
    rows.push(row("NspOutboundAttempt", ACCOUNT, { DestinationFqdn: "kv-cmk.vault.azure.net" }, day));
    // Outbound from the account to a partner API, allowed by the resource only.
    rows.push(row("NspPublicOutboundResourceRulesAllowed", ACCOUNT, { DestinationFqdn: "API.Partner.example", ResultDirection: "Outbound" }, day));
    // Vault in Audit: what the perimeter denied got through.
    rows.push(row("NspPublicInboundPerimeterRulesDenied", VAULT, { SourceIpAddress: "198.51.100.2", OperationName: "SecretGet" }, day));
  }
  return rows;
}
