/**
 * The command line as a process: what it loads, how it ends when its reader goes away, how its errors
 * read, its options' spelling, its stderr levels and its own commands (rules explain, init).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, parsePolicy } from "../../src/policy/policy.js";
import { POLICY_SCHEMA_URL } from "../../src/policy/schema.js";
import { ALL_RULES, RULE_IDS } from "../../src/rules/catalog/index.js";
import { BIN, cli, ROOT } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "nspg-behaviour-"));
const contoso = join(ROOT, "test", "fixtures", "estates", "contoso.json");
const recorder = join(ROOT, "test", "helpers", "registerModuleRecorder.mjs");

/** The modules a CLI run resolves (file URLs), recorded by a module hook in the child process. */
function modulesLoadedBy(args: string[]): string[] {
  const log = join(dir, `modules-${args.join("-").replace(/[^\w-]/g, "")}.log`);
  rmSync(log, { force: true });
  const r = spawnSync(process.execPath, ["--import", recorder, BIN, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, CI: "", NO_COLOR: "1", NSPG_MODULE_LOG: log },
  });
  expect(r.status, r.stderr).not.toBeNull();
  return readFileSync(log, "utf8").trim().split("\n");
}

describe("commands load lazily", () => {
  it("--version loads no Azure SDK and no command's code", () => {
    const loaded = modulesLoadedBy(["--version"]);
    // The recorder sees the CLI's own modules (it is live)...
    expect(loaded.some((url) => url.endsWith("/dist/src/cli/main.js"))).toBe(true);
    // ...and none of what the commands need.
    expect(loaded.filter((url) => /\/node_modules\/@azure\//.test(url))).toEqual([]);
    expect(loaded.filter((url) => /\/dist\/src\/(cli\/(scan|export|replay|emulator|demo|undo|simulate|readiness)|inventory\/liveInventory|emulator|rules\/catalog)\b/.test(url))).toEqual([]);
  });

  it("a snapshot scan loads no Azure SDK; undo loads it (the recorder sees Azure SDK modules when they are loaded)", () => {
    const scan = modulesLoadedBy(["scan", "--snapshot", contoso, "--format", "json", "--fail-on", "none"]);
    expect(scan.some((url) => url.endsWith("/dist/src/cli/scan.js"))).toBe(true);
    expect(scan.filter((url) => /\/node_modules\/@azure\//.test(url))).toEqual([]);
    const undo = modulesLoadedBy(["undo", "not-a-revert-id"]);
    expect(undo.some((url) => /\/node_modules\/@azure\/identity\//.test(url))).toBe(true);
  });
});

describe("output to a pipe that closes", () => {
  it("ends quietly, with the exit code it had, when the reader stops early (`| head`)", () => {
    // A report larger than a pipe's buffer, so that writes fail once `head` has gone.
    const r = spawnSync("bash", ["-c", `"${process.execPath}" "${BIN}" scan --snapshot "${contoso}" --format html --fail-on none 2>"${dir}/epipe.err" | head -c 10 >/dev/null; echo "\${PIPESTATUS[0]}"`], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, CI: "" },
    });
    expect(r.stdout.trim()).toBe("0");
    const stderr = readFileSync(join(dir, "epipe.err"), "utf8").replace(/^nsp-guardrail: warning: Node\.js [^\n]*\n/, "");
    expect(stderr).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
  });
});

describe("errors and option values", () => {
  it("an option value in any letter case is accepted (--fail-on Critical --format JSON)", () => {
    const r = cli(["scan", "--snapshot", contoso, "--fail-on", "Critical", "--format", "JSON"]);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).version).toBe(1);
    expect(cli(["scan", "--snapshot", contoso, "--fail-on", "NONE", "--format", "Json"]).status).toBe(0);
  });

  it.each([
    [["scan", "--snapshot", contoso, "--fail-on", "crtical"], /^nsp-guardrail: option '--fail-on <severity>' argument 'crtical' is invalid\. expected critical\|high\|medium\|low\|info\|none \(did you mean critical\?\) \(see --help\)$/],
    [["scna"], /^nsp-guardrail: unknown command 'scna' \(Did you mean scan\?\) \(see --help\)$/],
    [["scan", "--snapshot"], /^nsp-guardrail: option '--snapshot <file>' argument missing \(see --help\)$/],
    [["rules", "explain", "storage-nsf"], /^nsp-guardrail: rules explain: "storage-nsf": unknown rule id \(did you mean storage-nfs\?\)/],
  ])("%j: exit 2, one nsp-guardrail: line", (args, pattern) => {
    const r = cli(args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
  });
});

describe("--quiet and --verbose", () => {
  it("--verbose says what was read and evaluated; --quiet says nothing but errors", () => {
    const verbose = cli(["scan", "--snapshot", contoso, "--format", "json", "--fail-on", "none", "--verbose"]);
    expect(verbose.status).toBe(0);
    expect(verbose.stderr).toMatch(/^read \d+ resource\(s\) from contoso\.json$/m);
    expect(verbose.stderr).toMatch(/^evaluated \d+ rule\(s\) over 4 perimeter\(s\) in \d+ ms$/m);
    // Before the command too, as a program option.
    const quiet = cli(["--quiet", "scan", "--snapshot", contoso, "--format", "json", "--fail-on", "none"]);
    expect(quiet.status).toBe(0);
    expect(quiet.stderr).toBe("");
    const normal = cli(["scan", "--snapshot", contoso, "--format", "json", "--fail-on", "none"]);
    expect(normal.stderr).toMatch(/warning: \d+ check\(s\) not evaluated/);
    expect(normal.stderr).not.toMatch(/^read /m);
  });
});

describe("rules", () => {
  it("prints JSON when piped, a table when asked", () => {
    const piped = cli(["rules"]);
    expect(piped.status).toBe(0);
    expect(JSON.parse(piped.stdout).rules).toHaveLength(ALL_RULES.length);
    expect(cli(["rules", "--format", "TABLE"]).stdout).toMatch(/^ID\s+SEVERITY\s+CATEGORY\s+TITLE\n/);
  });

  it("explain ID prints the rule's page, with what revert does for it", () => {
    const withFixer = ALL_RULES.find((r) => r.meta.revert)!.meta;
    const r = cli(["rules", "explain", withFixer.id]);
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith(`${withFixer.id}: ${withFixer.title}\n`)).toBe(true);
    for (const heading of ["SEVERITY", "WHY THE RULE EXISTS", "REMEDIATION", "WHAT REVERT DOES", "WHAT IT READS", "SOURCES", "POLICY"]) expect(r.stdout).toContain(`\n${heading}\n`);
    const flat = r.stdout.replace(/\s+/g, " ");
    expect(flat).toContain(withFixer.revert!.describe.replace(/`([^`]*)`/g, "'$1'").replace(/\s+/g, " "));
    const plain = cli(["rules", "explain", "STORAGE-NFS"]);
    expect(plain.status).toBe(0);
    expect(plain.stdout.replace(/\s+/g, " ")).toContain("writes that resource back to its last known good body");
  });
});

describe("init", () => {
  it("writes a commented policy that loads as the defaults, with the schema line; refuses to overwrite without --force", () => {
    const cwd = mkdtempSync(join(dir, "init-"));
    const r = cli(["init"], { cwd });
    expect(r.status).toBe(0);
    expect(r.stderr.trim()).toBe("wrote policy.yaml: edit it, then pass it as --policy policy.yaml");
    const text = readFileSync(join(cwd, "policy.yaml"), "utf8");
    expect(text.split("\n")[0]).toBe(`# yaml-language-server: $schema=${POLICY_SCHEMA_URL}`);
    expect(parsePolicy(text, "policy.yaml", RULE_IDS)).toEqual(DEFAULT_POLICY);
    // Every rule is named, commented out, with its default action.
    for (const id of RULE_IDS) expect(text).toMatch(new RegExp(`^  # ${id}: +\\{ action: alert \\}`, "m"));
    writeFileSync(join(cwd, "policy.yaml"), "dryRun: false\n");
    const again = cli(["init"], { cwd });
    expect(again.status).toBe(2);
    expect(again.stderr.trim()).toBe("nsp-guardrail: init: policy.yaml: already exists (--force overwrites it)");
    expect(readFileSync(join(cwd, "policy.yaml"), "utf8")).toBe("dryRun: false\n");
    expect(cli(["init", "--force"], { cwd }).status).toBe(0);
    expect(readFileSync(join(cwd, "policy.yaml"), "utf8")).toBe(text);
    const stdout = cli(["init", "--output", "-"], { cwd });
    expect(stdout.stdout).toBe(text);
    expect(parseYaml(stdout.stdout)).toMatchObject({ dryRun: true, rules: {} });
  });
});
