import { storageInPerimeter } from "../helpers/builders.js";
import { networkAcls } from "../helpers/builders-storage-b.js";
import { ruleTester } from "../helpers/ruleTester.js";

const subnet = (vnet: string, name: string) => ({
  id: `/subscriptions/11111111-1111-1111-1111-111111111111/resourcegroups/rg-net/providers/MICROSOFT.NETWORK/virtualNetworks/${vnet}/subnets/${name}`,
  action: "Allow",
  state: "Succeeded",
});
const ip = (value: string) => ({ value, action: "Allow" });

const acls = (name: string, overrides: Record<string, unknown>, accessMode?: string) =>
  storageInPerimeter(name, {
    ...(accessMode ? { accessMode } : {}),
    // Outside Enforced mode the account's own public access setting governs: Enabled, not SecuredByPerimeter.
    properties: { networkAcls: networkAcls(overrides), ...(accessMode && accessMode.toLowerCase() !== "enforced" ? { publicNetworkAccess: "Enabled" } : {}) },
  });

const vnetOnly = acls("stfw1", { virtualNetworkRules: [subnet("vnet-app", "snet-web")] });
const vnetAndIp = acls("stfw2", { virtualNetworkRules: [subnet("vnet-app", "snet-web")], ipRules: [ip("203.0.113.0/24")] }, "enforced");
const ipOnly = acls("stfw3", { ipRules: [ip("203.0.113.10"), ip("198.51.100.0/24")] });
const ipOnlyUpper = acls("stfw4", { ipRules: [ip("192.0.2.7")] }, "ENFORCED");
const ipv6Only = acls("stfw5", { ipv6Rules: [ip("2001:db8:ab::/48")] });
/** Learning mode, but publicNetworkAccess SecuredByPerimeter: only perimeter rules admit traffic. */
const securedLearning = storageInPerimeter("stfw6", {
  accessMode: "Learning",
  properties: { networkAcls: networkAcls({ virtualNetworkRules: [subnet("vnet-app", "snet-db")] }), publicNetworkAccess: "SecuredByPerimeter" },
});

ruleTester("storage-firewall-bypassed", {
  fires: [
    {
      name: "networkAcls.ipv6Rules count like ipRules",
      resources: ipv6Only.resources,
      expect: [{ resourceId: ipv6Only.account.id, severity: "low", messageIncludes: "2001:db8:ab::/48" }],
    },
    {
      name: "Learning with publicNetworkAccess SecuredByPerimeter is effectively enforcing",
      resources: securedLearning.resources,
      expect: [{ resourceId: securedLearning.account.id, severity: "medium", messageIncludes: "SecuredByPerimeter" }],
    },
    {
      name: "virtual network rule (service endpoint) on an Enforced account",
      resources: vnetOnly.resources,
      expect: [{ resourceId: vnetOnly.account.id, severity: "medium", messageIncludes: "vnet-app/snet-web" }],
    },
    {
      name: "virtual network and IP rules: one finding, the worse (medium); lower-cased mode",
      resources: vnetAndIp.resources,
      expect: [{ resourceId: vnetAndIp.account.id, severity: "medium", messageIncludes: "snet-web" }],
    },
    {
      name: "IP rules only",
      resources: ipOnly.resources,
      expect: [{ resourceId: ipOnly.account.id, severity: "low", messageIncludes: "203.0.113.10" }],
    },
    {
      name: "IP rule only, upper-case mode",
      resources: ipOnlyUpper.resources,
      expect: [{ resourceId: ipOnlyUpper.account.id, severity: "low", messageIncludes: "192.0.2.7" }],
    },
  ],
  passes: [
    { name: "virtual network and IP rules in Learning mode (account firewall still applies)", resources: acls("stok1", { virtualNetworkRules: [subnet("v", "s")], ipRules: [ip("203.0.113.1")] }, "Learning").resources },
    { name: "IP rules in Audit mode", resources: acls("stok2", { ipRules: [ip("203.0.113.1")] }, "audit").resources },
    { name: "Enforced with empty rule lists", resources: acls("stok3", {}).resources },
    { name: "Enforced, only an AzureServices bypass (another rule's concern)", resources: acls("stok4", { bypass: "AzureServices" }).resources },
  ],
});
