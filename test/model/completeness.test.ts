/**
 * Every type a rule reads has a row in the type table, a reader and (unless a perimeter owns it) a
 * relation into a perimeter's closure; a rule on a new type that forgets its relation is caught.
 */
import { describe, expect, it } from "vitest";
import { completenessProblems } from "../../src/model/completeness.js";
import { Estate } from "../../src/model/estate.js";
import { RELATIONS, type Relation } from "../../src/model/relations.js";
import { RESOURCE_TYPES, T, type ResourceTypeRow } from "../../src/model/resourceTypes.js";
import { idKey } from "../../src/model/armId.js";
import { propString } from "../../src/model/resource.js";
import { classify } from "../../src/events/routing.js";
import { TYPE_READERS } from "../../src/inventory/typeReaders.js";
import { perimeterClosure } from "../../src/pipeline/closure.js";
import { ALL_RULES } from "../../src/rules/catalog/index.js";
import type { AssociationRule } from "../../src/rules/types.js";

/** A made-up association rule reading `reads` (metadata borrowed from a real rule, so it stays a valid Rule). */
function madeUpRule(id: string, reads: readonly string[]): AssociationRule {
  const base = ALL_RULES.find((r): r is AssociationRule => r.scope === "association")!;
  return { ...base, meta: { ...base.meta, id, reads }, check: () => undefined };
}
import { association, perimeter, profile, storageAccount, SUB } from "../helpers/builders.js";

const SDK_READERS = new Set(Object.keys(TYPE_READERS).filter((type) => TYPE_READERS[type]!.get !== undefined || TYPE_READERS[type]!.list !== undefined));

/** A made-up rule on a made-up type: gadgets that point at a storage account from elsewhere. */
const GADGET = "contoso.widgets/gadgets";
const gadgetRule = madeUpRule("storage-gadget", [T.association, T.storageAccount, GADGET]);
const gadgetRow: ResourceTypeRow = {
  type: GADGET,
  armType: "Contoso.Widgets/gadgets",
  route: "/subscriptions/{s}/resourceGroups/{rg}/providers/Contoso.Widgets/gadgets/{name}",
  apiVersion: "2026-01-01",
  client: "arm-resources",
  reach: "related",
  etag: false,
  spec: "made up",
};
const gadgetRelation: Relation = {
  name: "gadget-account",
  from: GADGET,
  to: T.storageAccount,
  path: "properties.accountId",
  keys: (gadget) => [propString(gadget, "accountId")].filter((v): v is string => !!v).map(idKey),
  closure: { direction: "reverse" },
  routing: true,
};

describe("completeness of the type table and the relations registry", () => {
  it("every type any rule reads has a row, a reader and a way into a perimeter's closure", () => {
    expect(completenessProblems({ rules: ALL_RULES, types: RESOURCE_TYPES, relations: RELATIONS, sdkReaders: SDK_READERS })).toEqual([]);
  });

  it("every row with an official client has its SDK operation, and every routed row a route", () => {
    for (const row of RESOURCE_TYPES) {
      if (row.client !== "arm-resources" && row.client !== "raw" && row.reach !== "extension") expect(SDK_READERS.has(row.type), row.type).toBe(true);
      if (row.events === false || row.reach === "container") continue;
      const id = row.route
        .replace("{scope}", `subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/networkSecurityPerimeters/nsp1`)
        .replace(/^\/+/, "/")
        .replace("{subscriptionId}", SUB)
        .replace(/\{[^}]+\}/g, "x");
      expect(classify(id), `${row.type} is routed (${id})`).toBeDefined();
    }
  });

  it("a made-up rule on a made-up type fails the check when its relation is forgotten, and passes once it is added", () => {
    const rules = [...ALL_RULES, gadgetRule];
    const types = [...RESOURCE_TYPES, gadgetRow];
    const forgotten = completenessProblems({ rules, types, relations: RELATIONS, sdkReaders: SDK_READERS });
    expect(forgotten).toEqual([`storage-gadget reads ${GADGET}: no relation brings it into a perimeter's closure (src/model/relations.ts): events on it would reach no perimeter`]);

    const withRelation = [...RELATIONS, gadgetRelation];
    expect(completenessProblems({ rules, types, relations: withRelation, sdkReaders: SDK_READERS })).toEqual([]);

    // And the closure does follow the added relation: the gadget is read with the perimeter, and indexed.
    const nsp = perimeter("nsp-gadgets");
    const prof = profile(nsp, "default");
    const account = storageAccount("stgadget");
    const gadget = { id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Contoso.Widgets/gadgets/g1`, type: "Contoso.Widgets/gadgets", properties: { accountId: account.id } };
    const resources = [nsp, prof, account, gadget, association(nsp, "assoc", account.id, { profile: prof, accessMode: "Enforced" })];
    const without = perimeterClosure(new Estate(resources), nsp);
    expect(without.resources.map((r) => r.id)).not.toContain(gadget.id);
    const closure = perimeterClosure(new Estate(resources, withRelation), nsp, withRelation);
    expect(closure.resources.map((r) => r.id)).toContain(gadget.id);
    expect(closure.indexKeys).toContain(idKey(gadget.id));
  });

  it("names a type with no row and a type with no reader", () => {
    const rule = { meta: { id: "storage-gadget", reads: [GADGET] } };
    expect(completenessProblems({ rules: [rule], types: RESOURCE_TYPES, relations: RELATIONS, sdkReaders: SDK_READERS })).toEqual([
      `storage-gadget reads ${GADGET}: no row in the resource-type table (src/model/resourceTypes.ts)`,
    ]);
    const sdkRow: ResourceTypeRow = { ...gadgetRow, client: "arm-sql" };
    expect(completenessProblems({ rules: [rule], types: [...RESOURCE_TYPES, sdkRow], relations: [...RELATIONS, gadgetRelation], sdkReaders: SDK_READERS })).toEqual([
      `storage-gadget reads ${GADGET}: no reader (its client arm-sql has no operation in src/inventory/typeReaders.ts)`,
    ]);
  });
});
