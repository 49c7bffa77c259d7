/**
 * `nsp-guardrail emulator` as a process: the export block it prints is pasted into a real shell and
 * a scan reaches it; `--env FILE` writes the same block; `--verbose` logs requests; SIGINT and
 * SIGTERM stop it and remove its temporary folder.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { exportBlock, shellWord } from "../../src/cli/emulator.js";
import { SUB } from "../helpers/builders.js";
import { BIN, ROOT } from "../helpers/cli.js";

const contosoFile = join(ROOT, "test", "fixtures", "estates", "contoso.json");
const scratch = mkdtempSync(join(tmpdir(), "nspg-emulator-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Running {
  child: ChildProcessWithoutNullStreams;
  /** stdout up to the block's last line. */
  stdout: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

async function startEmulatorProcess(args: string[] = []): Promise<Running> {
  const child = spawn(process.execPath, [BIN, "emulator", "--snapshot", contosoFile, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } });
  let stderr = "";
  child.stderr.on("data", (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const stdout = await new Promise<string>((resolve, reject) => {
    let text = "";
    child.stdout.on("data", (chunk) => {
      text += chunk;
      if (/^# Ctrl-C stops the emulator/m.test(text)) resolve(text);
    });
    void exited.then((code) => reject(new Error(`emulator exited with ${code}: ${stderr}`)));
    setTimeout(() => reject(new Error(`no export block printed: ${text}`)), 60_000);
  });
  return { child, stdout, stderr: () => stderr, exited };
}

function exported(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/^export ([A-Z_]+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/**
 * Runs `script` in bash (the way a pasted block runs), without blocking this process: the emulator's
 * output is read meanwhile.
 */
function bash(script: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", script], { cwd: ROOT, env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

describe("nsp-guardrail emulator", () => {
  it("prints a pasteable export block: pasted into a shell, a scan reaches the emulator; SIGTERM removes its folder", async () => {
    const run = await startEmulatorProcess();
    let caFile = "";
    try {
      // Every line is a comment or an export: the whole block can be pasted.
      for (const line of run.stdout.trimEnd().split("\n")) expect(line).toMatch(/^(#|export [A-Z_]+=)/);
      const values = exported(run.stdout);
      expect(Object.keys(values).sort()).toEqual(["NSPG_ARM_CA_FILE", "NSPG_ARM_ENDPOINT", "NSPG_ARM_TOKEN", "NSPG_SUBSCRIPTION_IDS"]);
      expect(values["NSPG_ARM_ENDPOINT"]).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(values["NSPG_SUBSCRIPTION_IDS"]).toBe(SUB);
      caFile = values["NSPG_ARM_CA_FILE"]!;
      expect(existsSync(caFile)).toBe(true);
      const pasted = await bash(`${run.stdout}\n${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} scan --subscription "$NSPG_SUBSCRIPTION_IDS" --format json --fail-on none`);
      // Besides a Node.js version warning, only the checks a live ARM read cannot make (resources outside any perimeter).
      expect(pasted.stderr.replace(/^nsp-guardrail: warning: Node\.js[^\n]*\n/, "")).toMatch(/^(nsp-guardrail: warning: 1 check\(s\) not evaluated: Rules about resources outside any perimeter[^\n]*\n)?$/);
      expect(pasted.status).toBe(0);
      expect(JSON.parse(pasted.stdout).summary.perimeters).toBe(4);
    } finally {
      run.child.kill("SIGTERM");
    }
    expect(await run.exited).toBe(0);
    expect(existsSync(dirname(caFile))).toBe(false); // before: the folder and its certificate stayed behind
  }, 90_000);

  it("--env FILE writes the block (owner-only: it holds a token); --verbose logs each request; SIGINT removes the folder and the file", async () => {
    const envFile = join(scratch, "emulator.env");
    const run = await startEmulatorProcess(["--env", envFile, "--verbose"]);
    let caFile = "";
    try {
      expect(existsSync(envFile)).toBe(true);
      expect(statSync(envFile).mode & 0o777).toBe(0o600);
      caFile = exported(run.stdout)["NSPG_ARM_CA_FILE"]!;
      const sourced = await bash(`source ${shellWord(envFile)}\n${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} scan --subscription "$NSPG_SUBSCRIPTION_IDS" --format json --fail-on none`);
      expect(sourced.status).toBe(0);
      expect(JSON.parse(sourced.stdout).summary.perimeters).toBe(4);
      expect(run.stderr()).toMatch(new RegExp(`GET /subscriptions/${SUB}/providers/Microsoft\\.Network/networkSecurityPerimeters\\?api-version=\\S+ → 200 Microsoft\\.Network/networkSecurityPerimeters/read by \\S+`, "i"));
    } finally {
      run.child.kill("SIGINT");
    }
    expect(await run.exited).toBe(0);
    expect(existsSync(dirname(caFile))).toBe(false);
    // The file's endpoint and token die with the emulator: it goes too (it stayed behind before).
    expect(existsSync(envFile)).toBe(false);
  }, 90_000);

  it("quotes values a shell would split or expand", async () => {
    const block = exportBlock({ A: "plain-1.2:3/x", B: "has space", C: "it's $HOME" });
    expect(block).toBe(`export A=plain-1.2:3/x\nexport B='has space'\nexport C='it'\\''s $HOME'`);
    expect((await bash(`${block}\nprintf '%s|%s|%s' "$A" "$B" "$C"`)).stdout).toBe("plain-1.2:3/x|has space|it's $HOME");
  });
});
