// The policy assignment's identity deploys system topics and event subscriptions that use the app's
// user-assigned identity (the topic's identity, dead-lettering with it), which takes
// Microsoft.ManagedIdentity/userAssignedIdentities/assign/action on that identity: Managed Identity
// Operator, on that one identity (deployed into its resource group).

@description('Name of the app\'s user-assigned identity (in this resource group).')
param identityName string

@description('Principal id of the policy assignment\'s system-assigned identity.')
param principalId string

@description('Managed Identity Operator\'s role definition id (one of the policy\'s roleDefinitionIds).')
param managedIdentityOperatorRoleId string

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource operator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appIdentity.id, principalId, managedIdentityOperatorRoleId)
  scope: appIdentity
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', managedIdentityOperatorRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
