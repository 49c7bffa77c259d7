import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSnapshotFile, parseSnapshot } from "../../src/inventory/snapshot.js";
import { perimeter, storageAccount } from "../helpers/builders.js";

const nsp = perimeter();
const st = storageAccount("st1");

describe("snapshot shapes", () => {
  it.each([
    ["a plain array", [nsp, st]],
    ["{ resources }", { resources: [nsp, st] }],
    ["{ value } (ARM list page)", { value: [nsp, st], nextLink: null }],
    ["{ data } (Resource Graph)", { data: [{ ...nsp, type: nsp.type.toLowerCase() }, st], count: 2, totalRecords: 2 }],
  ])("accepts %s", (_name, doc) => {
    const resources = parseSnapshot(JSON.stringify(doc), "snap.json");
    expect(resources.map((r) => r.id)).toEqual([nsp.id, st.id]);
  });

  it("keeps unknown types and properties", () => {
    const odd = { id: "/subscriptions/s/resourceGroups/r/providers/Contoso.Things/widgets/w1", type: "Contoso.Things/widgets", properties: { shiny: true }, extra: 1 };
    expect(parseSnapshot(JSON.stringify([odd]), "s.json")[0]).toEqual(odd);
  });
});

describe("snapshot errors name the file and the JSON path", () => {
  it.each([
    ["not JSON", "{ nope", /^snap\.json: \(root\): not valid JSON/],
    ["wrong top-level shape", JSON.stringify({ items: [] }), /^snap\.json: \(root\): expected an array of ARM resources or an object/],
    ["a number", "42", /^snap\.json: \(root\): expected an array .* got a number/],
    ["resources not an array", JSON.stringify({ resources: {} }), /^snap\.json: resources: expected an array/],
    ["an entry that is not an object", JSON.stringify([nsp, "x"]), /^snap\.json: \[1\]: expected an ARM resource object/],
    ["an entry without id", JSON.stringify({ resources: [nsp, { type: "Microsoft.Storage/storageAccounts" }] }), /^snap\.json: resources\[1\]\.id: missing$/],
    ["an id that is not an ARM id", JSON.stringify({ resources: [{ ...st, id: "st1" }] }), /^snap\.json: resources\[0\]\.id: not an ARM resource id$/],
    ["an entry without type", JSON.stringify({ value: [{ id: st.id }] }), /^snap\.json: value\[0\]\.type: missing$/],
    ["a bad type", JSON.stringify([{ ...st, type: "storage" }]), /^snap\.json: \[0\]\.type: not a resource type/],
    ["properties not an object", JSON.stringify([{ ...st, properties: [1] }]), /^snap\.json: \[0\]\.properties: expected an object/],
    ["a duplicate id (case-insensitive)", JSON.stringify({ data: [st, nsp, { ...st, id: st.id.toUpperCase() }] }), /^snap\.json: data\[2\]\.id: duplicate id \(first at data\[0\]\)$/],
  ])("%s", (_name, text, pattern) => {
    expect(() => parseSnapshot(text, "snap.json")).toThrow(pattern);
  });

  it("refuses a file over the size limit", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nspg-"));
    const file = join(dir, "big.json");
    writeFileSync(file, JSON.stringify([nsp, st]));
    await expect(loadSnapshotFile(file, { maxBytes: 100 })).rejects.toThrow(/^big\.json: \(root\): snapshot is over the limit of 100 bytes \(--max-snapshot-bytes\)$/);
    const estate = await loadSnapshotFile(file);
    expect(estate.get(st.id.toLowerCase())?.name).toBe("st1");
  });

  // Before: the limit came from stat(), which says 0 bytes for devices and pipes; they were read whole.
  it("counts bytes while reading: /dev/zero and a FIFO are refused at the limit", async () => {
    await expect(loadSnapshotFile("/dev/zero", { maxBytes: 1024 * 1024 })).rejects.toThrow(/^zero: \(root\): snapshot is over the limit of 1048576 bytes/);
    const dir = mkdtempSync(join(tmpdir(), "nspg-fifo-"));
    const fifo = join(dir, "estate.json");
    execFileSync("mkfifo", [fifo]);
    // A writer that never stops: `yes` into the FIFO.
    const writer = spawn("sh", ["-c", `exec yes '[' > '${fifo}'`], { stdio: "ignore" });
    try {
      await expect(loadSnapshotFile(fifo, { maxBytes: 1024 * 1024 })).rejects.toThrow(/^estate\.json: \(root\): snapshot is over the limit of 1048576 bytes/);
    } finally {
      writer.kill();
    }
  });

  it("refuses nesting deeper than ARM bodies go, before parsing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nspg-"));
    const file = join(dir, "deep.json");
    const depth = 100_000;
    writeFileSync(file, `[${"{\"a\":".repeat(depth)}1${"}".repeat(depth)}]`);
    await expect(loadSnapshotFile(file)).rejects.toThrow(/^deep\.json: \(root\): nested deeper than 256 levels/);
    // Brackets inside strings do not count.
    writeFileSync(file, JSON.stringify([{ ...st, tags: { note: "[".repeat(1000) } }, nsp]));
    expect((await loadSnapshotFile(file)).resources).toHaveLength(2);
  });

  it("names a missing file", async () => {
    await expect(loadSnapshotFile("/nonexistent/nowhere.json")).rejects.toThrow(/^nowhere\.json: cannot read snapshot: ENOENT/);
  });
});
