/**
 * A member's `networkSecurityPerimeterConfigurations`: which belong to an association, and the
 * provisioning issues they report (ARM NSP configuration API). Pure functions of the view.
 */
import { idKey, sameId } from "../../model/armId.js";
import type { AssociationView, PerimeterView } from "../../model/perimeterView.js";
import { equalsIgnoreCase, prop, propArray, propString, type ArmResource } from "../../model/resource.js";
import type { Severity } from "../types.js";
import { nameOf } from "./messages.js";

export interface ProvisioningIssue {
  /** Name of the configuration reporting the issue (`{perimeterGuid}.{associationName}`). */
  readonly configuration: string;
  readonly issueType: string;
  /** `Error` / `Warning` as written, or undefined when the issue carries none. */
  readonly severity: string | undefined;
  readonly description: string | undefined;
}

const configurationTypes = new Map<string, string>();

/**
 * The configuration type under a member: every onboarded provider (Storage, Key Vault, Cognitive
 * Services, Event Hubs, AI Search...) exposes them as a child of the member, so the member's own type
 * names them. Made once per type: rules ask for every member.
 */
function configurationTypeOf(memberType: string): string {
  let type = configurationTypes.get(memberType);
  if (type === undefined) {
    type = `${memberType}/networksecurityperimeterconfigurations`;
    configurationTypes.set(memberType, type);
  }
  return type;
}

/**
 * Whether a configuration describes THIS association. The configuration's perimeter id decides when
 * present (a resource can sit in several perimeters under the same association name); without one,
 * fall back to the association name (`{perimeterGuid}.{associationName}` or `resourceAssociation.name`).
 */
export function configurationBelongsTo(configuration: ArmResource, association: AssociationView, view: PerimeterView): boolean {
  const perimeterId = propString(configuration, "networkSecurityPerimeter", "id");
  if (perimeterId) return sameId(perimeterId, view.id);
  const associationName = nameOf(association.id).toLowerCase();
  const configurationName = (configuration.name ?? nameOf(configuration.id)).toLowerCase();
  return (
    configurationName.endsWith(`.${associationName}`) ||
    equalsIgnoreCase(propString(configuration, "resourceAssociation", "name"), associationName)
  );
}

/** The associated resource's `networkSecurityPerimeterConfigurations` that belong to this association. */
export function nspConfigurationsOf(association: AssociationView, view: PerimeterView): ArmResource[] {
  if (!association.memberType) return [];
  const candidates = view.estate.descendants(association.memberId, configurationTypeOf(association.memberType));
  if (candidates.length === 0) return [];
  const memberKey = `${idKey(association.memberId)}/`;
  const found = new Map<string, ArmResource>();
  for (const configuration of candidates) {
    // descendants() is keyed by the top-level resource; keep only children of the member itself.
    const key = idKey(configuration.id);
    if (!key.startsWith(memberKey)) continue;
    if (configurationBelongsTo(configuration, association, view)) found.set(key, configuration);
  }
  return [...found.values()];
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/** `properties.provisioningIssues[]` of a configuration; each issue's fields sit under `properties` (or flat). */
export function provisioningIssuesOf(configuration: ArmResource): ProvisioningIssue[] {
  const configurationName = configuration.name ?? nameOf(configuration.id);
  return propArray(configuration, "provisioningIssues").flatMap((entry): ProvisioningIssue[] => {
    if (entry === null || typeof entry !== "object") return [];
    const raw = entry as Record<string, unknown>;
    const fields = (raw["properties"] !== null && typeof raw["properties"] === "object" ? raw["properties"] : raw) as Record<string, unknown>;
    return [
      {
        configuration: configurationName,
        issueType: text(fields["issueType"]) ?? text(raw["name"]) ?? "Unknown",
        severity: text(fields["severity"]),
        description: text(fields["description"]),
      },
    ];
  });
}

/**
 * Error → high, Warning → medium. An issue without a recognised severity is still a reported
 * provisioning issue: medium, so it is neither lost nor over-escalated.
 */
export function issueSeverity(issue: ProvisioningIssue): Severity {
  return equalsIgnoreCase(issue.severity, "error") ? "high" : "medium";
}

/**
 * `hasProvisioningIssues` of an association when it reports issues: set and not `no`. It is a
 * read-only string (`"no"`); a boolean `true` from some exports counts too, `false` does not.
 */
export function associationProvisioningFlag(association: AssociationView): string | undefined {
  const value = prop(association.resource, "hasProvisioningIssues");
  if (value === true) return "true";
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  if (trimmed === "" || equalsIgnoreCase(trimmed, "no") || equalsIgnoreCase(trimmed, "false")) return undefined;
  return trimmed;
}
