/**
 * The changes a simulation plays when the user gives no timeline: the mistakes the rules know, made
 * by ordinary users, exempt principals and callers nobody can name, mixed with harmless edits and
 * with people fixing things themselves. Drawn from the estate and the run's seed.
 */
import { idKey } from "../model/armId.js";
import type { ArmResource } from "../model/resource.js";
import { T } from "../model/resourceTypes.js";
import type { Caller } from "../emulator/tokens.js";

/** One step of a simulated timeline: a write or delete by someone. */
export type SimOperation =
  | { op: "put"; resource: ArmResource; caller: SimCaller }
  | { op: "delete"; id: string; caller: SimCaller };

/** Who makes a change: `unknown` callers leave neither event claims nor `systemData` behind. */
export type SimCaller = { kind: "user" | "exempt" | "unknown"; identity: Caller };

export const SIM_USERS: readonly Caller[] = [
  { objectId: "51a00000-0000-0000-0000-00000000a11c", name: "alice@contoso.example" },
  { objectId: "51a00000-0000-0000-0000-0000000000b0", name: "bob@contoso.example" },
];
/** Added to the policy's `exemptPrincipals` for the simulation (a break-glass account). */
export const SIM_EXEMPT: Caller = { objectId: "51a00000-0000-0000-0000-00000000e4e4", name: "breakglass@contoso.example" };
export const SIM_UNKNOWN: Caller = { objectId: "51a00000-0000-0000-0000-00000000dead", appId: "51a00000-0000-0000-0000-0000000000ff" };

const withProps = (r: ArmResource, props: Record<string, unknown>): ArmResource => ({ ...structuredClone(r), properties: { ...(r.properties ?? {}), ...props } });

function pick<T>(items: readonly T[], random: () => number): T | undefined {
  return items.length === 0 ? undefined : items[Math.floor(random() * items.length)];
}

function callerFor(random: () => number): SimCaller {
  const r = random();
  if (r < 0.2) return { kind: "exempt", identity: SIM_EXEMPT };
  if (r < 0.3) return { kind: "unknown", identity: SIM_UNKNOWN };
  return { kind: "user", identity: pick(SIM_USERS, random)! };
}

/**
 * A timeline of `length` operations over the current resources (each operation sees the estate as
 * the previous ones left it, so a fix follows its mistake and deletes hit existing resources).
 */
export function generateTimeline(seed: readonly ArmResource[], random: () => number, length = 8): SimOperation[] {
  const current = new Map(seed.map((r) => [idKey(r.id), structuredClone(r)]));
  const ofType = (type: string) => [...current.values()].filter((r) => r.type.toLowerCase() === type);
  const ops: SimOperation[] = [];
  let counter = 0;
  // The last three touch what Resource Graph does not hold (file shares, object replication
  // policies), which a reconcile may carry over from its caches (src/pipeline/carryOver.ts).
  const kinds = ["downgrade", "broad-rule", "widen-rule", "sftp", "tag", "enforce", "delete-rule", "nfs-share", "replicate", "delete-share"] as const;
  for (let attempts = 0; ops.length < length && attempts < length * 10; attempts++) {
    const kind = pick(kinds, random)!;
    const caller = callerFor(random);
    let op: SimOperation | undefined;
    if (kind === "downgrade" || kind === "enforce") {
      const wanted = kind === "downgrade" ? "enforced" : "learning";
      const assoc = pick(ofType(T.association).filter((a) => String(a.properties?.["accessMode"] ?? "").toLowerCase() === wanted), random);
      if (assoc) op = { op: "put", resource: withProps(assoc, { accessMode: kind === "downgrade" ? "Learning" : "Enforced" }), caller };
    } else if (kind === "broad-rule") {
      const profile = pick(ofType(T.profile), random);
      if (profile) {
        const id = `${profile.id}/accessRules/sim-open-${++counter}`;
        op = {
          op: "put",
          resource: { id, name: id.split("/").pop()!, type: T.accessRule, properties: { direction: "Inbound", addressPrefixes: ["0.0.0.0/0"] } },
          caller,
        };
      }
    } else if (kind === "widen-rule") {
      const rule = pick(
        ofType(T.accessRule).filter((r) => String(r.properties?.["direction"]).toLowerCase() === "inbound" && Array.isArray(r.properties?.["addressPrefixes"])),
        random,
      );
      if (rule) op = { op: "put", resource: withProps(rule, { addressPrefixes: [...(rule.properties!["addressPrefixes"] as string[]), "0.0.0.0/0"] }), caller };
    } else if (kind === "sftp") {
      // SFTP needs a hierarchical namespace, which Azure refuses to turn on while object replication
      // policies exist (storage docs: "Object replication isn't supported ... hierarchical namespace").
      const hasReplication = (account: ArmResource) =>
        [...current.keys()].some((k) => k.startsWith(`${idKey(account.id)}/objectreplicationpolicies/`));
      const account = pick(ofType(T.storageAccount).filter((a) => a.properties?.["isHnsEnabled"] === true || !hasReplication(a)), random);
      if (account) op = { op: "put", resource: withProps(account, { isSftpEnabled: true, isHnsEnabled: true }), caller };
    } else if (kind === "tag") {
      const account = pick(ofType(T.storageAccount), random);
      if (account) op = { op: "put", resource: { ...structuredClone(account), tags: { ...(account.tags ?? {}), "sim-touched": String(++counter) } }, caller };
    } else if (kind === "delete-rule") {
      const rule = pick(ofType(T.accessRule), random);
      if (rule) op = { op: "delete", id: rule.id, caller };
    } else if (kind === "nfs-share") {
      // NFS shares only on premium file shares: "Only FileStorage accounts can deploy both SMB and NFS"
      // (azure-docs includes/storage-files-file-share-management-concepts.md).
      const account = pick(ofType(T.storageAccount).filter((a) => String(a.kind ?? "").toLowerCase() === "filestorage"), random);
      if (account) {
        const id = `${account.id}/fileServices/default/shares/sim-nfs-${++counter}`;
        op = { op: "put", resource: { id, name: id.split("/").pop()!, type: T.fileShare, properties: { enabledProtocols: "NFS", shareQuota: 100 } }, caller };
      }
    } else if (kind === "replicate") {
      // Object replication needs blob versioning and no hierarchical namespace; not on FileStorage or general-purpose v1.
      // It replicates from one such account to another (the policy's sourceAccount and destinationAccount).
      const replicable = ofType(T.storageAccount).filter((a) => a.properties?.["isHnsEnabled"] !== true && !["filestorage", "storage"].includes(String(a.kind ?? "").toLowerCase()));
      const account = pick(replicable, random);
      const destination = account && pick(replicable.filter((a) => a !== account), random);
      if (account && destination) {
        const id = `${account.id}/objectReplicationPolicies/sim-orp-${++counter}`;
        const rules = [{ ruleId: `rule-${counter}`, sourceContainer: "src", destinationContainer: "dst" }];
        op = { op: "put", resource: { id, name: id.split("/").pop()!, type: T.objectReplicationPolicy, properties: { sourceAccount: account.id, destinationAccount: destination.id, rules } }, caller };
      }
    } else if (kind === "delete-share") {
      const share = pick(ofType(T.fileShare), random);
      if (share) op = { op: "delete", id: share.id, caller };
    }
    if (!op) continue;
    if (op.op === "put") current.set(idKey(op.resource.id), op.resource);
    else for (const key of [...current.keys()]) if (key === idKey(op.id) || key.startsWith(`${idKey(op.id)}/`)) current.delete(key);
    ops.push(op);
  }
  return ops;
}
