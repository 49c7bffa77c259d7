#!/usr/bin/env node
// Entry point of the `nsp-guardrail` command; the code lives in dist/ (built by `npm ci` through `prepare`).
import { main } from "../dist/src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
