import { cognitiveAccount, recase, SUB, storageInPerimeter } from "../helpers/builders.js";
import { memberInPerimeter } from "../helpers/builders-association.js";
import { ruleTester } from "../helpers/ruleTester.js";

const id = { type: "SystemAssigned" };
const subnet = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-ai/subnets/snet-agents`;
const injection = { scenario: "agent", subnetArmId: subnet, useMicrosoftManagedNetwork: false };
const injected = cognitiveAccount("ai-inj", { networkInjections: [injection] }, id);
const singleBase = cognitiveAccount("ai-inj2", { networkInjections: injection }, id);
const singleFromGraph = { ...singleBase, id: recase(singleBase.id), type: "microsoft.cognitiveservices/accounts" };
const noScenario = cognitiveAccount("ai-inj3", { networkInjections: [{ subnetArmId: subnet }] }, id);

ruleTester("foundry-network-injection", {
  fires: [
    { name: "networkInjections with an agent subnet", resources: memberInPerimeter(injected).resources, expect: [{ resourceId: injected.id, severity: "medium", messageIncludes: "agent into subnet snet-agents" }] },
    {
      name: "single object instead of an array, Resource Graph casing, Learning mode",
      resources: memberInPerimeter(singleFromGraph, { accessMode: "Learning" }).resources,
      expect: [{ resourceId: singleFromGraph.id, severity: "medium", messageIncludes: "snet-agents" }],
    },
    { name: "entry without a scenario", resources: memberInPerimeter(noScenario).resources, expect: [{ resourceId: noScenario.id, severity: "medium", messageIncludes: "unknown scenario" }] },
  ],
  passes: [
    { name: "empty networkInjections", resources: memberInPerimeter(cognitiveAccount("ai-empty", { networkInjections: [] }, id)).resources },
    { name: "networkInjections null", resources: memberInPerimeter(cognitiveAccount("ai-null", { networkInjections: null }, id)).resources },
    { name: "no networkInjections property", resources: memberInPerimeter(cognitiveAccount("ai-none", {}, id)).resources },
    { name: "storage account carrying a networkInjections property is not a Foundry account", resources: storageInPerimeter("stinj", { properties: { networkInjections: [injection] } }).resources },
    { name: "injected account that is not associated", resources: [injected, ...storageInPerimeter("stz").resources] },
  ],
});
