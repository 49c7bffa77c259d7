/**
 * The deployment (issue 7 §1, §2, §5; issue 13 §4). These tests read the ARM template the Bicep
 * compiler emits for infra/main.bicep (infra/compiled/main.json, committed; `npm run infra:check`
 * fails when it is not current, and the "Bicep compiler" tests below recompile it whenever this
 * machine has `dotnet`), so they check what Azure would deploy: the app settings are the ones the
 * app reads, the parameters file matches the template, outputs are UPPER_SNAKE, every module is
 * local, the Event Grid filters and the custom role are the generated JSON, storage is identity-only
 * on Flex Consumption with Node.js 22. And the guardrail's own perimeter, as the template creates it
 * (test/fixtures/estates/guardrail-own.json, cross-checked against the template), passes its own rules.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CONTRACT_SETTINGS, settingsReadBy } from "../helpers/settingsReads.js";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { loadSettings } from "../../src/app/config.js";
import { Estate } from "../../src/model/estate.js";
import type { ArmResource } from "../../src/model/resource.js";
import { EVALUATION_QUEUE, EVENT_POISON_QUEUE, POISON_QUEUE } from "../../src/pipeline/storageQueue.js";
import { validatePolicy } from "../../src/policy/policy.js";
import { RULE_IDS } from "../../src/rules/catalog/index.js";
import { evaluateEstate } from "../../src/rules/engine.js";
import { ROOT } from "../helpers/cli.js";
import {
  buildParameters,
  committedTemplateText,
  compileInfra,
  MANAGEMENT_GROUP_SAMPLE_ENVIRONMENT,
  obtainCompiler,
  SAMPLE_ENVIRONMENT,
  whyUnavailable,
  type Compilation,
} from "../../infra/compiler/bicep.mjs";
import {
  allTemplates,
  loadCompiledTemplate,
  module,
  objectEntries,
  parseExpression,
  printExpr,
  resource,
  show,
  text,
  variable,
  type ArmTemplate,
  type Json,
} from "./armTemplate.js";

const raw = (path: string) => readFileSync(join(ROOT, path), "utf8");
const main = loadCompiledTemplate();
const bicepFiles = ["infra/main.bicep", ...readdirSync(join(ROOT, "infra", "modules")).filter((f) => f.endsWith(".bicep")).map((f) => `infra/modules/${f}`)];

const SUB = "5f2c7e1a-3b4d-4c8e-9a60-1d2e3f405162";
const GUID = "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70";

// ---------------------------------------------------------------------------------------------------
// App settings

const functionApp = module(main, "function-app");
/** The app settings the template may set (every optional group included), each with its value as printed. */
const appSettings = new Map([...objectEntries(functionApp.params["appSettings"]!, main)].map(([name, value]) => [name, text(value)]));
const settingNames = [...appSettings.keys()];

/** Every setting name loadSettings looks at, observed through a recording environment. */
function settingsConfigReads(): string[] {
  return settingsReadBy({ NSPG_SUBSCRIPTION_IDS: SUB, AzureWebJobsStorage: "UseDevelopmentStorage=true" });
}

/** What the Functions host itself reads: identity-based AzureWebJobsStorage and Entra-authenticated telemetry. */
const HOST_SETTINGS = [
  "AzureWebJobsStorage__accountName",
  "AzureWebJobsStorage__credential",
  "AzureWebJobsStorage__clientId",
  "APPLICATIONINSIGHTS_CONNECTION_STRING",
  "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
];

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

/** Setting names the alert channels read (src/notify, whatever its files), and the ones the sample documents. */
function emailAndTeamsSettings(): string[] {
  const names = new Set<string>();
  for (const file of sourceFiles(join(ROOT, "src", "notify"))) {
    for (const m of readFileSync(file, "utf8").matchAll(/\b(NSPG_EMAIL_[A-Z0-9_]+|TEAMS_WEBHOOK_URL)\b/g)) names.add(m[1]!);
  }
  const sample = JSON.parse(raw("local.settings.sample.json")) as { Values: Record<string, string> };
  for (const name of Object.keys(sample.Values)) if (name.startsWith("NSPG_EMAIL_") || name === "TEAMS_WEBHOOK_URL") names.add(name);
  return [...names];
}

/** `%NAME%` binding expressions and `connection: "X"` of the function registrations. */
function functionBindings(): { expressions: string[]; connections: string[] } {
  const expressions = new Set<string>();
  const connections = new Set<string>();
  for (const file of readdirSync(join(ROOT, "functions")).filter((f) => f.endsWith(".ts"))) {
    const text = raw(`functions/${file}`);
    for (const m of text.matchAll(/%([A-Za-z0-9_]+)%/g)) expressions.add(m[1]!);
    for (const m of text.matchAll(/connection:\s*"([^"]+)"/g)) connections.add(m[1]!);
  }
  return { expressions: [...expressions], connections: [...connections] };
}

/** A plausible value for each setting, enough for loadSettings. */
function sampleValue(name: string): string {
  const values: Record<string, string> = {
    NSPG_SUBSCRIPTION_IDS: `${SUB},${GUID}`,
    NSPG_SELF_PRINCIPAL_IDS: GUID,
    NSPG_POLICY: '{"dryRun":true}',
    NSPG_ARM_ENDPOINT: "https://management.azure.com",
    NSPG_LOG_LEVEL: "info",
    NSPG_RECONCILE_SCHEDULE: "0 */30 * * * *",
    NSPG_RECONCILE_REREAD_HOURS: "48",
    NSPG_EMAIL_SMTP_PORT: "587",
    NSPG_LOGS_WORKSPACE_ID: "7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
    NSPG_LOGS_ENDPOINT: "https://api.loganalytics.azure.com/v1",
    NSPG_MANAGEMENT_GROUP_ID: "mg-security",
    AZURE_CLIENT_ID: GUID,
    AzureWebJobsStorage__accountName: "stnspgq3k7v2m9x1c5b",
    AzureWebJobsStorage__credential: "managedidentity",
    AzureWebJobsStorage__clientId: GUID,
  };
  return values[name] ?? "https://example.invalid/value";
}

