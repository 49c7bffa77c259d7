/**
 * Starts every run of the suite with empty operation-log and traffic folders, so the least-privilege
 * and conformance checks see this run only. (Not a setup of the conformance project: it reads them.)
 */
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  for (const dir of ["arm-operations", "arm-traffic"]) {
    rmSync(fileURLToPath(new URL(`../test-results/${dir}`, import.meta.url)), { recursive: true, force: true });
  }
}
