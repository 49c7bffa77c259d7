/**
 * App settings (contracts.md §4): a missing or bad setting is an InputError naming it, the storage
 * the state lives in, the defaults, and local.settings.sample.json / the README documenting every
 * setting the app reads.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSettings, type Settings } from "../../src/app/config.js";
import { InputError } from "../../src/model/errors.js";
import { appSettingsReadBy, CONTRACT_SETTINGS, settingsReadBy } from "../helpers/settingsReads.js";
import { loadNotifySettings } from "../../src/notify/settings.js";
import { parseSnapshot } from "../../src/inventory/snapshot.js";
import { DEFAULT_POLICY } from "../../src/policy/policy.js";
import { ROOT } from "../helpers/cli.js";

const SUB_A = "11111111-1111-1111-1111-111111111111";
const SUB_B = "22222222-2222-2222-2222-222222222222";
const MINIMAL = { NSPG_SUBSCRIPTION_IDS: SUB_A, AzureWebJobsStorage: "UseDevelopmentStorage=true" };

function load(env: Record<string, string>): Settings {
  return loadSettings(env);
}

/** The InputError `env` is rejected with (fails the test when it is accepted or fails otherwise). */
function rejection(env: Record<string, string>): InputError {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error(`expected an InputError for ${JSON.stringify(env)}`);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "nspg-config-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("loadSettings: required and invalid settings", () => {
  it("NSPG_SUBSCRIPTION_IDS missing or empty (and no NSPG_MANAGEMENT_GROUP_ID)", () => {
    expect(rejection({ AzureWebJobsStorage: "UseDevelopmentStorage=true" }).message).toBe(
      "app setting NSPG_SUBSCRIPTION_IDS: required: comma-separated subscription ids to watch (or NSPG_MANAGEMENT_GROUP_ID: a management group whose subscriptions are all watched)",
    );
    expect(rejection({ AzureWebJobsStorage: "UseDevelopmentStorage=true", NSPG_MANAGEMENT_GROUP_ID: "  " }).message).toMatch(/^app setting NSPG_SUBSCRIPTION_IDS: required/);
    expect(rejection({ ...MINIMAL, NSPG_SUBSCRIPTION_IDS: "" }).message).toMatch(/^app setting NSPG_SUBSCRIPTION_IDS: /);
    expect(rejection({ ...MINIMAL, NSPG_SUBSCRIPTION_IDS: " , " }).message).toMatch(/^app setting NSPG_SUBSCRIPTION_IDS: /);
  });

  it("NSPG_MANAGEMENT_GROUP_ID alone is enough; with NSPG_SUBSCRIPTION_IDS both are kept", () => {
    const alone = load({ AzureWebJobsStorage: "UseDevelopmentStorage=true", NSPG_MANAGEMENT_GROUP_ID: " mg-platform " });
    expect(alone.NSPG_MANAGEMENT_GROUP_ID).toBe("mg-platform");
    expect(alone.NSPG_SUBSCRIPTION_IDS).toEqual([]);
    const both = load({ ...MINIMAL, NSPG_MANAGEMENT_GROUP_ID: "Contoso.Prod_(EU)" });
    expect(both.NSPG_MANAGEMENT_GROUP_ID).toBe("Contoso.Prod_(EU)");
    expect(both.NSPG_SUBSCRIPTION_IDS).toEqual([SUB_A]);
    expect(load(MINIMAL).NSPG_MANAGEMENT_GROUP_ID).toBeUndefined();
  });

  it("NSPG_MANAGEMENT_GROUP_ID that is an ARM id, a display name or too long", () => {
    for (const value of ["/providers/Microsoft.Management/managementGroups/mg-platform", "Platform team", "m".repeat(91)]) {
      expect(rejection({ ...MINIMAL, NSPG_MANAGEMENT_GROUP_ID: value }).message, value).toMatch(/^app setting NSPG_MANAGEMENT_GROUP_ID: expected a management group id/);
    }
  });

  it("NSPG_SUBSCRIPTION_IDS that are not GUIDs", () => {
    for (const value of ["not-a-guid", `${SUB_A},contoso-prod`, `/subscriptions/${SUB_A}`, `${SUB_A.slice(0, -1)}`]) {
      expect(rejection({ ...MINIMAL, NSPG_SUBSCRIPTION_IDS: value }).message, value).toBe(
        "app setting NSPG_SUBSCRIPTION_IDS: expected comma-separated subscription GUIDs",
      );
    }
  });

  it("NSPG_SUBSCRIPTION_IDS: commas and whitespace separate, case is kept", () => {
    expect(load({ ...MINIMAL, NSPG_SUBSCRIPTION_IDS: ` ${SUB_A}, ${SUB_B.toUpperCase()}\n` }).NSPG_SUBSCRIPTION_IDS).toEqual([SUB_A, SUB_B.toUpperCase()]);
    expect(load({ ...MINIMAL, NSPG_SUBSCRIPTION_IDS: `${SUB_A} ${SUB_B}` }).NSPG_SUBSCRIPTION_IDS).toEqual([SUB_A, SUB_B]);
  });

  it("NSPG_DEBOUNCE_SECONDS not a number, or out of range", () => {
    for (const value of ["abc", "5s", "-1", "601"]) {
      expect(rejection({ ...MINIMAL, NSPG_DEBOUNCE_SECONDS: value }).message, value).toMatch(/^app setting NSPG_DEBOUNCE_SECONDS: /);
    }
    expect(rejection({ ...MINIMAL, NSPG_DEBOUNCE_SECONDS: "abc" }).message).toBe("app setting NSPG_DEBOUNCE_SECONDS: expected a number of seconds");
    expect(load({ ...MINIMAL, NSPG_DEBOUNCE_SECONDS: "0" }).NSPG_DEBOUNCE_SECONDS).toBe(0);
    expect(load({ ...MINIMAL, NSPG_DEBOUNCE_SECONDS: "2.5" }).NSPG_DEBOUNCE_SECONDS).toBe(2.5);
  });

  it("NSPG_RECONCILE_REREAD_HOURS: hours from 0 to 720, decimals allowed; anything else names the setting", () => {
    expect(load({ ...MINIMAL, NSPG_RECONCILE_REREAD_HOURS: "0" }).NSPG_RECONCILE_REREAD_HOURS).toBe(0);
    expect(load({ ...MINIMAL, NSPG_RECONCILE_REREAD_HOURS: "0.5" }).NSPG_RECONCILE_REREAD_HOURS).toBe(0.5);
    expect(load({ ...MINIMAL, NSPG_RECONCILE_REREAD_HOURS: " 12 " }).NSPG_RECONCILE_REREAD_HOURS).toBe(12);
    expect(load({ ...MINIMAL, NSPG_RECONCILE_REREAD_HOURS: "720" }).NSPG_RECONCILE_REREAD_HOURS).toBe(720);
    for (const value of ["-1", "721", "720.5", "-0.5"]) {
      expect(rejection({ ...MINIMAL, NSPG_RECONCILE_REREAD_HOURS: value }).message, value).toBe(
        "app setting NSPG_RECONCILE_REREAD_HOURS: expected 0 to 720 hours (0: re-read everything on every reconcile pass)",
      );
    }
    for (const value of ["abc", "48h", "Infinity"]) {
      expect(rejection({ ...MINIMAL, NSPG_RECONCILE_REREAD_HOURS: value }).message, value).toBe("app setting NSPG_RECONCILE_REREAD_HOURS: expected a number of hours");
    }
  });

  it("the other typed settings name themselves too", () => {
    expect(rejection({ ...MINIMAL, NSPG_EVENT_TTL_HOURS: "forever" }).message).toMatch(/^app setting NSPG_EVENT_TTL_HOURS: /);
    expect(rejection({ ...MINIMAL, NSPG_EVENT_TTL_HOURS: "0" }).message).toMatch(/^app setting NSPG_EVENT_TTL_HOURS: /);
    expect(rejection({ ...MINIMAL, NSPG_LOG_LEVEL: "verbose" }).message).toMatch(/^app setting NSPG_LOG_LEVEL: /);
    expect(rejection({ ...MINIMAL, NSPG_ARM_ENDPOINT: "not a url" }).message).toMatch(/^app setting NSPG_ARM_ENDPOINT: /);
  });

  it("bad inline NSPG_POLICY JSON names the setting, and the key when the JSON parses", () => {
    expect(rejection({ ...MINIMAL, NSPG_POLICY: '{"dryRun": tru' }).message).toMatch(/^NSPG_POLICY: not valid YAML or JSON: /);
    expect(rejection({ ...MINIMAL, NSPG_POLICY: '{"dryRun": "yes"}' }).message).toBe("NSPG_POLICY: dryRun: expected true|false");
    expect(rejection({ ...MINIMAL, NSPG_POLICY: '{"dryRun": false, "colour": "red"}' }).message).toBe("NSPG_POLICY: colour: unknown key");
    expect(rejection({ ...MINIMAL, NSPG_POLICY: '{"rules": {"storage-nfs": {"action": "nuke"}}}' }).message).toBe(
      "NSPG_POLICY: rules.storage-nfs.action: expected off|alert|revert",
    );
    expect(rejection({ ...MINIMAL, NSPG_POLICY: '{"rules": {"storage-nsf": {"action": "off"}}}' }).message).toBe(
      "NSPG_POLICY: rules.storage-nsf: unknown rule id (did you mean storage-nfs?)",
    );
  });

  it("an unreadable NSPG_POLICY file path names the setting, the path and the reason", () => {
    const missing = join(dir, "missing.yaml");
    expect(rejection({ ...MINIMAL, NSPG_POLICY: missing }).message).toBe(`NSPG_POLICY: cannot read policy file ${missing}: ENOENT`);
    expect(rejection({ ...MINIMAL, NSPG_POLICY: dir }).message).toBe(`NSPG_POLICY: cannot read policy file ${dir}: EISDIR`);
  });

  it("no storage at all names NSPG_STATE_CONNECTION and its alternatives", () => {
    expect(rejection({ NSPG_SUBSCRIPTION_IDS: SUB_A }).message).toBe(
      "app setting NSPG_STATE_CONNECTION: required (or AzureWebJobsStorage / AzureWebJobsStorage__accountName)",
    );
    expect(rejection({ NSPG_SUBSCRIPTION_IDS: SUB_A, AzureWebJobsStorage: "", NSPG_STATE_CONNECTION: "" }).message).toMatch(/^app setting NSPG_STATE_CONNECTION: /);
  });
});

