// NSP Guardrail: the Functions app that watches Azure Network Security Perimeters, deployed with
// `azd up` (or `az deployment sub create`). Flex Consumption (Node.js 22) with identity-based storage,
// Application Insights on Log Analytics, a user-assigned identity, an Event Grid subscription system
// topic per watched subscription feeding onResourceEvent, a least-privilege custom role generated
// from the code (role-definition.json) plus Reader, Key Vault for the alert secrets, optional
// Communication Services email, and the guardrail's own perimeter (Enforced) around its storage,
// vault and workspace. Every module is local (modules/): nothing is restored from a registry, so the
// template compiles offline. test/infra/bicep.test.ts reads the compiled template (compiled/main.json,
// `npm run infra:check`).
targetScope = 'subscription'

// ---------------------------------------------------------------------------------------------------
// Parameters

@minLength(1)
@maxLength(64)
@description('Name of the azd environment: part of the resource names and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Location of every regional resource. It must offer Azure Functions Flex Consumption.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group name; empty: rg-<environmentName>.')
param resourceGroupName string = ''

@description('Other subscriptions to watch (GUIDs). Each gets a system topic, an event subscription and the role assignments, all feeding this one app.')
param additionalSubscriptionIds array = []

@description('The same as additionalSubscriptionIds, comma-separated (what azd passes from NSPG_ADDITIONAL_SUBSCRIPTION_IDS).')
param additionalSubscriptionIdsCsv string = ''

@description('Management group whose every subscription the app watches (NSPG_MANAGEMENT_GROUP_ID: it reconciles them through Resource Graph and finds new ones on each pass). The system topics, the event subscriptions and the roles at that management group come from management-group.bicep, deployed at its scope after this template (infra/README.md). Empty: the subscriptions above only.')
param managementGroupId string = ''

@description('Resource id of the Log Analytics workspace holding the NSP access logs, for the daily readiness check (NSPG_LOGS_WORKSPACE_ID is its customer id; the app\'s identity gets Log Analytics Reader on it). Empty: the guardrail\'s own workspace, where its own perimeter\'s access logs go.')
param logsWorkspaceResourceId string = ''

@description('Another Log Analytics query endpoint (NSPG_LOGS_ENDPOINT); empty: the public cloud\'s.')
param logsEndpoint string = ''

@description('Create the Event Grid event subscriptions. Event Grid validates the function endpoint, so the code must be deployed first: azd provisions with false, deploys, then provisions again with true (postdeploy hook).')
param deployEventSubscriptions bool = true

@allowed([
  'Enforced'
  'Learning'
  'Audit'
])
@description('Access mode of the guardrail\'s own perimeter. Anything but Enforced is for troubleshooting; the guardrail reports it.')
param perimeterAccessMode string = 'Enforced'

@description('Public IPv4 ranges (CIDR) allowed into the guardrail\'s own perimeter, for operators who query its logs or manage its secrets. Empty: none.')
param operatorIpRanges array = []

@description('The guardrail policy (NSPG_POLICY) as an object, e.g. { dryRun: true, notify: { teams: [ { webhookUrl: \'env:TEAMS_WEBHOOK_URL\', minSeverity: \'high\' } ] } }. Empty: the safe default (alert only, dry run).')
param policy object = {}

@description('NCRONTAB schedule of the full reconcile (NSPG_RECONCILE_SCHEDULE).')
param reconcileSchedule string = '0 */30 * * * *'

@minValue(0)
@maxValue(720)
@description('Hours within which the reconcile re-reads from ARM what Resource Graph does not hold (NSPG_RECONCILE_REREAD_HOURS); 0: every pass re-reads everything.')
param reconcileRereadHours int = 48

@allowed([
  'fatal'
  'error'
  'warn'
  'info'
  'debug'
  'trace'
  'silent'
])
param logLevel string = 'info'

@description('Another ARM endpoint (NSPG_ARM_ENDPOINT); empty: the public cloud.')
param armEndpoint string = ''

@secure()
@description('Teams Workflows or incoming webhook URL for alerts; stored in Key Vault. Empty: no Teams setting.')
param teamsWebhookUrl string = ''

@description('Create Azure Communication Services email (Azure managed domain) and point NSPG_EMAIL_ACS_ENDPOINT at it.')
param enableEmail bool = false

@description('Data location of the Communication Services resources.')
param emailDataLocation string = 'United States'

@description('Sender address (NSPG_EMAIL_FROM); empty: DoNotReply@<managed domain> with enableEmail.')
param emailFrom string = ''

@description('SMTP server for email alerts (NSPG_EMAIL_SMTP_HOST); empty: no SMTP settings.')
param smtpHost string = ''

param smtpPort int = 587
param smtpUser string = ''

