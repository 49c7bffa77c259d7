/** Every app setting name `loadSettings` looks at, observed (not listed by hand) through a recording environment. */
import { loadSettings } from "../../src/app/config.js";

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
