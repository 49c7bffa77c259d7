import { describe, expect, it } from "vitest";
import { Estate } from "../../src/model/estate.js";
import type { ArmResource } from "../../src/model/resource.js";
import { T } from "../../src/model/resourceTypes.js";

const rg = "/subscriptions/sub1/resourceGroups/rg1";
const nsp = `${rg}/providers/Microsoft.Network/networkSecurityPerimeters/nsp1`;
const account = (name: string, extra: Partial<ArmResource> = {}): ArmResource => ({
  id: `${rg}/providers/Microsoft.Storage/storageAccounts/${name}`,
  name,
  type: "Microsoft.Storage/storageAccounts",
  ...extra,
});
const association = (name: string, memberId: string): ArmResource => ({
  id: `${nsp}/resourceAssociations/${name}`,
  type: "Microsoft.Network/networkSecurityPerimeters/resourceAssociations",
  properties: { privateLinkResource: { id: memberId }, accessMode: "Enforced" },
});
const vault = (name: string): ArmResource => ({
  id: `${rg}/providers/Microsoft.KeyVault/vaults/${name}`,
  name,
  type: "Microsoft.KeyVault/vaults",
  properties: { vaultUri: `https://${name}.vault.azure.net/` },
});

describe("Estate index", () => {
  it("finds children and associations added before the resource they belong to, whatever the id casing", () => {
    const st = account("st1");
    const share = { id: `${st.id.toUpperCase()}/fileServices/default/shares/s1`, type: "Microsoft.Storage/storageAccounts/fileServices/shares" };
    const estate = new Estate([share, association("a1", st.id.toLowerCase()), st]);
    expect(estate.descendants(st.id, T.fileShare)).toEqual([share]);
    expect(estate.descendants(`${st.id.toUpperCase()}/`, T.fileShare)).toEqual([share]);
    expect(estate.associationsOfMember(st.id).map((a) => a.id)).toEqual([`${nsp}/resourceAssociations/a1`]);
    expect(estate.associationsOfMember(st.id)[0]!.member).toBe(st);
    expect(estate.get(st.id.toUpperCase())).toBe(st);
    expect(estate.get(share.id.toLowerCase())).toBe(share);
  });

  it("answers lookups of many ids in turn (not only the last ones asked for)", () => {
    const accounts = ["a", "b", "c", "d"].map((n) => account(`st${n}`));
    const estate = new Estate(accounts);
    for (let round = 0; round < 2; round++) {
      for (const a of accounts) expect(estate.get(a.id)).toBe(a);
      for (const a of [...accounts].reverse()) expect(estate.get(a.id.toUpperCase())).toBe(a);
    }
    expect(estate.get(`${rg}/providers/Microsoft.Storage/storageAccounts/missing`)).toBeUndefined();
  });

  it("reports a duplicate id (any casing) and keeps the first resource", () => {
    const first = account("st1");
    const estate = new Estate([first]);
    expect(estate.add(account("ST1", { id: first.id.toUpperCase() }))).toBe(first);
    expect(estate.resources).toEqual([first]);
    expect(estate.ofType("microsoft.storage/STORAGEACCOUNTS")).toEqual([first]);
  });

  it("finds key vaults by host, including vaults added after the first lookup", () => {
    const estate = new Estate([vault("kv1")]);
    expect(estate.keyVaultByHost("kv1.vault.azure.net")?.name).toBe("kv1");
    expect(estate.keyVaultByHost("kv2.vault.azure.net")).toBeUndefined();
    estate.add(vault("kv2"));
    expect(estate.keyVaultByHost("KV2.vault.azure.net")?.name).toBe("kv2");
    const cmk = account("st1", { properties: { encryption: { keySource: "Microsoft.Keyvault", keyvaultproperties: { keyvaulturi: "https://kv2.vault.azure.net/" } } } });
    estate.add(cmk);
    expect(estate.targetsOf("cmk-key-vault", cmk).map((v) => v.name)).toEqual(["kv2"]);
  });
});

describe("Estate lookups after adds", () => {
  it("finds a resource added after it was asked for and found missing", () => {
    const st = account("st1");
    const estate = new Estate([account("st0")]);
    expect(estate.get(st.id)).toBeUndefined();
    expect(estate.descendants(st.id, T.fileShare)).toEqual([]);
    estate.add(st);
    const share = { id: `${st.id}/fileServices/default/shares/s1`, type: "Microsoft.Storage/storageAccounts/fileServices/shares" };
    estate.add(share);
    expect(estate.get(st.id)).toBe(st);
    expect(estate.descendants(st.id, T.fileShare)).toEqual([share]);
    estate.add(association("a1", st.id));
    expect(estate.associationsOfMember(st.id).map((a) => a.member)).toEqual([st]);
  });
});

describe("Estate lookups of odd ids", () => {
  it("finds nothing under the empty id, also after what it last found was filed anew", () => {
    const st = account("st1");
    const share = { id: `${st.id}/fileServices/default/shares/s1`, type: "Microsoft.Storage/storageAccounts/fileServices/shares" };
    const estate = new Estate([st, share]);
    expect(estate.get(share.id)).toBe(share);
    // An association naming the share files it as a member: what the last lookup held changes.
    estate.add(association("a1", share.id));
    expect(estate.get("")).toBeUndefined();
    expect(estate.descendants("", T.fileShare)).toEqual([]);
    expect(estate.get(share.id)).toBe(share);
    expect(estate.associationsOfMember(share.id).map((a) => a.member)).toEqual([share]);
  });
});
