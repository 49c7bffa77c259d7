/** The api-versions the project reads at are the ones the pinned specs describe. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { supportedVersions } from "../../src/emulator/apiVersions.js";
import { KEY_VAULT_API_VERSION } from "../../src/inventory/liveArmReader.js";
import { readSharedJson, SPECS, SPEC_FILES } from "./shared.js";

interface Spec {
  info: { version: string };
  paths: Record<string, Record<string, { operationId?: string }>>;
}

const spec = (namespace: string) => readSharedJson<Spec>(join(SPECS, SPEC_FILES[namespace]!));

describe("spec versions", () => {
  it.each(Object.keys(SPEC_FILES))("the emulator serves the version of the %s spec", (namespace) => {
    expect(supportedVersions(namespace)).toContain(spec(namespace).info.version);
  });

  it("Key Vault NSP configurations are read at a version whose spec declares them", () => {
    const keyVault = spec("microsoft.keyvault");
    expect(keyVault.info.version).toBe(KEY_VAULT_API_VERSION);
    const operations = Object.entries(keyVault.paths)
      .filter(([path]) => /\/vaults\/\{[^}]+\}\/networkSecurityPerimeterConfigurations/i.test(path))
      .flatMap(([, methods]) => Object.entries(methods).map(([method, op]) => `${method.toUpperCase()} ${op.operationId}`));
    expect(operations).toEqual(expect.arrayContaining(["GET NetworkSecurityPerimeterConfigurations_ListConfigurations", "GET NetworkSecurityPerimeterConfigurations_GetConfiguration"]));
  });
});
