/**
 * Many subscriptions through a management group (issue 16 §3): the ARM template the Bicep compiler
 * emits for infra/management-group.bicep (infra/compiled/management-group.json, kept current by
 * `npm run infra:check` and test/infra/bicep.test.ts). The app's custom role and Reader at the
 * management group; a deployIfNotExists policy whose deployment is the compiled
 * watched-subscription module with infra/event-filters.json; the roles its remediation needs; a
 * remediation task; and the azd environment main.bicep leaves behind feeding the parameters file.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";
import { loadCompiledTemplate, module, resource, show, variable, type ArmResource, type ArmTemplate, type Json } from "./armTemplate.js";

const raw = (path: string) => readFileSync(join(ROOT, path), "utf8");
const main = loadCompiledTemplate();
const group = loadCompiledTemplate("management-group.json");
const watchedSubscription = loadCompiledTemplate("watched-subscription.json");

const READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
const CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c";
const MANAGED_IDENTITY_OPERATOR = "f1a07417-d97a-45cb-824c-7a7467783830";
const WEBSITE_CONTRIBUTOR = "de139f84-1756-47ae-9be6-808fbbe84772";
const STORAGE_ACCOUNT_CONTRIBUTOR = "17d1049b-9a84-46fb-8f53-869881c3d3ab";

/**
 * What ARM makes of a template's literal value: a string starting with `[[` stands for the literal
 * text starting with `[` (template-expressions: "escape characters"), in values and property names.
 * https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions#escape-characters
 */
function literal(value: Json): Json {
  const unescape = (s: string) => (s.startsWith("[[") ? s.slice(1) : s);
  if (typeof value === "string") return unescape(value);
  if (Array.isArray(value)) return value.map(literal);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [unescape(k), literal(v)]));
  return value;
}

const policy = resource(group, "Microsoft.Authorization/policyDefinitions");
const policyRule = policy.properties?.["policyRule"] as { if: Json; then: { effect: Json; details: Record<string, Json> } };
const details = policyRule.then.details;
const deployment = details["deployment"] as { location: Json; properties: { mode: Json; template: Json; parameters: Record<string, { value: Json }> } };
const assignment = resource(group, "Microsoft.Authorization/policyAssignments");
const roleAssignments = group.resources.filter((r) => r.type === "Microsoft.Authorization/roleAssignments");
const assignedRole = (r: ArmResource) => show(r.properties?.["roleDefinitionId"]);

