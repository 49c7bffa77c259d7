/**
 * Proposed access rules as text a user applies: `az` commands and a Bicep file. Shared by the CLI
 * formats, the HTML report, the demo page and the readiness notices.
 */
import type { ProposedLink, ProposedRule } from "./readiness.js";

function profileParts(profileId: string): { subscription: string; resourceGroup: string; perimeter: string; profile: string } {
  const m = /\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/networkSecurityPerimeters\/([^/]+)\/profiles\/([^/]+)/i.exec(profileId);
  return m
    ? { subscription: m[1]!, resourceGroup: m[2]!, perimeter: m[3]!, profile: m[4]! }
    : { subscription: "<subscription>", resourceGroup: "<resource-group>", perimeter: "<perimeter>", profile: "<profile>" };
}

/**
 * Name of a proposed rule (access rule names: letters, digits, `_.-`, at most 80). Named by what it
 * admits, not by its place in a list: a profile's proposals are the same for each of its associations,
 * so each association's report names the same rule the same way.
 */
export function proposedRuleName(r: ProposedRule, index: number): string {
  if (r.origin === "provisioning-issue") return `azure-suggested-${index + 1}`;
  if (r.addressPrefixes.length > 0) return "readiness-inbound-ips";
  if (r.subscriptions.length > 0) return "readiness-inbound-subscriptions";
  return "readiness-outbound-fqdns";
}

/**
 * The `az` command that creates a proposed rule (`az network perimeter profile access-rule create`,
 * arguments and value syntax as the command's own examples give them: Azure/aaz
 * Commands/network/perimeter/profile/access-rule/_create.md, and
 * https://learn.microsoft.com/azure/private-link/create-network-security-perimeter-cli).
 */
export function azCommand(r: ProposedRule, index: number): string {
  const p = profileParts(r.profileId);
  const what =
    r.addressPrefixes.length > 0
      ? `--address-prefixes "[${r.addressPrefixes.map((x) => `'${x}'`).join(", ")}]"`
      : r.subscriptions.length > 0
        ? `--subscriptions ${r.subscriptions.map((s, i) => `[${i}].id="/subscriptions/${s}"`).join(" ")}`
        : `--fqdn "[${r.fullyQualifiedDomainNames.map((f) => `'${f}'`).join(", ")}]"`;
  return `az network perimeter profile access-rule create --subscription ${p.subscription} -g ${p.resourceGroup} --perimeter-name ${p.perimeter} --profile-name ${p.profile} -n ${proposedRuleName(r, index)} --direction ${r.direction} ${what}`;
}

/** API version of the access rules the snippet writes (the one infra/modules/perimeter.bicep uses). */
const ACCESS_RULE_API = "2025-05-01";

/**
 * The proposed rules of one profile as a Bicep file to deploy to the perimeter's resource group
 * (`accessRules` properties as the Microsoft.Network REST spec names them: direction, addressPrefixes,
 * subscriptions[].id, fullyQualifiedDomainNames).
 */
export function bicepSnippet(rules: readonly ProposedRule[], links: readonly ProposedLink[] = []): string {
  if (rules.length === 0 && links.length === 0) return "";
  const p = profileParts((rules[0] ?? links[0])!.profileId);
  const list = (items: readonly string[]) => `[\n${items.map((i) => `      '${i}'`).join("\n")}\n    ]`;
  const lines = [
    `// Deploy to resource group ${p.resourceGroup} of subscription ${p.subscription}:`,
    `//   az deployment group create --subscription ${p.subscription} -g ${p.resourceGroup} --template-file readiness.bicep`,
    `resource profile 'Microsoft.Network/networkSecurityPerimeters/profiles@${ACCESS_RULE_API}' existing = {`,
    `  name: '${p.perimeter}/${p.profile}'`,
    `}`,
  ];
  if (links.length > 0) lines.push(`resource perimeter 'Microsoft.Network/networkSecurityPerimeters@${ACCESS_RULE_API}' existing = {`, `  name: '${p.perimeter}'`, `}`);
  for (const l of links) {
    const name = linkName(l);
    lines.push(
      "",
      `resource ${name.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase())} 'Microsoft.Network/networkSecurityPerimeters/links@${ACCESS_RULE_API}' = {`,
      `  parent: perimeter`,
      `  name: '${name}'`,
      `  properties: {`,
      `    autoApprovedRemotePerimeterResourceId: '${remoteId(l)}'`,
      `    localInboundProfiles: [\n${l.localInboundProfiles.map((n) => `      '${n}'`).join("\n")}\n    ]`,
      `    remoteInboundProfiles: [\n      '*'\n    ]`,
      `  }`,
      `}`,
    );
  }
  rules.forEach((r, i) => {
    const name = proposedRuleName(r, i);
    const symbol = name.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase());
    lines.push("", `resource ${symbol} 'Microsoft.Network/networkSecurityPerimeters/profiles/accessRules@${ACCESS_RULE_API}' = {`, `  parent: profile`, `  name: '${name}'`, `  properties: {`, `    direction: '${r.direction}'`);
    if (r.addressPrefixes.length > 0) lines.push(`    addressPrefixes: ${list(r.addressPrefixes)}`);
    if (r.subscriptions.length > 0) lines.push(`    subscriptions: [\n${r.subscriptions.map((s) => `      { id: '/subscriptions/${s}' }`).join("\n")}\n    ]`);
    if (r.fullyQualifiedDomainNames.length > 0) lines.push(`    fullyQualifiedDomainNames: ${list(r.fullyQualifiedDomainNames)}`);
    lines.push(`  }`, `}`);
  });
  return `${lines.join("\n")}\n`;
}

/** Name of a proposed link: by the remote perimeter it reaches. */
export function linkName(l: ProposedLink): string {
  return `link-to-${l.remotePerimeterId ? l.remotePerimeterId.split("/").pop()! : l.remotePerimeterGuid.slice(0, 8)}`.slice(0, 80);
}

function remoteId(l: ProposedLink): string {
  return l.remotePerimeterId ?? `<ARM id of the perimeter whose GUID is ${l.remotePerimeterGuid}>`;
}

/**
 * The `az network perimeter link create` command of a proposed link (arguments as the command's own
 * example gives them: Azure/aaz Commands/network/perimeter/link/_create.md, and
 * https://learn.microsoft.com/azure/private-link/network-security-perimeter-link). The remote side's
 * inbound profiles are `*` as in that example: the remote perimeter's owner approves the link, and
 * whether an empty list is accepted is UNCONFIRMED.
 */
export function azLinkCommand(l: ProposedLink): string {
  const m = /\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/networkSecurityPerimeters\/([^/]+)/i.exec(l.perimeterId);
  const [sub, rg, nsp] = m ? [m[1], m[2], m[3]] : ["<subscription>", "<resource-group>", "<perimeter>"];
  return `az network perimeter link create --subscription ${sub} -g ${rg} --perimeter-name ${nsp} -n ${linkName(l)} --auto-remote-nsp-id "${remoteId(l)}" --local-inbound-profile "[${l.localInboundProfiles.map((n) => `'${n}'`).join(", ")}]" --remote-inbound-profile "['*']"`;
}
