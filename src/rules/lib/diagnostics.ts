import { NSP_LOG_CATEGORIES } from "../../model/nspLogCategories.js";
import { logDestinationsOf, type LogDestination } from "../../model/logDestinations.js";
/**
 * Diagnostic settings (`Microsoft.Insights/diagnosticSettings` extension resources): which log
 * categories they enable and where they send them. The perimeter's own settings carry its access
 * logs (DIAG); a member's settings carry its resource logs (MONITOR, CONCEPTS "Logging limitations").
 */
import { ancestorOfType, idKey, isArmId, sameId } from "../../model/armId.js";
import type { EstateReader } from "../../model/estate.js";
import { isTrue, propArray, propString, type ArmResource } from "../../model/resource.js";
import { T } from "../../model/resourceTypes.js";
import { listNames, nameOf } from "./messages.js";

/** One enabled `logs[]` entry: a category or a category group. */
export interface EnabledLog {
  readonly category?: string;
  readonly categoryGroup?: string;
}

/** The `logs[]` entries of a setting that are enabled and name what they collect. */
export function enabledLogs(setting: ArmResource): EnabledLog[] {
  return propArray(setting, "logs").flatMap((entry): EnabledLog[] => {
    if (entry === null || typeof entry !== "object") return [];
    const { enabled, category, categoryGroup } = entry as { enabled?: unknown; category?: unknown; categoryGroup?: unknown };
    if (!isTrue(enabled)) return [];
    if (typeof category === "string" && category.length > 0) return [{ category }];
    if (typeof categoryGroup === "string" && categoryGroup.length > 0) return [{ categoryGroup }];
    return [];
  });
}

/** Why a diagnostic setting enables no log, for messages. */
export function whyNoLogs(setting: ArmResource): string {
  const logs = propArray(setting, "logs");
  const metrics = propArray(setting, "metrics").some((m) => isTrue((m as { enabled?: unknown } | null)?.enabled));
  if (logs.length === 0) return metrics ? "metrics only" : "no log categories";
  return metrics ? "all log categories disabled, metrics only" : "all log categories disabled";
}

/** The categories that show what enforcement would break (DIAG): the `*Denied` and `*ResourceRules*` ones. */
export const ENFORCEMENT_EVIDENCE_CATEGORIES: readonly string[] = NSP_LOG_CATEGORIES.filter(
  (c) => c.endsWith("Denied") || c.includes("ResourceRules"),
);

const NSP_CATEGORY_KEYS = new Set(NSP_LOG_CATEGORIES.map((c) => c.toLowerCase()));

export function isNspLog(log: EnabledLog): boolean {
  // A category group (allLogs, or any other group the perimeter offers) collects NSP access logs.
  return log.categoryGroup !== undefined || (log.category !== undefined && NSP_CATEGORY_KEYS.has(log.category.toLowerCase()));
}

/** Diagnostic settings on a resource or on its children (a storage account's blob service). */
export function diagnosticSettingsUnder(estate: EstateReader, resourceId: string): readonly ArmResource[] {
  const settings = estate.descendants(resourceId, T.diagnosticSetting);
  if (settings.length === 0) return settings;
  const key = `${idKey(resourceId)}/`;
  return settings.filter((setting) => idKey(setting.id).startsWith(key));
}

/**
 * The destinations of `settings` that are not associated with perimeter `perimeterId`, each named
 * with the settings that send there and where the destination sits instead (for messages).
 */
export function destinationsOutside(estate: EstateReader, settings: readonly ArmResource[], perimeterId: string): string[] {
  const destinations = new Map<string, { destination: LogDestination; settings: string[] }>();
  for (const setting of settings) {
    const name = nameOf(setting.id);
    for (const destination of logDestinationsOf(setting)) {
      const key = idKey(destination.id);
      const known = destinations.get(key);
      if (!known) destinations.set(key, { destination, settings: [name] });
      else if (!known.settings.includes(name)) known.settings.push(name);
    }
  }
  const outside: string[] = [];
  for (const { destination, settings: from } of destinations.values()) {
    const associations = estate.associationsOfMember(destination.id);
    if (associations.some((a) => sameId(a.perimeterId, perimeterId))) continue;
    const where = associations.length
      ? `associated with ${listNames([...new Set(associations.map((a) => nameOf(a.perimeterId)))])} only`
      : "in no perimeter";
    outside.push(`${destination.kind} ${nameOf(destination.id)} (from ${listNames(from)}; ${where})`);
  }
  return outside;
}

export { NSP_LOG_CATEGORIES };
