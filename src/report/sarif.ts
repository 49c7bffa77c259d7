import { createHash } from "node:crypto";
import { idKey } from "../model/armId.js";
import { TAG_EXEMPTION_RULE_ID } from "../policy/policy.js";
import { ENGINE_ERROR_RULE_ID, TAGS_DOC_URL } from "../rules/engine.js";
import { docUrl, type RuleMeta, type Severity } from "../rules/types.js";
import { TOOL_NAME, TOOL_URI, VERSION } from "../version.js";
import type { ScanReport } from "./scanReport.js";
import { notEvaluatedSarif } from "./notEvaluatedSection.js";

const LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note",
};

/** GitHub code scanning reads `security-severity` (0-10) to rank security results. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
  info: "1.0",
};

function pascal(id: string): string {
  return id.split("-").map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join("");
}

const ENGINE_ERROR_META: RuleMeta = {
  id: ENGINE_ERROR_RULE_ID,
  title: "A rule failed on a resource",
  category: "hygiene",
  severity: "high",
  severityLogic: "high",
  resource: "the resource the rule was evaluating",
  sources: [{ doc: "CONCEPTS", section: "What is a network security perimeter?" }],
  explanation: "A rule threw while evaluating a resource of unexpected shape; the scan went on without it.",
  remediation: "Check the resource's shape; report the message if the resource is valid ARM.",
  reads: [],
};

const TAG_EXEMPTION_META: RuleMeta = {
  id: TAG_EXEMPTION_RULE_ID,
  title: "A resource tag exempts a resource from rules",
  category: "hygiene",
  severity: "info",
  severityLogic: "info",
  resource: "the tagged resource",
  sources: [{ doc: "CONCEPTS", section: "What is a network security perimeter?" }],
  explanation: "The policy lets the nsp-guardrail-exempt tag exempt this resource from some rules; each such exemption is reported with who last wrote the resource.",
  remediation: "Check that the exemption is intended; remove the tag or move the exemption into the policy.",
  reads: [],
};

/** Where the guardrail's own findings are explained, when not by an NSP doc. */
const HELP_URI: Readonly<Record<string, string>> = { [TAG_EXEMPTION_RULE_ID]: TAGS_DOC_URL };

function ruleDescriptor(meta: RuleMeta) {
  const helpUri = HELP_URI[meta.id] ?? docUrl(meta.sources[0]!);
  const source = HELP_URI[meta.id] ? `[Tags](${helpUri})` : `[${meta.sources[0]!.section}](${helpUri})`;
  return {
    id: meta.id,
    name: pascal(meta.id),
    shortDescription: { text: meta.title },
    fullDescription: { text: meta.explanation },
    helpUri,
    help: {
      text: `${meta.explanation}\n\nRemediation: ${meta.remediation}`,
      markdown: `${meta.explanation}\n\n**Remediation:** ${meta.remediation}\n\nSource: ${source}`,
    },
    defaultConfiguration: { level: LEVEL[meta.severity] },
    properties: {
      category: meta.category,
      tags: ["security", "azure", "network-security-perimeter", meta.category],
      "security-severity": SECURITY_SEVERITY[meta.severity],
      precision: "high",
    },
  };
}

function fingerprint(...parts: Array<string | undefined>): string {
  return createHash("sha256").update(parts.map((p) => idKey(p ?? "")).join("|")).digest("hex");
}

/** SARIF 2.1.0: one result per finding, rule metadata in `tool.driver.rules`. */
export function formatSarif(report: ScanReport, rules: readonly RuleMeta[]): string {
  const metas = [...rules];
  for (const extra of [ENGINE_ERROR_META, TAG_EXEMPTION_META]) if (report.findings.some((f) => f.ruleId === extra.id)) metas.push(extra);
  const index = new Map(metas.map((m, i) => [m.id, i]));
  const artifact = report.source.snapshot;
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: TOOL_NAME,
            semanticVersion: VERSION,
            version: VERSION,
            informationUri: TOOL_URI,
            rules: metas.map(ruleDescriptor),
          },
        },
        ...(artifact ? { artifacts: [{ location: { uri: artifact }, roles: ["analysisTarget"] }] } : {}),
        invocations: [{ executionSuccessful: true, endTimeUtc: report.generatedAt, ...notEvaluatedSarif(report, index) }],
        results: report.findings.map((f) => ({
          ruleId: f.ruleId,
          ...(index.has(f.ruleId) ? { ruleIndex: index.get(f.ruleId) } : {}),
          level: LEVEL[f.severity],
          message: { text: f.message },
          locations: [
            {
              ...(artifact ? { physicalLocation: { artifactLocation: { uri: artifact, index: 0 } } } : {}),
              logicalLocations: [{ fullyQualifiedName: f.resourceId, name: f.resourceId.split("/").pop(), kind: "resource" }],
            },
          ],
          partialFingerprints: { "nspGuardrailFinding/v1": fingerprint(f.ruleId, f.resourceId, f.perimeterId, f.associationId) },
          ...(f.exempted ? { suppressions: [{ kind: "external", status: "accepted", justification: f.exemptionReason ?? "" }] } : {}),
          properties: {
            severity: f.severity,
            category: f.category,
            "security-severity": SECURITY_SEVERITY[f.severity],
            ...(f.perimeterId ? { perimeterId: f.perimeterId } : {}),
            ...(f.profileId ? { profileId: f.profileId } : {}),
            ...(f.associationId ? { associationId: f.associationId } : {}),
            remediation: f.remediation,
          },
        })),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
