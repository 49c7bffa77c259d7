/**
 * The deployment (issue 7 §1, §2, §5). No Bicep compiler installs here, so these tests read the Bicep
 * for what the code depends on: the app settings are the ones the app reads, the parameters file
 * matches the template, outputs are UPPER_SNAKE, Azure Verified Modules are pinned, the Event Grid
 * filters and the custom role come from the generated JSON, storage is identity-only on Flex
 * Consumption with Node 20. And the guardrail's own perimeter, as the Bicep creates it
 * (test/fixtures/estates/guardrail-own.json, cross-checked against the Bicep), passes its own rules.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CONTRACT_SETTINGS, settingsReadBy } from "../helpers/settingsReads.js";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { loadSettings } from "../../src/app/config.js";
import { Estate } from "../../src/model/estate.js";
import type { ArmResource } from "../../src/model/resource.js";
import { EVALUATION_QUEUE, EVENT_POISON_QUEUE, POISON_QUEUE } from "../../src/pipeline/storageQueue.js";
import { validatePolicy } from "../../src/policy/policy.js";
import { RULE_IDS } from "../../src/rules/catalog/index.js";
import { evaluateEstate } from "../../src/rules/engine.js";
import { ROOT } from "../helpers/cli.js";

// ---------------------------------------------------------------------------------------------------
// A small reader for Bicep source: comments blanked, string contents masked for structure, the
// original text kept for values. Both strings have the same length, so indices carry over.

interface Src {
  /** Comments blanked, strings intact. */
  readonly code: string;
  /** Comments blanked, string contents replaced by `_` (quotes and newlines kept). */
  readonly masked: string;
}

function scan(text: string): Src {
  let code = "";
  let masked = "";
  const push = (c: string, m: string) => {
    code += c;
    masked += m;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") push(" ", " "), i++;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end < 0 ? text.length : end + 2;
      for (; i < stop; i++) push(text[i] === "\n" ? "\n" : " ", text[i] === "\n" ? "\n" : " ");
      continue;
    }
    if (c === "'") {
      if (text.startsWith("'''", i)) {
        const end = text.indexOf("'''", i + 3);
        const stop = end < 0 ? text.length : end + 3;
        for (let j = i; j < stop; j++) {
          const inside = j >= i + 3 && j < stop - 3;
          push(text[j]!, inside && text[j] !== "\n" ? "_" : text[j]!);
        }
        i = stop;
        continue;
      }
      push("'", "'");
      i++;
      while (i < text.length && text[i] !== "'") {
        if (text[i] === "\\" && i + 1 < text.length) {
          push(text.slice(i, i + 2), "__");
          i += 2;
          continue;
        }
        push(text[i]!, text[i] === "\n" ? "\n" : "_");
        i++;
      }
      if (i < text.length) push("'", "'"), i++;
      continue;
    }
    push(c, c);
    i++;
  }
  return { code, masked };
}

function slice(src: Src, start: number, end: number): Src {
  return { code: src.code.slice(start, end), masked: src.masked.slice(start, end) };
}

/** The balanced `{...}` or `[...]` starting at `open` (an index of the opener). */
function balanced(src: Src, open: number): Src {
  const opener = src.masked[open]!;
  const closer = opener === "{" ? "}" : "]";
  let depth = 0;
  for (let i = open; i < src.masked.length; i++) {
    const c = src.masked[i];
    if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) {
        expect(c, `unbalanced ${opener} at ${open}`).toBe(closer);
        return slice(src, open, i + 1);
      }
    }
  }
  throw new Error(`unbalanced ${opener} at ${open}`);
}

/** The body of a declaration (`resource x '...' = {...}`, `module x ... = [for ...]`, `var x = {...}`). */
function declaration(src: Src, kind: "resource" | "module" | "var", name: string): Src {
  const match = new RegExp(`^\\s*${kind}\\s+${name}\\b`, "m").exec(src.masked);
  if (!match) throw new Error(`${kind} ${name} not found`);
  const eq = src.masked.indexOf("=", match.index);
  let i = eq + 1;
  while (i < src.masked.length && src.masked[i] !== "{" && src.masked[i] !== "[") i++;
  return balanced(src, i);
}

/** The nested `key: {...}` / `key: [...]` of a body. */
function nested(src: Src, key: string): Src {
  const match = new RegExp(`(?:^|[\\s{])${key}:\\s*([{\\[])`, "m").exec(src.masked);
  if (!match) throw new Error(`${key}: not found`);
  return balanced(src, match.index + match[0].length - 1);
}

