// The guardrail's own network security perimeter: its storage account, key vault and Log Analytics
// workspace are associated with one profile whose only inbound rule admits managed identities of the
// guardrail's subscription (the Function App and Event Grid reach storage and the vault with the
// app's user-assigned identity). Access logs go to the workspace, which is in the same perimeter
// (perimeter-no-access-logs, perimeter-logs-outside).

param name string
param location string
param tags object

@allowed([
  'Enforced'
  'Learning'
  'Audit'
])
@description('Access mode of every association. Learning or Audit is for troubleshooting only: the guardrail reports it (storage-transition-mode).')
param accessMode string = 'Enforced'

@description('Subscription ids (GUIDs) whose managed identities may reach the members: the guardrail\'s own subscription.')
param allowedSubscriptionIds array

@description('Public IPv4 ranges (CIDR) of operators (to query the logs or manage secrets); empty: none.')
param operatorIpRanges array = []

@description('Members: [{ name, resourceId }]; the association is named after `name`.')
param members array

@description('Log Analytics workspace receiving the perimeter\'s access logs (one of the members).')
param workspaceResourceId string

var profileName = 'guardrail'

resource nsp 'Microsoft.Network/networkSecurityPerimeters@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {}
}

resource profile 'Microsoft.Network/networkSecurityPerimeters/profiles@2025-05-01' = {
  parent: nsp
  name: profileName
  properties: {}
}

resource allowSubscriptions 'Microsoft.Network/networkSecurityPerimeters/profiles/accessRules@2025-05-01' = {
  parent: profile
  name: 'allow-guardrail-subscription'
  properties: {
    direction: 'Inbound'
    subscriptions: [for subscriptionId in allowedSubscriptionIds: {
      id: '/subscriptions/${subscriptionId}'
    }]
  }
}

resource allowOperators 'Microsoft.Network/networkSecurityPerimeters/profiles/accessRules@2025-05-01' = if (!empty(operatorIpRanges)) {
  parent: profile
  name: 'allow-operators'
  properties: {
    direction: 'Inbound'
    addressPrefixes: operatorIpRanges
  }
}

// One association at a time: the perimeter serialises its long-running operations.
@batchSize(1)
resource associations 'Microsoft.Network/networkSecurityPerimeters/resourceAssociations@2025-05-01' = [
  for member in members: {
    parent: nsp
    name: member.name
    properties: {
      privateLinkResource: {
        id: member.resourceId
      }
      profile: {
        id: profile.id
      }
      accessMode: accessMode
    }
    dependsOn: [
      allowSubscriptions
      allowOperators
    ]
  }
]

resource accessLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'nsp-access-logs'
  scope: nsp
  properties: {
    workspaceId: workspaceResourceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
  }
}

output resourceId string = nsp.id
output name string = nsp.name
output profileId string = profile.id
