#!/usr/bin/env node
// Entry point of the `nsp-guardrail` command; the code lives in dist/ (built by `npm ci` through `prepare`).
import { minimumNodeMajor, nodeVersionWarning } from "./node-version.js";

const warning = nodeVersionWarning(process.versions.node, minimumNodeMajor());
if (warning) console.error(warning);

// Imported after the version check, so that the warning comes first whatever the code needs.
const { main } = await import("../dist/src/cli/main.js");
process.exitCode = await main(process.argv.slice(2));