/** Where a value written at `start` ends: the end of the line, or an inline object's closing brace or comma. */
function valueEnd(masked: string, start: number): number {
  let depth = 0;
  for (let i = start; i < masked.length; i++) {
    const c = masked[i];
    if (c === "\n") return i;
    if (c === "(" || c === "{" || c === "[") depth++;
    else if (c === ")" || c === "}" || c === "]") {
      if (depth === 0) return i;
      depth--;
    } else if (c === "," && depth === 0) return i;
  }
  return masked.length;
}

/** Every `key: value` of a body, any depth (the value as written, e.g. `'None'`, `false`, `accessMode`). */
function allValues(src: Src, key: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`(?:^|[\\s{])${key}:[ \\t]*`, "gm");
  for (let m = re.exec(src.masked); m; m = re.exec(src.masked)) {
    const start = m.index + m[0].length;
    out.push(src.code.slice(start, valueEnd(src.masked, start)).trim());
  }
  return out;
}

/** The first `key: value` of a body. */
function value(src: Src, key: string): string | undefined {
  return allValues(src, key)[0];
}

const unquote = (text: string | undefined) => text?.replace(/^'(.*)'$/, "$1");

interface Param {
  name: string;
  type: string;
  default?: string;
  allowed?: string[];
}

/** Parameters with their type, default (as written) and `@allowed` values. */
function params(src: Src): Map<string, Param> {
  const out = new Map<string, Param>();
  const re = /^param\s+(\w+)\s+(\w+)(?:\s*=\s*([^\n]+))?$/gm;
  for (let m = re.exec(src.masked); m; m = re.exec(src.masked)) {
    const name = m[1]!;
    const param: Param = { name, type: m[2]! };
    if (m[3] !== undefined) {
      const start = m.index + m[0].length - m[3].length;
      param.default = src.code.slice(start, start + m[3].length).trim();
    }
    // Decorators directly above the declaration.
    const before = src.code.slice(0, m.index);
    const decorators = /((?:^@[^\n]*\n(?:^[ \t]+[^\n]*\n|^[\]}]\)\n)*)+)$/m.exec(before);
    const allowed = decorators && /@allowed\(\[([\s\S]*?)\]\)/.exec(decorators[1]!);
    if (allowed) param.allowed = allowed[1]!.split(/\s+/).filter(Boolean).map((v) => v.replace(/^'(.*)'$/, "$1"));
    out.set(name, param);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The files

const INFRA = join(ROOT, "infra");
const raw = (path: string) => readFileSync(join(ROOT, path), "utf8");
const mainText = raw("infra/main.bicep");
const main = scan(mainText);
const moduleFiles = readdirSync(join(INFRA, "modules")).filter((f) => f.endsWith(".bicep"));
const mod = (file: string) => scan(raw(`infra/modules/${file}`));
const bicepFiles = ["infra/main.bicep", ...moduleFiles.map((f) => `infra/modules/${f}`)];

const SUB = "5f2c7e1a-3b4d-4c8e-9a60-1d2e3f405162";
const GUID = "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70";

// ---------------------------------------------------------------------------------------------------
// App settings

/** The app setting names the Bicep sets: the keys between `// app-settings:begin` and `:end`. */
function bicepAppSettings(): { names: string[]; vars: string[]; region: Src } {
  const begin = mainText.indexOf("// app-settings:begin");
  const end = mainText.indexOf("// app-settings:end");
  expect(begin, "main.bicep: // app-settings:begin marker").toBeGreaterThan(0);
  expect(end, "main.bicep: // app-settings:end marker").toBeGreaterThan(begin);
  const region = slice(main, begin, end);
  const names = [...region.masked.matchAll(/(?:^|\{)[ \t]*([A-Za-z_][A-Za-z0-9_]*):\s/gm)].map((m) => m[1]!);
  const vars = [...region.masked.matchAll(/^var\s+(\w+)\s*=/gm)].map((m) => m[1]!);
  return { names: [...new Set(names)], vars, region };
}

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
    NSPG_EMAIL_SMTP_PORT: "587",
    AZURE_CLIENT_ID: GUID,
    AzureWebJobsStorage__accountName: "stnspgq3k7v2m9x1c5b",
    AzureWebJobsStorage__credential: "managedidentity",
    AzureWebJobsStorage__clientId: GUID,
  };
  return values[name] ?? "https://example.invalid/value";
}

