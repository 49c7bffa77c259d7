/**
 * The `undo` command's declaration. Its code (undo.ts: Azure SDK clients, the ledger) is loaded only
 * when the command runs.
 */
import type { Command } from "commander";
import { CLOUD_NAMES } from "../inventory/cloud.js";
import { choiceOption } from "./choices.js";
import { UNDO_FORMATS } from "./formats.js";
import type { UndoCliOptions } from "./undo.js";

/**
 * Adds the `undo` command to the program (main.ts: `registerUndoCommand(program, setExit);` in
 * `buildProgram`), as `program.command(...)` so that it inherits the program's settings like the others.
 */
export function registerUndoCommand(program: Command, setExit: (code: number) => void): Command {
  return program
    .command("undo")
    .description("Put back what a revert replaced (its body before the revert), through the same safety checks; recorded in the ledger.")
    .argument("<revertId>", "the revert's id (rv-…), as alerts, replay and the ledger show it")
    .option("--state-connection <connection>", "storage connection string of the revert ledger (default: NSPG_STATE_CONNECTION, then AzureWebJobsStorage)")
    .option("--arm-endpoint <url>", "ARM endpoint (default: NSPG_ARM_ENDPOINT or the cloud's)")
    .addOption(choiceOption("--cloud <cloud>", "Azure cloud: default ARM endpoint and token audience (default: NSPG_CLOUD or AzureCloud)", CLOUD_NAMES))
    .option("--force", "undo even if the resource changed since the revert (still compared with the state read just before the write)")
    .addOption(choiceOption("--format <format>", "output format (default: table on a terminal, json otherwise)", UNDO_FORMATS))
    .exitOverride()
    .action(async (revertId: string, opts: UndoCliOptions) => {
      const { runUndo } = await import("./undo.js");
      setExit(await runUndo(revertId, opts));
    });
}
