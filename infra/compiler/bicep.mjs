#!/usr/bin/env node
// @ts-check
// The Bicep compiler for infra/: obtained from NuGet through the machine's `dotnet` (bicep.csproj,
// restored into infra/compiler/packages/, git-ignored), then used to compile and lint the template
// and its parameters. `npm run infra:check` runs `check`; the tests import compileInfra().
//
//   node infra/compiler/bicep.mjs check   compile and lint; fail on any error or warning, or when a
//                                         file of infra/compiled/ is not what the compiler emits
//   node infra/compiler/bicep.mjs build   the same, then write infra/compiled/ (COMPILED_TEMPLATES)
//
// Plain JavaScript (checked with @ts-check, typed by bicep.d.mts) so that it runs before `npm run
// build` and on every Node.js version the package supports.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
export const INFRA_DIR = dirname(HERE);
const ROOT = dirname(INFRA_DIR);
const PROJECT = join(HERE, "bicep.csproj");
const PACKAGES = join(HERE, "packages");
const PACKAGE_ID = "Azure.Bicep.CommandLine.linux-x64";
/** The committed compiled template: what the tests read, checked current whenever the compiler is here. */
export const COMPILED_TEMPLATE = join(INFRA_DIR, "compiled", "main.json");

/**
 * Every committed compiled template, in build order: a later source may load an earlier one's JSON
 * (management-group.bicep's policy deploys compiled/watched-subscription.json), so `build` writes
 * each before compiling the next.
 */
export const COMPILED_TEMPLATES = [
  { source: "modules/watched-subscription.bicep", compiled: join(INFRA_DIR, "compiled", "watched-subscription.json") },
  { source: "main.bicep", compiled: COMPILED_TEMPLATE },
  { source: "management-group.bicep", compiled: join(INFRA_DIR, "compiled", "management-group.json") },
];

/**
 * Values for the environment variables main.bicepparam reads, for compiling it here: azd supplies
 * them at deployment. The optional ones stay unset, so their fallbacks are what gets checked.
 */
export const SAMPLE_ENVIRONMENT = { AZURE_ENV_NAME: "nspg-check", AZURE_LOCATION: "westeurope" };

/** The azd environment after main.bicep (its outputs), which management-group.bicepparam reads. */
export const MANAGEMENT_GROUP_SAMPLE_ENVIRONMENT = {
  ...SAMPLE_ENVIRONMENT,
  AZURE_USER_ASSIGNED_IDENTITY_PRINCIPAL_ID: "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70",
  AZURE_USER_ASSIGNED_IDENTITY_ID: "/subscriptions/5f2c7e1a-3b4d-4c8e-9a60-1d2e3f405162/resourceGroups/rg-nspg-check/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-nspg-check",
  AZURE_FUNCTION_APP_ID: "/subscriptions/5f2c7e1a-3b4d-4c8e-9a60-1d2e3f405162/resourceGroups/rg-nspg-check/providers/Microsoft.Web/sites/func-nspg-check",
  AZURE_STORAGE_ACCOUNT_ID: "/subscriptions/5f2c7e1a-3b4d-4c8e-9a60-1d2e3f405162/resourceGroups/rg-nspg-check/providers/Microsoft.Storage/storageAccounts/stnspgcheck",
  AZURE_DEAD_LETTER_CONTAINER_NAME: "event-deadletter",
};

/** The pinned version: the one PackageReference of bicep.csproj. */
export function pinnedVersion() {
  const project = readFileSync(PROJECT, "utf8");
  const match = new RegExp(`<PackageReference\\s+Include="${PACKAGE_ID.replace(/\./g, "\\.")}"\\s+Version="([^"]+)"`).exec(project);
  if (!match?.[1]) throw new Error(`${relative(ROOT, PROJECT)}: no PackageReference Include="${PACKAGE_ID}" Version="..."`);
  return match[1];
}

/** Where the restored package keeps the compiler (NuGet lower-cases the folder names). */
export function compilerPath() {
  return join(PACKAGES, PACKAGE_ID.toLowerCase(), pinnedVersion(), "tools", "bicep");
}

/** @param {string} command */
function onPath(command) {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => dir && existsSync(join(dir, command)));
}

const DOTNET_QUIET = { DOTNET_NOLOGO: "1", DOTNET_CLI_TELEMETRY_OPTOUT: "1", DOTNET_SKIP_FIRST_TIME_EXPERIENCE: "1" };

