/** Runs the built `nsp-guardrail` command as users do (npm test builds dist/ first). */
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const BIN = fileURLToPath(new URL("../../bin/nsp-guardrail.js", import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The one-line warning an older Node.js gets (test/infra/runtime.test.ts checks it) is not what the
 * CLI tests look at: they run on whatever Node.js runs the suite.
 */
function withoutNodeWarning(stderr: string): string {
  return stderr.replace(/^nsp-guardrail: warning: Node\.js \S+ is not supported[^\n]*\n/, "");
}

/**
 * The environment of a CLI run: the caller's, without colour, and with `CI` unset unless a test sets
 * it (it turns `--fail-on-incomplete` on, which tests ask for explicitly).
 */
function cliEnv(env: Record<string, string> | undefined): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: "1", CI: "", ...env };
}

export function cli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    encoding: "utf8",
    env: cliEnv(options.env),
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: withoutNodeWarning(r.stderr) };
}

/** As `cli`, without blocking this process (needed when the test itself serves what the CLI calls). */
export function cliAsync(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: cliEnv(options.env),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr: withoutNodeWarning(stderr) }));
  });
}

/** Runs a compiled script of the project (dist/...) as users do, without blocking this process. */
export function runScript(script: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr: withoutNodeWarning(stderr) }));
  });
}