describe("loadSettings: policy", () => {
  it("inline JSON, inline YAML (multi-line) and a file path", async () => {
    expect(load({ ...MINIMAL, NSPG_POLICY: ' {"dryRun": false, "transitionGraceDays": 7} ' }).policy).toMatchObject({ dryRun: false, transitionGraceDays: 7 });
    expect(load({ ...MINIMAL, NSPG_POLICY: "dryRun: false\nrules:\n  storage-nfs: { action: revert }\n" }).policy).toMatchObject({
      dryRun: false,
      rules: { "storage-nfs": { action: "revert" } },
    });
    const file = join(dir, "policy.yaml");
    await writeFile(file, "dryRun: false\ntransitionGraceDays: 3\n");
    expect(load({ ...MINIMAL, NSPG_POLICY: file }).policy).toMatchObject({ dryRun: false, transitionGraceDays: 3 });
  });

  it("a policy file with a bad key is rejected naming the file and the key", async () => {
    const file = join(dir, "bad-policy.yaml");
    await writeFile(file, "dryRun: false\nrules:\n  storage-nfs: { action: nuke }\n");
    expect(rejection({ ...MINIMAL, NSPG_POLICY: file }).message).toBe(`${file}: rules.storage-nfs.action: expected off|alert|revert`);
  });

  it("unset or blank: the default policy (dry run)", () => {
    expect(load(MINIMAL).policy).toEqual(DEFAULT_POLICY);
    expect(load({ ...MINIMAL, NSPG_POLICY: "  " }).policy).toEqual(DEFAULT_POLICY);
    expect(DEFAULT_POLICY.dryRun).toBe(true);
  });
});

