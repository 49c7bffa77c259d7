// Readiness (the app's daily check of associations in Transition mode) queries the NSP access logs
// in a Log Analytics workspace. This module, deployed into that workspace's resource group, grants
// the app's identity Log Analytics Reader on the workspace alone (not its resource group or
// subscription) and gives back the workspace's customer id: the Workspace ID GUID that the query API
// takes and the app reads from NSPG_LOGS_WORKSPACE_ID (src/app/config.ts).

@description('Name of the Log Analytics workspace holding the NSP access logs (in this resource group).')
param workspaceName string

@description('Principal id of the app\'s user-assigned identity.')
param principalId string

// Log Analytics Reader: */read, workspaces/analytics/query/action, workspaces/search/action.
// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/monitor#log-analytics-reader
var logAnalyticsReaderRoleId = '73c42c96-874c-492b-b04d-ab87d138a893'

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = {
  name: workspaceName
}

resource logsReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(workspace.id, principalId, logAnalyticsReaderRoleId)
  scope: workspace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', logAnalyticsReaderRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// WorkspaceProperties.customerId (read-only): "This is a read-only property. Represents the ID
// associated with the workspace." (Microsoft.OperationalInsights workspaces, 2025-02-01).
output customerId string = workspace.properties.customerId
output resourceId string = workspace.id
