/**
 * `nsp-guardrail undo`: the CLI as a subprocess, reading the ledger the pipeline wrote on a real
 * Azurite and writing to the in-process emulator (hence the async spawn), and the executor's undo rails.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UndoRefusedError } from "../../src/actions/executor.js";
import { buildProgram } from "../../src/cli/main.js";
import { MemoryRevertLedger, TableRevertLedger } from "../../src/state/revertLedger.js";
import { startAzurite, type AzuriteInstance } from "../helpers/azurite.js";
import { association } from "../helpers/builders.js";
import { cliAsync, ROOT, type CliResult } from "../helpers/cli.js";
import { ALICE, OPERATOR, policyOf, revertEstate, startRevertPipeline, withProps } from "../helpers/revertHarness.js";

const DOWNGRADE_REVERT = "dryRun: false\nrules: { storage-enforcement-downgrade: { action: revert } }";

/** Whether main.ts registers `undo` yet; until it does, the same command runs from its own module. */
const undoRegistered = buildProgram(() => undefined).commands.some((c) => c.name() === "undo");

function undoCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  if (undoRegistered) return cliAsync(["undo", ...args], { env });
  // main() with the one line main.ts gets: buildProgram, then registerUndoCommand, then main's error mapping.
  const script = [
    `import { buildProgram } from "./dist/src/cli/main.js";`,
    `import { registerUndoCommand } from "./dist/src/cli/undo.js";`,
    `let code = 0;`,
    `const program = buildProgram((c) => { code = c; });`,
    `registerUndoCommand(program, (c) => { code = c; });`,
    `try { await program.parseAsync(process.argv.slice(1), { from: "user" }); } catch (e) {`,
    `  if (e.name !== "CommanderError") process.stderr.write("nsp-guardrail: " + e.message + "\\n");`,
    `  code = e.name === "CommanderError" ? (e.exitCode === 0 ? 0 : 2) : e.name === "InputError" ? 2 : e.name === "ArmUnavailableError" ? 3 : 70; }`,
    `process.exitCode = code;`,
  ].join("\n");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script, "undo", ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

describe("nsp-guardrail undo (subprocess, ledger on Azurite)", () => {
  let azurite: AzuriteInstance;
  let work: string;
  beforeAll(async () => {
    azurite = await startAzurite();
    work = await mkdtemp(join(tmpdir(), "nspg-undo-"));
  });
  afterAll(async () => {
    await azurite?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("restores the body the revert replaced, is recorded as an undo, and its event is not fought", async () => {
    const e = revertEstate();
    const ledger = TableRevertLedger.fromConnectionString(azurite.connectionString);
    await ledger.init();
    const h = await startRevertPipeline(e.resources, { policy: policyOf(DOWNGRADE_REVERT), ledger });
    await h.pipeline.reconcile();
    h.emulator.put(withProps(e.assocs[0]!, { accessMode: "Learning" }), ALICE);
    await h.settle();
    expect(h.stored(e.assocs[0]!.id)!.properties?.["accessMode"]).toBe("Enforced");
    const [revert] = await ledger.list({ kind: "revert", statuses: ["applied"] });
    expect(revert).toBeDefined();

    const caFile = join(work, "emulator-ca.pem");
    await writeFile(caFile, h.emulator.caCertificate);
    const env = {
      NSPG_ARM_ENDPOINT: h.emulator.endpoint,
      NSPG_ARM_CA_FILE: caFile,
      NSPG_ARM_TOKEN: h.emulator.token(OPERATOR),
      NSPG_STATE_CONNECTION: azurite.connectionString,
    };
    // ARM refusing the credential is exit 3, one line naming the call.
    const refused = await undoCli([revert!.revertId], { ...env, NSPG_ARM_TOKEN: "not-a-token" });
    expect(refused.status).toBe(3);
    expect(refused.stderr).toMatch(/^nsp-guardrail: undo: ARM call failed: read assoc-stalpha: HTTP 401 InvalidAuthenticationToken/);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(await ledger.list({ kind: "undo" })).toEqual([]);

    const result = await undoCli([revert!.revertId, "--format", "json"], env);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const undo = JSON.parse(result.stdout);
    expect(undo).toMatchObject({ kind: "undo", undoOf: revert!.revertId, status: "applied", operation: "restore", targetId: e.assocs[0]!.id });
    expect(undo.reason).toMatch(new RegExp(`^restored assoc-stalpha to its body before revert ${revert!.revertId} \\(accessMode Learning, profile default\\)`));
    expect(undo.actor).toContain(OPERATOR.objectId);

    // ARM holds the user's body again, written by the operator's identity: NSP resources have no ETags,
    // so the undo compared the version the revert left before writing (the association PUT is a 202).
    const now = h.stored(e.assocs[0]!.id)!;
    expect(now.properties?.["accessMode"]).toBe("Learning");
    expect(now.etag).toBeUndefined();
    const undoWrites = h.emulator.operations.filter((o) => o.caller?.objectId === OPERATOR.objectId && o.method === "PUT");
    expect(undoWrites.map((o) => o.status)).toEqual([202]);
    expect((await ledger.get(undo.revertId))?.resultVersion).toBe(`${now.systemData?.lastModifiedAt}#${(await ledger.get(undo.revertId))?.resultVersion?.split("#")[1]}`);

    // Audited in the ledger, both ways.
    expect((await ledger.get(revert!.revertId))?.undoneBy).toBe(undo.revertId);
    expect((await ledger.get(undo.revertId))?.after?.properties?.["accessMode"]).toBe("Learning");

    // The undo's event reaches the pipeline: the downgrade is found again, and the guardrail leaves it.
    const decisions = await h.settle();
    const skipped = decisions.flatMap((d) => d.actions).find((a) => a.type === "revert");
    expect(skipped).toMatchObject({ status: "skipped", reason: expect.stringMatching(new RegExp(`^the change is nsp-guardrail undo ${undo.revertId} \\(of revert ${revert!.revertId}\\): not fought`)) });
    expect(h.stored(e.assocs[0]!.id)!.properties?.["accessMode"]).toBe("Learning");

    // A second undo is refused (exit 1), an unknown id is a usage error (exit 2).
    const again = await undoCli([revert!.revertId], env);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/undo refused: revert rv-.* was already undone by un-/);
    const unknown = await undoCli(["rv-20000101T000000000Z-deadbeef"], env);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/no revert rv-20000101T000000000Z-deadbeef in the ledger/);
    const noState = await undoCli([revert!.revertId], { ...env, NSPG_STATE_CONNECTION: "", AzureWebJobsStorage: "" });
    expect(noState.status).toBe(2);
    expect(noState.stderr).toMatch(/--state-connection: required/);
  }, 90_000); // five CLI processes, each loading the Azure SDKs
});

