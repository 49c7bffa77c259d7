/** The emulator's traffic recording stays cheap: one pair per shape, bounded, only the spec subset's providers, no credentials. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { shapeOf, TrafficRecorder, type TrafficPair } from "../../src/emulator/traffic.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function recorder() {
  const dir = mkdtempSync(join(tmpdir(), "nspg-traffic-"));
  dirs.push(dir);
  const traffic = new TrafficRecorder(dir);
  const pairs = () => readdirSync(dir).flatMap((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as TrafficPair[]);
  return { traffic, pairs };
}

const ACCOUNT = "https://127.0.0.1:1/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1?api-version=2026-09-01";
const get = (url = ACCOUNT) => ({ method: "GET", url: new URL(url), headers: { authorization: "Bearer secret", "if-match": '"1"' }, body: undefined });
const ok = (body: unknown) => ({ status: 200, headers: { "content-type": "application/json" }, body });

describe("traffic recording", () => {
  it("keeps one pair per shape, without the Authorization header", () => {
    const { traffic, pairs } = recorder();
    traffic.record(get(), ok({ id: "a", properties: { x: 1 } }), "Microsoft.Storage/storageAccounts/read");
    traffic.record(get(), ok({ id: "b", properties: { x: 2 } }), "Microsoft.Storage/storageAccounts/read");
    traffic.record(get(), ok({ id: "c", properties: { x: 3, y: "new field" } }), "Microsoft.Storage/storageAccounts/read");
    traffic.flush();
    const kept = pairs();
    expect(kept.map((p) => (p.liveResponse.body as { id: string }).id)).toEqual(["a", "c"]);
    expect(kept[0]!.liveRequest.headers).toEqual({ "if-match": '"1"' });
  });

  it("is bounded per operation and status, and ignores providers outside the spec subset", () => {
    const { traffic, pairs } = recorder();
    for (let i = 0; i < 20; i++) traffic.record(get(), ok({ [`field${i}`]: i }), "Microsoft.Storage/storageAccounts/read");
    traffic.record(get("https://127.0.0.1:1/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1?api-version=2026-04-01"), ok({ id: "vm" }), "Microsoft.Compute/virtualMachines/read");
    traffic.flush();
    expect(pairs()).toHaveLength(5);
  });

  it("records nothing without a folder", () => {
    expect(new TrafficRecorder("").enabled).toBe(false);
    expect(shapeOf({ b: [1, "x"], a: null })).toBe("{a:null,b:[number|string]}");
  });
});
