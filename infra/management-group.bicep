// NSP Guardrail for every subscription under a management group, deployed at that management group
// after main.bicep (`az deployment mg create`; azd provisions subscription scope only, and a
// subscription-scope template cannot reach a management group: Bicep's BCP115). With the app deployed
// by main.bicep (NSPG_MANAGEMENT_GROUP_ID set, so the app reconciles every subscription under the
// group through Resource Graph), this template:
//   - defines the guardrail's custom role (role-definition.json) assignable at the management group
//     and assigns it, and Reader, to the app's identity there: every subscription below inherits them;
//   - defines and assigns a deployIfNotExists policy that deploys, into every subscription under the
//     group, the Azure subscription system topic and its event subscription to the one app: the
//     compiled modules/watched-subscription.bicep (compiled/watched-subscription.json) with
//     event-filters.json, the same template and filters main.bicep deploys per listed subscription;
//   - gives the assignment's identity the roles the policy's roleDefinitionIds name (Contributor at
//     the group; on the app's identity, Function App and storage account, the roles of
//     modules/remediation-access.bicep), and starts a remediation task for the subscriptions that
//     already exist.
// test/infra/managementGroup.test.ts reads the compiled template (compiled/management-group.json).
//
// ARM shapes. Bicep's type check (0.49, its bundled Microsoft.Authorization and
// Microsoft.PolicyInsights types) vouches for the resource envelopes: names, location, identity,
// policyDefinitionId, policyType, mode, parameters, policyAssignmentId, resourceDiscoveryMode. It
// types policyRule as `any`, so the rule's contents are checked against the sources instead:
//   policy definitions and assignments: azure-rest-api-specs specification/resources/resource-manager/
//     Microsoft.Authorization/policy/PolicyDefinition.tsp and PolicyAssignment.tsp (an assignment's
//     identity needs its location; management-group assignment names are at most 24 characters);
//   the deployIfNotExists details (type, existenceScope, existenceCondition, deploymentScope,
//     roleDefinitionIds, deployment.location for a subscription-scope deployment,
//     deployment.properties.mode/template/parameters):
//     https://learn.microsoft.com/azure/governance/policy/concepts/effect-deploy-if-not-exists
//   remediations at management group scope: specification/policyinsights/resource-manager/
//     Microsoft.PolicyInsights/PolicyInsights/PolicyInsights/Remediation.tsp
//     (Remediations_CreateOrUpdateAtManagementGroup); resourceDiscoveryMode ExistingNonCompliant,
//     since ReEvaluateCompliance applies at subscription scope and below:
//     https://learn.microsoft.com/azure/governance/policy/how-to/remediate-resources
//   the system topic (topicType Microsoft.Resources.Subscriptions, source the subscription, location
//     global) and its event subscription are modules/resource-events.bicep's, typed by the compiler
//     (Microsoft.EventGrid 2025-02-15). The events go to an AzureFunction `destination`;
//     deliveryWithResourceIdentity (a managed identity delivering to Service Bus, Event Hubs, storage
//     queues or an Entra-protected webhook) is not used: the function endpoint is reached with its
//     key, which Event Grid obtains itself. The app's identity is used for dead-lettering only.
targetScope = 'managementGroup'

// ---------------------------------------------------------------------------------------------------
// Parameters (management-group.bicepparam reads them from the azd environment main.bicep filled)

@minLength(1)
@maxLength(64)
@description('Name of the azd environment main.bicep was deployed with: part of the names here and of the per-subscription resource group and system topic.')
param environmentName string

@minLength(1)
@description('Location of the policy assignment\'s managed identity and of the policy\'s deployments.')
param location string

@description('Principal id of the app\'s user-assigned identity (main.bicep output AZURE_USER_ASSIGNED_IDENTITY_PRINCIPAL_ID).')
param principalId string

@description('Resource id of the app\'s user-assigned identity (AZURE_USER_ASSIGNED_IDENTITY_ID): the system topics dead-letter with it.')
param identityResourceId string

@description('Resource id of the Function App (AZURE_FUNCTION_APP_ID).')
param functionAppResourceId string

@description('The guardrail\'s storage account (AZURE_STORAGE_ACCOUNT_ID): dead letters.')
param deadLetterStorageAccountId string

@description('Blob container of the dead letters (AZURE_DEAD_LETTER_CONTAINER_NAME).')
param deadLetterContainerName string

