/**
 * Which resource types can be associated with a perimeter, and which of them are in preview
 * (rules.md Revision 2 "Onboarded types"). The live list, ARM's
 * `Microsoft.Network/locations/{location}/perimeterAssociableResourceTypes` (NSP spec
 * PerimeterAssociableResource: `properties.resourceType`, `properties.readinessState` GA | Preview |
 * Onboarding | NotReady), is used when the estate holds it; otherwise the dated built-in table.
 */
import type { EstateReader } from "../../model/estate.js";
import { equalsIgnoreCase, propString, type ArmResource } from "../../model/resource.js";
import { T } from "../../model/resourceTypes.js";
import type { SourceDoc } from "../types.js";
import { BUILT_IN_ONBOARDED, type OnboardedType, type Readiness } from "../../model/onboardedTypes.js";

export { BUILT_IN_ONBOARDED, type OnboardedType, type Readiness };

/** The doc the built-in table is copied from, with its date (rules metadata cites it too). */
export const BUILT_IN_TABLE_SOURCE: SourceDoc = "CONCEPTS-2026";

const BUILT_IN_BY_TYPE = new Map(BUILT_IN_ONBOARDED.map((row) => [row.type, row]));

/** `Microsoft.Sql/servers` from `properties.resourceType`, else from a name such as `Microsoft.Sql.servers`. */
function liveTypeOf(resource: ArmResource): string | undefined {
  const declared = propString(resource, "resourceType");
  if (declared && declared.includes("/")) return declared.toLowerCase();
  const name = declared ?? resource.name ?? resource.id.split("/").pop();
  if (!name) return undefined;
  const dot = name.lastIndexOf(".");
  return dot > 0 ? `${name.slice(0, dot)}/${name.slice(dot + 1)}`.toLowerCase() : undefined;
}

export interface LiveList {
  /** Lower-case type → readiness as ARM reports it (`undefined` when the entry has none). */
  readonly types: ReadonlyMap<string, string | undefined>;
}

const liveCache = new WeakMap<EstateReader, LiveList | null>();

/** The live onboarded list held in the estate, or undefined when it holds none. */
export function liveOnboardedList(estate: EstateReader): LiveList | undefined {
  let cached = liveCache.get(estate);
  if (cached === undefined) {
    const entries = estate.ofType(T.perimeterAssociableResourceType);
    const types = new Map<string, string | undefined>();
    for (const entry of entries) {
      const type = liveTypeOf(entry);
      if (type) types.set(type, propString(entry, "readinessState"));
    }
    cached = types.size > 0 ? { types } : null;
    liveCache.set(estate, cached);
  }
  return cached ?? undefined;
}

export interface Onboarding {
  readonly onboarded: boolean;
  /** Public preview (by type, and by kind for Cognitive Services accounts). */
  readonly preview: boolean;
  /** Where the answer came from, for messages. */
  readonly from: "live list" | "built-in table" | "policy onboardedTypes" | "none";
}

function readinessOfKind(row: OnboardedType, kind: string | undefined): Readiness {
  if (!row.kinds) return row.readiness;
  const k = kind?.toLowerCase();
  return (k !== undefined ? row.kinds[k] : undefined) ?? row.otherKinds ?? row.readiness;
}

/**
 * Whether a member type (and kind) is onboarded and whether it is in preview. Onboarded when the
 * live list (entries not `NotReady`/`Onboarding`), the built-in table or the policy's
 * `onboardedTypes` names it. Preview when the live list says `Preview`, or the built-in table does
 * for this type and kind (the live list has no kinds, so Azure OpenAI stays preview under a GA type).
 */
export function onboardingOf(estate: EstateReader, type: string, kind: string | undefined, policyTypes: readonly string[]): Onboarding {
  const live = liveOnboardedList(estate);
  const builtIn = BUILT_IN_BY_TYPE.get(type);
  const builtInPreview = builtIn !== undefined && readinessOfKind(builtIn, kind) === "Preview";
  if (live?.types.has(type)) {
    const state = live.types.get(type);
    const usable = !(equalsIgnoreCase(state, "notready") || equalsIgnoreCase(state, "onboarding"));
    if (usable) return { onboarded: true, preview: equalsIgnoreCase(state, "preview") || builtInPreview, from: "live list" };
  }
  if (builtIn) return { onboarded: true, preview: builtInPreview, from: "built-in table" };
  if (policyTypes.includes(type)) return { onboarded: true, preview: false, from: "policy onboardedTypes" };
  return { onboarded: false, preview: false, from: "none" };
}
