/** Credential choice, endpoint and CA settings, and the read plan of the live inventory. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/model/errors.js";
import { T } from "../../src/model/resourceTypes.js";
import { DEFAULT_POLICY, type Policy } from "../../src/policy/policy.js";
import { ALL_RULES } from "../../src/rules/catalog/index.js";
import { ARM_SCOPE, createArmCredential, staticTokenCredential } from "../../src/inventory/credential.js";
import { PUBLIC_ARM_ENDPOINT, resolveArmConnection } from "../../src/inventory/armClients.js";
import { readLiveEstate } from "../../src/inventory/liveInventory.js";
import { ALWAYS_READ, readPlanFor, readPlanForPolicy } from "../../src/inventory/readPlan.js";
import { startEmulator } from "../helpers/emulator.js";
import { fixtureResources, subscriptionsOf, withAncestors } from "./liveSupport.js";

describe("credential", () => {
  it("uses NSPG_ARM_TOKEN as a static bearer token, before anything else", async () => {
    const { credential, kind } = createArmCredential({ NSPG_ARM_TOKEN: "Bearer abc.def", IDENTITY_ENDPOINT: "http://169.254.169.254" });
    expect(kind).toBe("static-token");
    expect((await credential.getToken(ARM_SCOPE))?.token).toBe("abc.def");
  });

  it("takes a static JWT's expiry from its exp claim", async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const jwt = `e30.${Buffer.from(JSON.stringify({ exp })).toString("base64url")}.sig`;
    expect((await staticTokenCredential(jwt).getToken(ARM_SCOPE))?.expiresOnTimestamp).toBe(exp * 1000);
  });

  it("uses the managed identity in Azure, user-assigned when AZURE_CLIENT_ID is set", () => {
    const system = createArmCredential({ IDENTITY_ENDPOINT: "http://localhost:42356/msi/token", IDENTITY_HEADER: "x" });
    expect(system.kind).toBe("managed-identity");
    expect(system.credential).toBeInstanceOf(ManagedIdentityCredential);
    const user = createArmCredential({ MSI_ENDPOINT: "http://localhost:42356/msi/token", AZURE_CLIENT_ID: "00000000-0000-0000-0000-0000000000c1" });
    expect(user.kind).toBe("managed-identity");
  });

  it("falls back to DefaultAzureCredential elsewhere", () => {
    const local = createArmCredential({});
    expect(local.kind).toBe("default");
    expect(local.credential).toBeInstanceOf(DefaultAzureCredential);
  });
});

describe("ARM endpoint and CA", () => {
  it("defaults to the public cloud", () => {
    expect(resolveArmConnection({}, {})).toMatchObject({ endpoint: PUBLIC_ARM_ENDPOINT, scope: ARM_SCOPE, cloud: { name: "AzureCloud" } });
  });

  it("takes --arm-endpoint over NSPG_ARM_ENDPOINT, without a trailing slash", () => {
    expect(resolveArmConnection({}, { NSPG_ARM_ENDPOINT: "https://127.0.0.1:8443/" }).endpoint).toBe("https://127.0.0.1:8443");
    expect(resolveArmConnection({ armEndpoint: "https://localhost:9443" }, { NSPG_ARM_ENDPOINT: "https://127.0.0.1:8443" }).endpoint).toBe("https://localhost:9443");
  });

  it.each([
    ["http://127.0.0.1:8443", /^NSPG_ARM_ENDPOINT: expected an https:\/\/ URL/],
    ["not a url", /^NSPG_ARM_ENDPOINT: not a URL/],
  ])("refuses %s (TLS is never turned off)", (value, pattern) => {
    expect(() => resolveArmConnection({}, { NSPG_ARM_ENDPOINT: value })).toThrow(InputError);
    expect(() => resolveArmConnection({}, { NSPG_ARM_ENDPOINT: value })).toThrow(pattern);
  });

  it("reads the CA from NSPG_ARM_CA_FILE, naming the file when it cannot", () => {
    const dir = mkdtempSync(join(tmpdir(), "nspg-ca-"));
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    writeFileSync(join(dir, "ca.pem"), pem);
    writeFileSync(join(dir, "junk.txt"), "hello");
    expect(resolveArmConnection({}, { NSPG_ARM_CA_FILE: join(dir, "ca.pem") }).ca).toBe(pem);
    expect(() => resolveArmConnection({}, { NSPG_ARM_CA_FILE: join(dir, "missing.pem") })).toThrow(/^NSPG_ARM_CA_FILE: cannot read .*missing\.pem: ENOENT$/);
    expect(() => resolveArmConnection({}, { NSPG_ARM_CA_FILE: join(dir, "junk.txt") })).toThrow(/holds no PEM certificate/);
  });

  it("reads an estate with NSPG_ARM_TOKEN, NSPG_ARM_ENDPOINT and NSPG_ARM_CA_FILE only, asking every client for ARM's scope", async () => {
    const { resources } = fixtureResources("contoso.json");
    const emulator = await startEmulator(withAncestors(resources));
    const dir = mkdtempSync(join(tmpdir(), "nspg-ca-"));
    writeFileSync(join(dir, "emulator.pem"), emulator.caCertificate);
    const env = { NSPG_ARM_TOKEN: emulator.token(), NSPG_ARM_ENDPOINT: emulator.endpoint, NSPG_ARM_CA_FILE: join(dir, "emulator.pem") };
    const { credential } = createArmCredential(env);
    const scopes = new Set<string>();
    let tokenRequests = 0;
    const recording = {
      getToken: async (scope: string | string[]) => {
        tokenRequests++;
        for (const s of [scope].flat()) scopes.add(s);
        return credential.getToken(scope);
      },
    };
    const live = await readLiveEstate(subscriptionsOf(resources), { credential: recording, env });
    expect(live.resources.length).toBeGreaterThan(resources.length / 2);
    expect([...scopes]).toEqual([ARM_SCOPE]);
    expect(tokenRequests).toBeGreaterThan(0);
    expect(emulator.operations.every((op) => op.caller?.objectId !== undefined)).toBe(true);
  });
});

describe("clouds and the token's audience", () => {
  it("takes the endpoint and the audience from --cloud or NSPG_CLOUD", () => {
    expect(resolveArmConnection({ cloud: "AzureUSGovernment" }, {})).toMatchObject({
      endpoint: "https://management.usgovcloudapi.net",
      scope: "https://management.usgovcloudapi.net/.default",
    });
    expect(resolveArmConnection({}, { NSPG_CLOUD: "azurechinacloud" })).toMatchObject({
      endpoint: "https://management.chinacloudapi.cn",
      scope: "https://management.chinacloudapi.cn/.default",
    });
    // An endpoint of a sovereign cloud with the matching cloud: that cloud's audience.
    expect(resolveArmConnection({ cloud: "AzureUSGovernment", armEndpoint: "https://management.usgovcloudapi.net/" }, {}).scope).toBe("https://management.usgovcloudapi.net/.default");
    expect(() => resolveArmConnection({ cloud: "AzureMars" }, {})).toThrow("--cloud: expected AzureCloud|AzureUSGovernment|AzureChinaCloud");
  });

  it("takes the audience of a sovereign cloud's endpoint when no cloud is named, and refuses one of another cloud than the one named", () => {
    expect(resolveArmConnection({}, { NSPG_ARM_ENDPOINT: "https://management.chinacloudapi.cn" })).toMatchObject({
      cloud: { name: "AzureChinaCloud" },
      scope: "https://management.chinacloudapi.cn/.default",
    });
    expect(() => resolveArmConnection({}, { NSPG_ARM_ENDPOINT: "https://management.usgovcloudapi.net", NSPG_CLOUD: "AzureCloud" })).toThrow(
      "NSPG_ARM_ENDPOINT: management.usgovcloudapi.net is the ARM endpoint of AzureUSGovernment, not of AzureCloud",
    );
  });

  it("gives a token to loopback endpoints and to hosts NSPG_ARM_TRUSTED_HOSTS lists, to no other", () => {
    for (const endpoint of ["https://localhost:8443", "https://127.0.0.1:8443", "https://[::1]:8443"]) {
      expect(resolveArmConnection({ armEndpoint: endpoint }, {}).scope).toBe(ARM_SCOPE);
    }
    expect(() => resolveArmConnection({}, { NSPG_ARM_ENDPOINT: "https://arm.attacker.example" })).toThrow(
      /^NSPG_ARM_ENDPOINT: arm\.attacker\.example is not the ARM endpoint of AzureCloud \(management\.azure\.com\) nor a loopback host; the ARM token is sent there only if NSPG_ARM_TRUSTED_HOSTS lists it$/,
    );
    // A look-alike of a loopback name is not one.
    expect(() => resolveArmConnection({ armEndpoint: "https://localhost.attacker.example" }, {})).toThrow(InputError);
    expect(resolveArmConnection({}, { NSPG_ARM_ENDPOINT: "https://arm-proxy.contoso.example", NSPG_ARM_TRUSTED_HOSTS: "other.example, ARM-proxy.contoso.example" }).endpoint).toBe(
      "https://arm-proxy.contoso.example",
    );
  });

  // Before: the token for management.azure.com was requested and sent to whatever NSPG_ARM_ENDPOINT named.
  it("never asks the credential for a token for an untrusted endpoint", async () => {
    let tokenRequests = 0;
    const spy = { getToken: async () => (tokenRequests++, { token: "secret", expiresOnTimestamp: Date.now() + 3_600_000 }) };
    await expect(readLiveEstate(["00000000-0000-0000-0000-000000000001"], { credential: spy, env: { NSPG_ARM_ENDPOINT: "https://arm.attacker.example" } })).rejects.toThrow(InputError);
    expect(tokenRequests).toBe(0);
  });

  it("asks the SDK clients for the selected cloud's audience", async () => {
    const { resources } = fixtureResources("contoso.json");
    const emulator = await startEmulator(withAncestors(resources));
    const scopes = new Set<string>();
    const token = emulator.token();
    const recording = {
      getToken: async (scope: string | string[]) => {
        for (const s of [scope].flat()) scopes.add(s);
        return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    await readLiveEstate(subscriptionsOf(resources), { credential: recording, armEndpoint: emulator.endpoint, ca: emulator.caCertificate, cloud: "AzureUSGovernment", env: {} });
    expect([...scopes]).toEqual(["https://management.usgovcloudapi.net/.default"]);
  });
});

describe("read plan", () => {
  const off = (...ids: string[]): Policy => ({ ...DEFAULT_POLICY, rules: Object.fromEntries(ids.map((id) => [id, { action: "off" as const }])) });

  it("reads every declared type with every rule on", () => {
    const everyRuleOn: Policy = { ...DEFAULT_POLICY, rules: Object.fromEntries(ALL_RULES.map((rule) => [rule.meta.id, { action: "alert" as const }])) };
    const plan = readPlanForPolicy(everyRuleOn);
    for (const rule of ALL_RULES) for (const type of rule.meta.reads) expect(plan.has(type), `${rule.meta.id} reads ${type}`).toBe(true);
    expect(plan.readAllMembers).toBe(true);
  });

  it("drops a type no enabled rule reads", () => {
    const plan = readPlanForPolicy(off("storage-object-replication"));
    expect(plan.has(T.objectReplicationPolicy)).toBe(false);
    expect(plan.has(T.storageAccount)).toBe(true);
    expect(plan.ruleIds).not.toContain("storage-object-replication");
  });

  it("always reads perimeters, profiles and associations", () => {
    const plan = readPlanFor([]);
    expect([...plan.types].sort()).toEqual([...ALWAYS_READ].sort());
    expect(plan.readAllMembers).toBe(false);
  });

  it("reads the account of any storage child a rule reads", () => {
    const [rule] = ALL_RULES.filter((r) => r.meta.id === "storage-blob-inventory");
    const plan = readPlanFor([{ ...rule!, meta: { ...rule!.meta, reads: [T.inventoryPolicy] } }]);
    expect(plan.has(T.storageAccount)).toBe(true);
  });
});

describe("an ARM answer the SDK cannot read", () => {
  it("is one line naming the call (exit 3), not an internal error: a vault without its required sku", async () => {
    const sub = "11111111-1111-1111-1111-111111111111";
    const vaultId = `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-nosku`;
    const nsp = `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Network/networkSecurityPerimeters/nsp1`;
    const emulator = await startEmulator([
      { id: nsp, name: "nsp1", type: T.perimeter, location: "westeurope", properties: { perimeterGuid: "aaaaaaaa-0000-0000-0000-000000000001" } },
      { id: `${nsp}/profiles/p`, name: "p", type: T.profile, properties: { accessRulesVersion: "0" } },
      // Key Vault's spec requires properties.sku; this answer lacks it.
      { id: vaultId, name: "kv-nosku", type: "Microsoft.KeyVault/vaults", location: "westeurope", properties: { tenantId: "72f988bf-0000-0000-0000-000000000000" } },
      { id: `${nsp}/resourceAssociations/a`, name: "a", type: T.association, properties: { accessMode: "Enforced", privateLinkResource: { id: vaultId }, profile: { id: `${nsp}/profiles/p` } } },
    ], { recordTraffic: false }); // the vault answer breaks the spec on purpose
    const read = readLiveEstate([sub], { credential: emulator.credential(), armEndpoint: emulator.endpoint, ca: emulator.caCertificate, env: {} });
    await expect(read).rejects.toMatchObject({ name: "ArmUnavailableError", message: expect.stringMatching(/^ARM call failed: (read key vault kv-nosku|list key vaults of subscription \S+): the answer does not fit the API's schema \(/) });
  });
});
