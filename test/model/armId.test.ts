import { describe, expect, it } from "vitest";
import { ancestorOfType, idKey, isArmId, parseArmId, sameId } from "../../src/model/armId.js";

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