describe("loadSettings: where the state lives", () => {
  it("AzureWebJobsStorage connection string by default", () => {
    expect(load(MINIMAL).storage).toEqual({ kind: "connectionString", connectionString: "UseDevelopmentStorage=true" });
  });

  it("NSPG_STATE_CONNECTION overrides AzureWebJobsStorage (and identity)", () => {
    const state = "DefaultEndpointsProtocol=https;AccountName=nspgstate;AccountKey=a2V5;EndpointSuffix=core.windows.net";
    expect(load({ ...MINIMAL, NSPG_STATE_CONNECTION: state }).storage).toEqual({ kind: "connectionString", connectionString: state });
    expect(load({ NSPG_SUBSCRIPTION_IDS: SUB_A, AzureWebJobsStorage__accountName: "nspgfunc", NSPG_STATE_CONNECTION: state }).storage).toEqual({
      kind: "connectionString",
      connectionString: state,
    });
  });

  it("identity-based AzureWebJobsStorage__accountName, with the user-assigned identity of AZURE_CLIENT_ID", () => {
    const clientId = "33333333-3333-3333-3333-333333333333";
    expect(load({ NSPG_SUBSCRIPTION_IDS: SUB_A, AzureWebJobsStorage__accountName: "nspgfunc", AZURE_CLIENT_ID: clientId }).storage).toEqual({
      kind: "identity",
      accountName: "nspgfunc",
      clientId,
    });
    // System-assigned identity (or DefaultAzureCredential locally) when no client id is given.
    expect(load({ NSPG_SUBSCRIPTION_IDS: SUB_A, AzureWebJobsStorage__accountName: "nspgfunc" }).storage).toEqual({
      kind: "identity",
      accountName: "nspgfunc",
      clientId: undefined,
    });
    // An empty connection string does not shadow the identity-based setting.
    expect(load({ NSPG_SUBSCRIPTION_IDS: SUB_A, AzureWebJobsStorage: "", AzureWebJobsStorage__accountName: "nspgfunc" }).storage.kind).toBe("identity");
  });

  it("a connection string wins over the account name when both are set", () => {
    expect(load({ ...MINIMAL, AzureWebJobsStorage__accountName: "nspgfunc" }).storage.kind).toBe("connectionString");
  });
});

