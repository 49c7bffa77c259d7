import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ancestorOfType, armIdRootLength, idKey, isArmId, parseArmId, sameId, type ParsedArmId } from "../../src/model/armId.js";

const perimeter = "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityPerimeters/nsp1";

describe("parseArmId", () => {
  it("parses a top-level resource", () => {
    const p = parseArmId(perimeter);
    expect(p).toMatchObject({
      subscriptionId: "sub1",
      resourceGroup: "rg1",
      provider: "Microsoft.Network",
      type: "Microsoft.Network/networkSecurityPerimeters",
      name: "nsp1",
      parentId: "/subscriptions/sub1/resourceGroups/rg1",
      rootId: perimeter,
    });
    expect(p.scopeId).toBeUndefined();
  });

  it("parses child resources with their type chain and parent", () => {
    const p = parseArmId(`${perimeter}/profiles/p1/accessRules/r1`);
    expect(p.type).toBe("Microsoft.Network/networkSecurityPerimeters/profiles/accessRules");
    expect(p.name).toBe("r1");
    expect(p.parentId).toBe(`${perimeter}/profiles/p1`);
    expect(p.rootId).toBe(perimeter);
  });

  it("parses extension resources (diagnostic settings on a perimeter)", () => {
    const id = `${perimeter}/providers/Microsoft.Insights/diagnosticSettings/logs`;
    const p = parseArmId(id);
    expect(p.type).toBe("Microsoft.Insights/diagnosticSettings");
    expect(p.provider).toBe("Microsoft.Insights");
    expect(p.scopeId).toBe(perimeter);
    expect(p.parentId).toBe(perimeter);
    expect(p.rootId).toBe(perimeter);
  });

  it("accepts the casing seen in real payloads and a trailing slash", () => {
    const p = parseArmId("/Subscriptions/SUB1/resourcegroups/RG1/providers/microsoft.storage/storageAccounts/st1/");
    expect(p.type).toBe("microsoft.storage/storageAccounts");
    expect(p.resourceGroup).toBe("RG1");
    expect(p.id).toBe("/Subscriptions/SUB1/resourcegroups/RG1/providers/microsoft.storage/storageAccounts/st1");
  });

  it("parses Recovery Services names containing semicolons", () => {
    const id =
      "/Subscriptions/s/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v/backupFabrics/Azure/protectionContainers/StorageContainer;Storage;rg;st1/protectedItems/AzureFileShare;share";
    const p = parseArmId(id);
    expect(p.type).toBe("Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems");
    expect(p.name).toBe("AzureFileShare;share");
  });

  it("parses subscription and resource group ids", () => {
    expect(parseArmId("/subscriptions/s").type).toBe("Microsoft.Resources/subscriptions");
    expect(parseArmId("/subscriptions/s/resourceGroups/rg").type).toBe("Microsoft.Resources/resourceGroups");
  });

  it.each([
    "",
    "subscriptions/s",
    "/subscriptions/",
    "/providers/Microsoft.Network/networkSecurityPerimeters/x",
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage",
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts",
    "/subscriptions/s/resourceGroups/rg/things/x",
    "https://management.azure.com/subscriptions/s",
  ])("rejects %j", (id) => {
    expect(() => parseArmId(id)).toThrow(/not an ARM resource id/);
    expect(isArmId(id)).toBe(false);
  });
});

describe("comparison keys", () => {
  it("compares ids case-insensitively, ignoring a trailing slash", () => {
    expect(idKey("/Subscriptions/A/resourceGroups/B/")).toBe("/subscriptions/a/resourcegroups/b");
    expect(sameId(perimeter, perimeter.toUpperCase() + "/")).toBe(true);
    expect(sameId(perimeter, `${perimeter}x`)).toBe(false);
    expect(sameId(undefined, perimeter)).toBe(false);
  });

  it("finds an ancestor of a given type", () => {
    const rule = `${perimeter}/profiles/p1/accessRules/r1`;
    expect(ancestorOfType(rule, "microsoft.network/networksecurityperimeters/profiles")).toBe(`${perimeter}/profiles/p1`);
    expect(ancestorOfType(rule, "Microsoft.Network/networkSecurityPerimeters")).toBe(perimeter);
    expect(ancestorOfType(rule, "Microsoft.Storage/storageAccounts")).toBeUndefined();
  });
});

