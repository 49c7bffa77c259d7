/**
 * The one Azure credential every ARM client of a process shares (one token cache, one managed
 * identity round trip), chosen from the environment:
 *
 * - `NSPG_ARM_TOKEN` set: that bearer token as is (how the CLI is pointed at the ARM emulator, which
 *   prints one; also handy with `az account get-access-token`);
 * - running in Azure (`IDENTITY_ENDPOINT` or `MSI_ENDPOINT` set): ManagedIdentityCredential, the
 *   user-assigned identity named by `AZURE_CLIENT_ID` when set;
 * - otherwise DefaultAzureCredential (Azure CLI, environment, workload identity... on a laptop or CI).
 */
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import { CLOUDS, type AzureCloud } from "./cloud.js";

/** The public cloud's ARM scope; the scope in use is the connection's (`ArmConnection.scope`). */
export const ARM_SCOPE = CLOUDS.AzureCloud.armScope;

export type CredentialKind = "static-token" | "managed-identity" | "default";

export interface ArmCredential {
  readonly credential: TokenCredential;
  readonly kind: CredentialKind;
}

/** The environment variables the credential choice depends on. */
export type CredentialEnvironment = Readonly<Record<string, string | undefined>>;

const ONE_HOUR_MS = 3_600_000;

/** Expiry of a JWT from its `exp` claim; undefined for a token that is not a readable JWT. */
function jwtExpiry(token: string): number | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: unknown }).exp;
    return typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A credential that hands out one fixed bearer token. An expired or foreign token is not detected
 * here: ARM answers 401 and the inventory reports it as ArmUnavailableError.
 */
export function staticTokenCredential(token: string): TokenCredential {
  const value = token.trim().replace(/^Bearer\s+/i, "");
  const expiresOnTimestamp = jwtExpiry(value) ?? Date.now() + ONE_HOUR_MS;
  return {
    getToken: async (): Promise<AccessToken> => ({ token: value, expiresOnTimestamp }),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** Builds a new credential from the environment (see the module comment for the order). */
export function createArmCredential(env: CredentialEnvironment = process.env, cloud: AzureCloud = CLOUDS.AzureCloud): ArmCredential {
  const token = nonEmpty(env["NSPG_ARM_TOKEN"]);
  if (token) return { credential: staticTokenCredential(token), kind: "static-token" };
  if (nonEmpty(env["IDENTITY_ENDPOINT"]) || nonEmpty(env["MSI_ENDPOINT"])) {
    const clientId = nonEmpty(env["AZURE_CLIENT_ID"]);
    return { credential: clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential(), kind: "managed-identity" };
  }
  // Signs in with the cloud's own Entra ID (an explicit AZURE_AUTHORITY_HOST still wins, as the SDK reads it).
  const authorityHost = nonEmpty(env["AZURE_AUTHORITY_HOST"]) ?? cloud.authorityHost;
  return { credential: cloud === CLOUDS.AzureCloud && !env["AZURE_AUTHORITY_HOST"] ? new DefaultAzureCredential() : new DefaultAzureCredential({ authorityHost }), kind: "default" };
}

const shared = new Map<string, ArmCredential>();

/**
 * The process-wide credential, built on first use from `process.env`. Every live inventory run and
 * every ARM client share it, so tokens are fetched once and cached by the credential itself.
 */
export function sharedArmCredential(cloud: AzureCloud = CLOUDS.AzureCloud): ArmCredential {
  let credential = shared.get(cloud.name);
  if (!credential) {
    credential = createArmCredential(process.env, cloud);
    shared.set(cloud.name, credential);
  }
  return credential;
}

/** Forgets the shared credential (tests that change the environment). */
export function resetSharedArmCredential(): void {
  shared.clear();
}