describe("loadSettings: defaults", () => {
  it("debounce 5 s, event ids kept 24 h, re-read from ARM every 48 h, log level info, no self principals, public ARM", () => {
    const settings = load(MINIMAL);
    expect(settings).toMatchObject({
      NSPG_SUBSCRIPTION_IDS: [SUB_A],
      NSPG_DEBOUNCE_SECONDS: 5,
      NSPG_EVENT_TTL_HOURS: 24,
      NSPG_RECONCILE_REREAD_HOURS: 48,
      NSPG_LOG_LEVEL: "info",
      NSPG_SELF_PRINCIPAL_IDS: [],
    });
    expect(settings.NSPG_ARM_ENDPOINT).toBeUndefined();
    expect(settings.NSPG_ARM_CA_FILE).toBeUndefined();
    expect(settings.NSPG_STATE_CONNECTION).toBeUndefined();
    expect(settings.AZURE_CLIENT_ID).toBeUndefined();
  });

  it("set values are taken", () => {
    const settings = load({
      ...MINIMAL,
      NSPG_DEBOUNCE_SECONDS: "30",
      NSPG_EVENT_TTL_HOURS: "48",
      NSPG_RECONCILE_REREAD_HOURS: "6",
      NSPG_LOG_LEVEL: "debug",
      NSPG_SELF_PRINCIPAL_IDS: "44444444-4444-4444-4444-444444444444, 55555555-5555-5555-5555-555555555555",
      NSPG_ARM_ENDPOINT: "https://127.0.0.1:8443",
      NSPG_ARM_CA_FILE: "/tmp/emulator.pem",
    });
    expect(settings).toMatchObject({
      NSPG_DEBOUNCE_SECONDS: 30,
      NSPG_EVENT_TTL_HOURS: 48,
      NSPG_RECONCILE_REREAD_HOURS: 6,
      NSPG_LOG_LEVEL: "debug",
      NSPG_SELF_PRINCIPAL_IDS: ["44444444-4444-4444-4444-444444444444", "55555555-5555-5555-5555-555555555555"],
      NSPG_ARM_ENDPOINT: "https://127.0.0.1:8443",
      NSPG_ARM_CA_FILE: "/tmp/emulator.pem",
    });
  });

  it("blank optional settings mean 'not set' (the sample and the portal leave settings blank)", () => {
    const unset = load(MINIMAL);
    const changedByBlank = OPTIONAL_SETTINGS.filter((name) => {
      let settings: Settings;
      try {
        settings = load({ ...MINIMAL, [name]: "" });
      } catch {
        return true;
      }
      // A field left "" where it would be absent is fine as long as nothing derived from it differs.
      const effective = (value: Settings) => JSON.stringify(value, (_key, v: unknown) => (v === "" ? undefined : v));
      return effective(settings) !== effective(unset);
    });
    expect(changedByBlank, "settings whose blank value differs from leaving them out").toEqual([]);
    // The two that matter most: a blank state connection must not hide AzureWebJobsStorage, nor a blank client id pick an identity.
    expect(load({ ...MINIMAL, NSPG_STATE_CONNECTION: "" }).storage).toEqual(unset.storage);
    expect(load({ NSPG_SUBSCRIPTION_IDS: SUB_A, AzureWebJobsStorage__accountName: "nspgfunc", AZURE_CLIENT_ID: "" }).storage).toEqual({
      kind: "identity",
      accountName: "nspgfunc",
      clientId: undefined,
    });
  });
});