describe("undo rails (in process)", () => {
  it("re-creates what a revert deleted, after a 404 on the re-read (no If-None-Match: the type has no ETags)", async () => {
    const e = revertEstate();
    const ledger = new MemoryRevertLedger();
    const h = await startRevertPipeline(e.resources, { policy: policyOf("dryRun: false\nrules: { storage-nfs: { action: revert } }"), ledger });
    await h.pipeline.reconcile();
    const created = association(e.nsp, "assoc-stnfsnew", e.nfsAccount.id, { profile: e.prof, accessMode: "Enforced" });
    h.emulator.put(created, ALICE);
    await h.settle();
    expect(h.stored(created.id)).toBeUndefined();
    const revert = ledger.all().find((r) => r.status === "applied")!;
    const undo = await h.executor.undo(revert.revertId, { actor: "test" });
    expect(undo).toMatchObject({ status: "applied", operation: "restore", reason: expect.stringMatching(/^re-created assoc-stnfsnew as it was before revert rv-/) });
    expect(h.stored(created.id)!.properties?.["accessMode"]).toBe("Enforced");
    // The re-creation's event: storage-nfs is new again, and the guardrail leaves it (here the undo ran as
    // the guardrail's own identity, so the planner already knows; the CLI test covers another identity).
    const decisions = await h.settle();
    expect(decisions.flatMap((d) => d.actions).find((a) => a.type === "revert")).toMatchObject({ status: "skipped" });
    expect(h.stored(created.id)).toBeDefined();
  });

  it("refuses when the resource changed since the revert, unless forced; refuses what was not applied", async () => {
    const e = revertEstate();
    const ledger = new MemoryRevertLedger();
    const h = await startRevertPipeline(e.resources, { policy: policyOf(`${DOWNGRADE_REVERT}\nexemptPrincipals: [${OPERATOR.objectId}]`), ledger });
    await h.pipeline.reconcile();
    h.emulator.put(withProps(e.assocs[0]!, { accessMode: "Learning" }), ALICE);
    await h.settle();
    const revert = ledger.all().find((r) => r.status === "applied")!;
    // Someone (exempt, so not reverted) changes it after the revert.
    h.emulator.put(withProps(e.assocs[0]!, { accessMode: "Audit" }), OPERATOR);
    await h.settle();
    await expect(h.executor.undo(revert.revertId)).rejects.toThrow(UndoRefusedError);
    await expect(h.executor.undo(revert.revertId)).rejects.toThrow(/changed since revert rv-.*not overwritten \(--force to undo anyway\)/);
    expect(h.stored(e.assocs[0]!.id)!.properties?.["accessMode"]).toBe("Audit");
    const forced = await h.executor.undo(revert.revertId, { force: true });
    expect(forced.status).toBe("applied");
    expect(h.stored(e.assocs[0]!.id)!.properties?.["accessMode"]).toBe("Learning");

    const skipped = ledger.all().find((r) => r.kind === "revert" && r.status === "skipped");
    expect(skipped?.reason).toMatch(/exempt principal/);
    await expect(h.executor.undo(skipped!.revertId)).rejects.toThrow(/was not applied/);
    await expect(h.executor.undo(forced.revertId)).rejects.toThrow(/is an undo, not a revert/);
  });
});
