/** Builders for the association and Foundry rule tables: any resource associated with a perimeter. */
import type { ArmResource } from "../../src/model/resource.js";
import { association, perimeter, profile, SUB } from "./builders.js";

type Props = Record<string, unknown>;

/** A plain ARM resource of any type (e.g. `Microsoft.Web/sites`), with the usual envelope. */
export function armResource(type: string, name: string, properties: Props = {}, rg = "rg-app", extra: Partial<ArmResource> = {}): ArmResource {
  return {
    id: `/subscriptions/${SUB}/resourceGroups/${rg}/providers/${type}/${name}`,
    name,
    type,
    location: "westeurope",
    properties: { provisioningState: "Succeeded", ...properties },
    ...extra,
  };
}

export interface MemberOptions {
  /** Defaults to Enforced. */
  accessMode?: string;
  associationName?: string;
  nspName?: string;
  hasProvisioningIssues?: string;
}

/**
 * Associates `member` with a perimeter through one profile. `member` is a resource (put in the
 * estate) or a bare member id (the estate does not hold the resource).
 */
export function memberInPerimeter(member: ArmResource | string, o: MemberOptions = {}) {
  const memberId = typeof member === "string" ? member : member.id;
  const nsp = perimeter(o.nspName ?? "nsp1");
  const prof = profile(nsp);
  const lastSegment = memberId.replace(/\/+$/, "").split("/").pop() || "member";
  const assoc = association(nsp, o.associationName ?? `assoc-${lastSegment}`, memberId, {
    profile: prof,
    accessMode: o.accessMode ?? "Enforced",
    ...(o.hasProvisioningIssues !== undefined ? { hasProvisioningIssues: o.hasProvisioningIssues } : {}),
  });
  const resources: ArmResource[] = [nsp, prof, ...(typeof member === "string" ? [] : [member]), assoc];
  return { nsp, profile: prof, association: assoc, memberId, resources };
}