describe("infra/management-group.bicep, as compiled", () => {
  it("deploys at management group scope", () => {
    expect(group.$schema).toMatch(/\/managementGroupDeploymentTemplate\.json#$/);
    expect(raw("infra/management-group.bicep")).toMatch(/^targetScope = 'managementGroup'$/m);
  });

  it("the custom role is role-definition.json as it is, assignable at the management group", () => {
    expect(variable(group, "roleDefinition"), "infra/compiled/management-group.json is stale: npm run infra:build").toEqual(JSON.parse(raw("infra/role-definition.json")));
    const role = resource(group, "Microsoft.Authorization/roleDefinitions");
    expect(role.properties?.["assignableScopes"]).toEqual(["[managementGroup().id]"]);
    expect(role.properties?.["permissions"]).toEqual(resource(main, "Microsoft.Authorization/roleDefinitions").properties?.["permissions"]);
    expect(role.properties?.["type"]).toBe("CustomRole");
    // Role names are unique per tenant: this one differs from main.bicep's.
    expect(show(role.properties?.["roleName"])).toBe("format('{0} ({1}, {2})', variables('roleDefinition').roleName, parameters('environmentName'), managementGroup().name)");
  });

  it("the app's identity gets the custom role and Reader at the management group itself", () => {
    const role = resource(group, "Microsoft.Authorization/roleDefinitions");
    const forApp = roleAssignments.filter((r) => r.properties?.["principalId"] === "[parameters('principalId')]");
    expect(forApp.map(assignedRole).sort()).toEqual([
      `extensionResourceId(managementGroup().id, 'Microsoft.Authorization/roleDefinitions', ${show(role.name)})`,
      "tenantResourceId('Microsoft.Authorization/roleDefinitions', variables('readerRoleId'))",
    ]);
    expect(group.variables?.["readerRoleId"]).toBe(READER);
    for (const a of forApp) {
      // No scope: the deployment's, the management group.
      expect(a.scope, String(a.name)).toBeUndefined();
      expect(a.properties?.["principalType"]).toBe("ServicePrincipal");
    }
  });
});

describe("the deployIfNotExists policy: every subscription's resource events to the one app", () => {
  it("applies to subscriptions, with deployIfNotExists as the default effect", () => {
    expect(policy.properties).toMatchObject({ policyType: "Custom", mode: "All" });
    expect(policyRule.if).toEqual({ field: "type", equals: "Microsoft.Resources/subscriptions" });
    // Escaped, so that ARM stores the policy language's expression for Azure Policy to evaluate.
    expect(policyRule.then.effect).toBe("[[parameters('effect')]");
    expect(literal(policyRule.then.effect)).toBe("[parameters('effect')]");
    expect(policy.properties?.["parameters"]).toEqual({
      effect: { type: "String", allowedValues: ["DeployIfNotExists", "AuditIfNotExists", "Disabled"], defaultValue: "DeployIfNotExists" },
    });
    expect(assignment.properties?.["parameters"]).toEqual({ effect: { value: "[parameters('effect')]" } });
    expect(group.parameters["effect"]?.defaultValue).toBe("DeployIfNotExists");
  });

  it("exists when the subscription has a system topic tagged with this app's function (the resource-events topic)", () => {
    expect(details["type"]).toBe("Microsoft.EventGrid/systemTopics");
    expect(details["existenceScope"]).toBe("subscription");
    expect(details["deploymentScope"]).toBe("subscription");
    const condition = details["existenceCondition"] as { field: Json; equals: Json };
    expect([show(condition.field), show(condition.equals)]).toEqual(["format('tags[''{0}'']', variables('destinationTag'))", "variables('functionResourceId')"]);
    // Only the topics of modules/resource-events.bicep carry the tag, and they are the subscription's resource-events topic.
    const topic = resource(module(module(main, "format('nspg-watch-{0}', subscription().subscriptionId)").template, "nspg-resource-events").template, "Microsoft.EventGrid/systemTopics");
    expect(topic.properties).toEqual({ source: "[subscription().id]", topicType: "Microsoft.Resources.Subscriptions" });
    // The tag is the one modules/resource-events.bicep puts on every topic it creates, valued with the function it feeds.
    const events = module(module(main, "format('nspg-watch-{0}', subscription().subscriptionId)").template, "nspg-resource-events");
    expect(group.variables?.["destinationTag"]).toBe(events.template.variables?.["destinationTag"]);
    expect(show(resource(events.template, "Microsoft.EventGrid/systemTopics").tags)).toBe(
      "union(parameters('tags'), createObject(format('{0}', variables('destinationTag')), parameters('functionResourceId')))",
    );
    expect(show(group.variables?.["functionResourceId"])).toBe("format('{0}/functions/onResourceEvent', parameters('functionAppResourceId'))");
    expect(show(deployment.properties.parameters["functionResourceId"]?.value)).toBe("variables('functionResourceId')");
  });

  it("deploys the compiled watched-subscription module, the template main.bicep deploys per listed subscription", () => {
    expect(deployment.properties.mode).toBe("incremental");
    expect(show(deployment.properties.template)).toBe("variables('watchedSubscriptionTemplate')");
    expect(literal(variable(group, "watchedSubscriptionTemplate")), "infra/compiled/management-group.json is stale: npm run infra:build").toEqual(watchedSubscription);
    // The same module main.bicep inlines (its nested template), apart from the generator's metadata.
    const inMain = module(main, "format('nspg-watch-{0}', variables('extraSubscriptionIds')[copyIndex()])").template;
    const withoutMetadata = (t: ArmTemplate) => ({ ...t, metadata: undefined });
    expect(withoutMetadata(inMain)).toEqual(withoutMetadata(watchedSubscription));
    expect(show(deployment.location)).toBe("parameters('location')");
  });

  it("with infra/event-filters.json as the filters, no per-subscription roles, the event subscription always", () => {
    const parameters = deployment.properties.parameters;
    expect(show(parameters["eventFilters"]?.value)).toBe("variables('eventFilters')");
    expect(variable(group, "eventFilters"), "infra/compiled/management-group.json is stale: npm run infra:build").toEqual(JSON.parse(raw("infra/event-filters.json")));
    expect(parameters["assignRoles"]?.value).toBe(false);
    expect(parameters["createResourceGroup"]?.value).toBe(true);
    expect(parameters["deployEventSubscription"]?.value).toBe(true);
    // Every parameter the template requires is given, and nothing it does not declare.
    const declared = watchedSubscription.parameters;
    expect(Object.keys(parameters).filter((p) => !(p in declared))).toEqual([]);
    expect(Object.entries(declared).filter(([name, p]) => p.defaultValue === undefined && !(name in parameters)).map(([name]) => name)).toEqual([]);
    // The names come from the module's defaults, the same for main.bicep's listed subscriptions (one topic per subscription).
    expect(parameters["systemTopicName"]).toBeUndefined();
    expect(parameters["resourceGroupName"]).toBeUndefined();
    expect(show(declared["systemTopicName"]?.defaultValue)).toBe("format('evgt-nspg-{0}', toLower(uniqueString(subscription().subscriptionId, parameters('environmentName'))))");
    expect(show(declared["resourceGroupName"]?.defaultValue)).toBe("format('rg-{0}-nspg-events', parameters('environmentName'))");
    const extraWatch = module(main, "format('nspg-watch-{0}', variables('extraSubscriptionIds')[copyIndex()])");
    expect(extraWatch.params["systemTopicName"]).toBeUndefined();
    expect(extraWatch.params["resourceGroupName"]).toBeUndefined();
  });

  it("watched-subscription assigns its roles unless told not to; main.bicep's subscriptions keep theirs", () => {
    expect(watchedSubscription.parameters["assignRoles"]).toMatchObject({ type: "bool", defaultValue: true });
    const assignments = watchedSubscription.resources.filter((r) => r.type === "Microsoft.Authorization/roleAssignments");
    expect(assignments).toHaveLength(2);
    for (const a of assignments) expect(a.condition).toBe("[parameters('assignRoles')]");
    for (const name of ["format('nspg-watch-{0}', subscription().subscriptionId)", "format('nspg-watch-{0}', variables('extraSubscriptionIds')[copyIndex()])"]) {
      expect(module(main, name).params["assignRoles"], name).toBeUndefined();
    }
  });
});

describe("the policy assignment, its identity's roles and the remediation task", () => {
  it("assigns the policy at the management group with a system-assigned identity", () => {
    expect(assignment.identity).toEqual({ type: "SystemAssigned" });
    expect(assignment.location).toBe("[parameters('location')]");
    expect(show(assignment.properties?.["policyDefinitionId"])).toBe(`extensionResourceId(managementGroup().id, 'Microsoft.Authorization/policyDefinitions', ${show(policy.name)})`);
    expect(assignment.scope).toBeUndefined();
    // Management group assignment names: at most 24 characters ('nspg-' and 13 of uniqueString's).
    expect(show(assignment.name)).toBe("format('nspg-{0}', take(uniqueString(managementGroup().id, parameters('environmentName')), 13))");
    expect("nspg-".length + 13).toBeLessThanOrEqual(24);
  });

  it("roleDefinitionIds name the roles the deployments need, and the assignment's identity holds each where it is needed", () => {
    expect(group.variables?.["contributorRoleId"]).toBe(CONTRIBUTOR);
    expect(group.variables?.["appResourceRoleIds"]).toEqual({
      managedIdentityOperator: MANAGED_IDENTITY_OPERATOR,
      websiteContributor: WEBSITE_CONTRIBUTOR,
      storageAccountContributor: STORAGE_ACCOUNT_CONTRIBUTOR,
    });
    expect(group.variables?.["remediationRoleIds"]).toEqual([
      "[variables('contributorRoleId')]",
      "[variables('appResourceRoleIds').managedIdentityOperator]",
      "[variables('appResourceRoleIds').websiteContributor]",
      "[variables('appResourceRoleIds').storageAccountContributor]",
    ]);
    expect(show(details["roleDefinitionIds"])).toBe(
      "map(variables('remediationRoleIds'), lambda('id', format('/providers/Microsoft.Authorization/roleDefinitions/{0}', lambdaVariables('id'))))",
    );
    const assignmentId = `extensionResourceId(managementGroup().id, 'Microsoft.Authorization/policyAssignments', ${show(assignment.name)})`;
    const assignmentPrincipal = `reference(${assignmentId}, '2025-01-01', 'full').identity.principalId`;
    // Contributor at the management group.
    const contributor = roleAssignments.filter((r) => show(r.properties?.["principalId"]) === assignmentPrincipal);
    expect(contributor.map(assignedRole)).toEqual(["tenantResourceId('Microsoft.Authorization/roleDefinitions', variables('contributorRoleId'))"]);
    expect(contributor[0]!.scope).toBeUndefined();
    // The others on the app's identity, Function App and storage account, in the app's subscription and resource group.
    const access = module(group, "format('nspg-remediation-access-{0}', uniqueString(parameters('environmentName')))");
    expect(show(access.deployment.subscriptionId)).toBe("variables('identityIdSegments')[2]");
    expect(show(access.deployment.resourceGroup)).toBe("variables('identityIdSegments')[4]");
    expect(show(variable(group, "identityIdSegments"))).toBe("split(parameters('identityResourceId'), '/')");
    expect(show(access.params["identityName"])).toBe("last(variables('identityIdSegments'))");
    expect(show(access.params["functionAppName"])).toBe("last(split(parameters('functionAppResourceId'), '/'))");
    expect(show(access.params["deadLetterStorageAccountName"])).toBe("last(split(parameters('deadLetterStorageAccountId'), '/'))");
    expect(show(access.params["principalId"])).toBe(assignmentPrincipal);
    expect(show(access.params["roleIds"])).toBe("variables('appResourceRoleIds')");
    const onResources = access.template.resources
      .filter((r) => r.type === "Microsoft.Authorization/roleAssignments")
      .map((r) => [show(r.scope), show(r.properties?.["roleDefinitionId"]), r.properties?.["principalId"]]);
    expect(onResources).toEqual([
      ["resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('identityName'))", "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', parameters('roleIds').managedIdentityOperator)", "[parameters('principalId')]"],
      ["resourceId('Microsoft.Web/sites', parameters('functionAppName'))", "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', parameters('roleIds').websiteContributor)", "[parameters('principalId')]"],
      ["resourceId('Microsoft.Storage/storageAccounts', parameters('deadLetterStorageAccountName'))", "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', parameters('roleIds').storageAccountContributor)", "[parameters('principalId')]"],
    ]);
  });

  it("remediates the subscriptions that exist, once the assignment's identity holds its roles", () => {
    const remediation = resource(group, "Microsoft.PolicyInsights/remediations");
    expect(show(remediation.properties?.["policyAssignmentId"])).toBe(`extensionResourceId(managementGroup().id, 'Microsoft.Authorization/policyAssignments', ${show(assignment.name)})`);
    // ReEvaluateCompliance is not available at management group scope.
    expect(remediation.properties?.["resourceDiscoveryMode"]).toBe("ExistingNonCompliant");
    const dependsOn = (remediation.dependsOn ?? []).map((d) => show(d));
    const contributor = roleAssignments.find((r) => r.properties?.["roleDefinitionId"] === "[tenantResourceId('Microsoft.Authorization/roleDefinitions', variables('contributorRoleId'))]")!;
    expect(dependsOn).toContain(`extensionResourceId(managementGroup().id, 'Microsoft.Authorization/roleAssignments', ${show(contributor.name)})`);
    expect(dependsOn.some((d) => String(d).includes("'Microsoft.Resources/deployments', format('nspg-remediation-access-{0}'"))).toBe(true);
  });
});

describe("infra/management-group.bicepparam reads what main.bicep leaves in the azd environment", () => {
  it("every variable it requires is azd's own or an output of main.bicep", () => {
    const text = raw("infra/management-group.bicepparam");
    const required = [...text.matchAll(/readEnvironmentVariable\('([A-Z0-9_]+)'\)/g)].map((m) => m[1]!);
    expect(required.length).toBeGreaterThan(5);
    const provided = new Set(["AZURE_ENV_NAME", "AZURE_LOCATION", ...Object.keys(main.outputs ?? {})]);
    expect(required.filter((name) => !provided.has(name))).toEqual([]);
    expect(show(main.outputs?.["AZURE_FUNCTION_APP_ID"]?.value)).toBe("function-app.outputs.resourceId");
    expect(show(main.outputs?.["AZURE_USER_ASSIGNED_IDENTITY_ID"]?.value)).toBe("identity.outputs.resourceId");
    expect(show(main.outputs?.["AZURE_STORAGE_ACCOUNT_ID"]?.value)).toBe("storage.outputs.resourceId");
    expect(show(main.outputs?.["AZURE_DEAD_LETTER_CONTAINER_NAME"]?.value)).toBe("variables('deadLetterContainerName')");
  });
});
