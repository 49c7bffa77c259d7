/** Cold-start figures of the deployment package: zip size and the time to import the function entries. */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { packageApp } from "../scripts/package.js";

export async function measurePackage(root: string): Promise<{ zipMiB: number; importMs: number }> {
  const { zipBytes } = await packageApp();
  const entries = readdirSync(join(root, ".package", "dist")).filter((f) => /^[a-zA-Z]+\.js$/.test(f) && !f.startsWith("runtime") && !f.startsWith("open"));
  const script = `const t = performance.now(); await Promise.all(${JSON.stringify(entries)}.map((f) => import(${JSON.stringify(join(root, ".package", "dist"))} + "/" + f))); console.log(performance.now() - t);`;
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    times.push(Number(out.trim().split("\n").pop()));
  }
  times.sort((a, b) => a - b);
  return { zipMiB: zipBytes / 1048576, importMs: times[Math.floor(times.length / 2)]! };
}