// ---------------------------------------------------------------------------------------------------
// Documentation of the settings

const OPTIONAL_SETTINGS = [
  "NSPG_MANAGEMENT_GROUP_ID",
  "NSPG_POLICY",
  "NSPG_ARM_ENDPOINT",
  "NSPG_ARM_CA_FILE",
  "NSPG_STATE_CONNECTION",
  "AZURE_CLIENT_ID",
  "NSPG_DEBOUNCE_SECONDS",
  "NSPG_EVENT_TTL_HOURS",
  "NSPG_RECONCILE_REREAD_HOURS",
  "NSPG_SELF_PRINCIPAL_IDS",
  "NSPG_LOG_LEVEL",
];


/** Every setting name loadSettings looks at, observed (not listed by hand) through a recording environment. */
function settingsRead(): string[] {
  return settingsReadBy(MINIMAL);
}

/** Every setting name the Functions app reads: config.ts, the alert settings, the credential, the functions' bindings. */
function appSettingsRead(): string[] {
  const dir = join(ROOT, "functions");
  const sources = readdirSync(dir).filter((f) => f.endsWith(".ts")).map((f) => readFileSync(join(dir, f), "utf8"));
  return appSettingsReadBy(MINIMAL, sources);
}

/** Settings the Functions host itself reads from local.settings.json. */
const HOST_SETTINGS = ["FUNCTIONS_WORKER_RUNTIME"];

