/**
 * The dated built-in table of onboarded types (rules.md Revision 2 "Onboarded types"; the rules' source
 * CONCEPTS-2026, src/rules/lib/onboarded.ts). The live list, when ARM gives it, wins over this table.
 */
import { T } from "./resourceTypes.js";

export type Readiness = "GA" | "Preview";

export interface OnboardedType {
  /** Lower-case ARM type. */
  readonly type: string;
  readonly readiness: Readiness;
  /** Readiness of particular kinds where it differs from the type's (`kind` lower-case). */
  readonly kinds?: Readonly<Record<string, Readiness>>;
  /** Readiness of kinds the table does not name, where the docs list kinds one by one. */
  readonly otherKinds?: Readiness;
}

/**
 * Onboarded private link resources as CONCEPTS-2026 lists them ("Onboarded private link resources"):
 * Azure Monitor types, AI Search, Event Hubs, Key Vault, Storage and Service Bus (GA since 2026-04)
 * generally available; Cosmos DB and SQL in public preview; Cognitive Services accounts by kind:
 * `AIServices` (Microsoft Foundry) GA, `OpenAI` (Azure OpenAI) preview. Kinds the page does not list
 * are treated as preview (the conservative reading).
 */
export const BUILT_IN_ONBOARDED: readonly OnboardedType[] = [
  { type: "microsoft.insights/datacollectionendpoints", readiness: "GA" },
  { type: "microsoft.insights/scheduledqueryrules", readiness: "GA" },
  { type: "microsoft.insights/actiongroups", readiness: "GA" },
  { type: T.logAnalyticsWorkspace, readiness: "GA" },
  { type: "microsoft.search/searchservices", readiness: "GA" },
  { type: T.cosmosAccount, readiness: "Preview" },
  { type: T.eventHubNamespace, readiness: "GA" },
  { type: T.keyVault, readiness: "GA" },
  { type: T.sqlServer, readiness: "Preview" },
  { type: T.storageAccount, readiness: "GA" },
  { type: T.serviceBusNamespace, readiness: "GA" },
  { type: T.cognitiveAccount, readiness: "GA", kinds: { aiservices: "GA", openai: "Preview" }, otherKinds: "Preview" },
];

/** The built-in onboarded types (lower-case). */
export const ONBOARDED_TYPES: readonly string[] = BUILT_IN_ONBOARDED.map((row) => row.type);
