/**
 * What a scan could not check: for each enabled rule and each resource it evaluates, the inputs the
 * rule declares (`meta.reads`) that the estate does not provide. A rule whose input is missing does
 * not fail, it silently finds nothing (no file share read means no NFS share found): this list is
 * what keeps such a scan from passing as clean.
 *
 * Whether an input is provided depends on how the estate was obtained:
 * - a live read provides every type of its read plan (the plan is made from the same declared reads);
 * - a snapshot written by `export` names the types it read completely (`inputs`);
 * - any other snapshot provides a type when it holds at least one resource of it: nothing else tells
 *   "this account has no file share" from "file shares were not exported".
 *
 * Everything here works from the rules' declared reads and the type hierarchy, so a rule added to the
 * catalog is covered without a change here.
 */
import { idKey } from "../model/armId.js";
import { buildPerimeterView } from "../model/perimeterView.js";
import type { EstateReader } from "../model/estate.js";
import { ONBOARDED_TYPES } from "../model/onboardedTypes.js";
import { T } from "../model/resourceTypes.js";
import type { Rule } from "../rules/types.js";
import { shortName } from "./scanReport.js";

/** What a read of perimeter members lacks for the rules about everything else. */
/** One rule that could not be evaluated on one resource (contracts.md, Revision 2: `notEvaluated`). */
export interface NotEvaluated {
  readonly ruleId: string;
  readonly resourceId: string;
  /** What the estate lacks, in words ("file shares of the account"). */
  readonly missing: string;
  /** The lower-case ARM type of the missing input. */
  readonly missingType: string;
  readonly perimeterId?: string;
}

/** How the estate was obtained: decides which inputs count as provided. */
export type EstateOrigin =
  | {
      readonly kind: "snapshot";
      /** The file name, for messages. */
      readonly file: string;
      /** Resource Graph output (`{ "data": [...] }`): it never holds child resources such as file shares. */
      readonly resourceGraph: boolean;
      /** Types the snapshot declares it read completely (written by `export`); absent: unknown. */
      readonly inputs?: readonly string[];
    }
  | {
      readonly kind: "live";
      /** Types the read plan read. */
      readonly types: readonly string[];
      /** Inputs ARM refused for one resource (the read went on without them). */
      readonly unavailable?: ReadonlyArray<{ readonly resourceId: string; readonly type: string; readonly reason: string }>;
    };

export interface Completeness {
  readonly notEvaluated: readonly NotEvaluated[];
  /** Lower-case types missing, each once, in the order first met. */
  readonly missingTypes: readonly string[];
  /** What to do about it, one sentence; undefined when nothing is missing. */
  readonly advice: string | undefined;
}

/**
 * Inputs a rule reaches through an id or URI that another input names (a CMK key vault URI, a log
 * destination, a backup instance's policy, a cloud endpoint's sync service). Whether the estate holds
 * the resource named is known per reference, and the rules report a dangling one themselves, so their
 * absence from the estate as a whole says nothing about completeness. The live onboarded-types list is
 * optional too: without it the rules use the dated built-in table.
 */
const REFERENCED_TYPES: ReadonlySet<string> = new Set([...ONBOARDED_TYPES, T.backupPolicy, T.storageSyncService, T.perimeterAssociableResourceType]);

/** What every perimeter view is built from: a rule is evaluated on them, or on nothing. */
const SKELETON_TYPES: ReadonlySet<string> = new Set([T.perimeter, T.profile, T.association]);

/** Words for the inputs people know by name; other types are named by their ARM type. */
const INPUT_NAMES: Readonly<Record<string, string>> = {
  [T.fileShare]: "file shares",
  [T.objectReplicationPolicy]: "object replication policies",
  [T.managementPolicy]: "lifecycle management policies",
  [T.inventoryPolicy]: "blob inventory policies",
  [T.storageNspConfiguration]: "network security perimeter configurations",
  [T.keyVaultNspConfiguration]: "network security perimeter configurations",
  [T.cognitiveNspConfiguration]: "network security perimeter configurations",
  [T.diagnosticSetting]: "diagnostic settings",
  [T.protectedItem]: "Azure Backup protected items",
  [T.backupInstance]: "Azure Backup instances",
  [T.syncCloudEndpoint]: "Azure File Sync cloud endpoints",
  [T.virtualMachine]: "virtual machines",
  [T.accessRule]: "access rules",
  [T.storageAccount]: "storage accounts",
  [T.keyVault]: "key vaults",
  [T.cognitiveAccount]: "Azure AI Foundry / Cognitive Services accounts",
};

export function inputName(type: string): string {
  return INPUT_NAMES[type] ?? type;
}

/** "storage accounts" → "storage account"; "Azure AI Foundry / Cognitive Services accounts" → "account". */
function singular(name: string): string {
  return (name.split(" / ").pop() ?? name).replace(/s$/, "");
}

/** Whether `type` is a child (or deeper) type of `parent`. */
function isChildType(type: string, parent: string): boolean {
  return type.startsWith(`${parent}/`);
}

/** The onboarded type `type` is a child of, if any (file shares → storage accounts). */
function ownerTypeOf(type: string, memberTypes: readonly string[]): string | undefined {
  return memberTypes.find((m) => isChildType(type, m));
}