@allowed([
  'DeployIfNotExists'
  'AuditIfNotExists'
  'Disabled'
])
@description('Effect of the assignment: DeployIfNotExists deploys the events wiring; AuditIfNotExists only reports the subscriptions without it.')
param effect string = 'DeployIfNotExists'

@minValue(1)
@maxValue(30)
param maxDeliveryAttempts int = 30

@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int = 1440

@minLength(1)
@maxLength(32)
@description('Names the remediation task (a one-off run): deploy with another value (e.g. the date) to remediate again.')
param remediationRun string = '1'

// ---------------------------------------------------------------------------------------------------
// Names and shared values

var tags = {
  'azd-env-name': environmentName
}
// Generated from the code (npm run gen:infra): the ARM operations and the event routing table.
var roleDefinition = loadJsonContent('role-definition.json')
var eventFilters = loadJsonContent('event-filters.json')
// What the policy deploys into each subscription: modules/watched-subscription.bicep as compiled.
var watchedSubscriptionTemplate = loadJsonContent('compiled/watched-subscription.json')
var functionResourceId = '${functionAppResourceId}/functions/onResourceEvent'

// Built-in roles, https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
var readerRoleId = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'
var contributorRoleId = 'b24988ac-6180-42a0-ab88-20f7382dd24c'
// The app's resource group: what the policy's deployments touch there (modules/remediation-access.bicep).
var appResourceRoleIds = {
  managedIdentityOperator: 'f1a07417-d97a-45cb-824c-7a7467783830'
  websiteContributor: 'de139f84-1756-47ae-9be6-808fbbe84772'
  storageAccountContributor: '17d1049b-9a84-46fb-8f53-869881c3d3ab'
}
// The roles the policy's deployments need (roleDefinitionIds): Contributor to create the resource
// group, the system topic and the event subscription in each subscription; on the app's own
// resources, the roles of modules/remediation-access.bicep.
var remediationRoleIds = [
  contributorRoleId
  appResourceRoleIds.managedIdentityOperator
  appResourceRoleIds.websiteContributor
  appResourceRoleIds.storageAccountContributor
]

// ---------------------------------------------------------------------------------------------------
// The app's roles at the management group

resource guardrailRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(managementGroup().id, environmentName, 'nsp-guardrail')
  properties: {
    // Role names are unique per tenant: main.bicep's role for the listed subscriptions has its own.
    roleName: '${roleDefinition.roleName} (${environmentName}, ${managementGroup().name})'
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
    assignableScopes: [
      managementGroup().id
    ]
  }
}

