import { cognitiveAccount, recase } from "../helpers/builders.js";
import { memberInPerimeter } from "../helpers/builders-association.js";
import { ruleTester } from "../helpers/ruleTester.js";

const keysOn = cognitiveAccount("ai-keys", { disableLocalAuth: false }, { type: "SystemAssigned" });
const unset = cognitiveAccount("ai-unset", {}, { type: "SystemAssigned" });
const graph = (() => {
  const a = { ...cognitiveAccount("oai-graph", { disableLocalAuth: "false" }, { type: "SystemAssigned" }), kind: "OpenAI" };
  return { ...a, id: recase(a.id), type: a.type.toLowerCase() };
})();

ruleTester("foundry-local-auth", {
  fires: [
    { name: "disableLocalAuth false", resources: memberInPerimeter(keysOn).resources, expect: [{ resourceId: keysOn.id, severity: "low", messageIncludes: "false" }] },
    { name: "disableLocalAuth unset (local auth on by default)", resources: memberInPerimeter(unset, { accessMode: "Learning" }).resources, expect: [{ resourceId: unset.id, severity: "low", messageIncludes: "unset" }] },
    { name: "casing variants: Resource Graph Azure OpenAI account, \"false\" string", resources: memberInPerimeter(graph).resources, expect: [{ resourceId: graph.id, severity: "low" }] },
  ],
  passes: [
    { name: "disableLocalAuth true", resources: memberInPerimeter(cognitiveAccount("ai-entra", { disableLocalAuth: true }, { type: "SystemAssigned" })).resources },
    { name: "disableLocalAuth \"True\" string", resources: memberInPerimeter(cognitiveAccount("ai-entra2", { disableLocalAuth: "True" })).resources },
    { name: "account outside any perimeter", resources: [keysOn] },
  ],
});