const sample = JSON.parse(readFileSync(join(ROOT, "local.settings.sample.json"), "utf8")) as { IsEncrypted?: boolean; Values: Record<string, string> };
const sampleNames = Object.keys(sample.Values);
const covers = (names: readonly string[], setting: string) =>
  setting.endsWith("*") ? names.some((n) => n.startsWith(setting.slice(0, -1))) : names.includes(setting);

describe("local.settings.sample.json and the README", () => {
  it("the recording environment sees the settings config.ts reads", () => {
    const read = settingsRead();
    expect(read).toEqual(expect.arrayContaining(["NSPG_SUBSCRIPTION_IDS", "AzureWebJobsStorage", "AzureWebJobsStorage__accountName", ...OPTIONAL_SETTINGS]));
  });

  it("the sample lists every setting config.ts reads", () => {
    const missing = settingsRead().filter((name) => !sampleNames.includes(name));
    expect(missing, "settings config.ts reads that local.settings.sample.json lacks").toEqual([]);
  });

  it("the sample lists every setting the app reads (alerts, credential, timer bindings too), and nothing else", () => {
    const read = appSettingsRead();
    // Before: the alert settings (ACS connection string, SMTP security/CA/sender, transport, timeouts, portal) were missing.
    expect(read).toEqual(expect.arrayContaining(["NSPG_EMAIL_ACS_CONNECTION_STRING", "NSPG_EMAIL_SMTP_SECURE", "NSPG_NOTIFY_TIMEOUT_SECONDS", "NSPG_PORTAL_URL", "NSPG_RECONCILE_SCHEDULE", "NSPG_RECONCILE_REREAD_HOURS", "NSPG_ARM_TOKEN"]));
    expect(read.filter((name) => !sampleNames.includes(name)), "settings the app reads that local.settings.sample.json lacks").toEqual([]);
    const unread = sampleNames.filter((name) => !read.includes(name) && !HOST_SETTINGS.includes(name) && !CONTRACT_SETTINGS.some((c) => covers([name], c)));
    expect(unread, "settings in local.settings.sample.json that nothing reads").toEqual([]);
  });

  it("the sample watches the demo estate's subscription (what `nsp-guardrail emulator --snapshot demo/estate.json` serves)", () => {
    const estate = parseSnapshot(readFileSync(join(ROOT, "demo", "estate.json"), "utf8"), "estate.json");
    const subscriptions = [...new Set(estate.map((r) => r.id.split("/")[2]!.toLowerCase()))];
    expect(sample.Values["NSPG_SUBSCRIPTION_IDS"]!.split(",").map((s) => s.trim().toLowerCase())).toEqual(subscriptions);
  });

  it("the sample's alert settings load", () => {
    expect(() => loadNotifySettings(sample.Values)).not.toThrow();
  });

  it("the sample lists every setting contracts.md §4 names", () => {
    expect(CONTRACT_SETTINGS.filter((name) => !covers(sampleNames, name))).toEqual([]);
  });

  it("the sample is a local.settings.json for the node worker, every value a string", () => {
    expect(sample.IsEncrypted).toBe(false);
    expect(sample.Values["FUNCTIONS_WORKER_RUNTIME"]).toBe("node");
    for (const [name, value] of Object.entries(sample.Values)) expect(typeof value, name).toBe("string");
  });

  it("the sample, copied as the README says, loads (relative paths from the app root, where `func start` runs)", () => {
    const values = { ...sample.Values };
    const policy = values["NSPG_POLICY"]?.trim();
    if (policy && !policy.startsWith("{") && !policy.includes("\n") && !isAbsolute(policy)) values["NSPG_POLICY"] = join(ROOT, policy);
    expect(() => load(values)).not.toThrow();
  });

  it("the README documents every setting the app reads and contracts.md §4 names", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const documented = [...readme.matchAll(/`([A-Za-z][A-Za-z0-9_]*\*?)`/g)].map((m) => m[1]!);
    const missing = [...appSettingsRead(), ...CONTRACT_SETTINGS].filter((name) => !documented.includes(name) && !covers(documented, name));
    expect(missing).toEqual([]);
  });
});
