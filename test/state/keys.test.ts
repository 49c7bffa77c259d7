import { describe, expect, it } from "vitest";
import {
  assertValidPrefix,
  blobName,
  containerName,
  decodeMetadataValue,
  encodeMetadataValue,
  eventKey,
  indexLockBlobName,
  resourceKey,
  tableNames,
} from "../../src/state/keys.js";

const ACCOUNT = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa1";

describe("resourceKey", () => {
  it("is 64 hex characters, safe in table keys and blob names", () => {
    expect(resourceKey(ACCOUNT)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("is the same for every casing of an id and with a trailing slash", () => {
    const key = resourceKey(ACCOUNT);
    expect(resourceKey(ACCOUNT.toUpperCase())).toBe(key);
    expect(resourceKey(`${ACCOUNT.replace("resourceGroups", "resourcegroups")}/`)).toBe(key);
  });

  it("differs between ids", () => {
    expect(resourceKey(`${ACCOUNT}2`)).not.toBe(resourceKey(ACCOUNT));
  });
});

describe("eventKey", () => {
  it("hashes ids exactly, whatever characters they hold", () => {
    expect(eventKey("a/b#c?d\\e")).toMatch(/^[0-9a-f]{64}$/);
    expect(eventKey("Event-1")).not.toBe(eventKey("event-1"));
    expect(eventKey("event-1")).toBe(eventKey("event-1"));
  });
});

describe("names", () => {
  it("derives table and container names from the prefix", () => {
    expect(tableNames("nspg")).toEqual({ resourceIndex: "nspgResourceIndex", perimeterIndex: "nspgPerimeterIndex", events: "nspgEvents" });
    expect(containerName("nspg")).toBe("nspg-state");
    expect(containerName("Test42")).toBe("test42-state");
  });

  it("rejects prefixes a table or container name cannot start with", () => {
    for (const bad of ["", "1abc", "nsp-g", "nsp_g", "a".repeat(41)]) {
      expect(() => assertValidPrefix(bad), bad).toThrow(/prefix/);
    }
    expect(() => assertValidPrefix("a")).not.toThrow();
  });

  it("puts each kind of document in its own folder, keyed case-insensitively", () => {
    expect(blobName("findings", ACCOUNT)).toBe(`findings/${resourceKey(ACCOUNT)}.json`);
    expect(blobName("dirty", ACCOUNT.toUpperCase())).toBe(`dirty/${resourceKey(ACCOUNT)}.json`);
    expect(indexLockBlobName(ACCOUNT)).toBe(`locks/index/${resourceKey(ACCOUNT)}`);
  });

  it("round-trips ids through blob metadata as ASCII", () => {
    const id = `${ACCOUNT}/fileServices/default/shares/ünï cødé`;
    const encoded = encodeMetadataValue(id);
    expect(encoded).toMatch(/^[\x21-\x7e]+$/);
    expect(decodeMetadataValue(encoded)).toBe(id);
  });
});
