/** Every app setting name `loadSettings` looks at, observed (not listed by hand) through a recording environment. */
import { loadSettings } from "../../src/app/config.js";
import { createArmCredential } from "../../src/inventory/credential.js";
import { loadNotifySettings, webhookAllowedHosts } from "../../src/notify/settings.js";

export function settingsReadBy(base: Record<string, string>): string[] {
  const read = new Set<string>();
  const env = new Proxy<Record<string, string>>(
    { ...base },
    {
      get(target, key, receiver) {
        if (typeof key === "string") read.add(key);
        return Reflect.get(target, key, receiver) as unknown;
      },
      has(target, key) {
        if (typeof key === "string") read.add(key);
        return Reflect.has(target, key);
      },
    },
  );
  loadSettings(env);
  return [...read].sort();
}

/** The settings contracts.md §4 names (NSPG_EMAIL_* stands for at least one NSPG_EMAIL_ setting). */
export const CONTRACT_SETTINGS = [
  "NSPG_SUBSCRIPTION_IDS",
  "NSPG_POLICY",
  "NSPG_ARM_ENDPOINT",
  "NSPG_STATE_CONNECTION",
  "AZURE_CLIENT_ID",
  "TEAMS_WEBHOOK_URL",
  "NSPG_EMAIL_*",
  "NSPG_RECONCILE_SCHEDULE",
] as const;

/**
 * Settings the host sets itself (managed identity endpoints) or that only the Azure SDK reads
 * (`NSPG_CLOUD` chooses the authority host): never app settings to document.
 */
export const PLATFORM_SETTINGS = ["IDENTITY_ENDPOINT", "MSI_ENDPOINT", "AZURE_AUTHORITY_HOST"] as const;

/**
 * Every app setting the Functions app reads, observed: `loadSettings`, the alert settings
 * (`loadNotifySettings`, the webhook host allow-list), the ARM credential, and the `%NAME%` binding
 * expressions of the functions (the reconcile timer's schedule).
 */
export function appSettingsReadBy(base: Record<string, string>, functionSources: readonly string[]): string[] {
  const read = new Set<string>(settingsReadBy(base));
  const recording = () =>
    new Proxy<Record<string, string>>(
      { ...base },
      {
        get(target, key, receiver) {
          if (typeof key === "string") read.add(key);
          return Reflect.get(target, key, receiver) as unknown;
        },
        has(target, key) {
          if (typeof key === "string") read.add(key);
          return Reflect.has(target, key);
        },
      },
    );
  loadNotifySettings(recording());
  webhookAllowedHosts(recording());
  createArmCredential(recording());
  for (const source of functionSources) for (const m of source.matchAll(/"%([A-Za-z_][A-Za-z0-9_]*)%"/g)) read.add(m[1]!);
  return [...read].filter((name) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !(PLATFORM_SETTINGS as readonly string[]).includes(name)).sort();
}