@secure()
@description('SMTP password, stored in Key Vault; set with smtpUser (neither: an unauthenticated relay).')
param smtpPassword string = ''

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Flex Consumption scale-out limit.')
param maximumInstanceCount int = 40

@minValue(1)
@maxValue(30)
@description('Event Grid delivery attempts before dead-lettering.')
param maxDeliveryAttempts int = 30

@minValue(1)
@maxValue(1440)
@description('Event Grid time to live of an event, in minutes.')
param eventTimeToLiveInMinutes int = 1440

// ---------------------------------------------------------------------------------------------------
// Names and shared values

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = 'func-nspg-${resourceToken}'
var logAnalyticsName = 'log-nspg-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(toLower(uniqueString(functionAppName, resourceToken)), 7)}'
var deadLetterContainerName = 'event-deadletter'
// The queues the app uses (src/pipeline/storageQueue.ts).
var queueNames = [
  'perimeter-evaluations'
  'perimeter-evaluations-poison'
  'resource-events-poison'
]

// Generated from the code (npm run gen:infra): the event routing table and the ARM operations.
var eventFilters = loadJsonContent('event-filters.json')
var roleDefinition = loadJsonContent('role-definition.json')

var requestedSubscriptionIds = map(
  concat(additionalSubscriptionIds, empty(additionalSubscriptionIdsCsv) ? [] : split(additionalSubscriptionIdsCsv, ',')),
  id => toLower(trim(string(id)))
)
var extraSubscriptionIds = filter(
  union(requestedSubscriptionIds, []),
  id => !empty(id) && id != toLower(subscription().subscriptionId)
)
var watchedSubscriptionIds = concat([subscription().subscriptionId], extraSubscriptionIds)

// ---------------------------------------------------------------------------------------------------
// Resource group, identity, monitoring

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

// The app's one identity: storage, Key Vault references, telemetry, ARM reads and reverts, email,
// Event Grid dead letters.
module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-nspg-${resourceToken}'
    location: location
    tags: tags
  }
}

module logAnalytics 'modules/log-analytics.bicep' = {
  name: 'log-analytics'
  scope: rg
  params: {
    name: logAnalyticsName
    location: location
    tags: tags
    retentionInDays: 30
  }
}

module monitoring 'modules/application-insights.bicep' = {
  name: 'application-insights'
  scope: rg
  params: {
    name: 'appi-nspg-${resourceToken}'
    location: location
    tags: tags
    workspaceResourceId: logAnalytics.outputs.resourceId
  }
}

module monitoringRbac 'modules/monitoring-rbac.bicep' = {
  name: 'monitoring-rbac'
  scope: rg
  params: {
    applicationInsightsName: monitoring.outputs.name
    principalId: identity.outputs.principalId
  }
}

// Readiness reads the NSP access logs: Log Analytics Reader on that workspace only, wherever it is
// (a workspace in another resource group or subscription gets the role from a deployment scoped
// there), and its customer id for NSPG_LOGS_WORKSPACE_ID. The segments of a workspace resource id:
// /subscriptions/{2}/resourceGroups/{4}/providers/Microsoft.OperationalInsights/workspaces/{8}.
var logsWorkspaceIdSegments = split(
  empty(logsWorkspaceResourceId)
    ? '/subscriptions/${subscription().subscriptionId}/resourceGroups/${rg.name}/providers/Microsoft.OperationalInsights/workspaces/${logAnalyticsName}'
    : logsWorkspaceResourceId,
  '/'
)

module logsReader 'modules/logs-reader.bicep' = {
  name: 'logs-reader'
  scope: resourceGroup(logsWorkspaceIdSegments[2], logsWorkspaceIdSegments[4])
  params: {
    workspaceName: last(logsWorkspaceIdSegments)
    principalId: identity.outputs.principalId
  }
  // The guardrail's own workspace, when it is the one (named above, not referenced).
  dependsOn: [
    logAnalytics
  ]
}

// ---------------------------------------------------------------------------------------------------
// Storage, secrets, email

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'stnspg${resourceToken}'
    location: location
    tags: tags
    containerNames: [
      deploymentContainerName
      deadLetterContainerName
    ]
    queueNames: queueNames
    principalId: identity.outputs.principalId
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'key-vault'
  scope: rg
  params: {
    name: 'kv-nspg-${resourceToken}'
    location: location
    tags: tags
    principalId: identity.outputs.principalId
    teamsWebhookUrl: teamsWebhookUrl
    smtpPassword: smtpPassword
  }
}

module email 'modules/email.bicep' = if (enableEmail) {
  name: 'email'
  scope: rg
  params: {
    communicationServiceName: 'acs-nspg-${resourceToken}'
    emailServiceName: 'ecs-nspg-${resourceToken}'
    dataLocation: emailDataLocation
    tags: tags
    principalId: identity.outputs.principalId
  }
}

