/**
 * `nsp-guardrail undo REVERT_ID`: puts back what a revert replaced (see RevertExecutor.undo), reading
 * the revert from the ledger the Functions app writes and writing through ARM as `scan --subscription`
 * reads it (NSPG_ARM_ENDPOINT / --arm-endpoint, NSPG_ARM_CA_FILE, NSPG_ARM_TOKEN or Azure credentials).
 *
 * Exit codes: 0 undone; 1 refused by a safety check (the resource changed since the revert, the revert
 * was not applied or is already undone); 2 usage (unknown revert id, no state connection); 3 Azure
 * (ARM or the state storage) unreachable or refusing.
 */
import { userInfo } from "node:os";
import { DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import { ArmWriteError, SdkArmWriter } from "../actions/armWriter.js";
import { RevertExecutor, UndoRefusedError } from "../actions/executor.js";
import { ArmUnavailableError, InputError } from "../model/errors.js";
import { DEFAULT_POLICY } from "../policy/policy.js";
import { isRevertId, TableRevertLedger, type RevertRecord } from "../state/revertLedger.js";
import { terminalText } from "../report/escape.js";
import { TOOL_NAME } from "../version.js";
import { emit } from "./output.js";

import type { UNDO_FORMATS } from "./formats.js";
export { UNDO_FORMATS } from "./formats.js";

export interface UndoCliOptions {
  stateConnection?: string;
  armEndpoint?: string;
  /** `--cloud`: AzureCloud, AzureUSGovernment or AzureChinaCloud. */
  cloud?: string;
  force?: boolean;
  format?: (typeof UNDO_FORMATS)[number];
}

/** The ledger from `--state-connection`, NSPG_STATE_CONNECTION, AzureWebJobsStorage, or an identity-based account. */
export function ledgerFrom(options: UndoCliOptions, env: Readonly<Record<string, string | undefined>> = process.env): TableRevertLedger {
  const connection = options.stateConnection?.trim() || env["NSPG_STATE_CONNECTION"]?.trim() || env["AzureWebJobsStorage"]?.trim();
  if (connection) return TableRevertLedger.fromConnectionString(connection);
  const account = env["AzureWebJobsStorage__accountName"]?.trim();
  if (account) {
    const clientId = env["AZURE_CLIENT_ID"]?.trim();
    return TableRevertLedger.fromIdentity({ accountName: account, credential: clientId ? new ManagedIdentityCredential({ clientId }) : new DefaultAzureCredential() });
  }
  throw new InputError("undo: --state-connection: required (or NSPG_STATE_CONNECTION / AzureWebJobsStorage / AzureWebJobsStorage__accountName): where the revert ledger is");
}

/** Who is undoing, for the audit trail: the token's object id when NSPG_ARM_TOKEN is a JWT, else the OS user. */
function actorOf(env: Readonly<Record<string, string | undefined>>): string {
  const token = env["NSPG_ARM_TOKEN"]?.trim().replace(/^Bearer\s+/i, "");
  const payload = token?.split(".")[1];
  if (payload) {
    try {
      const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { oid?: unknown; upn?: unknown };
      if (typeof claims.oid === "string") return `${TOOL_NAME} undo by ${typeof claims.upn === "string" ? `${claims.upn} ` : ""}${claims.oid}`;
    } catch {
      // Not a JWT: fall back to the OS user.
    }
  }
  let user = "unknown user";
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (containers): keep the placeholder.
  }
  return `${TOOL_NAME} undo by ${user}`;
}

function storageFailure(error: unknown): ArmUnavailableError | undefined {
  const e = error as { name?: unknown; statusCode?: unknown; code?: unknown; message?: unknown } | null;
  if (e?.name !== "RestError") return undefined;
  const status = typeof e.statusCode === "number" ? `HTTP ${e.statusCode}` : String(e.code ?? "network error");
  return new ArmUnavailableError(`undo: revert ledger (state storage) unavailable: ${status}: ${String(e.message ?? "").split("\n")[0]}`);
}

export function formatUndo(undo: RevertRecord): string {
  return `${undo.revertId} ${undo.status}: ${terminalText(undo.reason)}\n`;
}

export async function runUndo(revertId: string, options: UndoCliOptions, env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  if (!isRevertId(revertId) || !revertId.startsWith("rv-")) throw new InputError(`undo: ${JSON.stringify(revertId)}: not a revert id (expected rv-YYYYMMDDTHHMMSSmmmZ-xxxxxxxx)`);
  const ledger = ledgerFrom(options, env);
  const writer = new SdkArmWriter({
    ...(options.armEndpoint !== undefined ? { armEndpoint: options.armEndpoint } : {}),
    ...(options.cloud !== undefined ? { cloud: options.cloud } : {}),
    env,
  });
  // The policy plays no part in an undo (a person asked for it); the executor only needs one to exist.
  const executor = new RevertExecutor({ writer, ledger, policy: DEFAULT_POLICY });
  let undo: RevertRecord;
  try {
    undo = await executor.undo(revertId, { force: options.force === true, actor: actorOf(env) });
  } catch (error) {
    if (error instanceof UndoRefusedError) {
      process.stderr.write(`${TOOL_NAME}: undo refused: ${terminalText(error.message)}\n`);
      return 1;
    }
    if (error instanceof ArmWriteError) throw new ArmUnavailableError(`undo: ARM call failed: ${error.message}`);
    throw storageFailure(error) ?? error;
  }
  const format = options.format ?? (process.stdout.isTTY ? "table" : "json");
  await emit(format === "json" ? `${JSON.stringify(undo, null, 2)}\n` : formatUndo(undo), undefined);
  return 0;
}

export { registerUndoCommand } from "./undoCommand.js";
