// What the management group policy's deployments touch in the app's resource group (main.bicep puts
// the app's identity, Function App and storage account in rg-<env>), for the policy assignment's
// identity, each role on its one resource. Contributor at the management group covers them too when
// the app's subscription is under the group; these make remediation work when it is not.
//   - Managed Identity Operator on the app's identity: the system topic is given that identity and
//     dead-letters with it (Microsoft.ManagedIdentity/userAssignedIdentities/assign/action).
//   - Website Contributor on the Function App: "If you're using an event handler that isn't a
//     WebHook (such as an event hub or queue storage), you need write access to that resource"
//     (https://learn.microsoft.com/azure/event-grid/security-authorization); the AzureFunction
//     destination is such a handler.
//   - Storage Account Contributor on the dead-letter storage account: UNCONFIRMED whether Event Grid
//     checks the caller's access to a dead-letter destination as it does for handlers; granted so
//     that either answer works (Shared Key is off on that account, so its keys open nothing).

@description('Name of the app\'s user-assigned identity (in this resource group).')
param identityName string

@description('Name of the Function App (in this resource group).')
param functionAppName string

@description('Name of the storage account receiving the dead letters (in this resource group).')
param deadLetterStorageAccountName string

@description('Principal id of the policy assignment\'s system-assigned identity.')
param principalId string

@description('Built-in role ids: { managedIdentityOperator, websiteContributor, storageAccountContributor } (the policy\'s roleDefinitionIds).')
param roleIds object

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource functionApp 'Microsoft.Web/sites@2024-11-01' existing = {
  name: functionAppName
}

resource deadLetterStorage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: deadLetterStorageAccountName
}

resource identityOperator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appIdentity.id, principalId, roleIds.managedIdentityOperator)
  scope: appIdentity
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.managedIdentityOperator)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource websiteContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(functionApp.id, principalId, roleIds.websiteContributor)
  scope: functionApp
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.websiteContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource storageContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deadLetterStorage.id, principalId, roleIds.storageAccountContributor)
  scope: deadLetterStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageAccountContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