describe("app settings in infra/main.bicep", () => {
  const { names, vars, region } = bicepAppSettings();

  it("are found between the markers, every region variable merged into the site's settings", () => {
    expect(names.length).toBeGreaterThan(10);
    const appSettingsLine = /^var\s+appSettings\s*=\s*union\(([^\n]*)\)/m.exec(main.code);
    expect(appSettingsLine, "var appSettings = union(...) on one line").not.toBeNull();
    const merged = appSettingsLine![1]!.split(",").map((s) => s.trim());
    expect([...merged].sort()).toEqual([...vars].sort());
    const site = declaration(main, "module", "functionApp");
    expect(value(site, "appSettingsKeyValuePairs")).toBe("appSettings");
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
    expect(value(region, "AzureWebJobsStorage__credential")).toBe("'managedidentity'");
    expect(value(region, "AzureWebJobsStorage__clientId")).toBe("identity.outputs.clientId");
    expect(value(region, "AZURE_CLIENT_ID")).toBe("identity.outputs.clientId");
    expect(value(region, "NSPG_SELF_PRINCIPAL_IDS")).toBe("identity.outputs.principalId");
    expect(value(region, "APPLICATIONINSIGHTS_AUTHENTICATION_STRING")).toBe("'ClientId=${identity.outputs.clientId};Authorization=AAD'");
  });

  it("never set a storage connection string, the dev-only token, or the settings Flex Consumption rejects", () => {
    for (const name of ["AzureWebJobsStorage", "NSPG_STATE_CONNECTION", "NSPG_ARM_TOKEN", "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "WEBSITE_NODE_DEFAULT_VERSION"]) {
      expect(names, name).not.toContain(name);
    }
  });

  it("take secrets from Key Vault references, never from plain parameters", () => {
    expect(value(region, "TEAMS_WEBHOOK_URL")).toBe("'@Microsoft.KeyVault(SecretUri=${keyVault.outputs.teamsWebhookSecretUri})'");
    expect(value(region, "NSPG_EMAIL_SMTP_PASSWORD")).toBe("'@Microsoft.KeyVault(SecretUri=${keyVault.outputs.smtpPasswordSecretUri})'");
    const site = declaration(main, "module", "functionApp");
    expect(value(site, "keyVaultAccessIdentityResourceId")).toBe("identity.outputs.resourceId");
    const p = params(main);
    for (const secret of ["teamsWebhookUrl", "smtpPassword"]) {
      expect(new RegExp(`@secure\\(\\)\\n(?:@[^\\n]*\\n)*param ${secret} string`).test(main.code), `${secret} is @secure()`).toBe(true);
      expect(p.get(secret)?.default).toBe("''");
    }
    const vault = declaration(mod("key-vault.bicep"), "resource", "vault");
    expect(value(vault, "enableRbacAuthorization")).toBe("true");
    expect(mod("key-vault.bicep").code).toContain("4633458b-17de-408a-b874-0445c86b69e6"); // Key Vault Secrets User
  });

  it("email: ACS endpoint and sender from the optional Communication Services module, documented names", () => {
    expect(value(region, "NSPG_EMAIL_ACS_ENDPOINT")).toBe("email.outputs.endpoint");
    expect(/^module email '[^']+' = if \(enableEmail\)/m.test(main.code)).toBe(true);
    expect(params(main).get("enableEmail")).toMatchObject({ type: "bool", default: "false" });
    const documented = emailAndTeamsSettings();
    expect(names.filter((n) => n.startsWith("NSPG_EMAIL_") && !documented.includes(n))).toEqual([]);
    expect(mod("email.bicep").code).toContain("09976791-48a7-449e-bb21-39d1a415f350"); // Communication and Email Service Owner
  });

  it("the email channel accepts what the Bicep writes: ACS with the app's identity, or SMTP", async () => {
    // src/notify is the alert channels' code; loaded by path so this file compiles whatever it exports.
    const path = join(ROOT, "src", "notify", "settings.ts");
    if (!existsSync(path)) return;
    const notify = (await import(pathToFileURL(path).href)) as { loadNotifySettings?: (env: Record<string, string>) => { email?: unknown } };
    if (typeof notify.loadNotifySettings !== "function") return;
    const acs = { NSPG_EMAIL_ACS_ENDPOINT: "https://acs-nspg-q3k7v2m9x1c5b.unitedstates.communication.azure.com", NSPG_EMAIL_FROM: "DoNotReply@5f2c7e1a.azurecomm.net", AZURE_CLIENT_ID: GUID };
    const smtp = { NSPG_EMAIL_SMTP_HOST: "smtp.example.com", NSPG_EMAIL_SMTP_PORT: "587", NSPG_EMAIL_SMTP_USER: "guardrail", NSPG_EMAIL_SMTP_PASSWORD: "from-key-vault", NSPG_EMAIL_FROM: "guardrail@example.com" };
    for (const env of [acs, smtp]) expect(Object.keys(env).filter((n) => !names.includes(n)), "settings the Bicep does not write").toEqual([]);
    expect(notify.loadNotifySettings(acs).email).toMatchObject({ kind: "acs", endpoint: acs.NSPG_EMAIL_ACS_ENDPOINT, clientId: GUID });
    expect(notify.loadNotifySettings(smtp).email).toMatchObject({ kind: "smtp", host: "smtp.example.com", port: 587, user: "guardrail" });
  });

  it("defaults match the app's: reconcile schedule, and every allowed log level loads", () => {
    const sample = JSON.parse(raw("local.settings.sample.json")) as { Values: Record<string, string> };
    const p = params(main);
    expect(unquote(p.get("reconcileSchedule")?.default)).toBe(sample.Values["NSPG_RECONCILE_SCHEDULE"]);
    expect(value(region, "NSPG_RECONCILE_SCHEDULE")).toBe("reconcileSchedule");
    const levels = p.get("logLevel")?.allowed ?? [];
    expect(levels).toContain("info");
    for (const level of levels) expect(loadSettings({ NSPG_SUBSCRIPTION_IDS: SUB, AzureWebJobsStorage__accountName: "x", NSPG_LOG_LEVEL: level }).NSPG_LOG_LEVEL).toBe(level);
  });
});

// ---------------------------------------------------------------------------------------------------
// Template conventions

describe("infra/main.bicep conventions (azd)", () => {
  it("subscription scope, environmentName/location, resourceToken, the azd-env-name tag", () => {
    expect(/^targetScope = 'subscription'$/m.test(main.code)).toBe(true);
    const p = params(main);
    expect(p.get("environmentName")).toMatchObject({ type: "string" });
    expect(p.get("location")).toMatchObject({ type: "string" });
    expect(p.get("environmentName")?.default).toBeUndefined();
    expect(p.get("location")?.default).toBeUndefined();
    expect(main.code).toContain("var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))");
    expect(/'azd-env-name': environmentName/.test(main.code)).toBe(true);
    expect(/'azd-service-name': 'api'/.test(main.code)).toBe(true);
  });

  it("main.parameters.json maps only parameters main.bicep declares, and every parameter without a default", () => {
    const file = JSON.parse(raw("infra/main.parameters.json")) as { parameters: Record<string, { value: unknown }> };
    const p = params(main);
    expect(Object.keys(file.parameters).filter((name) => !p.has(name)), "unknown parameters").toEqual([]);
    const required = [...p.values()].filter((x) => x.default === undefined).map((x) => x.name);
    expect(required.filter((name) => !(name in file.parameters)), "required parameters missing").toEqual([]);
    expect(file.parameters["environmentName"]?.value).toBe("${AZURE_ENV_NAME}");
    expect(file.parameters["location"]?.value).toBe("${AZURE_LOCATION}");
    for (const [name, { value: v }] of Object.entries(file.parameters)) {
      const param = p.get(name)!;
      expect(typeof v, name).toBe("string");
      const m = /^\$\{([A-Z][A-Z0-9_]*)(?:=([^}]*))?\}$/.exec(v as string);
      expect(m, `${name}: "\${VAR}" or "\${VAR=default}"`).not.toBeNull();
      const fallback = m![2];
      if (fallback === undefined) continue;
      if (param.type === "bool") expect(["true", "false"], name).toContain(fallback);
      if (param.type === "int") expect(fallback, name).toMatch(/^\d+$/);
      if (param.allowed) expect(param.allowed, name).toContain(fallback);
      if (param.type === "string" && param.default !== undefined && fallback !== "") expect(fallback, `${name}: same default as the template`).toBe(unquote(param.default));
      if (param.type === "bool" && param.default !== undefined && name !== "deployEventSubscriptions") expect(fallback, name).toBe(param.default);
    }
    // The first `azd up` provisions before the code exists: the event subscriptions wait for the postdeploy hook.
    expect(file.parameters["deployEventSubscriptions"]?.value).toBe("${NSPG_DEPLOY_EVENT_SUBSCRIPTIONS=false}");
  });

  it("outputs are UPPER_SNAKE and include what azd and the README use", () => {
    const outputs = [...main.masked.matchAll(/^output\s+(\w+)\s/gm)].map((m) => m[1]!);
    expect(outputs.filter((o) => !/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/.test(o))).toEqual([]);
    expect(outputs).toEqual(expect.arrayContaining(["AZURE_FUNCTION_APP_NAME", "AZURE_RESOURCE_GROUP", "AZURE_LOCATION", "AZURE_TENANT_ID", "AZURE_KEY_VAULT_NAME"]));
  });

  it("every Azure Verified Module reference is pinned to an exact version", () => {
    const refs = bicepFiles.flatMap((file) => [...scan(raw(file)).code.matchAll(/'br(?:\/public)?:([^']+)'/g)].map((m) => ({ file, ref: m[1]! })));
    expect(refs.length).toBeGreaterThan(0);
    for (const { file, ref } of refs) expect(ref, file).toMatch(/^avm\/(?:res|ptn|utl)\/[a-z0-9-]+(?:\/[a-z0-9-]+)+:\d+\.\d+\.\d+$/);
    expect(refs.map((r) => r.ref.split(":")[0])).toEqual(expect.arrayContaining(["avm/res/web/site", "avm/res/web/serverfarm"]));
    for (const file of bicepFiles) expect(raw(file), file).not.toMatch(/:latest'/);
  });

  it("every resource names an api-version, and the perimeter types use 2025-05-01 or newer", () => {
    for (const file of bicepFiles) {
      const src = scan(raw(file));
      for (const m of src.masked.matchAll(/^\s*resource\s+\w+\s+'/gm)) {
        const start = m.index + m[0].length;
        const type = src.code.slice(start, src.code.indexOf("'", start));
        expect(type, file).toMatch(/^[A-Za-z.]+\/[A-Za-z/]+@\d{4}-\d{2}-\d{2}(?:-preview)?$/);
        if (type.startsWith("Microsoft.Network/networkSecurityPerimeters")) expect(type.split("@")[1]! >= "2025-05-01", type).toBe(true);
      }
    }
  });

  it("Flex Consumption (FC1), Linux, Node 20, deployment package read with the user-assigned identity", () => {
    const plan = declaration(main, "module", "appServicePlan");
    expect(value(nested(plan, "sku"), "name")).toBe("'FC1'");
    expect(value(nested(plan, "sku"), "tier")).toBe("'FlexConsumption'");
    expect(value(plan, "reserved")).toBe("true");
    const site = declaration(main, "module", "functionApp");
    expect(value(site, "kind")).toBe("'functionapp,linux'");
    const config = nested(site, "functionAppConfig");
    expect(value(nested(config, "runtime"), "name")).toBe("'node'");
    expect(value(nested(config, "runtime"), "version")).toBe("'20'");
    expect(value(nested(config, "scaleAndConcurrency"), "instanceMemoryMB")).toBe("instanceMemoryMB");
    expect(value(nested(config, "scaleAndConcurrency"), "maximumInstanceCount")).toBe("maximumInstanceCount");
    const deployment = nested(nested(config, "deployment"), "storage");
    expect(value(deployment, "type")).toBe("'blobContainer'");
    expect(value(nested(deployment, "authentication"), "type")).toBe("'UserAssignedIdentity'");
    expect(value(deployment, "value")).toBe("'${storage.outputs.blobEndpoint}${deploymentContainerName}'");
  });

  it("storage: Shared Key off everywhere, the identity gets Blob Data Owner, Queue and Table Data Contributor", () => {
    const storage = mod("storage.bicep");
    expect(value(declaration(storage, "resource", "account"), "allowSharedKeyAccess")).toBe("false");
    for (const file of bicepFiles) expect(allValues(scan(raw(file)), "allowSharedKeyAccess").filter((v) => v !== "false"), file).toEqual([]);
    for (const role of ["b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "974c5e8b-45b9-4653-ba55-5f855dd0fb88", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"]) {
      expect(storage.code).toContain(`'${role}'`);
    }
  });

  it("the queues the Bicep creates are the ones the app uses", () => {
    const queues = [...declaration(main, "var", "queueNames").code.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
    expect([...queues].sort()).toEqual([EVALUATION_QUEUE, POISON_QUEUE, EVENT_POISON_QUEUE].sort());
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
    expect(azd.infra).toEqual({ provider: "bicep", path: "infra", module: "main" });
    const hook = azd.hooks?.["postdeploy"];
    for (const run of [hook?.posix?.run, hook?.windows?.run]) {
      expect(run).toContain("azd env set NSPG_DEPLOY_EVENT_SUBSCRIPTIONS true");
      expect(run).toContain("azd provision --no-prompt");
    }
  });

  it(".github/workflows/ci.yml: tests, az bicep build, azd provision --preview on pull requests with OIDC", () => {
    const text = raw(".github/workflows/ci.yml");
    const workflow = parseYaml(text) as { on: Record<string, unknown>; jobs: Record<string, { if?: string; permissions?: Record<string, string>; steps: { run?: string; uses?: string }[] }> };
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(["push", "pull_request"]));
    const runs = Object.values(workflow.jobs).flatMap((j) => j.steps.map((s) => s.run ?? ""));
    expect(runs).toEqual(expect.arrayContaining(["npm ci", "npm test"]));
    expect(runs.some((r) => r.includes("az bicep build --file infra/main.bicep"))).toBe(true);
    const preview = workflow.jobs["preview"]!;
    expect(preview.if).toContain("github.event_name == 'pull_request'");
    expect(preview.permissions?.["id-token"]).toBe("write");
    expect(preview.steps.some((s) => s.uses?.startsWith("azure/login@"))).toBe(true);
    expect(preview.steps.some((s) => s.run?.includes("azd provision --preview"))).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------
// Generated inputs: the event filters and the custom role

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

describe("Event Grid: system topic per watched subscription, filters from infra/event-filters.json", () => {
  const filters = JSON.parse(raw("infra/event-filters.json")) as EventFilters;
  const events = mod("resource-events.bicep");

  it("main.bicep loads event-filters.json and every watched subscription's event subscription uses it", () => {
    expect(value(declaration(main, "var", "watchSettings"), "eventFilters")).toBe("eventFilters");
    expect(/^var eventFilters = loadJsonContent\('event-filters\.json'\)$/m.test(main.code)).toBe(true);
    for (const name of ["watchOwnSubscription", "watchAdditionalSubscriptions"]) {
      expect(value(declaration(main, "module", name), "eventFilters")).toBe("watchSettings.eventFilters");
    }
    const filter = nested(declaration(events, "resource", "onResourceEvent"), "filter");
    expect(value(filter, "includedEventTypes")).toBe("eventFilters.includedEventTypes");
    expect(value(filter, "advancedFilters")).toBe("eventFilters.advancedFilters");
  });

  it("event-filters.json has the expected shape and stays within 25 advanced filters and 25 values", () => {
    // Keys starting with `$` or `_` are left to the generator (a schema, a note); Bicep reads only these two.
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
    const topic = declaration(events, "resource", "systemTopic");
    expect(value(topic, "location")).toBe("'global'");
    expect(value(topic, "topicType")).toBe("'Microsoft.Resources.Subscriptions'");
    expect(value(topic, "source")).toBe("subscription().id");
    expect(value(nested(topic, "identity"), "type")).toBe("'UserAssigned'");
    const sub = declaration(events, "resource", "onResourceEvent");
    const destination = nested(sub, "destination");
    expect(value(destination, "endpointType")).toBe("'AzureFunction'");
    expect(value(destination, "resourceId")).toBe("functionResourceId");
    expect(value(declaration(main, "var", "watchSettings"), "functionResourceId")).toBe("'${functionApp.outputs.resourceId}/functions/onResourceEvent'");
    expect(raw("functions/onResourceEvent.ts")).toMatch(/app\.eventGrid\("onResourceEvent"/);
    const retry = nested(sub, "retryPolicy");
    expect(value(retry, "maxDeliveryAttempts")).toBe("maxDeliveryAttempts");
    expect(value(retry, "eventTimeToLiveInMinutes")).toBe("eventTimeToLiveInMinutes");
    expect(params(main).get("maxDeliveryAttempts")?.default).toBe("30");
    expect(params(main).get("eventTimeToLiveInMinutes")?.default).toBe("1440");
    const deadLetter = nested(sub, "deadLetterWithResourceIdentity");
    expect(value(nested(deadLetter, "identity"), "type")).toBe("'UserAssigned'");
    expect(value(nested(deadLetter, "deadLetterDestination"), "endpointType")).toBe("'StorageBlob'");
    expect(value(deadLetter, "blobContainerName")).toBe("deadLetterContainerName");
  });

  it("several subscriptions: one watched-subscription module per extra subscription, all feeding the one app", () => {
    const p = params(main);
    expect(p.get("additionalSubscriptionIds")).toMatchObject({ type: "array", default: "[]" });
    const loop = declaration(main, "module", "watchAdditionalSubscriptions");
    expect(loop.code).toMatch(/^\[\s*for subscriptionId in extraSubscriptionIds:/);
    expect(value(loop, "scope")).toBe("subscription(subscriptionId)");
    expect(value(loop, "functionResourceId")).toBe("watchSettings.functionResourceId");
    expect(value(loop, "createResourceGroup")).toBe("true");
    expect(value(bicepAppSettings().region, "NSPG_SUBSCRIPTION_IDS")).toBe("join(watchedSubscriptionIds, ',')");
  });
});

describe("the custom role from infra/role-definition.json, plus Reader, at subscription scope", () => {
  const role = JSON.parse(raw("infra/role-definition.json")) as RoleDefinitionJson;

  it("main.bicep loads role-definition.json into a subscription-scope role definition assignable in every watched subscription", () => {
    expect(/^var roleDefinition = loadJsonContent\('role-definition\.json'\)$/m.test(main.code)).toBe(true);
    const definition = declaration(main, "resource", "guardrailRole");
    expect(main.code).toMatch(/^resource guardrailRole 'Microsoft\.Authorization\/roleDefinitions@/m);
    const permissions = nested(definition, "permissions");
    for (const key of ["actions", "notActions", "dataActions", "notDataActions"]) expect(value(permissions, key)).toBe(`roleDefinition.${key}`);
    expect(value(definition, "assignableScopes")).toBe("map(watchedSubscriptionIds, id => '/subscriptions/${id}')");
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
    const watched = mod("watched-subscription.bicep");
    expect(/^targetScope = 'subscription'$/m.test(watched.code)).toBe(true);
    const reader = declaration(watched, "resource", "reader");
    expect(value(reader, "principalId")).toBe("principalId");
    expect(watched.code).toContain("var readerRoleId = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'");
    const guardrail = declaration(watched, "resource", "guardrail");
    expect(value(guardrail, "roleDefinitionId")).toBe("subscriptionResourceId('Microsoft.Authorization/roleDefinitions', guardrailRoleDefinitionName)");
    expect(value(declaration(main, "var", "watchSettings"), "guardrailRoleDefinitionName")).toBe("guardrailRole.name");
    expect(value(declaration(main, "var", "watchSettings"), "principalId")).toBe("identity.outputs.principalId");
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

describe("the guardrail's own perimeter (test/fixtures/estates/guardrail-own.json)", () => {
  const perimeterBicep = mod("perimeter.bicep");

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

  it("storage mirrors modules/storage.bicep", () => {
    const account = declaration(mod("storage.bicep"), "resource", "account");
    const fixture = one("Microsoft.Storage/storageAccounts");
    const p = props(fixture);
    expect(fixture.name).toBe(`stnspg${fixture.name!.slice("stnspg".length)}`);
    expect(main.code).toContain("name: 'stnspg${resourceToken}'");
    for (const key of ["allowSharedKeyAccess", "isSftpEnabled", "isNfsV3Enabled", "isLocalUserEnabled", "isHnsEnabled", "allowBlobPublicAccess", "defaultToOAuthAuthentication"]) {
      expect(String(p[key]), key).toBe(value(account, key));
    }
    expect(`'${String(p["publicNetworkAccess"])}'`).toBe(value(account, "publicNetworkAccess"));
    expect(`'${fixture.kind}'`).toBe(value(account, "kind"));
    const acls = nested(account, "networkAcls");
    const fixtureAcls = p["networkAcls"] as Record<string, unknown>;
    expect(`'${String(fixtureAcls["bypass"])}'`).toBe(value(acls, "bypass"));
    expect(`'${String(fixtureAcls["defaultAction"])}'`).toBe(value(acls, "defaultAction"));
    for (const key of ["ipRules", "virtualNetworkRules", "resourceAccessRules"]) {
      expect(value(acls, key), key).toBe("[]");
      expect(fixtureAcls[key], key).toEqual([]);
    }
    const encryption = p["encryption"] as Record<string, unknown>;
    expect(`'${String(encryption["keySource"])}'`).toBe(value(nested(account, "encryption"), "keySource"));
    // Nothing in the Bicep creates what the storage rules flag (file shares, policies, replication, local users).
    for (const file of bicepFiles) {
      expect(raw(file), file).not.toMatch(/fileServices|managementPolicies|inventoryPolicies|objectReplicationPolicies|localUsers/);
    }
  });

  it("key vault mirrors modules/key-vault.bicep", () => {
    const vault = declaration(mod("key-vault.bicep"), "resource", "vault");
    const p = props(one("Microsoft.KeyVault/vaults"));
    expect(String(p["enableRbacAuthorization"])).toBe(value(vault, "enableRbacAuthorization"));
    expect(`'${String(p["publicNetworkAccess"])}'`).toBe(value(vault, "publicNetworkAccess"));
    const acls = p["networkAcls"] as Record<string, unknown>;
    expect(`'${String(acls["bypass"])}'`).toBe(value(nested(vault, "networkAcls"), "bypass"));
    expect(`'${String(acls["defaultAction"])}'`).toBe(value(nested(vault, "networkAcls"), "defaultAction"));
    expect(main.code).toContain("name: 'kv-nspg-${resourceToken}'");
    expect(one("Microsoft.KeyVault/vaults").name).toMatch(/^kv-nspg-/);
  });

  it("perimeter, profile, subscription rule, associations and access logs mirror modules/perimeter.bicep", () => {
    const nsp = one("Microsoft.Network/networkSecurityPerimeters");
    expect(nsp.name).toMatch(/^nsp-nspg-/);
    expect(main.code).toContain("name: 'nsp-nspg-${resourceToken}'");
    expect(one("Microsoft.Network/networkSecurityPerimeters/profiles").name).toBe(unquote(/^var profileName = ('[^']+')$/m.exec(perimeterBicep.code)?.[1]));

    // The only inbound rule admits the guardrail's own subscription (operatorIpRanges defaults to none).
    const rule = one("Microsoft.Network/networkSecurityPerimeters/profiles/accessRules");
    const ruleBicep = declaration(perimeterBicep, "resource", "allowSubscriptions");
    expect(rule.name).toBe(unquote(value(ruleBicep, "name")));
    expect(`'${String(props(rule)["direction"])}'`).toBe(value(ruleBicep, "direction"));
    expect(props(rule)["subscriptions"]).toEqual([{ id: `/subscriptions/${SUB}` }]);
    expect(props(rule)["addressPrefixes"]).toEqual([]);
    expect(ruleBicep.code).toContain("id: '/subscriptions/${subscriptionId}'");
    const call = declaration(main, "module", "perimeter");
    expect(nested(call, "allowedSubscriptionIds").code.replace(/\s+/g, " ")).toBe("[ subscription().subscriptionId ]");
    expect(params(main).get("operatorIpRanges")?.default).toBe("[]");

    // Associations: storage, key vault, workspace, in the template's default access mode.
    const members = [...nested(call, "members").code.matchAll(/name: '([^']+)'\s+resourceId: ([^\n]+)/g)].map((m) => ({ name: m[1]!, resourceId: m[2]!.trim() }));
    expect(members).toEqual([
      { name: "storage", resourceId: "storage.outputs.resourceId" },
      { name: "key-vault", resourceId: "keyVault.outputs.resourceId" },
      { name: "log-analytics", resourceId: "logAnalytics.outputs.resourceId" },
    ]);
    const associations = byType("Microsoft.Network/networkSecurityPerimeters/resourceAssociations");
    expect(associations.map((a) => a.name)).toEqual(members.map((m) => m.name));
    const memberTypes = associations.map((a) => (props(a)["privateLinkResource"] as { id: string }).id.split("/providers/")[1]!.split("/").slice(0, 2).join("/"));
    expect(memberTypes).toEqual(["Microsoft.Storage/storageAccounts", "Microsoft.KeyVault/vaults", "Microsoft.OperationalInsights/workspaces"]);
    const associationBicep = declaration(perimeterBicep, "resource", "associations");
    expect(value(associationBicep, "accessMode")).toBe("accessMode");
    expect(value(call, "accessMode")).toBe("perimeterAccessMode");
    expect(unquote(params(perimeterBicep).get("accessMode")?.default)).toBe("Enforced");
    expect(unquote(params(main).get("perimeterAccessMode")?.default)).toBe("Enforced");
    const mapped = (JSON.parse(raw("infra/main.parameters.json")) as { parameters: Record<string, { value: string }> }).parameters["perimeterAccessMode"]?.value;
    expect(mapped).toBe("${NSPG_PERIMETER_ACCESS_MODE=Enforced}");
    for (const a of associations) expect(props(a)["accessMode"]).toBe("Enforced");

    // Access logs to the workspace, which is a member of the same perimeter.
    const logs = one("Microsoft.Insights/diagnosticSettings");
    const logsBicep = declaration(perimeterBicep, "resource", "accessLogs");
    expect(logs.name).toBe(unquote(value(logsBicep, "name")));
    expect(value(logsBicep, "scope")).toBe("nsp");
    expect(value(logsBicep, "workspaceId")).toBe("workspaceResourceId");
    expect(value(call, "workspaceResourceId")).toBe("logAnalytics.outputs.resourceId");
    const logEntry = (props(logs)["logs"] as Record<string, unknown>[])[0]!;
    expect(`'${String(logEntry["categoryGroup"])}'`).toBe(value(logsBicep, "categoryGroup"));
    expect(String(logEntry["enabled"])).toBe(value(logsBicep, "enabled"));
    expect(props(logs)["workspaceId"]).toBe(one("Microsoft.OperationalInsights/workspaces").id);
  });
});
