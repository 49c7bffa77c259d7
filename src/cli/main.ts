import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { ArmUnavailableError, InputError } from "../model/errors.js";
import { CLOUD_NAMES } from "../inventory/cloud.js";
import { terminalText } from "../report/escape.js";
import { TOOL_NAME, VERSION } from "../version.js";
import { runEmulator, type EmulatorOptions } from "./emulator.js";
import { runExport, type ExportOptions } from "./export.js";
import { REPLAY_FORMATS, runReplay, type ReplayCliOptions } from "./replay.js";
import { runDemoCommand, type DemoCliOptions } from "./demo.js";
import { emit } from "./output.js";
import { registerUndoCommand } from "./undo.js";
import { sendAlertsOption } from "./sendAlerts.js";
import { renderRules, RULES_FORMATS, type RulesFormat } from "./rules.js";
import { FAIL_ON, runScan, SCAN_FORMATS, type ScanOptions } from "./scan.js";

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
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command("scan")
    .description("Evaluate every perimeter of an estate and report findings.")
    .option("--snapshot <file>", "an estate as ARM resources (JSON: array, {resources}, {value} or {data})")
    .option("--subscription <id...>", "scan these subscriptions live through ARM")
    .option("--management-group <id>", "scan every subscription under this management group (Azure Resource Graph, then ARM for what it does not hold)")
    .option("--arm-endpoint <url>", "ARM endpoint for live mode (default: NSPG_ARM_ENDPOINT or the cloud's)")
    .addOption(new Option("--cloud <cloud>", "Azure cloud: default ARM endpoint and token audience (default: NSPG_CLOUD or AzureCloud)").choices(CLOUD_NAMES))
    .addOption(new Option("--policy <file>", "policy file (YAML or JSON)"))
    .addOption(new Option("--format <format>", "output format (default: table on a terminal, json otherwise)").choices(SCAN_FORMATS))
    .addOption(new Option("--fail-on <severity>", "exit 1 when a finding reaches this severity").choices(FAIL_ON).default("high"))
    .option("--output <file>", "write the report to a file instead of stdout")
    .option("--max-snapshot-bytes <n>", "refuse snapshots larger than this", positiveInteger)
    .exitOverride()
    .action(async (opts: ScanOptions) => setExit(await runScan(opts)));

  program
    .command("replay")
    .description("Replay a timeline of changes against an estate: what the guardrail would decide, event by event.")
    .requiredOption("--snapshot <file>", "the estate before the timeline (the guardrail's last known good state)")
    .requiredOption("--timeline <file>", 'JSON array of { "op": "put", "resource": {...} } / { "op": "delete", "id": "..." }')
    .addOption(new Option("--policy <file>", "policy file (YAML or JSON)"))
    .addOption(new Option("--format <format>", "output format (default: table on a terminal, json otherwise)").choices(REPLAY_FORMATS))
    .addOption(sendAlertsOption())
    .option("--max-timeline-bytes <n>", "refuse timelines larger than this (default 64 MiB)", positiveInteger)
    .exitOverride()
    .action(async (opts: ReplayCliOptions) => setExit(await runReplay(opts)));

  program
    .command("simulate")
    .description("Run the guardrail's handlers many times under seeded faults (storage, crashes, ARM, Event Grid, races) and check its invariants.")
    .requiredOption("--snapshot <file>", "the estate to simulate on")
    .option("--timeline <file>", "changes to play in every run (replay's format; default: drawn per run from the estate)")
    .addOption(new Option("--policy <file>", "policy file (YAML or JSON)"))
    .option("--seed <n>", "seed of the first run's schedule (a violation prints its own)", nonNegativeInteger)
    .option("--runs <n>", "how many runs (default 100)", positiveInteger)
    .addOption(new Option("--faults <level>", "fault schedule").choices(["none", "default", "heavy"]).default("default"))
    .addOption(new Option("--format <format>", "output format (default: table on a terminal, json otherwise)").choices(["table", "json"]))
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
    .addOption(new Option("--format <format>", "output format (default: table on a terminal, json otherwise)").choices(["table", "json", "markdown", "html", "sarif"]))
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
    .addOption(new Option("--cloud <cloud>", "Azure cloud: default ARM endpoint and token audience (default: NSPG_CLOUD or AzureCloud)").choices(CLOUD_NAMES))
    .addOption(new Option("--policy <file>", "read only what the rules this policy leaves on need"))
    .exitOverride()
    .action(async (opts: ExportOptions) => setExit(await runExport(opts)));

  program
    .command("coverage")
    .description(
      "Where the perimeters are not: per subscription and onboarded type, resources protected (Enforced), in transition (Learning or Audit, past the grace days or not) and in no perimeter, with the lists. Evidence for CIS Microsoft Azure Foundations Benchmark v5 control 7.16.",
    )
    .option("--snapshot <file>", "an estate as ARM resources, holding every resource of the onboarded types in scope")
    .option("--subscription <id...>", "read these subscriptions through Azure Resource Graph")
    .option("--management-group <id>", "read every subscription under this management group through Azure Resource Graph")
    .addOption(new Option("--format <format>", "output format (default: table on a terminal, json otherwise)").choices(["table", "json", "markdown", "html"]))
    .option("--output <file>", "write the report to a file instead of stdout")
    .addOption(new Option("--policy <file>", "policy file (YAML or JSON): transitionGraceDays, onboardedTypes"))
    .option("--arm-endpoint <url>", "ARM endpoint (default: NSPG_ARM_ENDPOINT or the cloud's)")
    .addOption(new Option("--cloud <cloud>", "Azure cloud: default ARM endpoint and token audience (default: NSPG_CLOUD or AzureCloud)").choices(CLOUD_NAMES))
    .option("--max-snapshot-bytes <n>", "refuse snapshots larger than this", positiveInteger)
    .exitOverride()
    .action(async (opts) => {
      const { runCoverage } = await import("./coverage.js");
      setExit(await runCoverage(opts));
    });

  program
    .command("rules")
    .description("List the rule catalog.")
    .addOption(new Option("--format <format>", "output format").choices(RULES_FORMATS).default("table"))
    .exitOverride()
    .action(async (opts: { format: RulesFormat }) => {
      await emit(renderRules(opts.format), undefined);
      setExit(EXIT.ok);
    });

  program
    .command("emulator")
    .description("Run the local ARM emulator (HTTPS) seeded from a snapshot; prints endpoint, certificate file and token.")
    .option("--snapshot <file>", "estate to seed the emulator with")
    .option("--port <n>", "port to listen on (default: any free port)", positiveInteger)
    .option("--page-size <n>", "items per list page", positiveInteger)
    .option("--webhook <url...>", "deliver Event Grid events to these webhooks (validation handshake first)")
    .addOption(new Option("--event-schema <schema>", "schema of delivered events").choices(["EventGridSchema", "CloudEventSchemaV1_0"]).default("EventGridSchema"))
    .exitOverride()
    .action(async (opts: EmulatorOptions) => setExit(await runEmulator(opts)));

  program
    .command("demo")
    .description("Run the built-in demo: the Contoso estate in the ARM emulator, a scripted timeline of mistakes, live alerts and reverts.")
    .option("--port <n>", "port of the page served with --keep (default: any free port)", positiveInteger)
    .option("--keep", "after the timeline, serve a local page: perimeter map, findings, Teams cards, email inbox")
    .exitOverride()
    .action(async (opts: DemoCliOptions) => setExit(await runDemoCommand(opts)));

  registerUndoCommand(program, setExit);

  return program;
}

/** Runs the CLI; returns the exit code. Errors become one line on stderr, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
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
