import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** Every ARM emulator of the suite leaves the operations the guardrail performed here (least-privilege check). */
const operationLogDir = fileURLToPath(new URL("./test-results/arm-operations", import.meta.url));
/** ...and the request/response pairs it served for the providers of the spec subset (conformance project). */
const trafficDir = fileURLToPath(new URL("./test-results/arm-traffic", import.meta.url));

export default defineConfig({
  test: {
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The JSON report feeds the "N passed, N failed" line of .ci/run (`npm run test:conformance` writes its own).
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" },
    env: { NSPG_ARM_OPLOG_DIR: operationLogDir, NSPG_ARM_TRAFFIC_DIR: trafficDir },
    projects: [
      {
        extends: true,
        test: {
          name: "suite",
          include: ["test/**/*.test.ts"],
          exclude: ["test/after-suite/**", "test/conformance/**"],
          globalSetup: ["test/globalSetup.ts"],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Runs once everything else has finished: it reads what the whole suite did.
        extends: true,
        test: { name: "after-suite", include: ["test/after-suite/**/*.test.ts"], sequence: { groupOrder: 1 } },
      },
      {
        // Needs ../shared (the pinned Azure REST API specs, the documented payloads) and the traffic the
        // suite left: `npm run test:conformance`, after `npm test`. `npm test` leaves it out.
        extends: true,
        // Its own emulators leave no logs: it reads the suite's.
        test: {
          name: "conformance",
          include: ["test/conformance/**/*.test.ts"],
          env: { NSPG_ARM_OPLOG_DIR: "", NSPG_ARM_TRAFFIC_DIR: "" },
          sequence: { groupOrder: 2 },
          testTimeout: 120_000,
        },
      },
    ],
  },
});