/**
 * Why this machine cannot have the compiler (undefined: it has it, or can restore it).
 * @returns {string | undefined}
 */
export function whyUnavailable() {
  if (existsSync(compilerPath())) return undefined;
  if (process.platform !== "linux" || process.arch !== "x64") {
    return `the Bicep check uses ${PACKAGE_ID}, built for Linux x64 (this is ${process.platform} ${process.arch})`;
  }
  if (!onPath("dotnet")) return "`dotnet` is not on PATH: the Bicep compiler comes from NuGet through it (install the .NET SDK)";
  return undefined;
}

/**
 * The compiler, restored on first use. `unavailable` says why there is none (no dotnet on this
 * machine); a failed restore throws.
 * @returns {{ path: string } | { unavailable: string }}
 */
export function obtainCompiler() {
  const path = compilerPath();
  if (existsSync(path)) return { path };
  const unavailable = whyUnavailable();
  if (unavailable) return { unavailable };
  const restore = spawnSync("dotnet", ["restore", PROJECT, "--packages", PACKAGES], {
    encoding: "utf8",
    env: { ...process.env, ...DOTNET_QUIET },
  });
  if (restore.status !== 0 || !existsSync(path)) {
    throw new Error(`dotnet restore ${relative(ROOT, PROJECT)} failed (exit ${restore.status}):\n${restore.stdout}${restore.stderr}`);
  }
  // NuGet keeps the archive's modes; make sure the compiler is executable.
  chmodSync(path, 0o755);
  return { path };
}

/**
 * @param {string} compiler
 * @param {string[]} args
 * @param {Record<string, string>} [extraEnv]
 */
