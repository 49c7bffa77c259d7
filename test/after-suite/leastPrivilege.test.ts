/**
 * Least privilege, both ways: every ARM operation the guardrail performed anywhere in this run of the
 * suite is granted by the deployment's custom role, and every action the role grants was used.
 * Runs after the rest of the suite (its own project group), reading the emulators' operation logs.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canonicalActions, operationsIn, roleDefinition, type RoleDefinition } from "../../src/infra/roleDefinition.js";
import { eventFilters } from "../../src/infra/eventFilters.js";
import { ROUTES } from "../../src/events/routing.js";
import { ROOT } from "../helpers/cli.js";
import { loadCompiledTemplate, variable } from "../infra/armTemplate.js";

// The role as the deployment creates it: the compiled template (infra/compiled/main.json) carries
// role-definition.json (test/infra/bicep.test.ts holds the two equal).
const role = variable(loadCompiledTemplate(), "roleDefinition") as unknown as RoleDefinition;
const used = canonicalActions(operationsIn(process.env.NSPG_ARM_OPLOG_DIR ?? join(ROOT, "test-results", "arm-operations")));
const lower = (xs: readonly string[]) => xs.map((x) => x.toLowerCase()).sort();
const regenerate = "run `npm test`, then `npm run gen:infra` and `npm run infra:build`, review the role and commit both";

describe("least privilege", () => {
  it("the suite's emulators logged the guardrail's operations", () => {
    expect(used.length).toBeGreaterThan(10);
  });

  it("every operation the code performed is granted by the role", () => {
    const granted = new Set(lower(role.actions));
    expect(used.filter((op) => !granted.has(op.toLowerCase())), regenerate).toEqual([]);
  });

  it("every action of the role was used by the code", () => {
    const performed = new Set(lower(used));
    expect(role.actions.filter((a) => !performed.has(a.toLowerCase())), regenerate).toEqual([]);
  });

  it("the committed role is what gen:infra writes", () => {
    expect(lower(role.actions)).toEqual(lower(roleDefinition(used).actions));
    expect(role.actions.every((a) => !a.includes("*"))).toBe(true);
    // Writes only on perimeter resources (reverts), and the linked actions ARM checks for them: joining
    // a profile and a member to a perimeter, and naming subscriptions in an access rule.
    const writes = role.actions.filter((a) => /\/(write|delete|action)$/i.test(a));
    for (const w of writes) {
      expect(w).toMatch(
        /^(Microsoft\.Network\/networkSecurityPerimeters\/(resourceAssociations|profiles\/accessRules)\/(write|delete)|Microsoft\.Network\/networkSecurityPerimeters\/profiles\/join\/action|Microsoft\.[A-Za-z]+(\/[A-Za-z]+)+\/joinPerimeter\/action|Microsoft\.Resources\/subscriptions\/joinPerimeterRule\/action)$/i,
      );
    }
  });
});

describe("event filters", () => {
  const committed = JSON.parse(readFileSync(join(ROOT, "infra", "event-filters.json"), "utf8"));
  it("the committed filters are what gen:infra writes", () => {
    expect(committed).toEqual(eventFilters());
  });
  it("stay within Event Grid's limits", () => {
    const values = committed.advancedFilters.flatMap((f: { values: string[] }) => f.values);
    expect(committed.advancedFilters.length).toBeLessThanOrEqual(25);
    expect(values.length).toBeLessThanOrEqual(25);
    for (const v of values) expect(v.length).toBeLessThanOrEqual(512);
  });
  it("let every routed resource type through", () => {
    const values: string[] = committed.advancedFilters[0].values.map((v: string) => v.toLowerCase());
    for (const route of ROUTES) {
      const operation = `${route.type}/write`;
      expect(values.some((v) => operation.startsWith(v)), route.type).toBe(true);
    }
  });
});
