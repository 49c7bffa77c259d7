/** Generated estates for benchmarks: storage accounts with children, spread over perimeters. */
import type { ArmResource } from "../src/model/resource.js";

const SUB = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";

export interface GeneratedEstateOptions {
  accounts: number;
  perimeters: number;
}

/**
 * Every account is associated with one perimeter and has one file share. Misconfigurations come at
 * rates seen in estates being onboarded: 1 in 20 associations in Learning mode, 1 in 50 accounts with an
 * NFS share, 1 in 100 with SFTP, 1 in 20 with a lifecycle policy, 1 in 25 with trusted-service bypass.
 * Every perimeter has a profile with an IP rule and a diagnostic setting; every tenth profile also has
 * a subscription rule (which the Shared Key and SMB rules read).
 */
export function generateEstate({ accounts, perimeters }: GeneratedEstateOptions): ArmResource[] {
  const out: ArmResource[] = [];
  const nspIds: string[] = [];
  const profileIds: string[] = [];
  const created = { createdAt: "2026-10-01T00:00:00Z", createdBy: "pipeline", createdByType: "Application" };
  for (let p = 0; p < perimeters; p++) {
    const nspId = `/subscriptions/${SUB}/resourceGroups/rg-nsp/providers/Microsoft.Network/networkSecurityPerimeters/nsp-${p}`;
    const profileId = `${nspId}/profiles/default`;
    nspIds.push(nspId);
    profileIds.push(profileId);
    out.push(
      { id: nspId, name: `nsp-${p}`, type: "Microsoft.Network/networkSecurityPerimeters", location: "westeurope", properties: { perimeterGuid: `g-${p}`, provisioningState: "Succeeded" }, systemData: created },
      { id: profileId, name: "default", type: "Microsoft.Network/networkSecurityPerimeters/profiles", properties: { accessRulesVersion: "1" } },
      {
        id: `${profileId}/accessRules/office`,
        name: "office",
        type: "Microsoft.Network/networkSecurityPerimeters/profiles/accessRules",
        properties: { direction: "Inbound", addressPrefixes: ["203.0.113.0/24", "198.51.100.0/24"], subscriptions: [], fullyQualifiedDomainNames: [] },
      },
      ...(p % 10 !== 0 ? [] : [{
        id: `${profileId}/accessRules/ci`,
        name: "ci",
        type: "Microsoft.Network/networkSecurityPerimeters/profiles/accessRules",
        properties: { direction: "Inbound", addressPrefixes: [], subscriptions: [{ id: `/subscriptions/${SUB}` }], fullyQualifiedDomainNames: [] },
      }]),
      {
        id: `${nspId}/providers/Microsoft.Insights/diagnosticSettings/logs`,
        name: "logs",
        type: "Microsoft.Insights/diagnosticSettings",
        properties: {
          workspaceId: `/subscriptions/${SUB}/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/law-${p}`,
          logs: [{ categoryGroup: "allLogs", enabled: true }],
        },
      },
    );
  }
  for (let i = 0; i < accounts; i++) {
    const p = i % perimeters;
    const name = `st${i.toString(36).padStart(6, "0")}`;
    const accountId = `/subscriptions/${SUB}/resourceGroups/rg-data-${p}/providers/Microsoft.Storage/storageAccounts/${name}`;
    out.push({
      id: accountId,
      name,
      type: "Microsoft.Storage/storageAccounts",
      kind: "StorageV2",
      location: "westeurope",
      sku: { name: "Standard_LRS", tier: "Standard" },
      tags: { owner: `team-${p}` },
      properties: {
        provisioningState: "Succeeded",
        allowSharedKeyAccess: i % 7 === 0,
        isSftpEnabled: i % 100 === 0,
        isNfsV3Enabled: false,
        isHnsEnabled: i % 100 === 0,
        publicNetworkAccess: "SecuredByPerimeter",
        encryption: { keySource: "Microsoft.Storage", services: { blob: { enabled: true, keyType: "Account" } } },
        networkAcls: { bypass: i % 25 === 0 ? "AzureServices" : "None", defaultAction: "Deny", ipRules: [], virtualNetworkRules: [], resourceAccessRules: [] },
        primaryEndpoints: { blob: `https://${name}.blob.core.windows.net/`, file: `https://${name}.file.core.windows.net/` },
        privateEndpointConnections: [],
      },
    });
    out.push({
      id: `${nspIds[p]}/resourceAssociations/a-${name}`,
      name: `a-${name}`,
      type: "Microsoft.Network/networkSecurityPerimeters/resourceAssociations",
      properties: {
        accessMode: i % 20 === 0 ? "Learning" : "Enforced",
        hasProvisioningIssues: "no",
        privateLinkResource: { id: accountId },
        profile: { id: profileIds[p] },
        provisioningState: "Succeeded",
      },
      systemData: created,
    });
    out.push({
      id: `${accountId}/fileServices/default/shares/share1`,
      name: "share1",
      type: "Microsoft.Storage/storageAccounts/fileServices/shares",
      properties: i % 50 === 0 ? { enabledProtocols: "NFS" } : { enabledProtocols: "SMB" },
    });
    if (i % 20 === 0) {
      out.push({
        id: `${accountId}/managementPolicies/default`,
        name: "DefaultManagementPolicy",
        type: "Microsoft.Storage/storageAccounts/managementPolicies",
        properties: { policy: { rules: [{ name: "expire", enabled: true, type: "Lifecycle", definition: { actions: {} } }] } },
      });
    }
  }
  return out;
}

