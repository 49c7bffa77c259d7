import { recase } from "../helpers/builders.js";
import { memberInPerimeter } from "../helpers/builders-association.js";
import { sqlDatabase, sqlServer } from "../helpers/builders-services.js";
import { ruleTester } from "../helpers/ruleTester.js";

const server = sqlServer("sql-warehouse");
const pool = sqlDatabase(server, "dw-sales", "DataWarehouse");
const plain = sqlServer("sql-orders");

ruleTester("sql-dedicated-pool", {
  fires: [
    {
      name: "server with a dedicated SQL pool",
      resources: [...memberInPerimeter(server).resources, pool, sqlDatabase(server, "orders", "GeneralPurpose")],
      expect: [{ resourceId: server.id, severity: "high", messageIncludes: "dw-sales (DW100c)" }],
    },
    {
      name: "server not in the estate, pool present, Learning mode",
      resources: [...memberInPerimeter(server.id, { accessMode: "Learning" }).resources, pool],
      expect: [{ resourceId: server.id, severity: "high" }],
    },
    {
      name: "casing variants: Resource Graph database, tier \"datawarehouse\"",
      resources: [...memberInPerimeter(server).resources, { ...pool, id: recase(pool.id), type: pool.type.toLowerCase(), sku: { name: "DW200c", tier: "datawarehouse" } }],
      expect: [{ resourceId: server.id, severity: "high", messageIncludes: "DW200c" }],
    },
  ],
  passes: [
    { name: "server with General Purpose databases only", resources: [...memberInPerimeter(plain).resources, sqlDatabase(plain, "orders", "GeneralPurpose")] },
    { name: "dedicated pool on a server outside the perimeter", resources: [...memberInPerimeter(plain).resources, server, pool] },
    { name: "server without databases", resources: memberInPerimeter(plain).resources },
  ],
});
