import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { listNames, nameOf } from "../lib/messages.js";
import { prop } from "../../model/resource.js";
import { cognitiveAccountOf } from "../lib/members.js";

/** Entries of `networkInjections`: an array of objects, or a single object as some exports write it. */
function networkInjectionsOf(value: unknown): Record<string, unknown>[] {
  const entries = Array.isArray(value) ? value : value !== null && typeof value === "object" ? [value] : [];
  return entries.filter(
    (e): e is Record<string, unknown> => e !== null && typeof e === "object" && !Array.isArray(e) && Object.keys(e).length > 0,
  );
}

function describeInjection(injection: Record<string, unknown>): string {
  const scenario = typeof injection["scenario"] === "string" ? injection["scenario"] : "unknown scenario";
  const subnet = typeof injection["subnetArmId"] === "string" ? ` into subnet ${nameOf(injection["subnetArmId"])}` : "";
  return `${scenario}${subnet}`;
}

export default defineRule({
  scope: "association",
  meta: {
    id: "foundry-network-injection",
    title: "Network-isolated AI Foundry account (network injection) in a perimeter",
    category: "unsupported",
    severity: "medium",
    severityLogic: "medium whenever an associated `Microsoft.CognitiveServices/accounts` has non-empty `properties.networkInjections`",
    resource: "the Cognitive Services account",
    sources: [
      { doc: "FOUNDRY", section: "Limitations and considerations", anchor: "limitations-and-considerations" },
    ],
    explanation:
      "For Foundry Agent Service secured standard agents with network isolation (the account's `networkInjections`), a network security perimeter is neither required nor supported: all resources connect through Private Link inside the customer's virtual network, with no public IP or FQDN rules to apply.",
    remediation:
      "Remove the network-injected account from the perimeter and rely on its virtual network and private endpoints; or, if the perimeter is what you want, drop the network injection and use standard agents with perimeter access rules.",
    reads: [T.association, T.cognitiveAccount],
    defaultAction: "off",
    retired: { listedIn: "FOUNDRY", absentFrom: ["FOUNDRY-2026"] },
  },
  check(association) {
    const account = cognitiveAccountOf(association);
    if (!account) return;
    const injections = networkInjectionsOf(prop(account, "networkInjections"));
    if (injections.length === 0) return;
    return {
      severity: "medium",
      message: `${nameOf(account.id)} is associated through ${nameOf(association.id)} but has network injection (${listNames(injections.map(describeInjection))}): a perimeter is neither required nor supported for network-isolated agents.`,
    };
  },
});