function run(compiler, args, extraEnv = {}) {
  // Only what the compiler needs from the environment, so the user's own NSPG_* settings do not
  // change what main.bicepparam compiles to.
  /** @type {Record<string, string>} */
  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? HERE, ...DOTNET_QUIET, ...extraEnv };
  const result = spawnSync(compiler, args, { cwd: INFRA_DIR, encoding: "utf8", env, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`${relative(ROOT, compiler)} ${args.join(" ")}: ${result.error.message}`);
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** `file(line,col) : Level CODE: message` */
const DIAGNOSTIC = /^(.+?)\((\d+),(\d+)\) : (Error|Warning|Info) ([A-Za-z0-9-]+): (.*)$/;

/** @param {string} text */
export function parseDiagnostics(text) {
  /** @type {import("./bicep.d.mts").Diagnostic[]} */
  const out = [];
  for (const line of text.split(/\r?\n/)) {
    const m = DIAGNOSTIC.exec(line.trim());
    if (!m) continue;
    out.push({ file: relative(ROOT, m[1] ?? ""), line: Number(m[2]), column: Number(m[3]), level: /** @type {"Error" | "Warning" | "Info"} */ (m[4]), code: m[5] ?? "", message: m[6] ?? "" });
  }
  return out;
}

/**
 * Compiles the templates of COMPILED_TEMPLATES in order, and main.bicepparam (with SAMPLE_ENVIRONMENT)
 * and management-group.bicepparam (with MANAGEMENT_GROUP_SAMPLE_ENVIRONMENT), and lints both
 * parameter files with their templates. `write`: each compiled template is written to infra/compiled/
 * before the next source compiles (what `build` does).
 * @param {string} compiler
 * @param {{ write?: boolean }} [options]
 * @returns {import("./bicep.d.mts").Compilation}
 */
export function compileInfra(compiler, options = {}) {
  const version = run(compiler, ["--version"]).stdout.trim();
  /** @type {{ source: string, compiled: string, status: number, stdout: string, stderr: string }[]} */
  const builds = [];
  for (const { source, compiled } of COMPILED_TEMPLATES) {
    const result = run(compiler, ["build", source, "--stdout"]);
    builds.push({ source, compiled, ...result });
    if (options.write && result.status === 0) {
      mkdirSync(dirname(compiled), { recursive: true });
      writeFileSync(compiled, result.stdout);
    }
  }
  const params = run(compiler, ["build-params", "main.bicepparam", "--stdout"], SAMPLE_ENVIRONMENT);
  const lint = run(compiler, ["lint", "main.bicepparam"], SAMPLE_ENVIRONMENT);
  const managementGroupParams = run(compiler, ["build-params", "management-group.bicepparam", "--stdout"], MANAGEMENT_GROUP_SAMPLE_ENVIRONMENT);
  const managementGroupLint = run(compiler, ["lint", "management-group.bicepparam"], MANAGEMENT_GROUP_SAMPLE_ENVIRONMENT);
  const commands = [...builds, params, lint, managementGroupParams, managementGroupLint];
  // The same diagnostic can come from several commands (the template is compiled by each).
  const seen = new Set();
  const diagnostics = commands
    .flatMap((r) => parseDiagnostics(r.stderr + r.stdout))
    .filter((d) => {
      const key = `${d.file}:${d.line}:${d.column}:${d.code}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
  const failures = commands.filter((r) => r.status !== 0 && parseDiagnostics(r.stderr + r.stdout).length === 0);
  for (const f of failures) diagnostics.push({ file: "", line: 0, column: 0, level: "Error", code: "exit", message: `the compiler exited ${f.status}: ${f.stderr.trim()}` });
  const templates = builds.map((b) => ({ source: b.source, compiled: relative(ROOT, b.compiled), text: b.status === 0 ? b.stdout : undefined }));
  const templateText = templates.find((t) => t.source === "main.bicep")?.text;
  return { version, diagnostics, templateText, templates, parameters: parametersOf(params), managementGroupParameters: parametersOf(managementGroupParams) };
}

/** @param {{ status: number, stdout: string }} result of `build-params --stdout` */
function parametersOf(result) {
  if (result.status !== 0) return undefined;
  const out = /** @type {{ parametersJson: string }} */ (JSON.parse(result.stdout));
  return /** @type {{ parameters: Record<string, { value: unknown }> }} */ (JSON.parse(out.parametersJson)).parameters;
}

/**
 * The parameters main.bicepparam compiles to in an azd environment holding `environment`.
 * @param {string} compiler
 * @param {Record<string, string>} environment
 */
export function buildParameters(compiler, environment) {
  const result = run(compiler, ["build-params", "main.bicepparam", "--stdout"], environment);
  return { parameters: parametersOf(result), diagnostics: parseDiagnostics(result.stderr + result.stdout) };
}

/**
 * A compiled template as committed (default: main.json): what `build` writes, byte for byte.
 * @param {string} [path] absolute, or relative to the repository root
 */
export function committedTemplateText(path = COMPILED_TEMPLATE) {
  const file = join(ROOT, relative(ROOT, path));
  return existsSync(file) ? readFileSync(file, "utf8") : undefined;
}

/** @param {string} mode */
function main(mode) {
  if (mode !== "check" && mode !== "build") {
    console.error("usage: node infra/compiler/bicep.mjs check|build");
    return 2;
  }
  const compiler = obtainCompiler();
  if ("unavailable" in compiler) {
    console.error(`Bicep check: cannot run: ${compiler.unavailable}.`);
    return 1;
  }
  const result = compileInfra(compiler.path, { write: mode === "build" });
  console.log(`Bicep check: ${result.version}`);
  for (const d of result.diagnostics) console.log(`  ${d.file}(${d.line},${d.column}) ${d.level} ${d.code}: ${d.message}`);
  const errors = result.diagnostics.filter((d) => d.level === "Error").length;
  const warnings = result.diagnostics.filter((d) => d.level === "Warning").length;
  const sources = [...COMPILED_TEMPLATES.map((t) => `infra/${t.source}`), "infra/main.bicepparam", "infra/management-group.bicepparam"];
  console.log(`Bicep check: ${sources.join(", ")} compiled and linted: ${errors} errors, ${warnings} warnings`);
  if (errors + warnings > 0 || result.templates.some((t) => t.text === undefined)) {
    console.error("Bicep check: FAILED (every warning counts: unknown properties or types, BCP037/BCP036/BCP081, and the linter's rules in infra/bicepconfig.json)");
    return 1;
  }
  if (mode === "build") {
    // compileInfra wrote each one before the next compiled.
    for (const t of result.templates) console.log(`Bicep check: wrote ${t.compiled}`);
    return 0;
  }
  const stale = result.templates.filter((t) => committedTemplateText(t.compiled) !== t.text);
  for (const t of stale) console.error(`Bicep check: FAILED: ${t.compiled} is not what the compiler emits for infra/${t.source}: run \`npm run infra:build\` and commit it`);
  if (stale.length > 0) return 1;
  console.log(`Bicep check: ${result.templates.map((t) => t.compiled).join(", ")} are current`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exitCode = main(process.argv[2] ?? "check");
  } catch (error) {
    console.error(`Bicep check: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
