import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import AdmZip from "adm-zip";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";

describe("npm run package", () => {
  it("bundles every function into a small zip whose modules load on their own", () => {
    execFileSync(process.execPath, [join(ROOT, "dist", "scripts", "package.js"), ROOT], { cwd: ROOT, stdio: "pipe" });
    const zipPath = join(ROOT, ".package.zip");
    expect(statSync(zipPath).size).toBeLessThan(5 * 1024 * 1024);
    const names = new AdmZip(zipPath).getEntries().map((e) => e.entryName);
    expect(names).toEqual(expect.arrayContaining(["host.json", "package.json"]));
    const functions = readdirSync(join(ROOT, "functions")).filter((f) => f.endsWith(".ts")).map((f) => f.replace(/\.ts$/, ".js"));
    for (const f of functions) expect(names, f).toContain(`dist/${f}`);
    // Every module, the lazily loaded runtime included, resolves without node_modules: a copy away
    // from the repository has none to fall back on.
    const copy = mkdtempSync(join(tmpdir(), "nspg-package-"));
    cpSync(join(ROOT, ".package"), copy, { recursive: true });
    const dist = join(copy, "dist");
    const modules = readdirSync(dist).filter((f) => f.endsWith(".js"));
    const script = `await Promise.all(${JSON.stringify(modules)}.map((f) => import(${JSON.stringify(dist)} + "/" + f)));`;
    execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: "/", stdio: "pipe", env: { PATH: process.env.PATH ?? "" } });
  });
});
