import { equalsIgnoreCase } from "../../model/resource.js";
import { T } from "../../model/resourceTypes.js";
import { defineRule } from "../types.js";
import { listNames, nameOf } from "../lib/messages.js";

export default defineRule({
  scope: "association",
  meta: {
    id: "sql-dedicated-pool",
    title: "SQL server with a dedicated SQL pool in a perimeter",
    category: "unsupported",
    severity: "high",
    severityLogic: "high whenever an associated SQL server has a database whose `sku.tier` is DataWarehouse (a dedicated SQL pool, formerly SQL DW)",
    resource: "the server",
    sources: [{ doc: "SQL", section: "Limitations", anchor: "limitations" }],
    explanation: "A logical server in Azure SQL Database can't be associated with a network security perimeter if it contains one or more dedicated SQL pools (formerly SQL DW).",
    remediation: "Move the dedicated SQL pools to a server outside the perimeter (or to Azure Synapse workspaces), or keep this server out of the perimeter.",
    reads: [T.association, T.sqlServer, T.sqlDatabase],
  },
  check(association, view) {
    if (association.memberType !== T.sqlServer) return;
    const pools = view.estate
      .descendants(association.memberId, T.sqlDatabase)
      .filter((db) => equalsIgnoreCase(db.sku?.tier, "datawarehouse"));
    if (pools.length === 0) return;
    return {
      severity: "high",
      message: `${nameOf(association.memberDisplayId)} holds dedicated SQL pool(s) ${listNames(pools.map((p) => `${nameOf(p.id)} (${p.sku?.name ?? "DataWarehouse"})`))}: a server with dedicated SQL pools can't be associated with a perimeter.`,
    };
  },
});
