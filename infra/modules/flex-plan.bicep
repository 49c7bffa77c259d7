// The Flex Consumption plan (FC1, Linux) that hosts the Function App.

param name string
param location string
param tags object

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    // Linux.
    reserved: true
  }
}

output resourceId string = plan.id
output name string = plan.name
