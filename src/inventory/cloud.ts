/**
 * Azure clouds: where ARM is, the audience its tokens are issued for, and where Microsoft Entra ID
 * signs in. The guardrail asks for a token for the cloud it talks to, and sends that token only to
 * that cloud's ARM endpoint, to a loopback endpoint (the emulator), or to a host the settings trust.
 *
 * Sources:
 * - ARM endpoints per cloud: https://learn.microsoft.com/azure/azure-government/compare-azure-government-global-azure
 *   (Azure Resource Manager: management.azure.com / management.usgovcloudapi.net) and
 *   https://learn.microsoft.com/azure/china/resources-developer-guide (management.chinacloudapi.cn);
 *   the same table as the Azure SDK for JS (`getArmEndpoint`, sdk/.../static-helpers/cloudSettingHelpers.ts).
 * - Entra ID authority hosts: https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud
 *   and @azure/identity's `AzureAuthorityHosts` (login.microsoftonline.com, login.microsoftonline.us,
 *   login.chinacloudapi.cn).
 * - The token audience is the cloud's ARM endpoint (`{endpoint}/.default`), what the management SDKs
 *   request when pointed at a sovereign cloud's endpoint. UNCONFIRMED by a doc that names the audience;
 *   ARM in those clouds also accepts the classic `management.core.*` audience, so either way the
 *   token is for that cloud's ARM and never for another cloud's.
 */
import { InputError } from "../model/errors.js";

export interface AzureCloud {
  readonly name: CloudName;
  readonly armEndpoint: string;
  /** Token scope for ARM in this cloud. */
  readonly armScope: string;
  readonly authorityHost: string;
}

export const CLOUD_NAMES = ["AzureCloud", "AzureUSGovernment", "AzureChinaCloud"] as const;
export type CloudName = (typeof CLOUD_NAMES)[number];

function cloud(name: CloudName, host: string, authorityHost: string): AzureCloud {
  return { name, armEndpoint: `https://${host}`, armScope: `https://${host}/.default`, authorityHost };
}

export const CLOUDS: Readonly<Record<CloudName, AzureCloud>> = {
  AzureCloud: cloud("AzureCloud", "management.azure.com", "https://login.microsoftonline.com"),
  AzureUSGovernment: cloud("AzureUSGovernment", "management.usgovcloudapi.net", "https://login.microsoftonline.us"),
  AzureChinaCloud: cloud("AzureChinaCloud", "management.chinacloudapi.cn", "https://login.chinacloudapi.cn"),
};

/** `--cloud` / `NSPG_CLOUD` (case-insensitive), default the public cloud. */
export function parseCloud(value: string | undefined, source: string): AzureCloud {
  const text = value?.trim();
  if (!text) return CLOUDS.AzureCloud;
  const name = CLOUD_NAMES.find((n) => n.toLowerCase() === text.toLowerCase());
  if (!name) throw new InputError(`${source}: expected ${CLOUD_NAMES.join("|")}, got ${JSON.stringify(text)}`);
  return CLOUDS[name];
}

/** The cloud whose ARM endpoint has this host, if any. */
export function cloudOfHost(host: string): AzureCloud | undefined {
  const lower = host.toLowerCase();
  return Object.values(CLOUDS).find((c) => new URL(c.armEndpoint).hostname === lower);
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase());
}

/** `NSPG_ARM_TRUSTED_HOSTS`: hosts (comma-separated) that may receive the ARM token, e.g. a corporate ARM proxy. */
export function trustedHosts(value: string | undefined): string[] {
  return (value ?? "").split(/[,\s]+/).map((h) => h.trim().toLowerCase()).filter(Boolean);
}
