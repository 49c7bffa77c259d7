/**
 * `npm run package`: the deployment zip azd uploads. The functions are bundled with esbuild (one
 * module per function sharing chunks), so a cold start loads a few files instead of node_modules.
 */
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import AdmZip from "adm-zip";
import { build } from "esbuild";
import { VERSION } from "../src/version.js";

const root = process.argv[2] ?? process.cwd();
const out = join(root, ".package");

export async function packageApp(): Promise<{ zipPath: string; zipBytes: number; files: number }> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const entryPoints = readdirSync(join(root, "functions"))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(root, "functions", f));
  await build({
    entryPoints,
    outdir: join(out, "dist"),
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node22",
    minify: true,
    sourcemap: false,
    legalComments: "none",
    // Provided by the Functions host at run time.
    external: ["@azure/functions-core"],
    // Bundled CommonJS dependencies still call require().
    banner: { js: "import { createRequire as __nspgCreateRequire } from 'node:module'; const require = __nspgCreateRequire(import.meta.url);" },
    logLevel: "error",
  });
  cpSync(join(root, "host.json"), join(out, "host.json"));
  writeFileSync(join(out, "package.json"), `${JSON.stringify({ name: "nsp-guardrail", version: VERSION, type: "module", main: "dist/*.js" }, null, 2)}\n`);
  const zip = new AdmZip();
  zip.addLocalFolder(out);
  const zipPath = join(root, ".package.zip");
  zip.writeZip(zipPath);
  return { zipPath, zipBytes: statSync(zipPath).size, files: zip.getEntries().length };
}

if (process.argv[1]?.endsWith("package.js")) {
  const r = await packageApp();
  console.log(`wrote .package/ and .package.zip: ${r.files} files, ${(r.zipBytes / 1048576).toFixed(2)} MiB`);
}
