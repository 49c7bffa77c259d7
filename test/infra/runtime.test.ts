/**
 * Node.js 22 everywhere (issue 13 §3): package.json's engines, @types/node, the Flex Consumption
 * runtime the template deploys, the deployment bundle's target, the GitHub workflow and .ci/run agree; an older Node.js still runs
 * the command, with one warning.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { minimumNodeMajor, nodeVersionWarning } from "../../bin/node-version.js";
import { BIN, ROOT } from "../helpers/cli.js";
import { loadCompiledTemplate, module } from "./armTemplate.js";

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { engines: { node: string }; devDependencies: Record<string, string> };

describe("Node.js 22 everywhere", () => {
  it("engines, @types/node, the Flex Consumption runtime, the workflow and .ci/run name the same major version", () => {
    const major = minimumNodeMajor();
    expect(major).toBe(22);
    expect(pkg.engines.node).toBe(">=22");
    expect(pkg.devDependencies["@types/node"]).toMatch(/^\^22\./);
    expect(module(loadCompiledTemplate(), "function-app").params["nodeVersion"]).toBe(String(major));
    const workflow = parseYaml(readFileSync(join(ROOT, ".github", "workflows", "ci.yml"), "utf8")) as { jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }> };
    const setupNode = Object.values(workflow.jobs).flatMap((j) => j.steps).filter((s) => s.uses?.startsWith("actions/setup-node@"));
    expect(setupNode.map((s) => s.with?.["node-version"])).toEqual(setupNode.map(() => major));
    // The deployment bundle is built for the runtime it runs on.
    expect(readFileSync(join(ROOT, "scripts", "package.ts"), "utf8")).toContain(`target: "node${major}"`);
    const ciRun = readFileSync(join(ROOT, ".ci", "run"), "utf8");
    expect(/^NODE_VERSION=(\d+)\.\d+\.\d+$/m.exec(ciRun)?.[1]).toBe(String(major));
    expect(ciRun).toContain(`-lt ${major} ]`);
  });

  it("the version warning: one line for an older Node.js, nothing for a supported one", () => {
    expect(nodeVersionWarning("20.20.2", 22)).toBe("nsp-guardrail: warning: Node.js 20.20.2 is not supported (Node.js 22 or later is); it may work, but upgrade.");
    expect(nodeVersionWarning("21.7.3", 22)).toMatch(/^nsp-guardrail: warning: Node\.js 21\.7\.3 /);
    for (const supported of ["22.0.0", "22.23.3", "24.1.0"]) expect(nodeVersionWarning(supported, 22), supported).toBeUndefined();
  });

  // Every Node.js this machine has (the one running the tests, the system's, the one .ci/run installs):
  // on 22 or later the command prints no warning; on an older one it warns once and still runs.
  const candidates = [process.execPath, "/usr/bin/node", "/usr/local/bin/node", join(ROOT, ".ci", "node", "node_modules", ".bin", "node")];
  const binaries = [...new Set(candidates.filter((p) => existsSync(p)).map((p) => realpathSync(p)))];
  it.each(binaries)("the command starts on %s", (node) => {
    const version = spawnSync(node, ["-p", "process.versions.node"], { encoding: "utf8" }).stdout.trim();
    const result = spawnSync(node, [BIN, "--version"], { encoding: "utf8", cwd: ROOT });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const warnings = result.stderr.split("\n").filter((line) => line.includes("warning"));
    expect(warnings, `Node.js ${version}`).toEqual(Number(version.split(".")[0]) < 22 ? [nodeVersionWarning(version, 22)] : []);
  });
});
