// The guardrail's own storage: AzureWebJobsStorage (identity-based), the Flex Consumption deployment
// package, the state (tables and blobs the app creates), the evaluation queues and the Event Grid
// dead letters. It sits in the guardrail's own perimeter and must pass the guardrail's own rules
// (test/fixtures/estates/guardrail-own.json mirrors these values; test/infra/bicep.test.ts compares).

@description('Storage account name (3-24 lower-case letters and digits).')
param name string

param location string
param tags object

@description('Blob containers to create (the deployment package, the dead letters).')
param containerNames array

@description('Storage queues to create (the app creates them too; creating them here avoids a cold first listen).')
param queueNames array

@description('Principal id of the app\'s user-assigned identity.')
param principalId string

// Storage Blob Data Owner, Storage Queue Data Contributor, Storage Table Data Contributor.
var dataRoleIds = [
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
]

resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    // Entra ID only: no Shared Key, no SAS (storage-shared-key-subscription-rule: the perimeter has a subscription rule).
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    dnsEndpointType: 'Standard'
    // HTTPS only: no SFTP, no NFS, no local users (storage-sftp, storage-nfs).
    isHnsEnabled: false
    isSftpEnabled: false
    isLocalUserEnabled: false
    isNfsV3Enabled: false
    // Public traffic is decided by the perimeter's rules, even before the association exists.
    publicNetworkAccess: 'SecuredByPerimeter'
    // No trusted-service bypass, no resource instance rules, no IP or VNet rules: none of them is
    // honoured in Enforced mode (storage-trusted-services, storage-firewall-bypassed).
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'None'
      ipRules: []
      virtualNetworkRules: []
      resourceAccessRules: []
    }
    // Microsoft-managed keys: no customer-managed key vault to keep reachable (storage-cmk-key-vault).
    encryption: {
      keySource: 'Microsoft.Storage'
      services: {
        blob: {
          enabled: true
          keyType: 'Account'
        }
        file: {
          enabled: true
          keyType: 'Account'
        }
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: account
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = [
  for containerName in containerNames: {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-01-01' = {
  parent: account
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = [
  for queueName in queueNames: {
    parent: queueService
    name: queueName
  }
]

resource dataRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in dataRoleIds: {
    name: guid(account.id, principalId, roleId)
    scope: account
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]

output resourceId string = account.id
output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