resource guardrailAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(managementGroup().id, principalId, guardrailRole.id)
  properties: {
    roleDefinitionId: guardrailRole.id
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource readerAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(managementGroup().id, principalId, readerRoleId)
  properties: {
    roleDefinitionId: tenantResourceId('Microsoft.Authorization/roleDefinitions', readerRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// ---------------------------------------------------------------------------------------------------
// Every subscription's resource events to the one app: a deployIfNotExists policy

// The tag modules/resource-events.bicep puts on the system topic (the function it feeds).
var destinationTag = 'nspg-event-destination'

resource watchPolicy 'Microsoft.Authorization/policyDefinitions@2025-01-01' = {
  name: guid(managementGroup().id, environmentName, 'nsp-guardrail-watch')
  properties: {
    displayName: 'NSP Guardrail (${environmentName}): send every subscription\'s resource events to the guardrail'
    description: 'Deploys the Azure subscription Event Grid system topic and an event subscription to the NSP Guardrail function ${functionResourceId} into each subscription that has none feeding it.'
    policyType: 'Custom'
    mode: 'All'
    metadata: {
      category: 'Event Grid'
    }
    parameters: {
      effect: {
        type: 'String'
        allowedValues: [
          'DeployIfNotExists'
          'AuditIfNotExists'
          'Disabled'
        ]
        defaultValue: 'DeployIfNotExists'
      }
    }
    // UNCONFIRMED by the compiler (policyRule is `any`): the shape follows the deployIfNotExists
    // reference above. The strings in [...] are the policy language's, written literally (the
    // compiler escapes them as [[...] so that this deployment does not evaluate them).
    policyRule: {
      if: {
        field: 'type'
        equals: 'Microsoft.Resources/subscriptions'
      }
      then: {
        effect: '[parameters(\'effect\')]'
        details: {
          type: 'Microsoft.EventGrid/systemTopics'
          // A subscription has one system topic for its resource events (one per source); the one
          // this app's deployments create (modules/resource-events.bicep, topicType
          // Microsoft.Resources.Subscriptions) carries the destination tag. Only the tag is tested:
          // `tags['<name>']` is a field every resource has, while the alias of topicType
          // (Microsoft.EventGrid/systemTopics/topicType) is UNCONFIRMED here (no Microsoft source
          // found; an unknown alias would make Azure refuse the whole definition).
          existenceScope: 'subscription'
          existenceCondition: {
            field: 'tags[\'${destinationTag}\']'
            equals: functionResourceId
          }
          deploymentScope: 'subscription'
          roleDefinitionIds: map(remediationRoleIds, id => '/providers/Microsoft.Authorization/roleDefinitions/${id}')
          deployment: {
            location: location
            properties: {
              mode: 'incremental'
              template: watchedSubscriptionTemplate
              parameters: {
                location: {
                  value: location
                }
                tags: {
                  value: tags
                }
                environmentName: {
                  value: environmentName
                }
                createResourceGroup: {
                  value: true
                }
                // Reader and the custom role come from the management group (above).
                assignRoles: {
                  value: false
                }
                functionResourceId: {
                  value: functionResourceId
                }
                identityResourceId: {
                  value: identityResourceId
                }
                deadLetterStorageAccountId: {
                  value: deadLetterStorageAccountId
                }
                deadLetterContainerName: {
                  value: deadLetterContainerName
                }
                eventFilters: {
                  value: eventFilters
                }
                deployEventSubscription: {
                  value: true
                }
                maxDeliveryAttempts: {
                  value: maxDeliveryAttempts
                }
                eventTimeToLiveInMinutes: {
                  value: eventTimeToLiveInMinutes
                }
              }
            }
          }
        }
      }
    }
  }
}

// Assignment names at management group scope: at most 24 characters.
resource watchAssignment 'Microsoft.Authorization/policyAssignments@2025-01-01' = {
  name: 'nspg-${take(uniqueString(managementGroup().id, environmentName), 13)}'
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    displayName: 'NSP Guardrail (${environmentName}): resource events of every subscription'
    policyDefinitionId: watchPolicy.id
    enforcementMode: 'Default'
    parameters: {
      effect: {
        value: effect
      }
    }
  }
}

// The roles the policy names, for the assignment's identity: Contributor at the management group,
// and each of the others on the one resource of the app it is needed for.
resource remediationContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(managementGroup().id, watchAssignment.id, contributorRoleId)
  properties: {
    roleDefinitionId: tenantResourceId('Microsoft.Authorization/roleDefinitions', contributorRoleId)
    principalId: watchAssignment.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// /subscriptions/{2}/resourceGroups/{4}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{8}
// (the Function App and the storage account are in the same resource group: main.bicep's rg-<env>)
var identityIdSegments = split(identityResourceId, '/')

module remediationAccess 'modules/remediation-access.bicep' = {
  name: 'nspg-remediation-access-${uniqueString(environmentName)}'
  scope: resourceGroup(identityIdSegments[2], identityIdSegments[4])
  params: {
    identityName: last(identityIdSegments)
    functionAppName: last(split(functionAppResourceId, '/'))
    deadLetterStorageAccountName: last(split(deadLetterStorageAccountId, '/'))
    principalId: watchAssignment.identity.principalId
    roleIds: appResourceRoleIds
  }
}

// The subscriptions that exist now. A new subscription gets the deployment when Azure Policy
// evaluates it (on its creation, or in the next standard evaluation cycle); the app already finds
// it through Resource Graph on its next reconcile, and events flow once the topic is there.
// Compliance of a new assignment is evaluated within about 30 minutes, so a remediation started by
// the first deployment may find nothing to do: deploy again with another remediationRun then.
resource remediation 'Microsoft.PolicyInsights/remediations@2024-10-01' = {
  name: 'nspg-watch-${uniqueString(environmentName)}-${remediationRun}'
  properties: {
    policyAssignmentId: watchAssignment.id
    resourceDiscoveryMode: 'ExistingNonCompliant'
  }
  dependsOn: [
    remediationContributor
    remediationAccess
  ]
}

// ---------------------------------------------------------------------------------------------------
// Outputs

output GUARDRAIL_ROLE_DEFINITION_ID string = guardrailRole.id
output POLICY_DEFINITION_ID string = watchPolicy.id
output POLICY_ASSIGNMENT_ID string = watchAssignment.id
output POLICY_ASSIGNMENT_PRINCIPAL_ID string = watchAssignment.identity.principalId
output REMEDIATION_NAME string = remediation.name