/** A predicate telling whether the estate provides inputs of a (lower-case) type. */
export function providedTypes(estate: EstateReader, origin: EstateOrigin): (type: string) => boolean {
  if (origin.kind === "live") {
    const types = new Set(origin.types.map((t) => t.toLowerCase()));
    return (type) => types.has(type);
  }
  if (origin.inputs) {
    const types = new Set(origin.inputs.map((t) => t.toLowerCase()));
    return (type) => types.has(type);
  }
  const seen = new Map<string, boolean>();
  return (type) => {
    let present = seen.get(type);
    if (present === undefined) {
      present = estate.ofType(type).length > 0;
      seen.set(type, present);
    }
    return present;
  };
}

function adviceFor(origin: EstateOrigin, missingTypes: readonly string[]): string | undefined {
  if (missingTypes.length === 0) return undefined;
  const names = [
    ...new Set(
      missingTypes.map((t) => {
        const owner = ownerTypeOf(t, ONBOARDED_TYPES);
        return owner ? `${inputName(t)} of ${inputName(owner)}` : inputName(t);
      }),
    ),
  ].join(", ");
  switch (origin.kind) {
    case "live":
      return `ARM did not provide ${names}: see the notes of the read, or run again with the rules that read them enabled.`;
    case "snapshot":
      return origin.resourceGraph
        ? `${origin.file} is Resource Graph output, which does not hold ${names}: write the snapshot with \`nsp-guardrail export --subscription ID...\` (it reads them through ARM), or add them from their ARM list calls.`
        : `${origin.file} holds no ${names}: write the snapshot with \`nsp-guardrail export --subscription ID...\`, or add them from their ARM list calls.`;
  }
}

/**
 * The rules (already filtered to the enabled ones) that could not be evaluated on each resource of
 * the estate, with the input they lack.
 */
export function assessCompleteness(estate: EstateReader, rules: readonly Rule[], origin: EstateOrigin, onboardedTypes: readonly string[] = []): Completeness {
  const provided = providedTypes(estate, origin);
  const memberTypes = [...new Set([...ONBOARDED_TYPES, ...onboardedTypes.map((t) => t.toLowerCase())])];
  const unavailable = origin.kind === "live" ? (origin.unavailable ?? []) : [];
  const out: NotEvaluated[] = [];
  const missingTypes: string[] = [];
  const note = (ruleId: string, resourceId: string, perimeterId: string, type: string, missing: string) => {
    out.push({ ruleId, resourceId, missing, missingType: type, perimeterId });
    if (!missingTypes.includes(type)) missingTypes.push(type);
  };

  for (const perimeter of estate.perimeters()) {
    const view = buildPerimeterView(estate, perimeter);
    for (const rule of rules) {
      // Raised only with the state before a change at hand: a scan never evaluates it, whatever it holds.
      if (rule.meta.needsPreviousState) continue;
      const { id: ruleId } = rule.meta;
      const reads = [...new Set(rule.meta.reads.map((t) => t.toLowerCase()))];
      // Inputs found by enumeration (children, extension resources, resources pointing at the
      // subject): their absence cannot be told from "none exist".
      const enumerated = reads.filter((t) => !SKELETON_TYPES.has(t) && !REFERENCED_TYPES.has(t));
      switch (rule.scope) {
        case "perimeter":
          for (const type of enumerated) {
            if (ownerTypeOf(type, memberTypes)) continue; // a member's child: member rules report it
            if (!provided(type)) note(ruleId, view.id, view.id, type, `${inputName(type)} of the perimeter`);
          }
          break;
        case "profile":
        case "accessRule": {
          for (const profile of view.profiles) {
            for (const type of enumerated) {
              if (ownerTypeOf(type, memberTypes)) continue;
              if (!provided(type)) note(ruleId, profile.id, view.id, type, `${inputName(type)} of the profile`);
            }
          }
          break;
        }
        case "association": {
          // The member type the rule is about is the first one it reads (storage-cmk-key-vault reads
          // storage accounts, then the key vaults they name): it applies to members of that type only;
          // a rule that reads none applies to every member.
          const subjects = reads.filter((t) => memberTypes.includes(t)).slice(0, 1);
          for (const association of view.associations) {
            const memberType = association.memberType;
            if (subjects.length > 0 && !subjects.includes(memberType)) continue;
            const resourceId = association.memberDisplayId;
            if (subjects.includes(memberType) && !association.member) {
              note(ruleId, resourceId, view.id, memberType, `the ${singular(inputName(memberType))} itself`);
              continue;
            }
            for (const type of enumerated) {
              const owner = ownerTypeOf(type, memberTypes);
              if (owner && owner !== memberType) continue; // another member type's child
              const of = owner ? ` of the ${singular(inputName(owner))}` : "";
              if (!provided(type)) note(ruleId, resourceId, view.id, type, `${inputName(type)}${of}`);
              else if (owner) {
                const refused = unavailable.find((u) => u.type.toLowerCase() === type && idKey(u.resourceId) === association.memberKey);
                if (refused) note(ruleId, resourceId, view.id, type, `${inputName(type)}${of} (ARM refused them: ${refused.reason})`);
              }
            }
          }
          break;
        }
      }
    }
  }
  return { notEvaluated: out, missingTypes, advice: adviceFor(origin, missingTypes) };
}

/**
 * One line per entry, as people read it: "storage-nfs on sthpcscratch: no file shares of the storage
 * account in the snapshot". `source` names where the estate came from ("the snapshot").
 */
export function describeNotEvaluated(entry: Pick<NotEvaluated, "ruleId" | "resourceId" | "missing">, source = "the estate"): string {
  const what = entry.missing.startsWith("the ") ? `${entry.missing} is not in ${source}` : `no ${entry.missing} in ${source}`;
  return `${entry.ruleId} on ${shortName(entry.resourceId)}: ${what}`;
}
