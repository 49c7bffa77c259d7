/** Starts every run with an empty operation-log folder, so the least-privilege check sees this run only. */
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  rmSync(fileURLToPath(new URL("../test-results/arm-operations", import.meta.url)), { recursive: true, force: true });
}
