import { cognitiveAccount, recase, storageInPerimeter } from "../helpers/builders.js";
import { memberInPerimeter } from "../helpers/builders-association.js";
import { ruleTester } from "../helpers/ruleTester.js";

const noIdentity = cognitiveAccount("ai-noid");
const nullIdentity = cognitiveAccount("ai-null", {}, null);
const noneLower = cognitiveAccount("ai-none", {}, { type: "none" });
const graphBase = cognitiveAccount("ai-graph", {}, { type: "None" });
const fromGraph = { ...graphBase, id: recase(graphBase.id), type: "microsoft.cognitiveservices/accounts" };

const fine = (name: string, type: string) => memberInPerimeter(cognitiveAccount(name, {}, { type, principalId: "3b4a1c6e-0000-0000-0000-000000000002" })).resources;

ruleTester("foundry-no-managed-identity", {
  fires: [
    { name: "identity missing", resources: memberInPerimeter(noIdentity).resources, expect: [{ resourceId: noIdentity.id, severity: "high", messageIncludes: "no identity" }] },
    { name: "identity null", resources: memberInPerimeter(nullIdentity).resources, expect: [{ resourceId: nullIdentity.id, severity: "high", messageIncludes: "ai-null" }] },
    { name: "identity.type 'none' (lower case)", resources: memberInPerimeter(noneLower).resources, expect: [{ resourceId: noneLower.id, severity: "high", messageIncludes: '"none"' }] },
    {
      name: "Resource Graph shape: lower-cased type, re-cased id, identity None, Learning mode",
      resources: memberInPerimeter(fromGraph, { accessMode: "learning" }).resources,
      expect: [{ resourceId: fromGraph.id, severity: "high", messageIncludes: '"None"' }],
    },
  ],
  passes: [
    { name: "SystemAssigned", resources: fine("ai-sys", "SystemAssigned") },
    { name: "UserAssigned", resources: fine("ai-user", "UserAssigned") },
    { name: "SystemAssigned, UserAssigned", resources: fine("ai-both", "SystemAssigned, UserAssigned") },
    { name: "lower-cased 'systemassigned'", resources: fine("ai-lower", "systemassigned") },
    { name: "storage account without identity is not a Foundry account", resources: storageInPerimeter("stnoid").resources },
    { name: "account without identity that is not associated", resources: [noIdentity, ...storageInPerimeter("stx").resources] },
  ],
});
