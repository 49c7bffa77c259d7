// Key Vault (RBAC) for the alert secrets: the Teams webhook URL and the SMTP password. The app
// settings reference them (@Microsoft.KeyVault(SecretUri=...)) through the app's user-assigned
// identity (keyVaultReferenceIdentity), which gets Key Vault Secrets User here. The vault sits in
// the guardrail's own perimeter.

param name string
param location string
param tags object

@description('Principal id of the app\'s user-assigned identity.')
param principalId string

@secure()
@description('Teams Workflows / incoming webhook URL; empty: no secret.')
param teamsWebhookUrl string = ''

@secure()
@description('SMTP password; empty: no secret.')
param smtpPassword string = ''

var teamsWebhookSecretName = 'teams-webhook-url'
var smtpPasswordSecretName = 'smtp-password'
// Key Vault Secrets User.
var secretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    // The perimeter decides (Enforced); the vault's own firewall denies everything else and trusts no service.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'None'
      ipRules: []
      virtualNetworkRules: []
    }
  }
}

resource teamsWebhookSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(teamsWebhookUrl)) {
  parent: vault
  name: teamsWebhookSecretName
  properties: {
    value: teamsWebhookUrl
    contentType: 'text/plain'
  }
}

resource smtpPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(smtpPassword)) {
  parent: vault
  name: smtpPasswordSecretName
  properties: {
    value: smtpPassword
    contentType: 'text/plain'
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, secretsUserRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUserRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output resourceId string = vault.id
output name string = vault.name
output vaultUri string = vault.properties.vaultUri
// Versionless secret URIs: the app always resolves the latest version.
output teamsWebhookSecretUri string = '${vault.properties.vaultUri}secrets/${teamsWebhookSecretName}'
output smtpSecretUri string = '${vault.properties.vaultUri}secrets/${smtpPasswordSecretName}'
