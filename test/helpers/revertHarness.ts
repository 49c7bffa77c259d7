/**
 * The whole watchdog with reverts on: the pipeline harness (emulator → Event Grid → pipeline) with
 * `onDecision` wired to a RevertExecutor whose writer talks to the emulator through the Azure SDK as
 * the guardrail's own identity (which is also `selfPrincipalIds`, as in production).
 */
import type { ArmResource } from "../../src/model/resource.js";
import { SdkArmWriter, type ArmWriter } from "../../src/actions/armWriter.js";
import { RevertExecutor, revertThenNotify } from "../../src/actions/executor.js";
import type { ArmEmulator } from "../../src/emulator/server.js";
import type { Caller } from "../../src/emulator/tokens.js";
import type { Policy } from "../../src/policy/policy.js";
import { parsePolicy } from "../../src/policy/policy.js";
import { GUARDRAIL_IDENTITY } from "../../src/replay/replay.js";
import { RULE_IDS } from "../../src/rules/catalog/index.js";
import { MemoryRevertLedger, type RevertLedger } from "../../src/state/revertLedger.js";
import { accessRule, association, fileShare, perimeter, profile, storageAccount } from "./builders.js";
import { startPipeline } from "./pipelineHarness.js";

export const GUARDRAIL: Caller = GUARDRAIL_IDENTITY;
export const ALICE: Caller = { objectId: "0000000a-0000-0000-0000-000000000001", name: "alice@contoso.example" };
export const BOB_EXEMPT: Caller = { objectId: "0000000b-0000-0000-0000-00000000000b", name: "bob@contoso.example" };
export const OPERATOR: Caller = { objectId: "0000000c-0000-0000-0000-00000000000c", name: "oncall@contoso.example" };

export function policyOf(yaml: string): Policy {
  return parsePolicy(yaml, "policy.yaml", RULE_IDS);
}

export function withProps(r: ArmResource, props: Record<string, unknown>): ArmResource {
  return { ...r, properties: { ...r.properties, ...props } };
}

/** One perimeter, one profile with an IP rule, four Enforced storage members, and an NFS account outside. */
export function revertEstate() {
  const nsp = perimeter("nsp-data");
  const prof = profile(nsp, "default");
  const ipRule = accessRule(prof, "offices", { direction: "Inbound", addressPrefixes: ["203.0.113.0/24"] });
  const accounts = ["stalpha", "stbeta", "stgamma", "stdelta"].map((n) => storageAccount(n));
  const assocs = accounts.map((a) => association(nsp, `assoc-${a.name}`, a.id, { profile: prof, accessMode: "Enforced" }));
  const nfsAccount = storageAccount("stnfsnew");
  const resources: ArmResource[] = [nsp, prof, ipRule, ...accounts, ...assocs, nfsAccount, fileShare(nfsAccount, "hpc", "NFS")];
  return { nsp, prof, ipRule, accounts, assocs, nfsAccount, resources };
}

export interface RevertHarnessOptions {
  policy: Policy;
  ledger?: RevertLedger;
  /** Wraps the SDK writer (to interfere between evaluation and write, say). */
  wrapWriter?: (writer: ArmWriter, emulator: ArmEmulator) => ArmWriter;
  /** The executor's clock (default: now). */
  now?: () => Date;
  /** Alert channels, after the reverts (the notifier's `dispatch`, as the Functions app wires it). */
  notify?: Parameters<typeof revertThenNotify>[1];
}

export async function startRevertPipeline(seed: ArmResource[], options: RevertHarnessOptions) {
  let executor: RevertExecutor | undefined;
  const h = await startPipeline(seed, {
    policy: options.policy,
    selfPrincipalIds: [GUARDRAIL.objectId],
    onDecision: (decision, plans, logger) => revertThenNotify(executor!, options.notify)(decision, plans, logger),
  });
  const sdkWriter = new SdkArmWriter({
    credential: h.emulator.credential(GUARDRAIL),
    armEndpoint: h.emulator.endpoint,
    ca: h.emulator.caCertificate,
    env: {},
    retryOptions: { maxRetries: 2, retryDelayInMs: 5, maxRetryDelayInMs: 20 },
    pollIntervalMs: 1,
  });
  const writer = options.wrapWriter ? options.wrapWriter(sdkWriter, h.emulator) : sdkWriter;
  const ledger = options.ledger ?? new MemoryRevertLedger();
  executor = new RevertExecutor({
    writer,
    ledger,
    policy: options.policy,
    selfPrincipalIds: [GUARDRAIL.objectId],
    ...(options.now ? { now: options.now } : {}),
  });
  /** PUT and DELETE requests the guardrail's identity sent to ARM. */
  const guardrailWrites = () =>
    h.emulator.operations.filter((o) => o.caller?.objectId === GUARDRAIL.objectId && (o.method === "PUT" || o.method === "DELETE" || o.method === "PATCH"));
  const stored = (id: string) => h.emulator.store.get(id)?.resource;
  return { ...h, executor, ledger, writer, sdkWriter, guardrailWrites, stored };
}