/**
 * One perimeter whose profile has `rules` inbound access rules of `prefixes` address prefixes each
 * (issue 14: 300 × 300, a 1.5 MB snapshot, took 130 s while every rule re-parsed the whole profile).
 * Each rule has one broad /12 (so accessrule-broad-inbound looks at the whole profile for each rule)
 * and public /24s; ten storage members make the association rules run too.
 */
export function generateBroadRules({ rules, prefixes }: { rules: number; prefixes: number }): ArmResource[] {
  const nspId = `/subscriptions/${SUB}/resourceGroups/rg-nsp/providers/Microsoft.Network/networkSecurityPerimeters/nsp-wide`;
  const profileId = `${nspId}/profiles/partners`;
  const out: ArmResource[] = [
    { id: nspId, name: "nsp-wide", type: "Microsoft.Network/networkSecurityPerimeters", location: "westeurope", properties: { perimeterGuid: "g-wide", provisioningState: "Succeeded" } },
    { id: profileId, name: "partners", type: "Microsoft.Network/networkSecurityPerimeters/profiles", properties: { accessRulesVersion: "1" } },
  ];
  for (let r = 0; r < rules; r++) {
    const list = [`${16 + (r % 200)}.${(r * 16) % 256}.0.0/12`];
    for (let i = 1; i < prefixes; i++) list.push(`${11 + ((r * prefixes + i) % 80)}.${Math.floor(i / 256) % 256}.${i % 256}.0/24`);
    out.push({
      id: `${profileId}/accessRules/partner-${r}`,
      name: `partner-${r}`,
      type: "Microsoft.Network/networkSecurityPerimeters/profiles/accessRules",
      properties: { direction: "Inbound", addressPrefixes: list, subscriptions: [], fullyQualifiedDomainNames: [], serviceTags: [] },
    });
  }
  for (let i = 0; i < 10; i++) {
    const accountId = `/subscriptions/${SUB}/resourceGroups/rg-wide/providers/Microsoft.Storage/storageAccounts/stwide${i}`;
    out.push(
      { id: accountId, name: `stwide${i}`, type: "Microsoft.Storage/storageAccounts", kind: "StorageV2", location: "westeurope", properties: { publicNetworkAccess: "SecuredByPerimeter" } },
      {
        id: `${nspId}/resourceAssociations/a-stwide${i}`,
        name: `a-stwide${i}`,
        type: "Microsoft.Network/networkSecurityPerimeters/resourceAssociations",
        properties: { accessMode: "Enforced", privateLinkResource: { id: accountId }, profile: { id: profileId } },
      },
    );
  }
  return out;
}
