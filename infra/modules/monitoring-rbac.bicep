// Entra-authenticated telemetry (APPLICATIONINSIGHTS_AUTHENTICATION_STRING, local auth disabled on
// the component): the app's identity publishes with Monitoring Metrics Publisher.

param applicationInsightsName string

@description('Principal id of the app\'s user-assigned identity.')
param principalId string

// Monitoring Metrics Publisher.
var metricsPublisherRoleId = '3913510d-42f4-4e42-8a64-420c390055eb'

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, principalId, metricsPublisherRoleId)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', metricsPublisherRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
