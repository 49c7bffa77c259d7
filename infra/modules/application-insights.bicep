// Application Insights on the Log Analytics workspace, local (instrumentation key) authentication
// off: the app publishes with its identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING, and
// monitoring-rbac.bicep grants Monitoring Metrics Publisher).

param name string
param location string
param tags object

@description('Log Analytics workspace that stores the telemetry.')
param workspaceResourceId string

resource component 'Microsoft.Insights/components@2020-02-02' = {
  name: name
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspaceResourceId
    IngestionMode: 'LogAnalytics'
    DisableLocalAuth: true
    publicNetworkAccessForIngestion: 'Enabled'
    publicNetworkAccessForQuery: 'Enabled'
  }
}

output resourceId string = component.id
output name string = component.name
output connectionString string = component.properties.ConnectionString
