// The parameters azd passes to main.bicep, read from the azd environment (azd env set NAME value;
// azd provides AZURE_ENV_NAME and AZURE_LOCATION). Unset optional variables fall back to the
// template's defaults.
using 'main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME')
param location = readEnvironmentVariable('AZURE_LOCATION')
param resourceGroupName = readEnvironmentVariable('AZURE_RESOURCE_GROUP', '')
param additionalSubscriptionIdsCsv = readEnvironmentVariable('NSPG_ADDITIONAL_SUBSCRIPTION_IDS', '')
// The first `azd up` provisions before the code exists: the event subscriptions wait for the
// postdeploy hook (azure.yaml), which sets NSPG_DEPLOY_EVENT_SUBSCRIPTIONS=true.
param managementGroupId = readEnvironmentVariable('NSPG_MANAGEMENT_GROUP_ID', '')
param logsWorkspaceResourceId = readEnvironmentVariable('NSPG_LOGS_WORKSPACE_RESOURCE_ID', '')
param logsEndpoint = readEnvironmentVariable('NSPG_LOGS_ENDPOINT', '')
param deployEventSubscriptions = bool(readEnvironmentVariable('NSPG_DEPLOY_EVENT_SUBSCRIPTIONS', 'false'))
param perimeterAccessMode = readEnvironmentVariable('NSPG_PERIMETER_ACCESS_MODE', 'Enforced')
param teamsWebhookUrl = readEnvironmentVariable('TEAMS_WEBHOOK_URL', '')
param enableEmail = bool(readEnvironmentVariable('NSPG_ENABLE_EMAIL', 'false'))
param emailFrom = readEnvironmentVariable('NSPG_EMAIL_FROM', '')
param smtpHost = readEnvironmentVariable('NSPG_EMAIL_SMTP_HOST', '')
param smtpPort = int(readEnvironmentVariable('NSPG_EMAIL_SMTP_PORT', '587'))
param smtpUser = readEnvironmentVariable('NSPG_EMAIL_SMTP_USER', '')
param smtpPassword = readEnvironmentVariable('NSPG_EMAIL_SMTP_PASSWORD', '')