// ---------------------------------------------------------------------------------------------------
// The guardrail's own perimeter (it must pass the guardrail's own rules: test/infra/bicep.test.ts)

module perimeter 'modules/perimeter.bicep' = {
  name: 'perimeter'
  scope: rg
  params: {
    name: 'nsp-nspg-${resourceToken}'
    location: location
    tags: tags
    accessMode: perimeterAccessMode
    allowedSubscriptionIds: [
      subscription().subscriptionId
    ]
    operatorIpRanges: operatorIpRanges
    members: [
      {
        name: 'storage'
        resourceId: storage.outputs.resourceId
      }
      {
        name: 'key-vault'
        resourceId: keyVault.outputs.resourceId
      }
      {
        name: 'log-analytics'
        resourceId: logAnalytics.outputs.resourceId
      }
    ]
    workspaceResourceId: logAnalytics.outputs.resourceId
  }
}

// ---------------------------------------------------------------------------------------------------
// App settings: exactly the names src/app/config.ts and the alert channels read (contracts.md §4),
// plus the Functions host's identity-based storage and telemetry settings. test/infra/bicep.test.ts
// reads every name the compiled union below may produce (each optional group included).
var emailFromAddress = !empty(emailFrom) ? emailFrom : (enableEmail ? email!.outputs.senderAddress : '')
var baseAppSettings = {
  AzureWebJobsStorage__accountName: storage.outputs.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.outputs.clientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
  AZURE_CLIENT_ID: identity.outputs.clientId
  NSPG_SUBSCRIPTION_IDS: join(watchedSubscriptionIds, ',')
  NSPG_SELF_PRINCIPAL_IDS: identity.outputs.principalId
  NSPG_RECONCILE_SCHEDULE: reconcileSchedule
  NSPG_RECONCILE_REREAD_HOURS: string(reconcileRereadHours)
  NSPG_LOG_LEVEL: logLevel
}
var policySettings = empty(policy) ? {} : {
  NSPG_POLICY: string(policy)
}
var armEndpointSettings = empty(armEndpoint) ? {} : {
  NSPG_ARM_ENDPOINT: armEndpoint
}
var teamsSettings = empty(teamsWebhookUrl) ? {} : {
  TEAMS_WEBHOOK_URL: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.teamsWebhookSecretUri})'
}
var acsSettings = enableEmail ? {
  NSPG_EMAIL_ACS_ENDPOINT: email!.outputs.endpoint
} : {}
var smtpSettings = empty(smtpHost) ? {} : {
  NSPG_EMAIL_SMTP_HOST: smtpHost
  NSPG_EMAIL_SMTP_PORT: string(smtpPort)
}
// The user and the password go together (the email channel refuses one without the other).
var smtpCredentialSettings = empty(smtpHost) || empty(smtpUser) || empty(smtpPassword) ? {} : {
  NSPG_EMAIL_SMTP_USER: smtpUser
  NSPG_EMAIL_SMTP_PASSWORD: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.smtpSecretUri})'
}
var emailFromSettings = empty(emailFromAddress) ? {} : {
  NSPG_EMAIL_FROM: emailFromAddress
}
var managementGroupSettings = empty(managementGroupId) ? {} : {
  NSPG_MANAGEMENT_GROUP_ID: managementGroupId
}
// The daily readiness check (src/app/readinessCheck.ts) runs when NSPG_LOGS_WORKSPACE_ID is set.
var logsSettings = {
  NSPG_LOGS_WORKSPACE_ID: logsReader.outputs.customerId
}
var logsEndpointSettings = empty(logsEndpoint) ? {} : {
  NSPG_LOGS_ENDPOINT: logsEndpoint
}
var appSettings = union(baseAppSettings, policySettings, armEndpointSettings, teamsSettings, acsSettings, smtpSettings, smtpCredentialSettings, emailFromSettings, managementGroupSettings, logsSettings, logsEndpointSettings)

// ---------------------------------------------------------------------------------------------------
// The Function App: Flex Consumption, Node.js 22 (the functions-quickstart-typescript-azd pattern)

module appServicePlan 'modules/flex-plan.bicep' = {
  name: 'app-service-plan'
  scope: rg
  params: {
    name: 'plan-nspg-${resourceToken}'
    location: location
    tags: tags
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: functionAppName
    location: location
    tags: union(tags, {
      'azd-service-name': 'api'
    })
    planResourceId: appServicePlan.outputs.resourceId
    identityResourceId: identity.outputs.resourceId
    deploymentContainerUrl: '${storage.outputs.blobEndpoint}${deploymentContainerName}'
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    nodeVersion: '22'
    appSettings: appSettings
    workspaceResourceId: logAnalytics.outputs.resourceId
  }
}

