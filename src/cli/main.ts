/**
 * The command line. Only the declarations live here (commander and the option values): each command's
 * code, and the Azure SDK it may pull in, is imported when that command runs, so `--version` and
 * `--help` load almost nothing.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { ArmUnavailableError, InputError } from "../model/errors.js";
import { CLOUD_NAMES } from "../inventory/cloud.js";
import { terminalText } from "../report/escape.js";
import { TOOL_NAME, VERSION } from "../version.js";
import type { EmulatorOptions } from "./emulator.js";
import type { ExportOptions } from "./export.js";
import type { ReplayCliOptions } from "./replay.js";
import type { DemoCliOptions } from "./demo.js";
import type { ScanOptions } from "./scan.js";
import { choiceOption } from "./choices.js";
import { EVENT_SCHEMAS, FAIL_ON, FAULT_LEVELS, READINESS_FORMATS, REPLAY_FORMATS, RULES_FORMATS, SCAN_FORMATS, SIMULATE_FORMATS, type RulesFormat } from "./formats.js";
import { note, setVerbosity } from "./log.js";
import { sendAlertsOption } from "./sendAlerts.js";
import { registerUndoCommand } from "./undoCommand.js";

export const EXIT = { ok: 0, findings: 1, usage: 2, azure: 3 } as const;

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive whole number");
  return n;
}

function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number");
  return n;
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command(TOOL_NAME)
    .description("Watches Azure Network Security Perimeters for unsupported and risky configurations.")
    .version(VERSION)
    .option("-q, --quiet", "print nothing on stderr but errors")
    .option("-v, --verbose", "print what was read and how long it took on stderr")
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      // Commander's own errors (a bad option value, an unknown command) read like every other one: one line.
      outputError: (s, write) => write(`${TOOL_NAME}: ${oneLine(s.replace(/^error: /, ""))} (see --help)\n`),
    });
  program.hook("preAction", (command) => {
    const globals = command.opts<{ quiet?: boolean; verbose?: boolean }>();
    setVerbosity(globals.quiet ? "quiet" : globals.verbose ? "verbose" : "normal");
  });

  program
    .command("scan")
    .description("Evaluate every perimeter of an estate and report findings.")
    .option("--snapshot <file>", "an estate as ARM resources (JSON: array, {resources}, {value} or {data})")
    .option("--subscription <id...>", "scan these subscriptions live through ARM")
    .option("--management-group <id>", "scan every subscription under this management group (Azure Resource Graph, then ARM for what it does not hold)")
    .option("--arm-endpoint <url>", "ARM endpoint for live mode (default: NSPG_ARM_ENDPOINT or the cloud's)")
    .addOption(choiceOption("--cloud <cloud>", "Azure cloud: default ARM endpoint and token audience (default: NSPG_CLOUD or AzureCloud)", CLOUD_NAMES))
    .addOption(new Option("--policy <file>", "policy file (YAML or JSON)"))
    .addOption(choiceOption("--format <format>", "output format (default: table on a terminal, json otherwise)", SCAN_FORMATS))
    .addOption(choiceOption("--fail-on <severity>", "exit 1 when a finding reaches this severity", FAIL_ON).default("high"))
    .option("--fail-on-incomplete", "exit 1 when a check could not be made for lack of input (default: on when the CI environment variable is set)")
    .option("--no-fail-on-incomplete", "report checks not made without failing, in CI too")
    .option("--allow-empty", "a scope with no perimeter is a clean scan (default: exit 2, as for a mistyped subscription)")
    .option("--output <file>", "write the report to a file instead of stdout (a one-line summary goes to stderr)")
    .option("--max-snapshot-bytes <n>", "refuse snapshots larger than this", positiveInteger)
    .exitOverride()
    .action(async (opts: ScanOptions) => {
      const { runScan } = await import("./scan.js");
      setExit(await runScan(opts));
    });

  program
    .command("replay")
    .description("Replay a timeline of changes against an estate: what the guardrail would decide, event by event.")
    .requiredOption("--snapshot <file>", "the estate before the timeline (the guardrail's last known good state)")
    .requiredOption("--timeline <file>", 'JSON array of { "op": "put", "resource": {...} } / { "op": "delete", "id": "..." }, or of titled steps { "title", "operations": [...] }')
    .addOption(new Option("--policy <file>", "policy file (YAML or JSON)"))
    .addOption(choiceOption("--format <format>", "output format (default: table on a terminal, json otherwise)", REPLAY_FORMATS))
    .addOption(sendAlertsOption())
    .option("--max-timeline-bytes <n>", "refuse timelines larger than this (default 64 MiB)", positiveInteger)
    .option("--seed <n>", "derive event and revert ids from this number: two runs print the same bytes", nonNegativeInteger)
    .exitOverride()
    .action(async (opts: ReplayCliOptions) => {
      const { runReplay } = await import("./replay.js");
      setExit(await runReplay(opts));
    });

  program
    .command("simulate")
    .description("Run the guardrail's handlers many times under seeded faults (storage, crashes, ARM, Event Grid, races) and check its invariants.")
    .requiredOption("--snapshot <file>", "the estate to simulate on")
    .option("--timeline <file>", "changes to play in every run (replay's format; default: drawn per run from the estate)")
    .addOption(new Option("--policy <file>", "policy file (YAML or JSON)"))
    .option("--seed <n>", "seed of the first run's schedule (a violation prints its own)", nonNegativeInteger)
    .option("--runs <n>", "how many runs (default 100)", positiveInteger)
    .addOption(choiceOption("--faults <level>", "fault schedule", FAULT_LEVELS).default("default"))
    .addOption(choiceOption("--format <format>", "output format (default: table on a terminal, json otherwise)", SIMULATE_FORMATS))
    .exitOverride()
    .action(async (opts) => {
      const { runSimulate } = await import("./simulate.js");
      setExit(await runSimulate(opts));
    });

  program
    .command("readiness")
    .description("What breaks if these associations are enforced: re-checks the callers in the NSP access logs against the perimeters as they are now and proposes the rules that admit them.")
    .option("--snapshot <file>", "the estate as ARM resources (scan's snapshot format)")
    .option("--subscription <id...>", "read these subscriptions live through ARM")
    .option("--logs <file...>", "NSPAccessLogs rows (JSON array or JSON lines) or diagnostic-settings storage exports ({ records })")
    .option("--workspace <id>", "query this Log Analytics workspace (NSPAccessLogs)")
    .option("--since <duration>", "the window: 30d, 12h, 90m, 2w (default 30d)")
    .option("--association <id...>", "assess these associations (default: every one in Learning or Audit)")
    .addOption(new Option("--policy <file>", "policy file (YAML or JSON); readiness.maxPrefixLength, readiness.preferSubscriptionRules"))
    .addOption(choiceOption("--format <format>", "output format (default: table on a terminal, json otherwise)", READINESS_FORMATS))
    .option("--output <file>", "write the report to a file instead of stdout")
    .option("--arm-endpoint <url>", "ARM endpoint for live mode (default: NSPG_ARM_ENDPOINT or https://management.azure.com)")
    .option("--logs-endpoint <url>", "Log Analytics endpoint (default: https://api.loganalytics.io/v1)")
    .exitOverride()
    .action(async (opts) => {
      const { runReadiness } = await import("./readiness.js");
      setExit(await runReadiness(opts));
    });

  program
    .command("export")
    .description("Read subscriptions through ARM and write the estate as a snapshot (the format scan --snapshot reads).")
    .option("--subscription <id...>", "subscriptions to export")
    .option("--management-group <id>", "export every subscription under this management group (Azure Resource Graph, then ARM for what it does not hold)")
    .option("--output <file>", "write the snapshot to a file instead of stdout")
    .option("--arm-endpoint <url>", "ARM endpoint (default: NSPG_ARM_ENDPOINT or the cloud's)")
    .addOption(choiceOption("--cloud <cloud>", "Azure cloud: default ARM endpoint and token audience (default: NSPG_CLOUD or AzureCloud)", CLOUD_NAMES))
    .addOption(new Option("--policy <file>", "read only what the rules this policy leaves on need"))
    .exitOverride()
    .action(async (opts: ExportOptions) => {
      const { runExport } = await import("./export.js");
      setExit(await runExport(opts));
    });

  program
    .command("coverage")
    .description(
      "Where the perimeters are not: per subscription and onboarded type, resources protected (Enforced), in transition (Learning or Audit, past the grace days or not) and in no perimeter, with the lists. Evidence for CIS Microsoft Azure Foundations Benchmark v5 control 7.16.",
    )
    .option("--snapshot <file>", "an estate as ARM resources, holding every resource of the onboarded types in scope")
    .option("--subscription <id...>", "read these subscriptions through Azure Resource Graph")
    .option("--management-group <id>", "read every subscription under this management group through Azure Resource Graph")
    .addOption(choiceOption("--format <format>", "output format (default: table on a terminal, json otherwise)", ["table", "json", "markdown", "html"]))
    .option("--output <file>", "write the report to a file instead of stdout")
    .addOption(new Option("--policy <file>", "policy file (YAML or JSON): transitionGraceDays, onboardedTypes"))
    .option("--arm-endpoint <url>", "ARM endpoint (default: NSPG_ARM_ENDPOINT or the cloud's)")
    .addOption(choiceOption("--cloud <cloud>", "Azure cloud: default ARM endpoint and token audience (default: NSPG_CLOUD or AzureCloud)", CLOUD_NAMES))
    .option("--max-snapshot-bytes <n>", "refuse snapshots larger than this", positiveInteger)
    .exitOverride()
    .action(async (opts) => {
      const { runCoverage } = await import("./coverage.js");
      setExit(await runCoverage(opts));
    });

  const rules = program
    .command("rules")
    .description("List the rule catalog; `rules explain ID` shows one rule's page.")
    .addOption(choiceOption("--format <format>", "output format (default: table on a terminal, json otherwise)", RULES_FORMATS))
    .exitOverride()
    .action(async (opts: { format?: RulesFormat }) => {
      const [{ renderRules }, { emit }] = await Promise.all([import("./rules.js"), import("./output.js")]);
      await emit(renderRules(opts.format ?? (process.stdout.isTTY ? "table" : "json")), undefined);
      setExit(EXIT.ok);
    });
  rules
    .command("explain")
    .description("One rule's page: why it exists, severity, remediation, what `revert` does for it, sources.")
    .argument("<ruleId>", "the rule's id, as `nsp-guardrail rules` lists it")
    .exitOverride()
    .action(async (ruleId: string) => {
      const [{ explainRule }, { emit }] = await Promise.all([import("./explain.js"), import("./output.js")]);
      await emit(explainRule(ruleId, Math.min(process.stdout.columns ?? 100, 120)), undefined);
      setExit(EXIT.ok);
    });

  program
    .command("init")
    .description("Write a commented policy file to start from (every value the default), validated by editors through its JSON Schema.")
    .option("--output <file>", "where to write it (`-` for stdout)", "policy.yaml")
    .option("--force", "overwrite the file if it exists")
    .exitOverride()
    .action(async (opts: { output: string; force?: boolean }) => {
      const { runInit } = await import("./init.js");
      const result = await runInit(opts);
      if (result.wrote) note(`wrote ${result.wrote}: edit it, then pass it as --policy ${result.wrote}`);
      setExit(result.code);
    });

  program
    .command("emulator")
    .description("Run the local ARM emulator (HTTPS) seeded from a snapshot; prints an export block (endpoint, certificate file, token).")
    .option("--snapshot <file>", "estate to seed the emulator with")
    .option("--port <n>", "port to listen on (default: any free port)", positiveInteger)
    .option("--page-size <n>", "items per list page", positiveInteger)
    .option("--webhook <url...>", "deliver Event Grid events to these webhooks (validation handshake first)")
    .addOption(choiceOption("--event-schema <schema>", "schema of delivered events", EVENT_SCHEMAS).default("EventGridSchema"))
    .option("--env <file>", "also write the export block (endpoint, CA file, token, subscriptions) to this file, removed when the emulator stops")
    .exitOverride()
    .action(async (opts: EmulatorOptions) => {
      const { runEmulator } = await import("./emulator.js");
      // The global --verbose (it stands anywhere on the line) also logs the emulator's requests.
      setExit(await runEmulator({ ...opts, verbose: program.opts<{ verbose?: boolean }>().verbose === true }));
    });

  program
    .command("demo")
    .description("Run the built-in demo: the Contoso estate in the ARM emulator, a scripted timeline of mistakes, live alerts and reverts.")
    .option("--port <n>", "port of the page served with --keep (default: any free port)", positiveInteger)
    .option("--keep", "after the timeline, serve a local page: perimeter map, findings, Teams cards, email inbox")
    .exitOverride()
    .action(async (opts: DemoCliOptions) => {
      const { runDemoCommand } = await import("./demo.js");
      setExit(await runDemoCommand(opts));
    });

  registerUndoCommand(program, setExit);

  return program;
}

/** Several lines of a message as one. */
function oneLine(text: string): string {
  return text.trim().split(/\s*\n\s*/).join(" ");
}

/**
 * A reader that stops reading (`nsp-guardrail export | head`) closes the pipe: the rest of the output
 * has nowhere to go, which is not an error. The process ends quietly with the code it had.
 */
export function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

/** Runs the CLI; returns the exit code. Errors become one line on stderr, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  endQuietlyOnClosedPipe();
  let code: number = EXIT.ok;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; every other parse failure is a usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof InputError) {
      process.stderr.write(`${TOOL_NAME}: ${terminalText(error.message)}\n`);
      return EXIT.usage;
    }
    if (error instanceof ArmUnavailableError) {
      process.stderr.write(`${TOOL_NAME}: ${terminalText(error.message)}\n`);
      return EXIT.azure;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${TOOL_NAME}: internal error: ${terminalText(message)}\n`);
    return 70;
  }
}
