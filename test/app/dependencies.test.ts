import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEMO_PACKAGES, missingDemoPackages, runDemoCommand } from "../../src/cli/demo.js";
import { ROOT } from "../helpers/cli.js";

/**
 * Test and demo infrastructure, and what it used to drag into the deployed app's tree (azurite's old
 * axios, tough-cookie and xml2js).
 */
const NOT_SHIPPED = [
  ...DEMO_PACKAGES,
  "vitest",
  "happy-dom",
  "playwright-core",
  "marked",
  "ajv",
  "adm-zip",
  "esbuild",
  "typescript",
  "@microsoft/jest-sarif",
  "axios",
  "tough-cookie",
  "xml2js",
];

interface LsNode {
  dependencies?: Record<string, LsNode>;
}

function namesIn(node: LsNode, into = new Set<string>()): Set<string> {
  for (const [name, child] of Object.entries(node.dependencies ?? {})) {
    if (into.has(name)) continue;
    into.add(name);
    namesIn(child, into);
  }
  return into;
}

describe("what the app ships", () => {
  it("`npm ls --omit=dev` holds no test or demo package, directly or deep down", () => {
    const ls = spawnSync("npm", ["ls", "--omit=dev", "--all", "--json"], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const tree = JSON.parse(ls.stdout) as LsNode;
    const shipped = namesIn(tree);
    expect(shipped.size).toBeGreaterThan(20);
    expect(shipped.has("@azure/functions")).toBe(true);
    expect(NOT_SHIPPED.filter((name) => shipped.has(name))).toEqual([]);
  });

  it("package.json lists them as development dependencies only", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    for (const name of DEMO_PACKAGES) {
      expect(pkg.dependencies[name], name).toBeUndefined();
      expect(pkg.devDependencies[name], name).toBeDefined();
    }
  });
});

describe("the demo without its development dependencies", () => {
  it("names what is missing and how to get it", async () => {
    expect(missingDemoPackages()).toEqual([]);
    const nothing = () => {
      throw new Error("not found");
    };
    expect(missingDemoPackages(nothing)).toEqual([...DEMO_PACKAGES]);
    const onlyAzurite = (request: string) => {
      if (request.startsWith("azurite")) throw new Error("not found");
      return request;
    };
    expect(missingDemoPackages(onlyAzurite)).toEqual(["azurite"]);
  });

  it("refuses before starting anything, naming them and the command that installs them", async () => {
    const nothing = () => {
      throw new Error("not found");
    };
    await expect(runDemoCommand({}, nothing)).rejects.toThrow(
      "demo: needs azurite, smtp-server, mailparser, adaptivecards (development dependencies, not part of the app): run it from a clone after `npm ci` (`npm start`), or install them here with `npm install --no-save azurite smtp-server mailparser adaptivecards`",
    );
  });
});
