import { T } from "../../src/model/resourceTypes.js";
/** Shared by the live inventory tests: fixture estates as ARM holds them, and findings to compare. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { idKey, parseArmId } from "../../src/model/armId.js";
import type { ArmResource } from "../../src/model/resource.js";
import type { ArmEmulator } from "../../src/emulator/server.js";
import type { Finding } from "../../src/rules/types.js";
import type { LiveInventoryOptions } from "../../src/inventory/liveInventory.js";

export const ESTATES_DIR = join(import.meta.dirname, "../fixtures/estates");
/**
 * Every fixture estate: the snapshot documents of test/fixtures/estates (`{resources}`, `{value}` or
 * `{data}`), not the golden files (`*.expected.json`) nor the replay timelines (arrays).
 */
export const FIXTURE_FILES: readonly string[] = readdirSync(ESTATES_DIR)
  .filter((file) => file.endsWith(".json") && !file.endsWith(".expected.json"))
  .filter((file) => {
    const doc = JSON.parse(readFileSync(join(ESTATES_DIR, file), "utf8")) as unknown;
    return doc !== null && typeof doc === "object" && !Array.isArray(doc) && ["resources", "value", "data"].some((k) => Array.isArray((doc as Record<string, unknown>)[k]));
  })
  .sort();

/** The policy a fixture estate is scanned with: `{name}.policy.yaml` beside it, when there is one. */
export function fixturePolicyFile(file: string): string | undefined {
  const path = join(ESTATES_DIR, file.replace(/\.json$/, ".policy.yaml"));
  return existsSync(path) ? path : undefined;
}

/** The resources of a fixture estate file (`{resources}`, `{value}` or `{data}`). */
export function fixtureResources(file: string): { doc: unknown; resources: ArmResource[] } {
  const doc = JSON.parse(readFileSync(join(ESTATES_DIR, file), "utf8")) as { resources?: ArmResource[]; value?: ArmResource[]; data?: ArmResource[] };
  return { doc, resources: doc.resources ?? doc.value ?? doc.data ?? [] };
}

/**
 * The fixture as ARM would hold it: snapshots carry the resources rules read, but in Azure a
 * protected item lives in a Recovery Services vault, a backup instance in a backup vault and a cloud
 * endpoint in a sync group, which a live read walks through. Missing ancestors get a bare resource.
 */
export function withAncestors(resources: readonly ArmResource[]): ArmResource[] {
  const known = new Set(resources.map((r) => idKey(r.id)));
  const out = [...resources];
  for (const resource of resources) {
    let parentId = parseArmId(resource.id).parentId;
    while (parentId) {
      const parent = parseArmId(parentId);
      if (!parent.provider || parent.scopeId) break;
      if (!known.has(idKey(parentId))) {
        known.add(idKey(parentId));
        // Child (proxy) resources have no location in the specs (FileServiceProperties, for one).
        out.push({ id: parent.id, name: parent.name, type: parent.type, ...(parent.rootId === parent.id ? { location: "westeurope" } : {}), properties: {} });
      }
      parentId = parent.parentId;
    }
  }
  return out;
}

export function subscriptionsOf(resources: readonly ArmResource[]): string[] {
  return [...new Set(resources.map((r) => parseArmId(r.id).subscriptionId))];
}

/**
 * What must match between a snapshot scan and a live scan of the same estate, as comparable lines
 * (rules about resources outside any perimeter included: the live read lists their types per subscription).
 */
export function comparable(findings: readonly Finding[]): string[] {
  return findings
    .map((f) => [f.ruleId, idKey(f.resourceId), f.severity, idKey(f.perimeterId ?? ""), f.exempted ? "exempted" : ""].join(" | "))
    .sort();
}

/** Live inventory options pointing at an emulator, with quick retries (Retry-After is still honoured). */
export function liveOptions(emulator: ArmEmulator, extra: Partial<LiveInventoryOptions> = {}): LiveInventoryOptions {
  return {
    armEndpoint: emulator.endpoint,
    ca: emulator.caCertificate,
    credential: emulator.credential(),
    retryOptions: { maxRetries: 3, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
    env: {},
    ...extra,
  };
}

/** Lower-case ARM type an emulator operation reads (`Microsoft.Storage/storageAccounts/read` → type). */
export function typeRead(operation: string | undefined): string {
  const type = (operation ?? "").replace(/\/read$/i, "").toLowerCase();
  // The onboarded-types list is read per location (its RBAC action names `locations/`); the estate
  // stores its items as T.perimeterAssociableResourceType (src/model/resourceTypes.ts).
  return type === "microsoft.network/locations/perimeterassociableresourcetypes" ? T.perimeterAssociableResourceType : type;
}