describe("app settings in the compiled template", () => {
  const names = settingNames;
  const setting = (name: string) => appSettings.get(name);

  it("are the function-app module's appSettings, which the site's appsettings config applies as they are", () => {
    expect(names.length).toBeGreaterThan(10);
    const config = resource(functionApp.template, "Microsoft.Web/sites/config");
    expect(show(config.name)).toBe("format('{0}/{1}', parameters('name'), 'appsettings')");
    expect(show(config.properties as Json)).toBe("parameters('appSettings')");
    // The site itself sets none (siteConfig.appSettings would be replaced by the config resource).
    const site = resource(functionApp.template, "Microsoft.Web/sites");
    expect((site.properties?.["siteConfig"] as Record<string, Json>)["appSettings"]).toBeUndefined();
  });

  it("are each one the app, its alert channels, contracts.md §4 or the Functions host reads", () => {
    const email = emailAndTeamsSettings();
    const contract = CONTRACT_SETTINGS.flatMap((s) => (s.endsWith("*") ? email.filter((n) => n.startsWith(s.slice(0, -1))) : [s]));
    const known = new Set([...settingsConfigReads(), ...contract, ...email, ...HOST_SETTINGS, ...functionBindings().expressions]);
    expect(names.filter((n) => !known.has(n)), "app settings nothing reads").toEqual([]);
  });

  it("set every setting the app needs: loadSettings accepts them, identity-based storage with the app's client id", () => {
    const env = Object.fromEntries(names.map((n) => [n, sampleValue(n)]));
    const settings = loadSettings(env);
    expect(settings.storage).toEqual({ kind: "identity", accountName: sampleValue("AzureWebJobsStorage__accountName"), clientId: GUID });
    expect(settings.NSPG_SUBSCRIPTION_IDS).toEqual([SUB, GUID]);
    expect(settings.NSPG_SELF_PRINCIPAL_IDS).toEqual([GUID]);
    expect(settings.NSPG_LOGS_WORKSPACE_ID).toBe(sampleValue("NSPG_LOGS_WORKSPACE_ID"));
    expect(settings.NSPG_LOGS_ENDPOINT).toBe(sampleValue("NSPG_LOGS_ENDPOINT"));
  });

  it("set the binding expressions and the identity-based connections the functions use", () => {
    const { expressions, connections } = functionBindings();
    expect(expressions).toContain("NSPG_RECONCILE_SCHEDULE");
    expect(expressions.filter((e) => !names.includes(e))).toEqual([]);
    for (const connection of connections) {
      expect(names, `connection ${connection}`).toContain(`${connection}__accountName`);
      expect(names, `connection ${connection}`).toContain(`${connection}__credential`);
      expect(names, `connection ${connection}: no connection string`).not.toContain(connection);
    }
    expect(setting("AzureWebJobsStorage__accountName")).toBe("storage.outputs.name");
    expect(setting("AzureWebJobsStorage__credential")).toBe("'managedidentity'");
    expect(setting("AzureWebJobsStorage__clientId")).toBe("identity.outputs.clientId");
    expect(setting("AZURE_CLIENT_ID")).toBe("identity.outputs.clientId");
    expect(setting("NSPG_SELF_PRINCIPAL_IDS")).toBe("identity.outputs.principalId");
    expect(setting("APPLICATIONINSIGHTS_CONNECTION_STRING")).toBe("application-insights.outputs.connectionString");
    expect(setting("APPLICATIONINSIGHTS_AUTHENTICATION_STRING")).toBe("format('ClientId={0};Authorization=AAD', identity.outputs.clientId)");
  });

  it("never set a storage connection string, the dev-only token, or the settings Flex Consumption rejects", () => {
    for (const name of ["AzureWebJobsStorage", "NSPG_STATE_CONNECTION", "NSPG_ARM_TOKEN", "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "WEBSITE_NODE_DEFAULT_VERSION"]) {
      expect(names, name).not.toContain(name);
    }
  });

  it("take secrets from Key Vault references resolved with the app's identity, never from plain parameters", () => {
    expect(setting("TEAMS_WEBHOOK_URL")).toBe("format('@Microsoft.KeyVault(SecretUri={0})', key-vault.outputs.teamsWebhookSecretUri)");
    expect(setting("NSPG_EMAIL_SMTP_PASSWORD")).toBe("format('@Microsoft.KeyVault(SecretUri={0})', key-vault.outputs.smtpSecretUri)");
    const site = resource(functionApp.template, "Microsoft.Web/sites");
    expect(show(site.properties?.["keyVaultReferenceIdentity"])).toBe("parameters('identityResourceId')");
    expect(show(functionApp.params["identityResourceId"])).toBe("identity.outputs.resourceId");
    for (const secret of ["teamsWebhookUrl", "smtpPassword"]) {
      expect(main.parameters[secret], secret).toMatchObject({ type: "securestring", defaultValue: "" });
    }
    const keyVault = module(main, "key-vault");
    expect(resource(keyVault.template, "Microsoft.KeyVault/vaults").properties?.["enableRbacAuthorization"]).toBe(true);
    expect(JSON.stringify(keyVault.template)).toContain("4633458b-17de-408a-b874-0445c86b69e6"); // Key Vault Secrets User
  });

  it("email: ACS endpoint and sender from the optional Communication Services module, documented names", () => {
    expect(setting("NSPG_EMAIL_ACS_ENDPOINT")).toBe("email.outputs.endpoint");
    const email = module(main, "email");
    expect(show(email.deployment.condition)).toBe("parameters('enableEmail')");
    expect(main.parameters["enableEmail"]).toMatchObject({ type: "bool", defaultValue: false });
    const documented = emailAndTeamsSettings();
    expect(names.filter((n) => n.startsWith("NSPG_EMAIL_") && !documented.includes(n))).toEqual([]);
    expect(JSON.stringify(email.template)).toContain("09976791-48a7-449e-bb21-39d1a415f350"); // Communication and Email Service Owner
  });

  it("the email channel accepts what the template writes: ACS with the app's identity, or SMTP", async () => {
    // src/notify is the alert channels' code; loaded by path so this file compiles whatever it exports.
    const path = join(ROOT, "src", "notify", "settings.ts");
    if (!existsSync(path)) return;
    const notify = (await import(pathToFileURL(path).href)) as { loadNotifySettings?: (env: Record<string, string>) => { email?: unknown } };
    if (typeof notify.loadNotifySettings !== "function") return;
    const acs = { NSPG_EMAIL_ACS_ENDPOINT: "https://acs-nspg-q3k7v2m9x1c5b.unitedstates.communication.azure.com", NSPG_EMAIL_FROM: "DoNotReply@5f2c7e1a.azurecomm.net", AZURE_CLIENT_ID: GUID };
    const smtp = { NSPG_EMAIL_SMTP_HOST: "smtp.example.com", NSPG_EMAIL_SMTP_PORT: "587", NSPG_EMAIL_SMTP_USER: "guardrail", NSPG_EMAIL_SMTP_PASSWORD: "from-key-vault", NSPG_EMAIL_FROM: "guardrail@example.com" };
    for (const env of [acs, smtp]) expect(Object.keys(env).filter((n) => !names.includes(n)), "settings the template does not write").toEqual([]);
    expect(notify.loadNotifySettings(acs).email).toMatchObject({ kind: "acs", endpoint: acs.NSPG_EMAIL_ACS_ENDPOINT, clientId: GUID });
    expect(notify.loadNotifySettings(smtp).email).toMatchObject({ kind: "smtp", host: "smtp.example.com", port: 587, user: "guardrail" });
  });

  it("defaults match the app's: reconcile schedule and re-read hours, and every allowed log level loads", () => {
    const sample = JSON.parse(raw("local.settings.sample.json")) as { Values: Record<string, string> };
    expect(main.parameters["reconcileSchedule"]?.defaultValue).toBe(sample.Values["NSPG_RECONCILE_SCHEDULE"]);
    expect(setting("NSPG_RECONCILE_SCHEDULE")).toBe("parameters('reconcileSchedule')");
    expect(main.parameters["reconcileRereadHours"]).toMatchObject({ type: "int", minValue: 0, maxValue: 720 });
    expect(String(main.parameters["reconcileRereadHours"]?.defaultValue)).toBe(sample.Values["NSPG_RECONCILE_REREAD_HOURS"]);
    expect(setting("NSPG_RECONCILE_REREAD_HOURS")).toBe("string(parameters('reconcileRereadHours'))");
    // The template's bounds are the app's: both ends load, one past the top does not.
    const { minValue, maxValue } = main.parameters["reconcileRereadHours"]!;
    const rereadHours = (hours: number) => loadSettings({ NSPG_SUBSCRIPTION_IDS: SUB, AzureWebJobsStorage__accountName: "x", NSPG_RECONCILE_REREAD_HOURS: String(hours) }).NSPG_RECONCILE_REREAD_HOURS;
    for (const hours of [minValue!, maxValue!]) expect(rereadHours(hours)).toBe(hours);
    expect(() => rereadHours(maxValue! + 1)).toThrow(/^app setting NSPG_RECONCILE_REREAD_HOURS: /);
    const levels = (main.parameters["logLevel"]?.allowedValues ?? []) as string[];
    expect(levels).toContain("info");
    for (const level of levels) expect(loadSettings({ NSPG_SUBSCRIPTION_IDS: SUB, AzureWebJobsStorage__accountName: "x", NSPG_LOG_LEVEL: level }).NSPG_LOG_LEVEL).toBe(level);
  });
});

// ---------------------------------------------------------------------------------------------------
// Readiness and the management group, as the app settings carry them

describe("readiness: the NSP access logs' workspace, read by the app's identity with Log Analytics Reader", () => {
  const setting = (name: string) => appSettings.get(name);
  const logsReader = module(main, "logs-reader");
  const deploymentParameters = logsReader.deployment.properties?.["parameters"] as Record<string, Json>;

  it("NSPG_LOGS_WORKSPACE_ID is the workspace's customer id (the GUID the query API takes), always set", () => {
    expect(setting("NSPG_LOGS_WORKSPACE_ID")).toBe("logs-reader.outputs.customerId");
    // One of the union's own arguments (not under an if): set in every deployment.
    const union = parseExpression(functionApp.params["appSettings"] as string);
    expect(union.kind === "call" && union.name).toBe("union");
    const groups = union.kind === "call" ? union.args.map(printExpr) : [];
    expect(groups).toContain("createObject('NSPG_LOGS_WORKSPACE_ID', logs-reader.outputs.customerId)");
    expect(show(logsReader.template.outputs?.["customerId"]?.value)).toBe("reference(resourceId('Microsoft.OperationalInsights/workspaces', parameters('workspaceName')), '2025-02-01').customerId");
  });

  it("NSPG_LOGS_ENDPOINT only with logsEndpoint; NSPG_MANAGEMENT_GROUP_ID only with managementGroupId", () => {
    expect(setting("NSPG_LOGS_ENDPOINT")).toBe("parameters('logsEndpoint')");
    expect(show(variable(main, "logsEndpointSettings"))).toBe("if(empty(parameters('logsEndpoint')), createObject(), createObject('NSPG_LOGS_ENDPOINT', parameters('logsEndpoint')))");
    expect(setting("NSPG_MANAGEMENT_GROUP_ID")).toBe("parameters('managementGroupId')");
    expect(show(variable(main, "managementGroupSettings"))).toBe("if(empty(parameters('managementGroupId')), createObject(), createObject('NSPG_MANAGEMENT_GROUP_ID', parameters('managementGroupId')))");
    for (const name of ["logsEndpoint", "managementGroupId", "logsWorkspaceResourceId"]) expect(main.parameters[name], name).toMatchObject({ type: "string", defaultValue: "" });
  });

  it("Log Analytics Reader (73c42c96-874c-492b-b04d-ab87d138a893) for the app's identity, scoped to the workspace itself", () => {
    expect(logsReader.template.variables?.["logAnalyticsReaderRoleId"]).toBe("73c42c96-874c-492b-b04d-ab87d138a893");
    const assignments = logsReader.template.resources.filter((r) => r.type === "Microsoft.Authorization/roleAssignments");
    expect(assignments).toHaveLength(1);
    const assignment = assignments[0]!;
    expect(show(assignment.scope)).toBe("resourceId('Microsoft.OperationalInsights/workspaces', parameters('workspaceName'))");
    expect(assignment.properties).toEqual({
      roleDefinitionId: "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('logAnalyticsReaderRoleId'))]",
      principalId: "[parameters('principalId')]",
      principalType: "ServicePrincipal",
    });
    expect(show((deploymentParameters["principalId"] as Record<string, Json>)["value"])).toBe("identity.outputs.principalId");
  });

  it("the workspace: the guardrail's own by default, else the one logsWorkspaceResourceId names, in its own subscription and resource group", () => {
    // /subscriptions/{2}/resourceGroups/{4}/providers/Microsoft.OperationalInsights/workspaces/{8}, the own one spelled out.
    expect(show(variable(main, "logsWorkspaceIdSegments"))).toBe(
      `split(if(empty(parameters('logsWorkspaceResourceId')), format('/subscriptions/{0}/resourceGroups/{1}/providers/Microsoft.OperationalInsights/workspaces/{2}', subscription().subscriptionId, ${show(resource(main, "Microsoft.Resources/resourceGroups").name)}, variables('logAnalyticsName')), parameters('logsWorkspaceResourceId')), '/')`,
    );
    expect(show(module(main, "log-analytics").params["name"])).toBe("variables('logAnalyticsName')");
    const id = "/subscriptions/5f2c7e1a-3b4d-4c8e-9a60-1d2e3f405162/resourceGroups/rg-soc/providers/Microsoft.OperationalInsights/workspaces/log-soc".split("/");
    expect([id[2], id[4], id.at(-1)]).toEqual([SUB, "rg-soc", "log-soc"]);
    expect(show(logsReader.deployment.subscriptionId)).toBe("variables('logsWorkspaceIdSegments')[2]");
    expect(show(logsReader.deployment.resourceGroup)).toBe("variables('logsWorkspaceIdSegments')[4]");
    expect(show((deploymentParameters["workspaceName"] as Record<string, Json>)["value"])).toBe("last(variables('logsWorkspaceIdSegments'))");
    // Named, not referenced: the own workspace is created first.
    expect((logsReader.deployment.dependsOn ?? []).map((d) => show(d)).some((d) => String(d).includes("'Microsoft.Resources/deployments', 'log-analytics')"))).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------
// Template conventions

describe("infra/main.bicep conventions (azd), as compiled", () => {
  it("subscription scope, environmentName/location, resourceToken, the azd-env-name and azd-service-name tags", () => {
    expect(main.$schema).toMatch(/\/subscriptionDeploymentTemplate\.json#$/);
    for (const name of ["environmentName", "location"]) {
      expect(main.parameters[name], name).toMatchObject({ type: "string" });
      expect(main.parameters[name]?.defaultValue, name).toBeUndefined();
    }
    expect(show(main.variables?.["resourceToken"])).toBe("toLower(uniqueString(subscription().id, parameters('environmentName'), parameters('location')))");
    expect(main.variables?.["tags"]).toEqual({ "azd-env-name": "[parameters('environmentName')]" });
    expect(show(functionApp.params["tags"])).toBe("union(variables('tags'), createObject('azd-service-name', 'api'))");
    expect(show(resource(functionApp.template, "Microsoft.Web/sites").tags)).toBe("parameters('tags')");
  });

  it("outputs are UPPER_SNAKE and include what azd and the README use", () => {
    const outputs = Object.keys(main.outputs ?? {});
    expect(outputs.filter((o) => !/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/.test(o))).toEqual([]);
    expect(outputs).toEqual(expect.arrayContaining(["AZURE_FUNCTION_APP_NAME", "AZURE_RESOURCE_GROUP", "AZURE_LOCATION", "AZURE_TENANT_ID", "AZURE_KEY_VAULT_NAME"]));
    expect(show(main.outputs?.["SERVICE_API_NAME"]?.value)).toBe("function-app.outputs.name");
  });

  it("every module is local: no registry reference in the Bicep, every module inlined in the template", () => {
    for (const file of bicepFiles) expect(raw(file), file).not.toMatch(/'br[:/]|'ts[:/]/);
    const templates = allTemplates(main);
    expect(templates.length).toBeGreaterThan(10);
    for (const { template } of templates) {
      for (const r of template.resources.filter((x) => x.type === "Microsoft.Resources/deployments")) {
        expect(r.properties?.["templateLink"], String(r.name)).toBeUndefined();
        expect(r.properties?.["template"], String(r.name)).toBeDefined();
      }
    }
  });

  it("every resource names an api-version, and the perimeter types use 2025-05-01 or newer", () => {
    for (const { path, template } of allTemplates(main)) {
      for (const r of template.resources) {
        expect(r.apiVersion, `${path}: ${r.type}`).toMatch(/^\d{4}-\d{2}-\d{2}(?:-preview)?$/);
        if (r.type.startsWith("Microsoft.Network/networkSecurityPerimeters")) expect(r.apiVersion! >= "2025-05-01", r.type).toBe(true);
      }
    }
  });

  it("Flex Consumption (FC1), Linux, Node.js 22, deployment package read with the user-assigned identity", () => {
    const plan = resource(module(main, "app-service-plan").template, "Microsoft.Web/serverfarms");
    expect(plan.sku).toEqual({ name: "FC1", tier: "FlexConsumption" });
    expect(plan.properties?.["reserved"]).toBe(true);
    expect(show(functionApp.params["planResourceId"])).toBe("app-service-plan.outputs.resourceId");
    const site = resource(functionApp.template, "Microsoft.Web/sites");
    expect(site.kind).toBe("functionapp,linux");
    expect(show(site.properties?.["serverFarmId"])).toBe("parameters('planResourceId')");
    const config = site.properties?.["functionAppConfig"] as Record<string, Record<string, Json>>;
    expect(config["runtime"]).toEqual({ name: "node", version: "[parameters('nodeVersion')]" });
    expect(functionApp.params["nodeVersion"]).toBe("22");
    expect(config["scaleAndConcurrency"]).toEqual({ instanceMemoryMB: "[parameters('instanceMemoryMB')]", maximumInstanceCount: "[parameters('maximumInstanceCount')]" });
    expect(show(functionApp.params["instanceMemoryMB"])).toBe("parameters('instanceMemoryMB')");
    expect(config["deployment"]).toEqual({
      storage: {
        type: "blobContainer",
        value: "[parameters('deploymentContainerUrl')]",
        authentication: { type: "UserAssignedIdentity", userAssignedIdentityResourceId: "[parameters('identityResourceId')]" },
      },
    });
    expect(show(functionApp.params["deploymentContainerUrl"])).toBe("format('{0}{1}', storage.outputs.blobEndpoint, variables('deploymentContainerName'))");
    expect(site.identity).toEqual({ type: "UserAssigned", userAssignedIdentities: { "[format('{0}', parameters('identityResourceId'))]": {} } });
  });

  it("the site: HTTPS only, TLS 1.2 or later, no FTP, no basic publishing credentials, logs and metrics to the workspace", () => {
    const site = resource(functionApp.template, "Microsoft.Web/sites");
    expect(site.properties?.["httpsOnly"]).toBe(true);
    expect(site.properties?.["siteConfig"]).toMatchObject({ minTlsVersion: "1.2", scmMinTlsVersion: "1.2", ftpsState: "Disabled" });
    const credentials = functionApp.template.resources.filter((r) => r.type === "Microsoft.Web/sites/basicPublishingCredentialsPolicies");
    expect(credentials.map((r) => show(r.name)).sort()).toEqual(["format('{0}/{1}', parameters('name'), 'ftp')", "format('{0}/{1}', parameters('name'), 'scm')"]);
    for (const c of credentials) expect(c.properties).toEqual({ allow: false });
    const diagnostics = resource(functionApp.template, "Microsoft.Insights/diagnosticSettings");
    expect(show(diagnostics.scope)).toBe("resourceId('Microsoft.Web/sites', parameters('name'))");
    expect(diagnostics.properties?.["logs"]).toEqual([{ categoryGroup: "allLogs", enabled: true }]);
    expect(diagnostics.properties?.["metrics"]).toEqual([{ category: "AllMetrics", enabled: true }]);
    expect(show(functionApp.params["workspaceResourceId"])).toBe("log-analytics.outputs.resourceId");
  });

  it("monitoring: Application Insights on the workspace with local auth off, the identity publishes; the workspace audits itself", () => {
    const insights = module(main, "application-insights");
    const component = resource(insights.template, "Microsoft.Insights/components");
    expect(component.properties).toMatchObject({ Application_Type: "web", DisableLocalAuth: true, WorkspaceResourceId: "[parameters('workspaceResourceId')]" });
    expect(show(insights.params["workspaceResourceId"])).toBe("log-analytics.outputs.resourceId");
    const rbac = module(main, "monitoring-rbac");
    expect(show(rbac.params["principalId"])).toBe("identity.outputs.principalId");
    expect(JSON.stringify(rbac.template)).toContain("3913510d-42f4-4e42-8a64-420c390055eb"); // Monitoring Metrics Publisher
    const workspace = module(main, "log-analytics");
    const audit = resource(workspace.template, "Microsoft.Insights/diagnosticSettings");
    expect(audit.properties).toMatchObject({ logs: [{ category: "Audit", enabled: true }] });
    const identity = resource(module(main, "identity").template, "Microsoft.ManagedIdentity/userAssignedIdentities");
    expect(show(identity.tags)).toBe("parameters('tags')");
  });

  it("storage: Shared Key off everywhere, the identity gets Blob Data Owner, Queue and Table Data Contributor", () => {
    const storage = module(main, "storage");
    const accounts = allTemplates(main).flatMap(({ template }) => template.resources.filter((r) => r.type === "Microsoft.Storage/storageAccounts"));
    expect(accounts).toHaveLength(1);
    for (const a of accounts) expect(a.properties).toMatchObject({ allowSharedKeyAccess: false, minimumTlsVersion: "TLS1_2", supportsHttpsTrafficOnly: true });
    expect(show(storage.params["principalId"])).toBe("identity.outputs.principalId");
    const roles = storage.template.variables?.["dataRoleIds"];
    expect(roles).toEqual(["b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "974c5e8b-45b9-4653-ba55-5f855dd0fb88", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"]);
  });

  it("the queues the template creates are the ones the app uses", () => {
    expect(show(module(main, "storage").params["queueNames"])).toBe("variables('queueNames')");
    expect([...(variable(main, "queueNames") as string[])].sort()).toEqual([EVALUATION_QUEUE, POISON_QUEUE, EVENT_POISON_QUEUE].sort());
  });

  it("azure.yaml: service api, TypeScript, Azure Functions, project root; the hook that adds the event subscriptions", () => {
    const azd = parseYaml(raw("azure.yaml")) as {
      services: Record<string, { project: string; language: string; host: string; dist?: string; hooks?: Record<string, { posix?: { run: string } }> }>;
      infra?: { provider?: string; path?: string; module?: string };
      hooks?: Record<string, { posix?: { run: string }; windows?: { run: string } }>;
    };
    const { hooks: serviceHooks, ...service } = azd.services["api"]!;
    expect(service).toEqual({ project: ".", language: "ts", host: "function", dist: ".package" });
    // The zip azd deploys is the esbuild bundle `npm run package` writes to .package/.
    expect(serviceHooks?.["prepackage"]?.posix?.run).toBe("npm run package");
    // azd compiles infra/main.bicep with infra/main.bicepparam (the module's name + .bicepparam).
    expect(azd.infra).toEqual({ provider: "bicep", path: "infra", module: "main" });
    expect(existsSync(join(ROOT, "infra", "main.bicepparam"))).toBe(true);
    expect(existsSync(join(ROOT, "infra", "main.parameters.json")), "one parameters file: main.bicepparam").toBe(false);
    const hook = azd.hooks?.["postdeploy"];
    for (const run of [hook?.posix?.run, hook?.windows?.run]) {
      expect(run).toContain("azd env set NSPG_DEPLOY_EVENT_SUBSCRIPTIONS true");
      expect(run).toContain("azd provision --no-prompt");
    }
  });

  it(".github/workflows/ci.yml: tests on Node.js 22, the Bicep check, azd provision --preview on pull requests with OIDC", () => {
    const text = raw(".github/workflows/ci.yml");
    const workflow = parseYaml(text) as { on: Record<string, unknown>; jobs: Record<string, { if?: string; permissions?: Record<string, string>; steps: { run?: string; uses?: string; with?: Record<string, unknown> }[] }> };
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(["push", "pull_request"]));
    const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
    const runs = steps.map((s) => s.run ?? "");
    expect(runs).toEqual(expect.arrayContaining(["npm ci", "npm test", "npm run infra:check"]));
    const nodeVersions = steps.filter((s) => s.uses?.startsWith("actions/setup-node@")).map((s) => s.with?.["node-version"]);
    expect(nodeVersions.length).toBeGreaterThan(0);
    for (const v of nodeVersions) expect(v).toBe(22);
    const preview = workflow.jobs["preview"]!;
    expect(preview.if).toContain("github.event_name == 'pull_request'");
    expect(preview.permissions?.["id-token"]).toBe("write");
    expect(preview.steps.some((s) => s.uses?.startsWith("azure/login@"))).toBe(true);
    expect(preview.steps.some((s) => s.run?.includes("azd provision --preview"))).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------
// The real compiler, when this machine has it (dotnet): the committed template is current, nothing
// to warn about, and main.bicepparam maps the azd environment onto the template's parameters.

const compilerMissing = whyUnavailable();
if (compilerMissing) console.warn(`test/infra/bicep.test.ts: the Bicep compiler tests are skipped: ${compilerMissing}`);

describe.skipIf(compilerMissing !== undefined)(`the Bicep compiler${compilerMissing ? ` (skipped: ${compilerMissing})` : ""}`, () => {
  let compiler = "";
  let compilation: Compilation;
  beforeAll(() => {
    const obtained = obtainCompiler();
    if ("unavailable" in obtained) throw new Error(obtained.unavailable);
    compiler = obtained.path;
    compilation = compileInfra(compiler);
  }, 300_000);

  it("compiles and lints infra/ with no error and no warning", () => {
    expect(compilation.version).toMatch(/^Bicep CLI version \d+\.\d+\.\d+/);
    expect(compilation.diagnostics.map((d) => `${d.file}(${d.line},${d.column}) ${d.level} ${d.code}: ${d.message}`)).toEqual([]);
  });

  it("infra/compiled/main.json is what the compiler emits (run `npm run infra:build` after changing infra/)", () => {
    expect(compilation.templateText).toBeDefined();
    expect(committedTemplateText() === compilation.templateText, "infra/compiled/main.json is stale: npm run infra:build").toBe(true);
  });

  it("every file of infra/compiled/ is what the compiler emits: main, management-group, and the watched-subscription template the policy deploys", () => {
    expect(compilation.templates.map((t) => t.compiled).sort()).toEqual(
      readdirSync(join(ROOT, "infra", "compiled")).filter((f) => f.endsWith(".json")).map((f) => `infra/compiled/${f}`).sort(),
    );
    for (const t of compilation.templates) {
      expect(t.text, t.source).toBeDefined();
      expect(committedTemplateText(t.compiled) === t.text, `${t.compiled} is stale: npm run infra:build`).toBe(true);
    }
  });

  it("main.bicepparam gives every required parameter and, with the azd environment unset, the template's defaults", () => {
    const parameters = compilation.parameters!;
    const values = Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, v.value]));
    expect(Object.keys(values).filter((k) => !(k in main.parameters)), "unknown parameters").toEqual([]);
    const required = Object.entries(main.parameters).filter(([, p]) => p.defaultValue === undefined).map(([k]) => k);
    expect(required.filter((k) => !(k in values)), "required parameters missing").toEqual([]);
    expect(values["environmentName"]).toBe(SAMPLE_ENVIRONMENT["AZURE_ENV_NAME"]);
    expect(values["location"]).toBe(SAMPLE_ENVIRONMENT["AZURE_LOCATION"]);
    // The first `azd up` provisions before the code exists: the event subscriptions wait for the postdeploy hook.
    expect(values["deployEventSubscriptions"]).toBe(false);
    for (const [name, value] of Object.entries(values)) {
      if (required.includes(name) || name === "deployEventSubscriptions") continue;
      expect(value, `${name}: the template's default when the azd environment does not set it`).toEqual(main.parameters[name]?.defaultValue);
    }
  });

  it("main.bicepparam maps the azd environment: booleans, numbers and the access mode typed as the template wants", () => {
    const environment = {
      ...SAMPLE_ENVIRONMENT,
      NSPG_DEPLOY_EVENT_SUBSCRIPTIONS: "true",
      NSPG_PERIMETER_ACCESS_MODE: "Learning",
      NSPG_ENABLE_EMAIL: "true",
      NSPG_EMAIL_SMTP_PORT: "2525",
      NSPG_ADDITIONAL_SUBSCRIPTION_IDS: `${GUID},${SUB}`,
      AZURE_RESOURCE_GROUP: "rg-guardrail",
      NSPG_MANAGEMENT_GROUP_ID: "mg-security",
      NSPG_LOGS_WORKSPACE_RESOURCE_ID: "/subscriptions/5f2c7e1a-3b4d-4c8e-9a60-1d2e3f405162/resourceGroups/rg-soc/providers/Microsoft.OperationalInsights/workspaces/log-soc",
      NSPG_LOGS_ENDPOINT: "https://api.loganalytics.azure.cn/v1",
    };
    const { parameters, diagnostics } = buildParameters(compiler, environment);
    expect(diagnostics).toEqual([]);
    const values = Object.fromEntries(Object.entries(parameters!).map(([k, v]) => [k, v.value]));
    expect(values).toMatchObject({
      deployEventSubscriptions: true,
      perimeterAccessMode: "Learning",
      enableEmail: true,
      smtpPort: 2525,
      additionalSubscriptionIdsCsv: `${GUID},${SUB}`,
      resourceGroupName: "rg-guardrail",
      managementGroupId: "mg-security",
      logsWorkspaceResourceId: environment.NSPG_LOGS_WORKSPACE_RESOURCE_ID,
      logsEndpoint: "https://api.loganalytics.azure.cn/v1",
    });
    // An access mode the template does not allow is a compile error, not a deployment that fails later.
    const wrong = buildParameters(compiler, { ...SAMPLE_ENVIRONMENT, NSPG_PERIMETER_ACCESS_MODE: "Open" });
    expect(wrong.parameters).toBeUndefined();
    expect(wrong.diagnostics.map((d) => `${d.file} ${d.level} ${d.code}`)).toEqual(["infra/main.bicepparam Error BCP033"]);
  });

  it("management-group.bicepparam gives management-group.bicep every required parameter from main.bicep's azd outputs", () => {
    const values = Object.fromEntries(Object.entries(compilation.managementGroupParameters!).map(([k, v]) => [k, v.value]));
    const group = loadCompiledTemplate("management-group.json");
    expect(Object.keys(values).filter((k) => !(k in group.parameters)), "unknown parameters").toEqual([]);
    const required = Object.entries(group.parameters).filter(([, p]) => p.defaultValue === undefined).map(([k]) => k);
    expect(required.filter((k) => !(k in values)), "required parameters missing").toEqual([]);
    expect(values).toMatchObject({
      environmentName: MANAGEMENT_GROUP_SAMPLE_ENVIRONMENT["AZURE_ENV_NAME"],
      location: MANAGEMENT_GROUP_SAMPLE_ENVIRONMENT["AZURE_LOCATION"],
      principalId: MANAGEMENT_GROUP_SAMPLE_ENVIRONMENT["AZURE_USER_ASSIGNED_IDENTITY_PRINCIPAL_ID"],
      identityResourceId: MANAGEMENT_GROUP_SAMPLE_ENVIRONMENT["AZURE_USER_ASSIGNED_IDENTITY_ID"],
      functionAppResourceId: MANAGEMENT_GROUP_SAMPLE_ENVIRONMENT["AZURE_FUNCTION_APP_ID"],
      deadLetterStorageAccountId: MANAGEMENT_GROUP_SAMPLE_ENVIRONMENT["AZURE_STORAGE_ACCOUNT_ID"],
      deadLetterContainerName: MANAGEMENT_GROUP_SAMPLE_ENVIRONMENT["AZURE_DEAD_LETTER_CONTAINER_NAME"],
      effect: "DeployIfNotExists",
    });
  });
});

// ---------------------------------------------------------------------------------------------------
// Generated inputs: the event filters and the custom role, as the template carries them

interface EventFilters {
  includedEventTypes: string[];
  advancedFilters: { operatorType: string; key: string; values: string[] }[];
}
interface RoleDefinitionJson {
  roleName: string;
  description: string;
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

const ownWatch = module(main, "format('nspg-watch-{0}', subscription().subscriptionId)");
const extraWatch = module(main, "format('nspg-watch-{0}', variables('extraSubscriptionIds')[copyIndex()])");
const resourceEvents = (watch: typeof ownWatch) => module(watch.template, "nspg-resource-events");

describe("Event Grid: system topic per watched subscription, filters from infra/event-filters.json", () => {
  const filters = JSON.parse(raw("infra/event-filters.json")) as EventFilters;

  it("the template carries event-filters.json as it is, and every watched subscription's event subscription uses it", () => {
    expect(variable(main, "eventFilters"), "infra/compiled/main.json is stale: npm run infra:build").toEqual(filters);
    for (const watch of [ownWatch, extraWatch]) {
      expect(show(watch.params["eventFilters"])).toBe("variables('eventFilters')");
      const events = resourceEvents(watch);
      expect(show(events.params["eventFilters"])).toBe("parameters('eventFilters')");
      const subscription = resource(events.template, "Microsoft.EventGrid/systemTopics/eventSubscriptions");
      const filter = subscription.properties?.["filter"] as Record<string, Json>;
      expect(filter).toEqual({
        includedEventTypes: "[parameters('eventFilters').includedEventTypes]",
        advancedFilters: "[parameters('eventFilters').advancedFilters]",
        enableAdvancedFilteringOnArrays: false,
      });
    }
  });

  it("event-filters.json has the expected shape and stays within 25 advanced filters and 25 values", () => {
    // Keys starting with `$` or `_` are left to the generator (a schema, a note); the template reads only these two.
    expect(Object.keys(filters).filter((k) => !/^[$_]/.test(k)).sort()).toEqual(["advancedFilters", "includedEventTypes"]);
    expect(filters.includedEventTypes.length).toBeGreaterThan(0);
    for (const type of filters.includedEventTypes) expect(type).toMatch(/^Microsoft\.Resources\.Resource(Write|Delete|Action)(Success|Failure|Cancel)$/);
    expect(filters.advancedFilters.length).toBeLessThanOrEqual(25);
    expect(filters.advancedFilters.reduce((n, f) => n + f.values.length, 0)).toBeLessThanOrEqual(25);
    for (const f of filters.advancedFilters) {
      expect(typeof f.operatorType).toBe("string");
      expect(f.key).toMatch(/^(data\.[A-Za-z]+(\.[A-Za-z]+)*|subject|eventType|id|topic|dataVersion)$/);
      expect(f.values.length).toBeGreaterThan(0);
      for (const v of f.values) expect(v.length).toBeLessThanOrEqual(512);
    }
  });

  it("the system topic is the subscription's (global), delivering to onResourceEvent with retries and a dead-letter container", () => {
    const events = resourceEvents(ownWatch);
    const topic = resource(events.template, "Microsoft.EventGrid/systemTopics");
    expect(topic.location).toBe("global");
    expect(topic.properties).toEqual({ source: "[subscription().id]", topicType: "Microsoft.Resources.Subscriptions" });
    expect((topic.identity as Record<string, Json>)["type"]).toBe("UserAssigned");
    const subscription = resource(events.template, "Microsoft.EventGrid/systemTopics/eventSubscriptions");
    expect(show(subscription.condition)).toBe("parameters('deployEventSubscription')");
    const p = subscription.properties as Record<string, Record<string, Json>>;
    expect(p["destination"]).toMatchObject({ endpointType: "AzureFunction", properties: { resourceId: "[parameters('functionResourceId')]" } });
    expect(show(ownWatch.params["functionResourceId"])).toBe("format('{0}/functions/onResourceEvent', function-app.outputs.resourceId)");
    expect(raw("functions/onResourceEvent.ts")).toMatch(/app\.eventGrid\("onResourceEvent"/);
    expect(p["retryPolicy"]).toEqual({ maxDeliveryAttempts: "[parameters('maxDeliveryAttempts')]", eventTimeToLiveInMinutes: "[parameters('eventTimeToLiveInMinutes')]" });
    expect(show(ownWatch.params["maxDeliveryAttempts"])).toBe("parameters('maxDeliveryAttempts')");
    expect(main.parameters["maxDeliveryAttempts"]?.defaultValue).toBe(30);
    expect(main.parameters["eventTimeToLiveInMinutes"]?.defaultValue).toBe(1440);
    expect(p["deadLetterWithResourceIdentity"]).toEqual({
      identity: { type: "UserAssigned", userAssignedIdentity: "[parameters('identityResourceId')]" },
      deadLetterDestination: { endpointType: "StorageBlob", properties: { resourceId: "[parameters('deadLetterStorageAccountId')]", blobContainerName: "[parameters('deadLetterContainerName')]" } },
    });
    expect(show(ownWatch.params["deadLetterStorageAccountId"])).toBe("storage.outputs.resourceId");
    expect(show(ownWatch.params["deployEventSubscription"])).toBe("parameters('deployEventSubscriptions')");
  });

  it("several subscriptions: one watched-subscription deployment per extra subscription, in it, all feeding the one app", () => {
    expect(main.parameters["additionalSubscriptionIds"]).toMatchObject({ type: "array", defaultValue: [] });
    expect(show(extraWatch.deployment.copy?.count)).toBe("length(variables('extraSubscriptionIds'))");
    expect(show(extraWatch.deployment.subscriptionId)).toBe("variables('extraSubscriptionIds')[copyIndex()]");
    expect(extraWatch.params["createResourceGroup"]).toBe(true);
    expect(ownWatch.params["createResourceGroup"]).toBe(false);
    expect(show(extraWatch.params["functionResourceId"])).toBe(show(ownWatch.params["functionResourceId"]));
    expect(appSettings.get("NSPG_SUBSCRIPTION_IDS")).toBe("join(variables('watchedSubscriptionIds'), ',')");
  });
});

describe("the custom role from infra/role-definition.json, plus Reader, at subscription scope", () => {
  const role = JSON.parse(raw("infra/role-definition.json")) as RoleDefinitionJson;

  it("the template carries role-definition.json as it is, in a role definition assignable in every watched subscription", () => {
    expect(variable(main, "roleDefinition"), "infra/compiled/main.json is stale: npm run infra:build").toEqual(role);
    const definition = resource(main, "Microsoft.Authorization/roleDefinitions");
    expect(definition.properties?.["permissions"]).toEqual([
      {
        actions: "[variables('roleDefinition').actions]",
        notActions: "[variables('roleDefinition').notActions]",
        dataActions: "[variables('roleDefinition').dataActions]",
        notDataActions: "[variables('roleDefinition').notDataActions]",
      },
    ]);
    expect(definition.properties?.["type"]).toBe("CustomRole");
    expect(show(definition.properties?.["assignableScopes"])).toBe("map(variables('watchedSubscriptionIds'), lambda('id', format('/subscriptions/{0}', lambdaVariables('id'))))");
  });

  it("role-definition.json has the expected shape and no write-everything wildcard", () => {
    expect(Object.keys(role).filter((k) => !/^[$_]/.test(k)).sort()).toEqual(["actions", "dataActions", "description", "notActions", "notDataActions", "roleName"]);
    expect(role.roleName.length).toBeGreaterThan(0);
    expect(role.actions.length).toBeGreaterThan(0);
    for (const action of role.actions) {
      expect(action).toMatch(/^Microsoft\.[A-Za-z]+\/[A-Za-z0-9/*.]+$/);
      expect(action.endsWith("/*") || action === "*", action).toBe(false);
    }
    for (const key of ["notActions", "dataActions", "notDataActions"] as const) expect(Array.isArray(role[key])).toBe(true);
  });

  it("each watched subscription assigns Reader and the custom role to the app's identity", () => {
    const definition = resource(main, "Microsoft.Authorization/roleDefinitions");
    for (const watch of [ownWatch, extraWatch]) {
      expect(watch.template.$schema).toMatch(/\/subscriptionDeploymentTemplate\.json#$/);
      expect(watch.template.variables?.["readerRoleId"]).toBe("acdd72a7-3385-48ef-bd42-f606fba81ae7");
      const assignments = watch.template.resources.filter((r) => r.type === "Microsoft.Authorization/roleAssignments");
      expect(assignments.map((a) => show(a.properties?.["roleDefinitionId"])).sort()).toEqual([
        "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', parameters('guardrailRoleDefinitionName'))",
        "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('readerRoleId'))",
      ]);
      for (const a of assignments) expect(a.properties).toMatchObject({ principalId: "[parameters('principalId')]", principalType: "ServicePrincipal" });
      expect(show(watch.params["guardrailRoleDefinitionName"])).toBe(show(definition.name));
      expect(show(watch.params["principalId"])).toBe("identity.outputs.principalId");
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// The guardrail's own perimeter passes the guardrail's own rules

const ownEstate = JSON.parse(raw("test/fixtures/estates/guardrail-own.json")) as { resources: ArmResource[] };
const byType = (type: string) => ownEstate.resources.filter((r) => r.type.toLowerCase() === type.toLowerCase());
const one = (type: string) => {
  const found = byType(type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
};
const props = (r: ArmResource) => r.properties as Record<string, unknown>;

describe("the guardrail's own perimeter (test/fixtures/estates/guardrail-own.json, against the compiled template)", () => {
  const perimeter = module(main, "perimeter");
  const templateProps = (template: ArmTemplate, type: string) => resource(template, type).properties as Record<string, Json>;

  it("has zero findings under the default policy and with its subscription trusted", () => {
    for (const policy of [undefined, validatePolicy({ trustedSubscriptions: [SUB] }, "policy", RULE_IDS)]) {
      const result = evaluateEstate(new Estate(ownEstate.resources), { now: new Date("2026-11-23T00:00:00Z"), ...(policy ? { policy } : {}) });
      expect({ perimeters: result.perimeters, associations: result.associations }).toEqual({ perimeters: 1, associations: 3 });
      expect(result.findings.map((f) => `${f.ruleId}: ${f.message}`)).toEqual([]);
    }
  });

  it("is a meaningful test: Shared Key back on, or a trusted-service bypass, is found", () => {
    const flip = (patch: Record<string, unknown>) =>
      ownEstate.resources.map((r) => (r.type === "Microsoft.Storage/storageAccounts" ? { ...r, properties: { ...props(r), ...patch } } : r));
    const sharedKey = evaluateEstate(new Estate(flip({ allowSharedKeyAccess: null })), { now: new Date("2026-11-23T00:00:00Z") });
    expect(sharedKey.findings.map((f) => f.ruleId)).toEqual(["storage-shared-key-subscription-rule"]);
    const bypass = evaluateEstate(new Estate(flip({ networkAcls: { defaultAction: "Deny", bypass: "AzureServices" } })), { now: new Date("2026-11-23T00:00:00Z") });
    expect(bypass.findings.map((f) => f.ruleId)).toEqual(["storage-trusted-services"]);
  });

  it("storage mirrors the template's storage account", () => {
    const storage = module(main, "storage");
    const account = resource(storage.template, "Microsoft.Storage/storageAccounts");
    const p = account.properties as Record<string, Json>;
    const fixture = one("Microsoft.Storage/storageAccounts");
    const f = props(fixture);
    expect(show(storage.params["name"])).toBe("format('stnspg{0}', variables('resourceToken'))");
    expect(fixture.name).toMatch(/^stnspg/);
    for (const key of ["allowSharedKeyAccess", "isSftpEnabled", "isNfsV3Enabled", "isLocalUserEnabled", "isHnsEnabled", "allowBlobPublicAccess", "defaultToOAuthAuthentication", "publicNetworkAccess", "minimumTlsVersion"]) {
      expect(f[key], key).toBe(p[key]);
    }
    expect(fixture.kind).toBe(account.kind);
    const acls = p["networkAcls"] as Record<string, Json>;
    const fixtureAcls = f["networkAcls"] as Record<string, unknown>;
    for (const key of ["bypass", "defaultAction"]) expect(fixtureAcls[key], key).toBe(acls[key]);
    for (const key of ["ipRules", "virtualNetworkRules", "resourceAccessRules"]) {
      expect(acls[key], key).toEqual([]);
      expect(fixtureAcls[key], key).toEqual([]);
    }
    expect((f["encryption"] as Record<string, unknown>)["keySource"]).toBe((p["encryption"] as Record<string, Json>)["keySource"]);
    // Nothing in the template creates what the storage rules flag (file shares, policies, replication, local users).
    const types = allTemplates(main).flatMap(({ template }) => template.resources.map((r) => r.type));
    expect(types.filter((t) => /fileServices|managementPolicies|inventoryPolicies|objectReplicationPolicies|localUsers/.test(t))).toEqual([]);
  });

  it("key vault mirrors the template's vault", () => {
    const keyVault = module(main, "key-vault");
    const vault = templateProps(keyVault.template, "Microsoft.KeyVault/vaults");
    const p = props(one("Microsoft.KeyVault/vaults"));
    expect(p["enableRbacAuthorization"]).toBe(vault["enableRbacAuthorization"]);
    expect(p["publicNetworkAccess"]).toBe(vault["publicNetworkAccess"]);
    const acls = p["networkAcls"] as Record<string, unknown>;
    const templateAcls = vault["networkAcls"] as Record<string, Json>;
    expect(acls["bypass"]).toBe(templateAcls["bypass"]);
    expect(acls["defaultAction"]).toBe(templateAcls["defaultAction"]);
    expect(show(keyVault.params["name"])).toBe("format('kv-nspg-{0}', variables('resourceToken'))");
    expect(one("Microsoft.KeyVault/vaults").name).toMatch(/^kv-nspg-/);
  });

  it("perimeter, profile, subscription rule, associations and access logs mirror the template's perimeter module", () => {
    const nsp = one("Microsoft.Network/networkSecurityPerimeters");
    expect(nsp.name).toMatch(/^nsp-nspg-/);
    expect(show(perimeter.params["name"])).toBe("format('nsp-nspg-{0}', variables('resourceToken'))");
    const profileName = perimeter.template.variables?.["profileName"];
    expect(one("Microsoft.Network/networkSecurityPerimeters/profiles").name).toBe(profileName);
    expect(show(resource(perimeter.template, "Microsoft.Network/networkSecurityPerimeters/profiles").name)).toBe("format('{0}/{1}', parameters('name'), variables('profileName'))");

    // The only inbound rule admits the guardrail's own subscription (operatorIpRanges defaults to none).
    const rule = one("Microsoft.Network/networkSecurityPerimeters/profiles/accessRules");
    const rules = perimeter.template.resources.filter((r) => r.type === "Microsoft.Network/networkSecurityPerimeters/profiles/accessRules");
    const subscriptionRule = rules.find((r) => r.condition === undefined)!;
    expect(show(subscriptionRule.name)).toBe(`format('{0}/{1}/{2}', parameters('name'), variables('profileName'), '${rule.name}')`);
    expect(props(rule)["direction"]).toBe(subscriptionRule.properties?.["direction"]);
    expect(subscriptionRule.properties?.["copy"]).toEqual([
      { name: "subscriptions", count: "[length(parameters('allowedSubscriptionIds'))]", input: { id: "[format('/subscriptions/{0}', parameters('allowedSubscriptionIds')[copyIndex('subscriptions')])]" } },
    ]);
    expect(perimeter.params["allowedSubscriptionIds"]).toEqual(["[subscription().subscriptionId]"]);
    expect(props(rule)["subscriptions"]).toEqual([{ id: `/subscriptions/${SUB}` }]);
    expect(props(rule)["addressPrefixes"]).toEqual([]);
    const operatorRule = rules.find((r) => r.condition !== undefined)!;
    expect(show(operatorRule.condition)).toBe("not(empty(parameters('operatorIpRanges')))");
    expect(main.parameters["operatorIpRanges"]?.defaultValue).toEqual([]);

    // Associations: storage, key vault, workspace, in the template's default access mode.
    const members = (perimeter.params["members"] as { name: string; resourceId: string }[]).map((m) => ({ name: m.name, resourceId: show(m.resourceId) }));
    expect(members).toEqual([
      { name: "storage", resourceId: "storage.outputs.resourceId" },
      { name: "key-vault", resourceId: "key-vault.outputs.resourceId" },
      { name: "log-analytics", resourceId: "log-analytics.outputs.resourceId" },
    ]);
    const associations = byType("Microsoft.Network/networkSecurityPerimeters/resourceAssociations");
    expect(associations.map((a) => a.name)).toEqual(members.map((m) => m.name));
    const memberTypes = associations.map((a) => (props(a)["privateLinkResource"] as { id: string }).id.split("/providers/")[1]!.split("/").slice(0, 2).join("/"));
    expect(memberTypes).toEqual(["Microsoft.Storage/storageAccounts", "Microsoft.KeyVault/vaults", "Microsoft.OperationalInsights/workspaces"]);
    const associationTemplate = resource(perimeter.template, "Microsoft.Network/networkSecurityPerimeters/resourceAssociations");
    expect(associationTemplate.properties?.["accessMode"]).toBe("[parameters('accessMode')]");
    expect(show(perimeter.params["accessMode"])).toBe("parameters('perimeterAccessMode')");
    expect(perimeter.template.parameters["accessMode"]?.defaultValue).toBe("Enforced");
    expect(main.parameters["perimeterAccessMode"]?.defaultValue).toBe("Enforced");
    for (const a of associations) expect(props(a)["accessMode"]).toBe("Enforced");

    // Access logs to the workspace, which is a member of the same perimeter.
    const logs = one("Microsoft.Insights/diagnosticSettings");
    const logsTemplate = resource(perimeter.template, "Microsoft.Insights/diagnosticSettings");
    expect(logs.name).toBe(logsTemplate.name);
    expect(show(logsTemplate.scope)).toBe("resourceId('Microsoft.Network/networkSecurityPerimeters', parameters('name'))");
    expect(logsTemplate.properties?.["workspaceId"]).toBe("[parameters('workspaceResourceId')]");
    expect(show(perimeter.params["workspaceResourceId"])).toBe("log-analytics.outputs.resourceId");
    expect(props(logs)["logs"]).toEqual(logsTemplate.properties?.["logs"]);
    expect(props(logs)["workspaceId"]).toBe(one("Microsoft.OperationalInsights/workspaces").id);
  });
});
