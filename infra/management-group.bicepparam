// The parameters of management-group.bicep, read from the azd environment main.bicep filled (its
// outputs): export `azd env get-values` into the shell, then
//   az deployment mg create --management-group-id "$NSPG_MANAGEMENT_GROUP_ID" --location "$AZURE_LOCATION" \
//     --template-file infra/management-group.bicep --parameters infra/management-group.bicepparam
// (infra/README.md). Unset optional variables fall back to the template's defaults.
using 'management-group.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME')
param location = readEnvironmentVariable('AZURE_LOCATION')
param principalId = readEnvironmentVariable('AZURE_USER_ASSIGNED_IDENTITY_PRINCIPAL_ID')
param identityResourceId = readEnvironmentVariable('AZURE_USER_ASSIGNED_IDENTITY_ID')
param functionAppResourceId = readEnvironmentVariable('AZURE_FUNCTION_APP_ID')
param deadLetterStorageAccountId = readEnvironmentVariable('AZURE_STORAGE_ACCOUNT_ID')
param deadLetterContainerName = readEnvironmentVariable('AZURE_DEAD_LETTER_CONTAINER_NAME')
param effect = readEnvironmentVariable('NSPG_WATCH_POLICY_EFFECT', 'DeployIfNotExists')
param remediationRun = readEnvironmentVariable('NSPG_REMEDIATION_RUN', '1')
