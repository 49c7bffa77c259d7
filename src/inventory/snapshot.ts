import { basename } from "node:path";
import { armIdRootLength } from "../model/armId.js";
import { checkJsonDepth, readTextBounded } from "../model/boundedInput.js";
import { InputError } from "../model/errors.js";
import { Estate } from "../model/estate.js";
import type { ArmResource } from "../model/resource.js";

/** Default size limit of a snapshot file (contracts.md §1). */
export const DEFAULT_SNAPSHOT_LIMIT_BYTES = 256 * 1024 * 1024;

export interface LoadSnapshotOptions {
  maxBytes?: number;
}

/** `Namespace/type[/childType...]`, no blanks. */
const RESOURCE_TYPE = /^[^/\s]+(\/[^/\s]+)+$/;

/** The top-level keys under which a snapshot may hold its resources, with the JSON path prefix they report. */
const WRAPPERS = ["resources", "value", "data"] as const;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/**
 * Finds the resource array of a parsed snapshot: a plain array, `{ resources }`, `{ value }` (ARM list
 * pages) or `{ data }` (Resource Graph output). Returns the array and the JSON path prefix used in errors.
 */
function resourceArray(doc: unknown, label: string): { items: unknown[]; path: string } {
  if (Array.isArray(doc)) return { items: doc, path: "" };
  if (doc !== null && typeof doc === "object") {
    for (const key of WRAPPERS) {
      const value = (doc as Record<string, unknown>)[key];
      if (value === undefined) continue;
      if (!Array.isArray(value)) throw new InputError(`${label}: ${key}: expected an array of ARM resources, got ${describe(value)}`);
      return { items: value, path: key };
    }
  }
  throw new InputError(
    `${label}: (root): expected an array of ARM resources or an object with "resources", "value" or "data", got ${describe(doc)}`,
  );
}

/**
 * Validates parsed snapshot JSON and indexes it in one pass. Odd values inside `properties` are left
 * to the rules (an unparseable CIDR is a finding); a snapshot the scan cannot trust is an error.
 */
export function estateFromSnapshot(doc: unknown, label: string): Estate {
  const { items, path } = resourceArray(doc, label);
  const estate = new Estate();
  const positions = new Map<ArmResource, number>();
  // A snapshot holds few types: each type string is checked once.
  const validTypes = new Set<string>();
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      throw new InputError(`${label}: ${path}[${i}]: expected an ARM resource object, got ${describe(item)}`);
    }
    const { id, type } = item as Record<string, unknown>;
    if (id === undefined) throw new InputError(`${label}: ${path}[${i}].id: missing`);
    if (typeof id !== "string") throw new InputError(`${label}: ${path}[${i}].id: expected a string, got ${describe(id)}`);
    // Only the top-level id is needed to index: the id is not parsed into its parts.
    const rootLength = armIdRootLength(id);
    if (rootLength < 0) throw new InputError(`${label}: ${path}[${i}].id: not an ARM resource id`);
    if (type === undefined) throw new InputError(`${label}: ${path}[${i}].type: missing`);
    if (typeof type !== "string" || !(validTypes.has(type) || (RESOURCE_TYPE.test(type) && validTypes.add(type)))) {
      throw new InputError(`${label}: ${path}[${i}].type: not a resource type (expected Namespace/type)`);
    }
    const props = (item as Record<string, unknown>).properties;
    if (props !== undefined && props !== null && (typeof props !== "object" || Array.isArray(props))) {
      throw new InputError(`${label}: ${path}[${i}].properties: expected an object, got ${describe(props)}`);
    }
    const first = estate.add(item as ArmResource, rootLength);
    if (first) {
      // Positions are looked up only to word the error; find the first one by scanning once.
      for (let j = 0; j < i; j++) positions.set(items[j] as ArmResource, j);
      throw new InputError(`${label}: ${path}[${i}].id: duplicate id (first at ${path}[${positions.get(first)}])`);
    }
  }
  return estate;
}

export function resourcesFromSnapshot(doc: unknown, label: string): readonly ArmResource[] {
  return estateFromSnapshot(doc, label).resources;
}

function parseJson(text: string, label: string): unknown {
  checkJsonDepth(text, label, MAX_SNAPSHOT_DEPTH);
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError(`${label}: (root): not valid JSON: ${reason}`);
  }
}

/** Parses snapshot text. `label` names the file in errors. */
export function parseSnapshot(text: string, label: string): readonly ArmResource[] {
  return resourcesFromSnapshot(parseJson(text, label), label);
}

/** ARM bodies nest a few dozen levels at most (workflow definitions); deeper is not a snapshot, and would reach recursive code. */
export const MAX_SNAPSHOT_DEPTH = 256;

/** Reads a snapshot file, counting its bytes as they arrive (any file type) and bounding its nesting. */
export async function loadSnapshotFile(path: string, options: LoadSnapshotOptions = {}): Promise<Estate> {
  return (await loadSnapshotSource(path, options)).estate;
}

/** What a snapshot file says about how it was made, beside its resources. */
export interface SnapshotOrigin {
  /** The file name, for messages. */
  readonly file: string;
  /** Resource Graph output (`{ "data": [...] }`), which holds no child resource such as a file share. */
  readonly resourceGraph: boolean;
  /** `inputs`, written by `export`: the (lower-case) ARM types it read completely; absent when not said. */
  readonly inputs?: readonly string[];
}

/** The origin of a parsed snapshot; a malformed `inputs` is an error naming the entry. */
export function snapshotOrigin(doc: unknown, label: string): SnapshotOrigin {
  const object = doc !== null && typeof doc === "object" && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined;
  const resourceGraph = object !== undefined && object.resources === undefined && object.value === undefined && Array.isArray(object.data);
  const inputs = object?.inputs;
  if (inputs === undefined) return { file: label, resourceGraph };
  if (!Array.isArray(inputs)) throw new InputError(`${label}: inputs: expected an array of resource types, got ${describe(inputs)}`);
  inputs.forEach((type, i) => {
    if (typeof type !== "string" || !RESOURCE_TYPE.test(type)) throw new InputError(`${label}: inputs[${i}]: not a resource type (expected Namespace/type)`);
  });
  return { file: label, resourceGraph, inputs: (inputs as string[]).map((t) => t.toLowerCase()) };
}

/** A snapshot file's estate and origin. */
export async function loadSnapshotSource(path: string, options: LoadSnapshotOptions = {}): Promise<{ estate: Estate; origin: SnapshotOrigin }> {
  const label = basename(path);
  const limit = options.maxBytes ?? DEFAULT_SNAPSHOT_LIMIT_BYTES;
  const text = await readTextBounded(path, label, "snapshot", limit, "--max-snapshot-bytes");
  const doc = parseJson(text, label);
  return { estate: estateFromSnapshot(doc, label), origin: snapshotOrigin(doc, label) };
}

/**
 * Writes resources in the contract format (`{ "resources": [...] }`), one resource per line for
 * diffable files. `inputs` (the types the read covered completely) lets a scan of the file tell an
 * absent file share from one that was never read.
 */
export function formatSnapshot(resources: readonly ArmResource[], inputs?: Iterable<string>): string {
  const head = inputs ? `"inputs": ${JSON.stringify([...inputs].sort())},\n  ` : "";
  return `{ ${head}"resources": [\n${resources.map((r) => `  ${JSON.stringify(r)}`).join(",\n")}\n] }\n`;
}
