/**
 * api-versions the emulator serves, per provider namespace, as ARM does: a request with another
 * version fails with `InvalidApiVersionParameter` listing these. They cover the versions the
 * project's Azure SDK clients call and the ones the REST specs and docs name; a newer SDK that
 * calls a version missing here fails loudly in the tests, which is the point.
 */
export const SUPPORTED_API_VERSIONS: Readonly<Record<string, readonly string[]>> = {
  "microsoft.network": ["2024-07-01", "2024-10-01", "2025-01-01", "2025-03-01", "2025-05-01", "2025-07-01", "2026-01-01"],
  "microsoft.storage": ["2023-05-01", "2024-01-01", "2025-01-01", "2025-06-01", "2025-08-01", "2026-04-01", "2026-06-01", "2026-09-01"],
  "microsoft.keyvault": ["2023-07-01", "2024-11-01", "2025-05-01", "2026-02-01"],
  "microsoft.cognitiveservices": ["2024-10-01", "2025-06-01", "2025-09-01"],
  "microsoft.recoveryservices": ["2023-06-01", "2024-04-01", "2025-02-01"],
  "microsoft.dataprotection": ["2024-04-01", "2025-01-01", "2025-07-01"],
  "microsoft.storagesync": ["2020-09-01", "2022-06-01", "2022-09-01"],
  "microsoft.compute": ["2024-07-01", "2024-11-01", "2025-04-01", "2026-03-01", "2026-04-01"],
  // 2023-*: the live inventory's GET of onboarded Insights members (action groups, data collection endpoints, scheduled query rules).
  "microsoft.insights": ["2017-05-01-preview", "2021-05-01-preview", "2023-01-01", "2023-03-11", "2023-12-01"],
  "microsoft.operationalinsights": ["2022-10-01", "2023-09-01", "2025-02-01"],
  // 2026-01-01: @azure/arm-eventhub 6 (namespaces, disasterRecoveryConfigs).
  "microsoft.eventhub": ["2024-01-01", "2025-05-01-preview", "2026-01-01"],
  // 2021-11-01: @azure/arm-servicebus 6 (namespaces, disasterRecoveryConfigs).
  "microsoft.servicebus": ["2021-11-01", "2024-01-01"],
  "microsoft.web": ["2023-12-01", "2024-04-01"],
  // 2026-03-15: @azure/arm-cosmosdb 17 (databaseAccounts).
  "microsoft.documentdb": ["2024-11-15", "2025-04-15", "2026-03-15"],
  // 2022-08-01-preview: @azure/arm-sql 10 (servers, databases).
  "microsoft.sql": ["2022-08-01-preview", "2023-08-01", "2024-05-01-preview"],
  "microsoft.search": ["2023-11-01", "2025-05-01"],
  /** Resource Graph queries (resourceGraph.ts): 2024-04-01 is @azure/arm-resourcegraph 5's; the others the Azure CLI's and PowerShell's. */
  "microsoft.resourcegraph": ["2021-03-01", "2022-10-01", "2024-04-01"],
  /** Generic resource lists (`/subscriptions/{id}/resources`). */
  "microsoft.resources": ["2015-11-01", "2021-04-01", "2022-09-01", "2024-03-01", "2025-04-01"],
};

export function supportedVersions(namespace: string): readonly string[] | undefined {
  return SUPPORTED_API_VERSIONS[namespace.toLowerCase()];
}