/** The split-based reading parseArmId had before it scanned by offset: the reference it must agree with. */
function splitReading(raw: string): ParsedArmId {
  let end = raw.length;
  while (end > 1 && raw.charCodeAt(end - 1) === 47) end--;
  const id = end === raw.length ? raw : raw.slice(0, end);
  const parts = id.split("/");
  const n = parts.length;
  const isWord = (segment: string | undefined, word: string) => segment !== undefined && segment.length === word.length && segment.toLowerCase() === word;
  if (parts[0] !== "" || n < 3 || !isWord(parts[1], "subscriptions") || !parts[2]) throw new Error(`not an ARM resource id: ${JSON.stringify(raw)}`);
  const subscriptionId = parts[2];
  if (n === 3) return { id, subscriptionId, type: "Microsoft.Resources/subscriptions", name: subscriptionId, rootId: id };
  const prefix = (k: number) => parts.slice(0, k).join("/");
  let i = 3;
  let resourceGroup: string | undefined;
  if (isWord(parts[3], "resourcegroups")) {
    resourceGroup = parts[4];
    if (!resourceGroup) throw new Error(`not an ARM resource id (empty resource group): ${JSON.stringify(raw)}`);
    i = 5;
    if (i === n) return { id, subscriptionId, resourceGroup, type: "Microsoft.Resources/resourceGroups", name: resourceGroup, parentId: prefix(3), rootId: id };
  }
  let provider = "";
  let typeStart = -1;
  let typeCount = 0;
  let scopeEnd = -1;
  let rootEnd = -1;
  let providerBlocks = 0;
  while (i < n) {
    if (!isWord(parts[i], "providers")) throw new Error(`not an ARM resource id (expected "providers" at segment ${i}): ${JSON.stringify(raw)}`);
    const ns = parts[i + 1];
    if (!ns) throw new Error(`not an ARM resource id (missing provider namespace): ${JSON.stringify(raw)}`);
    providerBlocks++;
    scopeEnd = i;
    provider = ns;
    i += 2;
    typeStart = i;
    typeCount = 0;
    while (i < n && !isWord(parts[i], "providers")) {
      if (!parts[i] || i + 1 >= n || !parts[i + 1]) throw new Error(`not an ARM resource id (type without a name): ${JSON.stringify(raw)}`);
      typeCount++;
      i += 2;
      if (rootEnd < 0) rootEnd = i;
    }
    if (typeCount === 0) throw new Error(`not an ARM resource id (provider without a resource type): ${JSON.stringify(raw)}`);
  }
  const types = [provider];
  for (let k = 0; k < typeCount; k++) types.push(parts[typeStart + 2 * k]!);
  return {
    id,
    subscriptionId,
    type: types.join("/"),
    name: parts[n - 1]!,
    rootId: rootEnd >= n ? id : prefix(rootEnd),
    provider,
    ...(resourceGroup !== undefined ? { resourceGroup } : {}),
    parentId: typeCount > 1 ? prefix(n - 2) : prefix(scopeEnd),
    ...(providerBlocks > 1 ? { scopeId: prefix(scopeEnd) } : {}),
  };
}

function outcome(parse: (id: string) => ParsedArmId, id: string): unknown {
  try {
    return { parsed: { ...parse(id) } };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe("parseArmId scanning by offset", () => {
  // Segments that steer the parser (in odd casings, with look-alike letters) and ordinary names.
  const segment = fc.constantFrom(
    "", "subscriptions", "Subscriptions", "SUBSCRIPTIONS", "resourceGroups", "resourcegroups", "RESOURCEGROUPS", "providers", "Providers",
    "PROVIDERS", "provider", "providerss", "pr\u212Aviders", "\u212Aeep", "\u0130roviders", "prov1ders", "Microsoft.Storage", "storageAccounts", "st1", "s",
    "rg", "x", "Microsoft.Insights", "diagnosticSettings", "a;b", "@", "[", "{",
  );
  const ids = fc.tuple(fc.boolean(), fc.array(segment, { maxLength: 14 }), fc.integer({ min: 0, max: 2 })).map(
    ([leadingSlash, segments, trailing]) => `${leadingSlash ? "/" : ""}${segments.join("/")}${"/".repeat(trailing)}`,
  );
  const wellFormed = fc
    .tuple(
      fc.constantFrom("subscriptions", "Subscriptions"),
      fc.option(fc.constantFrom("resourceGroups", "resourcegroups")),
      fc.array(fc.tuple(fc.constantFrom("providers", "PROVIDERS"), fc.constantFrom("Microsoft.Storage", "Microsoft.Insights"), fc.array(fc.constantFrom("storageAccounts/st1", "fileServices/default", "diagnosticSettings/d"), { minLength: 1, maxLength: 3 })), { maxLength: 3 }),
    )
    .map(([subs, rg, blocks]) => `/${subs}/s1${rg ? `/${rg}/rg1` : ""}${blocks.map(([p, ns, pairs]) => `/${p}/${ns}/${pairs.join("/")}`).join("")}`);

  it("reads every id as the split-based reading does, errors included", () => {
    fc.assert(
      fc.property(fc.oneof(ids, wellFormed), (id) => {
        expect(outcome(parseArmId, id)).toEqual(outcome(splitReading, id));
      }),
      { numRuns: 5000 },
    );
  });

  it("measures the top-level id as parseArmId cuts it out, and -1 for what it rejects", () => {
    fc.assert(
      fc.property(fc.oneof(ids, wellFormed), (id) => {
        const parsed = outcome(splitReading, id) as { parsed?: ParsedArmId };
        expect(armIdRootLength(id)).toBe(parsed.parsed ? parsed.parsed.rootId.length : -1);
      }),
      { numRuns: 3000 },
    );
  });

  it("keeps no state between parses (a long id, then a short one)", () => {
    const long = `${perimeter}/profiles/p1/accessRules/r1/providers/Microsoft.Insights/diagnosticSettings/d`;
    parseArmId(long);
    expect(() => parseArmId("x")).toThrow(/not an ARM resource id/);
    expect(() => parseArmId("/subscriptions")).toThrow(/not an ARM resource id/);
    expect(parseArmId("/subscriptions/s").rootId).toBe("/subscriptions/s");
  });
});
