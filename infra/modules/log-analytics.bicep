// The Log Analytics workspace: Application Insights' store, the Function App's logs and the
// guardrail's own perimeter's access logs. It is a member of that perimeter; its own audit logs go
// to itself (who queried it).

param name string
param location string
param tags object

@minValue(30)
@maxValue(730)
param retentionInDays int = 30

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    features: {
      // Access follows Azure RBAC on the resources whose logs are queried (not workspace-wide only).
      enableLogAccessUsingOnlyResourcePermissions: true
    }
    // The perimeter decides who reaches the workspace over the public endpoints.
    publicNetworkAccessForIngestion: 'Enabled'
    publicNetworkAccessForQuery: 'Enabled'
  }
}

// The Audit category (LAQueryLogs: the queries run against the workspace), per
// https://learn.microsoft.com/azure/azure-monitor/reference/supported-logs/microsoft-operationalinsights-workspaces-logs
resource auditLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'workspace-audit'
  scope: workspace
  properties: {
    workspaceId: workspace.id
    logs: [
      {
        category: 'Audit'
        enabled: true
      }
    ]
  }
}

output resourceId string = workspace.id
output name string = workspace.name
