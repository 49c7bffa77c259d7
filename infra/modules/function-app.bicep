// The Function App on Flex Consumption: Linux, Node.js 22, the deployment package read from a blob
// container with the user-assigned identity, identity-based AzureWebJobsStorage (set by the caller
// in appSettings), HTTPS only with TLS 1.2 or later, no FTP and no basic publishing credentials
// (azd deploys with an Entra token), Key Vault references resolved with the same identity, and the
// app's logs and metrics in the Log Analytics workspace.

param name string
param location string

@description('Tags; the caller adds azd-service-name so that azd deploy finds the app.')
param tags object

param planResourceId string

@description('Resource id of the user-assigned identity the app runs as.')
param identityResourceId string

@description('Blob container URL of the deployment package (https://<account>.blob.core.windows.net/<container>).')
param deploymentContainerUrl string

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

param maximumInstanceCount int = 40

@description('Node.js major version of the Flex Consumption runtime.')
param nodeVersion string = '22'

@description('App settings (name: value).')
param appSettings object

@description('Log Analytics workspace receiving the app\'s logs and metrics.')
param workspaceResourceId string

resource site 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: planResourceId
    httpsOnly: true
    clientAffinityEnabled: false
    keyVaultReferenceIdentity: identityResourceId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
  }
}

resource settings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: site
  name: 'appsettings'
  properties: appSettings
}

resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'function-app-logs'
  scope: site
  properties: {
    workspaceId: workspaceResourceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output resourceId string = site.id
output name string = site.name
output defaultHostname string = site.properties.defaultHostName
