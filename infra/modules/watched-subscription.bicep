// Everything one watched subscription needs, deployed into that subscription: Reader and the
// guardrail's custom role for the app's identity at subscription scope, and the system topic with
// its event subscription feeding the one Function App. main.bicep deploys it once for its own
// subscription and once per entry of additionalSubscriptionIds; management-group.bicep's policy
// deploys it (compiled: infra/compiled/watched-subscription.json) into every subscription under a
// management group, without the role assignments (those are made once, at the management group).
targetScope = 'subscription'

param location string
param tags object

@description('Name of the azd environment: part of the default names below.')
param environmentName string

@description('Resource group holding the system topic.')
param resourceGroupName string = 'rg-${environmentName}-nspg-events'

@description('Create the resource group (extra subscriptions); false: it exists (the guardrail\'s own).')
param createResourceGroup bool = false

param systemTopicName string = 'evgt-nspg-${toLower(uniqueString(subscription().subscriptionId, environmentName))}'

@description('Assign Reader and the custom role here; false: they are assigned at a management group above this subscription.')
param assignRoles bool = true

@description('Principal id of the app\'s user-assigned identity (with assignRoles).')
param principalId string = ''

@description('Name (GUID) of the guardrail\'s custom role definition; its assignable scopes include this subscription (with assignRoles).')
param guardrailRoleDefinitionName string = ''

param functionResourceId string
param identityResourceId string
param deadLetterStorageAccountId string
param deadLetterContainerName string
param eventFilters object
param deployEventSubscription bool = true
param maxDeliveryAttempts int = 30
param eventTimeToLiveInMinutes int = 1440

// Reader.
var readerRoleId = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'

resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (assignRoles) {
  name: guid(subscription().id, principalId, readerRoleId)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', readerRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource guardrail 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (assignRoles) {
  name: guid(subscription().id, principalId, guardrailRoleDefinitionName)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', guardrailRoleDefinitionName)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource eventsGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = if (createResourceGroup) {
  name: resourceGroupName
  location: location
  tags: tags
}

module events 'resource-events.bicep' = {
  name: 'nspg-resource-events'
  scope: resourceGroup(resourceGroupName)
  params: {
    systemTopicName: systemTopicName
    tags: tags
    functionResourceId: functionResourceId
    identityResourceId: identityResourceId
    deadLetterStorageAccountId: deadLetterStorageAccountId
    deadLetterContainerName: deadLetterContainerName
    eventFilters: eventFilters
    deployEventSubscription: deployEventSubscription
    maxDeliveryAttempts: maxDeliveryAttempts
    eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
  }
  dependsOn: [
    eventsGroup
  ]
}

output systemTopicName string = events.outputs.systemTopicName
