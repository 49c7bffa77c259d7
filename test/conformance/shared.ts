/**
 * The shared reference material the conformance project reads (`../shared`, next to the repository):
 * the pinned subset of Azure/azure-rest-api-specs and the documented example payloads. Missing, it
 * fails with the path it looked for: the conformance project never passes without its references.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/cli.js";

export const SHARED = join(ROOT, "..", "shared");
export const SPECS = join(SHARED, "azure-rest-api-specs");
export const EXAMPLES = join(SHARED, "docs", "examples");

export function sharedFile(path: string): string {
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: the conformance project needs ../shared (the pinned Azure REST API specs and documented payloads) next to the repository`);
  }
  return path;
}

export function readSharedJson<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(sharedFile(path), "utf8")) as T;
}

/** The REST specs the emulator's traffic is validated against, by provider namespace (lower case), relative to SPECS. */
export const SPEC_FILES: Readonly<Record<string, string>> = {
  "microsoft.network": "specification/network/resource-manager/Microsoft.Network/Network/stable/2026-01-01/networkSecurityPerimeter.json",
  "microsoft.storage": "specification/storage/resource-manager/Microsoft.Storage/Storage/stable/2026-09-01/openapi.json",
  "microsoft.keyvault": "specification/keyvault/resource-manager/Microsoft.KeyVault/KeyVault/stable/2026-02-01/openapi.json",
};

/** Event Grid data-plane schemas of Azure subscription events (JSON Schema draft 4 definitions, no paths). */
export const EVENT_GRID_RESOURCES_SPEC = "specification/eventgrid/data-plane/Microsoft.Resources/stable/2018-01-01/Resources.json";
