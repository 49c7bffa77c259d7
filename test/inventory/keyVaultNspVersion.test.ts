/**
 * Key Vault NSP configurations are read at KEY_VAULT_API_VERSION. Where ARM refuses that version for
 * the type (400 NoRegisteredProviderFound from the emulator configured as such a region would be),
 * the configurations become an unavailable input, named in the reader's notes: the read goes on,
 * other reads are unaffected.
 */
import { describe, expect, it } from "vitest";
import { ArmUnavailableError } from "../../src/model/errors.js";
import { KEY_VAULT_API_VERSION, LiveArmReader } from "../../src/inventory/liveArmReader.js";
import { association, keyVault, perimeter, profile, SUB } from "../helpers/builders.js";
import { startEmulator } from "../helpers/emulator.js";
import { liveOptions } from "./liveSupport.js";

const CONFIGURATIONS = "microsoft.keyvault/vaults/networksecurityperimeterconfigurations";

function estate() {
  const nsp = perimeter("nsp-keys");
  const prof = profile(nsp, "keys");
  const vault = keyVault("kv-keys");
  return { nsp, vault, resources: [nsp, prof, vault, association(nsp, "assoc-kv", vault.id, { profile: prof, accessMode: "Enforced" })] };
}

async function readerFor(typeApiVersions?: Record<string, string[]>) {
  const e = estate();
  const emulator = await startEmulator(e.resources, typeApiVersions ? { typeApiVersions } : {});
  return { e, emulator, reader: new LiveArmReader({ ...liveOptions(emulator), subscriptionIds: [SUB] }) };
}

describe("Key Vault NSP configurations at a refused api-version", () => {
  it("served: the vault's perimeter is found through its configurations, nothing is unavailable", async () => {
    const { e, reader } = await readerFor();
    expect(await reader.perimetersOfMember(e.vault.id)).toEqual([e.nsp.id]);
    expect(reader.unavailableInputs).toEqual([]);
  });

  it("refused: the configurations are unavailable for that vault, named with ARM's answer; the reader goes on", async () => {
    const { e, emulator, reader } = await readerFor({ [CONFIGURATIONS]: ["2025-05-01"] });
    expect(await reader.perimetersOfMember(e.vault.id)).toEqual([]);
    expect(await reader.get(`${e.vault.id}/networkSecurityPerimeterConfigurations/some-configuration`)).toBeUndefined();
    expect(reader.unavailableInputs).toEqual([
      { resourceId: e.vault.id, input: "networkSecurityPerimeterConfigurations", apiVersion: "2026-02-01", reason: expect.stringMatching(/^HTTP 400 NoRegisteredProviderFound: .*API version '2026-02-01' for type 'vaults\/networkSecurityPerimeterConfigurations'/) },
      { resourceId: e.vault.id, input: "networkSecurityPerimeterConfigurations", apiVersion: "2026-02-01", reason: expect.stringMatching(/^HTTP 400 NoRegisteredProviderFound: /) },
    ]);
    expect(KEY_VAULT_API_VERSION).toBe("2026-02-01");
    // The vault itself (its own type, served at that version) and the perimeter still read.
    expect((await reader.get(e.vault.id))?.id).toBe(e.vault.id);
    expect((await reader.readPerimeters([e.nsp.id])).map((r) => r.id)).toContain(e.vault.id);
    // What was refused was exactly the configurations' version.
    expect(emulator.operations.filter((o) => o.status === 400).map((o) => [o.operation ?? o.path.split("/").slice(-2).join("/"), o.apiVersion])).toEqual([
      [expect.stringMatching(/networkSecurityPerimeterConfigurations/i), "2026-02-01"],
      [expect.stringMatching(/networkSecurityPerimeterConfigurations/i), "2026-02-01"],
    ]);
  });

  it("other refusals still fail the read, one line naming the call", async () => {
    const { e, emulator, reader } = await readerFor();
    emulator.faults.add({ path: "/subscriptions/**/networkSecurityPerimeterConfigurations", kind: "error", status: 500 });
    await expect(reader.perimetersOfMember(e.vault.id)).rejects.toThrow(ArmUnavailableError);
    expect(reader.unavailableInputs).toEqual([]);
  });
});
