/**
 * The emulator's resources: ARM resources by id, with the parent/child structure ARM lists by, and an
 * ETag only for the types whose spec defines `etag` (behaviour.ts `emulatesEtag`).
 */
import { randomUUID } from "node:crypto";
import { idKey, parseArmId, type ParsedArmId } from "../model/armId.js";
import type { ArmResource } from "../model/resource.js";
import { emulatesEtag } from "./behaviour.js";

export interface StoredResource {
  resource: ArmResource;
  parsed: ParsedArmId;
  /** Undefined for types without ETags (every NSP type). */
  etag: string | undefined;
}

export function newEtag(): string {
  return `W/"${randomUUID()}"`;
}

export class ResourceStore {
  private readonly entries = new Map<string, StoredResource>();
  /** parent key → keys of direct children (and of extension resources on it). */
  private readonly children = new Map<string, Set<string>>();
  private changes = 0;

  constructor(seed: Iterable<ArmResource> = []) {
    for (const resource of seed) this.set(structuredClone(resource));
  }

  /** Forgets everything and holds `seed` instead (a simulation's next run starts from the same estate). */
  reset(seed: Iterable<ArmResource>): void {
    this.changes++;
    this.entries.clear();
    this.children.clear();
    for (const resource of seed) this.set(structuredClone(resource));
  }

  /** Bumped by every set, delete and reset: what was derived from the entries at one version still holds. */
  get version(): number {
    return this.changes;
  }

  get size(): number {
    return this.entries.size;
  }

  get(id: string): StoredResource | undefined {
    return this.entries.get(idKey(id));
  }

  /**
   * Stores a resource as given (a copy is the caller's business); returns the stored entry. A type
   * with ETags keeps the body's or gets a new one; any other loses an `etag` the body may carry.
   */
  set(resource: ArmResource): StoredResource {
    const parsed = parseArmId(resource.id);
    const key = idKey(resource.id);
    const { etag: given, ...rest } = resource;
    const etag = emulatesEtag(parsed.type) ? (typeof given === "string" ? given : newEtag()) : undefined;
    const entry: StoredResource = { resource: etag ? { ...rest, etag } : (rest as ArmResource), parsed, etag };
    this.changes++;
    this.entries.set(key, entry);
    if (parsed.parentId) {
      const parentKey = idKey(parsed.parentId);
      let set = this.children.get(parentKey);
      if (!set) {
        set = new Set();
        this.children.set(parentKey, set);
      }
      set.add(key);
    }
    return entry;
  }

  /** Deletes a resource and everything below it; returns what was deleted, the resource first. */
  delete(id: string): StoredResource[] {
    const key = idKey(id);
    const entry = this.entries.get(key);
    if (!entry) return [];
    this.changes++;
    const removed: StoredResource[] = [entry];
    for (const childKey of [...(this.children.get(key) ?? [])]) removed.push(...this.delete(childKey));
    this.entries.delete(key);
    this.children.delete(key);
    if (entry.parsed.parentId) this.children.get(idKey(entry.parsed.parentId))?.delete(key);
    return removed;
  }

  /** Direct children (or extension resources) of `parentId` whose type is `type` (case-insensitive). */
  childrenOf(parentId: string, type: string): StoredResource[] {
    const wanted = type.toLowerCase();
    const out: StoredResource[] = [];
    for (const key of this.children.get(idKey(parentId)) ?? []) {
      const entry = this.entries.get(key)!;
      if (entry.parsed.type.toLowerCase() === wanted) out.push(entry);
    }
    return out;
  }

  /** Every resource of `type` below `scopeId` (a subscription, a resource group or a resource). */
  below(scopeId: string, type: string): StoredResource[] {
    const prefix = `${idKey(scopeId)}/`;
    const wanted = type.toLowerCase();
    const out: StoredResource[] = [];
    for (const [key, entry] of this.entries) {
      if (key.startsWith(prefix) && entry.parsed.type.toLowerCase() === wanted) out.push(entry);
    }
    return out;
  }

  all(): StoredResource[] {
    return [...this.entries.values()];
  }
}
