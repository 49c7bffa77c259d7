// One watched subscription's resource changes: the Azure subscription system topic (one per
// subscription, location global, in a resource group of that subscription) and its event
// subscription to the onResourceEvent function. Filters come from infra/event-filters.json
// (generated from the event routing table); undeliverable events are dead-lettered to a blob
// container of the guardrail's storage through the app's user-assigned identity. The topic carries
// the function it feeds as a tag: management-group.bicep's policy finds this app's topic by it.

param systemTopicName string
param tags object

@description('Resource id of the onResourceEvent function: <site id>/functions/onResourceEvent.')
param functionResourceId string

@description('Resource id of the user-assigned identity used to dead-letter.')
param identityResourceId string

@description('The guardrail\'s storage account (dead letters).')
param deadLetterStorageAccountId string

param deadLetterContainerName string

@description('{ includedEventTypes: string[], advancedFilters: [{ operatorType, key, values }] } from infra/event-filters.json.')
param eventFilters object

@description('Create the event subscription: needs the function deployed (Event Grid validates the endpoint).')
param deployEventSubscription bool = true

param maxDeliveryAttempts int = 30
param eventTimeToLiveInMinutes int = 1440

// The tag management-group.bicep's policy looks for (existenceCondition): which function this
// subscription's resource events go to.
var destinationTag = 'nspg-event-destination'

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: systemTopicName
  location: 'global'
  tags: union(tags, {
    '${destinationTag}': functionResourceId
  })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    source: subscription().id
    topicType: 'Microsoft.Resources.Subscriptions'
  }
}

resource onResourceEvent 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = if (deployEventSubscription) {
  parent: systemTopic
  name: 'nspg-on-resource-event'
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: functionResourceId
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: eventFilters.includedEventTypes
      advancedFilters: eventFilters.advancedFilters
      enableAdvancedFilteringOnArrays: false
    }
    retryPolicy: {
      maxDeliveryAttempts: maxDeliveryAttempts
      eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'UserAssigned'
        userAssignedIdentity: identityResourceId
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: deadLetterStorageAccountId
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

output systemTopicName string = systemTopic.name
output systemTopicId string = systemTopic.id
