/**
 * `simulate` on the fixture estates with the demo policy (reverts on, dry run off) under heavy faults:
 * no invariant may break. And the checks can fail: a guardrail made to misbehave on purpose is caught
 * by the invariant it breaks.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadSnapshotFile } from "../../src/inventory/snapshot.js";
import { idKey } from "../../src/model/armId.js";
import type { ArmResource } from "../../src/model/resource.js";
import { T } from "../../src/model/resourceTypes.js";
import { DEFAULT_POLICY, parsePolicy, type Policy } from "../../src/policy/policy.js";
import { GUARDRAIL_IDENTITY } from "../../src/replay/replay.js";
import { RULE_IDS } from "../../src/rules/catalog/index.js";
import { simulate } from "../../src/simulate/simulate.js";
import type { StateStore } from "../../src/state/stateStore.js";
import { cli } from "../helpers/cli.js";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/estates/${name}`, import.meta.url));
const demoPolicy = parsePolicy(readFileSync(fileURLToPath(new URL("../../demo/policy.yaml", import.meta.url)), "utf8"), "policy.yaml", RULE_IDS);
const estateOf = async (name: string) => (await loadSnapshotFile(fixture(name))).resources;

describe("simulate", () => {
  it.each([
    ["contoso.json", 6],
    ["guardrail-own.json", 3],
    ["fabrikam-resource-graph.json", 1],
  ])("%s: no invariant breaks under heavy faults (fixed seed, %i runs)", async (file, runs) => {
    const result = await simulate(await estateOf(file), { policy: demoPolicy, seed: 20261128, runs, faults: "heavy" });
    expect(result.violations).toEqual([]);
    expect(result.runs).toBe(runs);
    const injected = Object.values(result.faultsInjected).reduce((a, b) => a + b, 0);
    expect(injected).toBeGreaterThan(0); // the schedule really injected faults
    expect(result.figures.events).toBeGreaterThan(0);
  }, 240_000);

  it("the same seed replays the same schedule", async () => {
    const estate = await estateOf("contoso.json");
    const a = await simulate(estate, { policy: demoPolicy, seed: 42, runs: 1, faults: "none" });
    const b = await simulate(estate, { policy: demoPolicy, seed: 42, runs: 1, faults: "none" });
    expect(b.figures.events).toBe(a.figures.events);
    expect(b.figures.guardrailWrites).toBe(a.figures.guardrailWrites);
    expect(b.faultsInjected).toEqual(a.faultsInjected);
  }, 120_000);

  describe("the invariants catch a guardrail that misbehaves", () => {
    /** A decision handler that, besides doing its job, makes the guardrail write what it must not (once). */
    async function sabotaged(policy: Policy, bad: ArmResource) {
      const estate = await estateOf("contoso.json");
      let done = false;
      return simulate(estate, {
        policy,
        seed: 7,
        runs: 1,
        faults: "none",
        sabotage: (handler, { emulator }) => async (decision, plans, log) => {
          await handler(decision, plans, log);
          if (done) return;
          done = true;
          emulator.put(bad, GUARDRAIL_IDENTITY); // as the guardrail's identity
        },
      });
    }

    const openRuleOf = async () => {
      const estate = await estateOf("contoso.json");
      const profile = estate.find((r) => r.type.toLowerCase() === T.profile)!;
      const rule = estate.find((r) => r.type.toLowerCase() === T.accessRule && idKey(r.id).startsWith(idKey(profile.id)))!;
      return { ...rule, properties: { ...rule.properties, addressPrefixes: ["0.0.0.0/0"] } };
    };

    it("no-bad-write and exempt-respected: the guardrail widens a rule to 0.0.0.0/0 nobody touched", async () => {
      const bad = await openRuleOf();
      const result = await sabotaged(demoPolicy, bad);
      const names = new Set(result.violations.map((v) => v.invariant));
      expect(names.has("no-bad-write")).toBe(true);
      expect(names.has("exempt-respected")).toBe(true);
      expect(result.violations.find((v) => v.invariant === "no-bad-write")!.detail).toContain(bad.name);
      expect(result.violations[0]!.seed).toBe(7);
    }, 120_000);

    it("dry-run-respected: a write in dry run", async () => {
      const bad = await openRuleOf();
      const dry = { ...demoPolicy, dryRun: true };
      const result = await sabotaged(dry, bad);
      expect(result.violations.map((v) => v.invariant)).toContain("dry-run-respected");
    }, 120_000);

    it("convergence: the timer's pass, running amid evaluations, must not write a perimeter cache over one they wrote meanwhile", async () => {
      const estate = await estateOf("contoso.json");
      const result = await simulate(estate, {
        policy: DEFAULT_POLICY,
        seed: 11,
        // The race needs an evaluation to land while the timer's pass reads: about 1 run in 25 (7 to 9 of 200 seen).
        runs: 200,
        faults: "heavy",
        sabotageStore: (store) =>
          new Proxy(store, {
            get(target, name, receiver) {
              if (name !== "putPerimeterCache") return Reflect.get(target, name, receiver) as unknown;
              // A reconcile's write (it stamps reconciledAt with its own time) goes over the cache as it is
              // now, whatever the pass read before; the evaluations' writes stay conditional.
              return async (cache: Parameters<StateStore["putPerimeterCache"]>[0], etag: string | undefined) =>
                target.putPerimeterCache(cache, cache.reconciledAt !== undefined && cache.reconciledAt === cache.readAt ? (await target.getPerimeterCache(cache.perimeterId)).etag : etag);
            },
          }),
      });
      expect(result.faultsInjected["timer-reconcile"]).toBeGreaterThan(0);
      expect(result.violations.map((v) => v.invariant)).toContain("convergence");
    }, 300_000);

    it("alert-delivered: alerts that never reach the outbox", async () => {
      const estate = await estateOf("contoso.json");
      const result = await simulate(estate, {
        policy: demoPolicy,
        seed: 11,
        runs: 1,
        faults: "none",
        sabotage: () => async (decision) => {
          for (const a of decision.actions) a.status = "skipped"; // decides, acts on nothing, alerts nobody
        },
      });
      expect(result.violations.map((v) => v.invariant)).toContain("alert-delivered");
    }, 120_000);

    it("liveness: evaluations of one perimeter that always fail leave its changes unevaluated", async () => {
      const estate = await estateOf("contoso.json");
      const result = await simulate(estate, {
        policy: demoPolicy,
        seed: 13,
        runs: 1,
        faults: "none",
        sabotage: (handler) => async (decision, plans, log) => {
          if (/nsp-prod-data$/i.test(decision.perimeterId)) throw new Error("this perimeter's evaluations always fail");
          await handler(decision, plans, log);
        },
      });
      expect(result.violations.map((v) => v.invariant)).toContain("liveness");
      expect(result.figures.poisonedMessages).toBeGreaterThan(0);
    }, 120_000);
  });

  it("CLI: JSON in the contract's shape, exit 0; an estate without perimeters is exit 2", () => {
    const ok = cli(["simulate", "--snapshot", fixture("contoso.json"), "--policy", "demo/policy.yaml", "--runs", "1", "--seed", "5", "--faults", "none", "--format", "json"]);
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    const out = JSON.parse(ok.stdout) as Record<string, unknown>;
    expect(Object.keys(out).sort()).toEqual(["faultsInjected", "figures", "runs", "seed", "version", "violations"]);
    expect(out["seed"]).toBe(5);
    const dir = mkdtempSync(join(tmpdir(), "nspg-sim-"));
    const noPerimeter = join(dir, "accounts.json");
    writeFileSync(noPerimeter, JSON.stringify([{ id: "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1", name: "st1", type: "Microsoft.Storage/storageAccounts", properties: {} }]));
    const bad = cli(["simulate", "--snapshot", noPerimeter]);
    rmSync(dir, { recursive: true, force: true });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/^nsp-guardrail: accounts\.json: .*no network security perimeter/);
  }, 120_000);
});
