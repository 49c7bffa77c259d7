/** The timeline formats `replay` and `simulate` read: a flat array of operations, or the demo's titled steps. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseTimeline } from "../../src/replay/replay.js";
import { ROOT } from "../helpers/cli.js";

const id = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1";
const put = { op: "put", resource: { id, type: "Microsoft.Storage/storageAccounts", properties: {} } };
const del = { op: "delete", id };

describe("parseTimeline", () => {
  it("reads a flat array of operations", () => {
    expect(parseTimeline(JSON.stringify([put, del]), "t.json").map((o) => o.op)).toEqual(["put", "delete"]);
  });

  it("reads the demo's titled steps as their operations in order (demo/timeline.json was refused before)", () => {
    const steps = [{ title: "one", operations: [put] }, { title: "two", operations: [del, put] }];
    expect(parseTimeline(JSON.stringify(steps), "t.json").map((o) => o.op)).toEqual(["put", "delete", "put"]);
    const demo = parseTimeline(readFileSync(join(ROOT, "demo", "timeline.json"), "utf8"), "timeline.json");
    const demoSteps = JSON.parse(readFileSync(join(ROOT, "demo", "timeline.json"), "utf8")) as Array<{ operations: unknown[] }>;
    expect(demo).toHaveLength(demoSteps.reduce((n, s) => n + s.operations.length, 0));
  });

  it("names the step and operation of a bad entry, and refuses a mix of both formats", () => {
    expect(() => parseTimeline(JSON.stringify([{ title: "one", operations: [put, { op: "patch" }] }]), "t.json")).toThrow(/^t\.json: \[0\]\.operations\[1\]/);
    expect(() => parseTimeline(JSON.stringify([{ title: "one", operations: [put] }, put]), "t.json")).toThrow(/^t\.json: \[0\]\.op: expected/);
    expect(() => parseTimeline(JSON.stringify([{ title: "one", operations: [put], extra: 1 }]), "t.json")).toThrow(/^t\.json: \[0\]/);
  });
});
