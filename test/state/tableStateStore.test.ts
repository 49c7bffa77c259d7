/**
 * What the contract suite cannot say about the Azure adapter: construction, init, the layout in the
 * account, several instances sharing one account, event purging, and SDK retries of writes that landed.
 */
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { TableClient, TableServiceClient } from "@azure/data-tables";
import type { TokenCredential } from "@azure/identity";
import { BlobServiceClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventDay, resourceKey } from "../../src/state/keys.js";
import { ConcurrencyError, type StoredFinding } from "../../src/state/stateStore.js";
import { TableStateStore, type TableStateStoreOptions } from "../../src/state/tableStateStore.js";
import { startAzurite, type AzuriteInstance } from "../helpers/azurite.js";

const PERIMETER = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network/networkSecurityPerimeters/nsp1";
const ACCOUNT = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa1";

function finding(message: string): StoredFinding {
  return {
    key: `rule|${ACCOUNT.toLowerCase()}`,
    finding: {
      ruleId: "storage-sftp",
      title: "SFTP",
      severity: "high",
      category: "unsupported",
      resourceId: ACCOUNT,
      perimeterId: PERIMETER,
      message,
      docUrl: "https://learn.microsoft.com/",
      remediation: "Disable SFTP.",
      exempted: false,
      action: "alert",
    },
    status: "open",
    firstSeen: "2026-01-01T00:00:00.000Z",
    lastSeen: "2026-01-01T00:00:00.000Z",
  };
}

let azurite: AzuriteInstance;
let prefixCount = 0;
const nextPrefix = () => `u${++prefixCount}x${process.pid}`;

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(() => azurite?.stop());

async function newStore(options: TableStateStoreOptions = {}, connectionString = azurite.connectionString): Promise<TableStateStore> {
  const store = TableStateStore.fromConnectionString(connectionString, { prefix: nextPrefix(), ...options });
  await store.init();
  return store;
}