// ---------------------------------------------------------------------------------------------------
// Permissions and events, per watched subscription

// One custom role for all watched subscriptions (role names are unique per tenant, hence the
// environment in the name); the actions are the ARM operations the code performs.
resource guardrailRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, environmentName, 'nsp-guardrail')
  properties: {
    roleName: '${roleDefinition.roleName} (${environmentName})'
    description: roleDefinition.description
    type: 'CustomRole'
    permissions: [
      {
        actions: roleDefinition.actions
        notActions: roleDefinition.notActions
        dataActions: roleDefinition.dataActions
        notDataActions: roleDefinition.notDataActions
      }
    ]
    assignableScopes: map(watchedSubscriptionIds, id => '/subscriptions/${id}')
  }
}

var watchSettings = {
  tags: tags
  principalId: identity.outputs.principalId
  guardrailRoleDefinitionName: guardrailRole.name
  functionResourceId: '${functionApp.outputs.resourceId}/functions/onResourceEvent'
  identityResourceId: identity.outputs.resourceId
  deadLetterStorageAccountId: storage.outputs.resourceId
  deadLetterContainerName: deadLetterContainerName
  eventFilters: eventFilters
  deployEventSubscription: deployEventSubscriptions
  maxDeliveryAttempts: maxDeliveryAttempts
  eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
}

module watchOwnSubscription 'modules/watched-subscription.bicep' = {
  name: 'nspg-watch-${subscription().subscriptionId}'
  params: {
    location: location
    tags: watchSettings.tags
    environmentName: environmentName
    resourceGroupName: rg.name
    createResourceGroup: false
    systemTopicName: 'evgt-nspg-${resourceToken}'
    principalId: watchSettings.principalId
    guardrailRoleDefinitionName: watchSettings.guardrailRoleDefinitionName
    functionResourceId: watchSettings.functionResourceId
    identityResourceId: watchSettings.identityResourceId
    deadLetterStorageAccountId: watchSettings.deadLetterStorageAccountId
    deadLetterContainerName: watchSettings.deadLetterContainerName
    eventFilters: watchSettings.eventFilters
    deployEventSubscription: watchSettings.deployEventSubscription
    maxDeliveryAttempts: watchSettings.maxDeliveryAttempts
    eventTimeToLiveInMinutes: watchSettings.eventTimeToLiveInMinutes
  }
}

module watchAdditionalSubscriptions 'modules/watched-subscription.bicep' = [
  for subscriptionId in extraSubscriptionIds: {
    name: 'nspg-watch-${subscriptionId}'
    scope: subscription(subscriptionId)
    params: {
      location: location
      tags: watchSettings.tags
      // The module's default resource group and system topic names: the ones management-group.bicep's
      // policy deploys, so a subscription both listed here and under the management group has one topic.
      environmentName: environmentName
      createResourceGroup: true
      principalId: watchSettings.principalId
      guardrailRoleDefinitionName: watchSettings.guardrailRoleDefinitionName
      functionResourceId: watchSettings.functionResourceId
      identityResourceId: watchSettings.identityResourceId
      deadLetterStorageAccountId: watchSettings.deadLetterStorageAccountId
      deadLetterContainerName: watchSettings.deadLetterContainerName
      eventFilters: watchSettings.eventFilters
      deployEventSubscription: watchSettings.deployEventSubscription
      maxDeliveryAttempts: watchSettings.maxDeliveryAttempts
      eventTimeToLiveInMinutes: watchSettings.eventTimeToLiveInMinutes
    }
  }
]

// ---------------------------------------------------------------------------------------------------
// Outputs (azd writes them to the environment)

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_API_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostname}'
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_USER_ASSIGNED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_USER_ASSIGNED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
output AZURE_NETWORK_SECURITY_PERIMETER_ID string = perimeter.outputs.resourceId
output AZURE_GUARDRAIL_ROLE_DEFINITION_ID string = guardrailRole.id
// What management-group.bicepparam reads from the azd environment.
output AZURE_FUNCTION_APP_ID string = functionApp.outputs.resourceId
output AZURE_USER_ASSIGNED_IDENTITY_ID string = identity.outputs.resourceId
output AZURE_STORAGE_ACCOUNT_ID string = storage.outputs.resourceId
output AZURE_DEAD_LETTER_CONTAINER_NAME string = deadLetterContainerName
output NSPG_LOGS_WORKSPACE_ID string = logsReader.outputs.customerId
output WATCHED_SUBSCRIPTION_IDS string = join(watchedSubscriptionIds, ',')
output EVENT_SUBSCRIPTIONS_DEPLOYED bool = deployEventSubscriptions
