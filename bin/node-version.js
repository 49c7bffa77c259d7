// The Node.js versions the package supports are package.json's `engines.node` (Node.js 22 or later:
// 20 reached end of life on 2026-04-30). An older Node.js still runs the command, with one warning.
import { readFileSync } from "node:fs";

/** The lowest supported major version, from package.json's `engines.node` (">=22"). */
export function minimumNodeMajor() {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  const match = /^>=\s*(\d+)/.exec(String(pkg.engines?.node ?? ""));
  if (!match) throw new Error(`package.json: engines.node must read ">=N" (found ${JSON.stringify(pkg.engines?.node)})`);
  return Number(match[1]);
}

/**
 * The warning for a Node.js version older than the supported ones; undefined when it is supported.
 * @param {string} version e.g. "20.20.2" (process.versions.node)
 * @param {number} minimumMajor
 * @returns {string | undefined}
 */
export function nodeVersionWarning(version, minimumMajor) {
  const major = Number(version.split(".")[0]);
  if (major >= minimumMajor) return undefined;
  return `nsp-guardrail: warning: Node.js ${version} is not supported (Node.js ${minimumMajor} or later is); it may work, but upgrade.`;
}
