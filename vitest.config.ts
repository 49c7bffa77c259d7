import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** Every ARM emulator of the suite leaves the operations the guardrail performed here (least-privilege check). */
const operationLogDir = fileURLToPath(new URL("./test-results/arm-operations", import.meta.url));

export default defineConfig({
  test: {
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The JSON report feeds the "N passed, N failed" line of .ci/run.
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" },
    globalSetup: ["test/globalSetup.ts"],
    env: { NSPG_ARM_OPLOG_DIR: operationLogDir },
    projects: [
      {
        extends: true,
        test: { name: "suite", include: ["test/**/*.test.ts"], exclude: ["test/after-suite/**"], sequence: { groupOrder: 0 } },
      },
      {
        // Runs once everything else has finished: it reads what the whole suite did.
        extends: true,
        test: { name: "after-suite", include: ["test/after-suite/**/*.test.ts"], sequence: { groupOrder: 1 } },
      },
    ],
  },
});