describe("construction and init", () => {
  it("uses the nspg prefix and the nspg-state container by default", () => {
    const store = TableStateStore.fromConnectionString(azurite.connectionString);
    expect(store.tableNames).toEqual({ resourceIndex: "nspgResourceIndex", perimeterIndex: "nspgPerimeterIndex", events: "nspgEvents" });
    expect(store.containerName).toBe("nspg-state");
    expect(store.endpoints).toEqual({ table: azurite.tableEndpoint, blob: azurite.blobEndpoint });
  });

  it("accepts UseDevelopmentStorage=true (Azurite on its default ports)", () => {
    const store = TableStateStore.fromConnectionString("UseDevelopmentStorage=true");
    expect(store.endpoints).toEqual({ table: "http://127.0.0.1:10002/devstoreaccount1", blob: "http://127.0.0.1:10000/devstoreaccount1" });
  });

  it("rejects a prefix that cannot make table and container names", () => {
    expect(() => TableStateStore.fromConnectionString(azurite.connectionString, { prefix: "nsp-g" })).toThrow(/prefix/);
  });

  it("builds identity-based clients on the account's public endpoints, or on given ones", () => {
    const credential: TokenCredential = { getToken: async () => ({ token: "unused", expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const store = TableStateStore.fromIdentity({ accountName: "nspgstate", credential });
    expect(store.endpoints).toEqual({ table: "https://nspgstate.table.core.windows.net", blob: "https://nspgstate.blob.core.windows.net" });
    expect(store.containerName).toBe("nspg-state");

    const custom = TableStateStore.fromIdentity({
      accountName: "nspgstate",
      credential,
      prefix: "guard",
      tableEndpoint: "https://tables.example.test/",
      blobEndpoint: "https://blobs.example.test",
    });
    expect(custom.endpoints).toEqual({ table: "https://tables.example.test", blob: "https://blobs.example.test" });
    expect(custom.tableNames.events).toBe("guardEvents");
    expect(custom.containerName).toBe("guard-state");
  });

  it("creates the tables and the container, and may run again and from several instances at once", async () => {
    const prefix = nextPrefix();
    const stores = [1, 2, 3].map(() => TableStateStore.fromConnectionString(azurite.connectionString, { prefix }));
    await Promise.all(stores.map((store) => store.init()));
    await stores[0]!.init();

    const tables: string[] = [];
    const service = TableServiceClient.fromConnectionString(azurite.connectionString, { allowInsecureConnection: true });
    for await (const table of service.listTables()) if (table.name?.startsWith(prefix)) tables.push(table.name);
    // The event tables are per day, created by the day's first event.
    const { events: _daily, ...fixed } = stores[0]!.tableNames;
    expect(tables.sort()).toEqual(Object.values(fixed).sort());
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(stores[0]!.containerName);
    expect(await container.exists()).toBe(true);
  });
});

describe("layout in the account", () => {
  it("keeps findings in a blob named by the hashed id, with the original id in its metadata and body", async () => {
    const store = await newStore();
    await store.putFindings(PERIMETER, [finding("one")], undefined);
    const blob = BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient(store.containerName)
      .getBlobClient(`findings/${resourceKey(PERIMETER)}.json`);
    const properties = await blob.getProperties();
    expect(properties.contentType).toMatch(/^application\/json/);
    expect(decodeURIComponent(properties.metadata?.resourceid ?? "")).toBe(PERIMETER);
    const body = JSON.parse((await blob.downloadToBuffer()).toString("utf8"));
    expect(body).toEqual({ perimeterId: PERIMETER, findings: [finding("one")] });
  });

  it("keeps an index row per (resource, perimeter), partitioned by resource, with the original ids in columns", async () => {
    const store = await newStore();
    await store.setIndexForPerimeter(PERIMETER, [ACCOUNT]);
    const table = TableClient.fromConnectionString(azurite.connectionString, store.tableNames.resourceIndex, { allowInsecureConnection: true });
    const rows = [];
    for await (const row of table.listEntities<{ resourceId: string; perimeterId: string }>()) rows.push(row);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ partitionKey: resourceKey(ACCOUNT), rowKey: resourceKey(PERIMETER), resourceId: ACCOUNT, perimeterId: PERIMETER });
  });
});

describe("several instances on one account", () => {
  it("see each other's writes and keep the ETag contract between them", async () => {
    const prefix = nextPrefix();
    const [one, two] = [1, 2].map(() => TableStateStore.fromConnectionString(azurite.connectionString, { prefix }));
    await one!.init();

    const etag = await one!.putFindings(PERIMETER, [finding("from one")], undefined);
    expect(await two!.getFindings(PERIMETER)).toEqual({ value: [finding("from one")], etag });
    const results = await Promise.allSettled([
      one!.putFindings(PERIMETER, [finding("one again")], etag),
      two!.putFindings(PERIMETER, [finding("from two")], etag),
    ]);
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    expect(results.find((result) => result.status === "rejected")).toMatchObject({ reason: expect.any(ConcurrencyError) });

    expect(await one!.markEventProcessed("event-1", 60_000)).toBe(true);
    expect(await two!.markEventProcessed("event-1", 60_000)).toBe(false);
  });

  it("take turns replacing the same perimeter's index entries", async () => {
    const prefix = nextPrefix();
    const stores = [1, 2, 3].map(() => TableStateStore.fromConnectionString(azurite.connectionString, { prefix }));
    await stores[0]!.init();
    const sets = stores.map((_, s) => Array.from({ length: 60 }, (_, i) => `${ACCOUNT}-${s}-${i}`));
    await Promise.all(stores.map((store, s) => store.setIndexForPerimeter(PERIMETER, sets[s]!)));

    const indexed = await Promise.all(sets.map(async (set) => (await Promise.all(set.map((id) => stores[0]!.getPerimetersOf(id)))).map((p) => p.length)));
    const complete = indexed.filter((counts) => counts.every((count) => count === 1));
    const absent = indexed.filter((counts) => counts.every((count) => count === 0));
    expect(complete).toHaveLength(1);
    expect(absent).toHaveLength(2);
  });
});

describe("expired event ids", () => {
  async function eventTables(store: TableStateStore): Promise<string[]> {
    const service = TableServiceClient.fromConnectionString(azurite.connectionString, { allowInsecureConnection: true });
    const names: string[] = [];
    for await (const table of service.listTables()) if (table.name?.startsWith(store.tableNames.events)) names.push(table.name);
    return names.sort();
  }

  it("live in one table per day, and a purge deletes whole tables, not rows", async () => {
    let now = Date.parse("2026-03-01T10:00:00.000Z");
    const store = await newStore({ clock: () => now, eventPurgeIntervalMs: 0 });
    for (const id of ["a", "b", "c"]) await store.markEventProcessed(id, 3_600_000);
    now += 86_400_000;
    await store.markEventProcessed("kept", 3_600_000);
    expect(await eventTables(store)).toEqual([`${store.tableNames.events}20260301`, `${store.tableNames.events}20260302`]);
    expect(await store.purgeExpiredEvents()).toBe(1);
    expect(await eventTables(store)).toEqual([`${store.tableNames.events}20260302`]);
    expect(await store.markEventProcessed("kept", 3_600_000)).toBe(false);
    expect(await store.markEventProcessed("a", 3_600_000)).toBe(true);
  });

  it("are purged by an instance marking events, at most once per interval", async () => {
    let now = Date.parse("2026-03-01T23:00:00.000Z");
    const store = await newStore({ clock: () => now, eventPurgeIntervalMs: 3 * 3_600_000 });
    for (const id of ["a", "b", "c"]) await store.markEventProcessed(id, 1_000);
    now += 2 * 3_600_000; // the next day: the first day has expired, but the interval has not passed
    await store.markEventProcessed("d", 1_000);
    expect(await store.eventDays()).toEqual(["20260301", "20260302"]);
    now += 2 * 3_600_000;
    await store.markEventProcessed("e", 1_000);
    expect(await store.eventDays()).toEqual(["20260302"]);
  });
});

describe("a write that landed but whose response was lost", () => {
  /**
   * A proxy in front of Azurite that forwards every request but, for the first one `drop` picks,
   * closes the connection instead of returning Azurite's answer: the SDK sees a network error and
   * retries a write that already happened.
   */
  async function startLossyProxy(target: string, drop: (request: IncomingMessage) => boolean): Promise<{ url: string; dropped: () => number; close(): Promise<void> }> {
    const targetUrl = new URL(target);
    let dropped = 0;
    const server: Server = createServer((incoming, outgoing) => {
      const dropThis = dropped === 0 && drop(incoming);
      const upstream = request(
        { host: targetUrl.hostname, port: targetUrl.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
        (response) => {
          if (dropThis) {
            dropped++;
            response.resume();
            response.on("end", () => incoming.socket.destroy());
            return;
          }
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
        },
      );
      upstream.on("error", () => outgoing.destroy());
      incoming.pipe(upstream);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}${targetUrl.pathname}`,
      dropped: () => dropped,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())).then(() => undefined),
    };
  }

  const fastRetry = { maxRetries: 3, retryDelayInMs: 10, maxRetryDelayInMs: 50 };

  it("still counts as the conditional blob write that succeeded", async () => {
    const proxy = await startLossyProxy(azurite.blobEndpoint, (r) => r.method === "PUT" && (r.url ?? "").includes("/findings/"));
    try {
      const connectionString = azurite.connectionString.replace(`BlobEndpoint=${azurite.blobEndpoint}`, `BlobEndpoint=${proxy.url}`);
      const store = await newStore({ retry: fastRetry }, connectionString);
      const etag = await store.putFindings(PERIMETER, [finding("once")], undefined);
      expect(proxy.dropped()).toBe(1);
      expect(await store.getFindings(PERIMETER)).toEqual({ value: [finding("once")], etag });
    } finally {
      await proxy.close();
    }
  });

  it("still counts as the first delivery of an event", async () => {
    // The entity insert into the day's event table (`…Events20260301`), not the table's creation.
    const proxy = await startLossyProxy(azurite.tableEndpoint, (r) => r.method === "POST" && /Events\d{8}(\?|$)/.test(r.url ?? ""));
    try {
      const connectionString = azurite.connectionString.replace(`TableEndpoint=${azurite.tableEndpoint}`, `TableEndpoint=${proxy.url}`);
      const store = await newStore({ retry: fastRetry }, connectionString);
      // The day's table exists already, so the request whose answer is lost is the insert itself.
      await TableClient.fromConnectionString(azurite.connectionString, `${store.tableNames.events}${eventDay(Date.now())}`, { allowInsecureConnection: true }).createTable();
      expect(await store.markEventProcessed("event-1", 60_000)).toBe(true);
      expect(proxy.dropped()).toBe(1);
      expect(await store.markEventProcessed("event-1", 60_000)).toBe(false);
    } finally {
      await proxy.close();
    }
  });
});
