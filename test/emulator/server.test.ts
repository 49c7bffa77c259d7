import { request } from "node:https";
import { describe, expect, it } from "vitest";
import { NetworkManagementClient } from "@azure/arm-network";
import { StorageManagementClient } from "@azure/arm-storage";
import type { ArmEmulator } from "../../src/emulator/server.js";
import { OWNER_ACTIONS } from "../../src/emulator/authorization.js";
import type { ResourceChange } from "../../src/emulator/changes.js";
import { accessRule, association, fileShare, nspConfiguration, perimeter, perimeterGuidOf, profile, storageAccount, SUB } from "../helpers/builders.js";
import { clientOptions, startEmulator } from "../helpers/emulator.js";

const nsp = perimeter("nsp1");
const prof = profile(nsp, "p1");
const rule = accessRule(prof, "r1", { direction: "Inbound", addressPrefixes: ["203.0.113.0/24"] });
const accounts = Array.from({ length: 5 }, (_, i) => storageAccount(`st${i}`));
const assocs = accounts.map((a, i) => association(nsp, `a${i}`, a.id, { profile: prof, accessMode: i === 0 ? "Learning" : "Enforced" }));
const seed = [nsp, prof, rule, ...accounts, ...assocs, fileShare(accounts[0]!, "scratch", "NFS"), nspConfiguration(accounts[1]!, nsp, "a1", [{ issueType: "MissingIdentityConfiguration", severity: "Warning" }])];

const NET = "2026-01-01";
const STORAGE = "2026-09-01";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

function call(emulator: ArmEmulator, method: string, path: string, options: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {}): Promise<Reply> {
  const url = path.startsWith("https://") ? new URL(path) : new URL(path, emulator.endpoint);
  const token = options.token === undefined ? emulator.token() : options.token;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: emulator.caCertificate,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on("error", reject);
    if (options.body !== undefined) req.write(typeof options.body === "string" ? options.body : JSON.stringify(options.body));
    req.end();
  });
}

describe("ARM emulator over HTTPS", async () => {
  const changes: ResourceChange[] = [];
  const emulator = await startEmulator(seed, { pageSize: 2, sink: { publish: (c) => changes.push(c) } });

  it("refuses plain trust: a client without the emulator's certificate fails TLS verification", async () => {
    await expect(
      new Promise((resolve, reject) => {
        const req = request(new URL(`${nsp.id}?api-version=${NET}`, emulator.endpoint), { method: "GET" }, resolve);
        req.on("error", reject);
        req.end();
      }),
    ).rejects.toThrow(/self.signed|certificate/i);
  });

  it("requires a bearer token it issued (401 AuthenticationFailed / InvalidAuthenticationToken)", async () => {
    const missing = await call(emulator, "GET", `${nsp.id}?api-version=${NET}`, { token: null });
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe("AuthenticationFailed");
    const forged = await call(emulator, "GET", `${nsp.id}?api-version=${NET}`, { token: "eyJhbGciOiJIUzI1NiJ9.eyJvaWQiOiJ4In0.c2ln" });
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe("InvalidAuthenticationToken");
  });

  it("checks api-version like ARM", async () => {
    const none = await call(emulator, "GET", nsp.id);
    expect(none.status).toBe(400);
    expect(none.body.error.code).toBe("MissingApiVersionParameter");
    const bad = await call(emulator, "GET", `${nsp.id}?api-version=2019-01-01`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("InvalidApiVersionParameter");
    expect(bad.body.error.message).toContain("2025-05-01");
  });

  it("serves resources by id case-insensitively, with an ETag only where the spec has one, and ARM 404 bodies", async () => {
    const got = await call(emulator, "GET", `${nsp.id.toLowerCase()}?api-version=${NET}`);
    expect(got.status).toBe(200);
    expect(got.body.id).toBe(nsp.id);
    // No NSP type has `etag` in networkSecurityPerimeter.json; a file share (AzureEntityResource) has.
    expect(got.headers.etag).toBeUndefined();
    expect(got.body).not.toHaveProperty("etag");
    const share = await call(emulator, "GET", `${accounts[0]!.id}/fileServices/default/shares/scratch?api-version=${STORAGE}`);
    expect(share.headers.etag).toBe(share.body.etag);
    const missing = await call(emulator, "GET", `${nsp.id}x?api-version=${NET}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("ResourceNotFound");
    const orphan = await call(emulator, "GET", `${nsp.id}x/profiles/p1?api-version=${NET}`);
    expect(orphan.body.error.code).toBe("ParentResourceNotFound");
  });

  it("pages lists with nextLink", async () => {
    const ids: string[] = [];
    let next: string | undefined = `${nsp.id}/resourceAssociations?api-version=${NET}`;
    let pages = 0;
    while (next) {
      const page = await call(emulator, "GET", next);
      expect(page.status).toBe(200);
      expect(page.body.value.length).toBeLessThanOrEqual(2);
      ids.push(...page.body.value.map((v: { id: string }) => v.id));
      next = page.body.nextLink;
      pages++;
    }
    expect(pages).toBe(3);
    expect(ids.sort()).toEqual(assocs.map((a) => a.id).sort());
  });

  it("enforces If-Match (412 on a stale ETag) and If-None-Match only for types with ETags; NSP types ignore them", async () => {
    const owner = emulator.token({ objectId: "0000000e-0000-0000-0000-00000000000e", name: "owner@contoso.example", role: OWNER_ACTIONS });
    const shareId = `${accounts[0]!.id}/fileServices/default/shares/scratch`;
    const current = await call(emulator, "GET", `${shareId}?api-version=${STORAGE}`);
    const shareBody = { properties: { enabledProtocols: "NFS", shareQuota: 200 } };
    const stale = await call(emulator, "PUT", `${shareId}?api-version=${STORAGE}`, { token: owner, body: shareBody, headers: { "if-match": 'W/"stale"' } });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe("PreconditionFailed");
    const ok = await call(emulator, "PUT", `${shareId}?api-version=${STORAGE}`, { token: owner, body: shareBody, headers: { "if-match": current.headers.etag as string } });
    expect(ok.status).toBe(200);
    expect(ok.headers.etag).not.toBe(current.headers.etag);
    const exists = await call(emulator, "PUT", `${shareId}?api-version=${STORAGE}`, { token: owner, body: shareBody, headers: { "if-none-match": "*" } });
    expect(exists.status).toBe(412);
    // An access rule has no ETag: ARM does not check the headers, the write goes through.
    const body = { properties: { direction: "Inbound", addressPrefixes: ["198.51.100.0/24"] } };
    const ignored = await call(emulator, "PUT", `${rule.id}?api-version=${NET}`, { body, headers: { "if-match": 'W/"stale"' } });
    expect(ignored.status).toBe(200);
    expect(ignored.headers.etag).toBeUndefined();
    expect(ignored.body.properties.addressPrefixes).toEqual(["198.51.100.0/24"]);
    expect((await call(emulator, "PUT", `${rule.id}?api-version=${NET}`, { body, headers: { "if-none-match": "*" } })).status).toBe(200);
  });

  it("stamps systemData from the caller's token and reports the change", async () => {
    const caller = { objectId: "0000000b-0000-0000-0000-000000000001", appId: "11111111-aaaa-bbbb-cccc-000000000001" };
    const id = `${prof.id}/accessRules/new-rule`;
    const created = await call(emulator, "PUT", `${id}?api-version=${NET}`, {
      token: emulator.token(caller),
      body: { properties: { direction: "Outbound", fullyQualifiedDomainNames: ["api.contoso.example"] } },
    });
    expect(created.status).toBe(201);
    expect(created.body.systemData).toMatchObject({ createdBy: caller.appId, createdByType: "Application", lastModifiedBy: caller.appId });
    const change = changes.find((c) => c.resourceId === id)!;
    expect(change).toMatchObject({ kind: "write", httpMethod: "PUT", subscriptionId: SUB, resourceType: "Microsoft.Network/networkSecurityPerimeters/profiles/accessRules" });
    expect(change.claims.oid).toBe(caller.objectId);
    const log = emulator.operations.filter((o) => o.path === id);
    expect(log.at(-1)).toMatchObject({ method: "PUT", status: 201, apiVersion: NET, operation: "Microsoft.Network/networkSecurityPerimeters/profiles/accessRules/write", caller });
  });

  it("runs association PUT and DELETE as long-running operations the SDK pollers complete", async () => {
    const net = new NetworkManagementClient(emulator.credential(), SUB, clientOptions(emulator));
    const account = accounts[4]!;
    const body = { privateLinkResource: { id: account.id }, profile: { id: prof.id }, accessMode: "Enforced" as const };
    const before = changes.length;
    const created = await net.networkSecurityPerimeterAssociations.createOrUpdate("rg-nsp", "nsp1", "a-lro", body, { updateIntervalInMs: 5 });
    expect(created).toMatchObject({ name: "a-lro", accessMode: "Enforced", provisioningState: "Succeeded" });
    expect(changes.slice(before).map((c) => `${c.kind} ${c.resourceId.split("/").pop()}`)).toEqual(["write a-lro"]);
    const put = emulator.operations.find((o) => o.method === "PUT" && o.path.endsWith("/a-lro"))!;
    expect(put.status).toBe(202);
    expect(emulator.operations.some((o) => o.operation === "Microsoft.Network/locations/networkSecurityPerimeterOperationStatuses/read")).toBe(true);
    await net.networkSecurityPerimeterAssociations.delete("rg-nsp", "nsp1", "a-lro", { updateIntervalInMs: 5 });
    expect(emulator.store.get(`${nsp.id}/resourceAssociations/a-lro`)).toBeUndefined();
    expect(changes.at(-1)).toMatchObject({ kind: "delete", httpMethod: "DELETE" });
  });

  it("computes storage NSP configurations from associations, keeping declared provisioning issues", async () => {
    const storage = new StorageManagementClient(emulator.credential(), SUB, clientOptions(emulator));
    const configs = [];
    for await (const c of storage.networkSecurityPerimeterConfigurations.list("rg-app", "st1")) configs.push(c);
    expect(configs).toHaveLength(1);
    expect(configs[0]!.name).toBe(`${perimeterGuidOf("nsp1")}.a1`);
    expect(configs[0]!.resourceAssociation).toMatchObject({ name: "a1", accessMode: "Enforced" });
    expect(configs[0]!.provisioningIssues?.[0]?.properties?.issueType).toBe("MissingIdentityConfiguration");
    expect(configs[0]!.profile?.accessRules?.length).toBeGreaterThan(0);
  });

  it("refuses to delete a perimeter that still has associations without forceDeletion (409)", async () => {
    const owner = emulator.token({ objectId: "0000000e-0000-0000-0000-00000000000e", name: "owner@contoso.example", role: OWNER_ACTIONS });
    const r = await call(emulator, "DELETE", `${nsp.id}?api-version=${NET}`, { token: owner });
    expect(r.status).toBe(409);
  });

  it("PATCH merges properties", async () => {
    const owner = emulator.token({ objectId: "0000000e-0000-0000-0000-00000000000e", name: "owner@contoso.example", role: OWNER_ACTIONS });
    const r = await call(emulator, "PATCH", `${accounts[2]!.id}?api-version=${STORAGE}`, { token: owner, body: { properties: { isSftpEnabled: true } } });
    expect(r.status).toBe(200);
    expect(r.body.properties).toMatchObject({ isSftpEnabled: true, allowSharedKeyAccess: false });
  });

  it("rejects malformed bodies with ARM error codes", async () => {
    const notJson = await call(emulator, "PUT", `${prof.id}/accessRules/x?api-version=${NET}`, { body: "{nope" });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe("InvalidRequestContent");
    const noMember = await call(emulator, "PUT", `${nsp.id}/resourceAssociations/bad?api-version=${NET}`, { body: { properties: { accessMode: "Enforced" } } });
    expect(noMember.status).toBe(400);
    expect(noMember.body.error.code).toBe("InvalidRequestFormat");
  });

  it("injects 429 with Retry-After and 5xx by path pattern, a set number of times", async () => {
    emulator.faults.add({ path: "**/profiles/p1", kind: "throttle", retryAfterSeconds: 2, count: 1 });
    emulator.faults.add({ path: "**/accessRules/r1", kind: "error", status: 503, count: 1 });
    const throttled = await call(emulator, "GET", `${prof.id}?api-version=${NET}`);
    expect(throttled.status).toBe(429);
    expect(throttled.headers["retry-after"]).toBe("2");
    expect((await call(emulator, "GET", `${prof.id}?api-version=${NET}`)).status).toBe(200);
    expect((await call(emulator, "GET", `${rule.id}?api-version=${NET}`)).status).toBe(503);
    expect((await call(emulator, "GET", `${rule.id}?api-version=${NET}`)).status).toBe(200);
    emulator.faults.clear();
  });

  it("lists top-level resources through /resources with a type filter", async () => {
    const r = await call(emulator, "GET", `/subscriptions/${SUB}/resources?api-version=2021-04-01&$filter=${encodeURIComponent("resourceType eq 'Microsoft.Storage/storageAccounts'")}`);
    const all: string[] = [];
    let page = r;
    for (;;) {
      all.push(...page.body.value.map((v: { name: string }) => v.name));
      if (!page.body.nextLink) break;
      page = await call(emulator, "GET", page.body.nextLink);
    }
    expect(all.sort()).toEqual(["st0", "st1", "st2", "st3", "st4"]);
  });
});

describe("ARM-like throttling", async () => {
  const emulator = await startEmulator([nsp], { throttling: { reads: { capacity: 3, refillPerSecond: 1 }, writes: { capacity: 3, refillPerSecond: 1 } } });
  it("answers 429 with Retry-After once the read bucket is empty", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call(emulator, "GET", `${nsp.id}?api-version=${NET}`)).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toContain(429);
  });
});

describe("per-type behaviour from Azure's REST specs (src/emulator/behaviour.ts)", async () => {
  const emulator = await startEmulator(seed, { pageSize: 100 });
  const owner = () => emulator.token({ objectId: "0000000e-0000-0000-0000-00000000000e", name: "owner@contoso.example", role: OWNER_ACTIONS });

  it("access-rule PUT and DELETE are synchronous (201/200, then 200/204), with no polling header", async () => {
    const id = `${prof.id}/accessRules/sync-rule`;
    const body = { properties: { direction: "Inbound", addressPrefixes: ["192.0.2.0/24"] } };
    const created = await call(emulator, "PUT", `${id}?api-version=${NET}`, { token: owner(), body });
    expect(created.status).toBe(201);
    expect(created.body.properties.provisioningState).toBe("Succeeded");
    expect(created.headers["azure-asyncoperation"]).toBeUndefined();
    expect((await call(emulator, "PUT", `${id}?api-version=${NET}`, { token: owner(), body })).status).toBe(200);
    const deleted = await call(emulator, "DELETE", `${id}?api-version=${NET}`, { token: owner() });
    expect(deleted.status).toBe(200);
    expect(deleted.headers["azure-asyncoperation"]).toBeUndefined();
    expect((await call(emulator, "DELETE", `${id}?api-version=${NET}`, { token: owner() })).status).toBe(204);
  });

  it("association create answers 202 with provisioningState Creating and the NSP operation-status URL", async () => {
    const id = `${nsp.id}/resourceAssociations/a-202`;
    const r = await call(emulator, "PUT", `${id}?api-version=${NET}`, {
      token: owner(),
      body: { properties: { privateLinkResource: { id: accounts[3]!.id }, profile: { id: prof.id }, accessMode: "Enforced" } },
    });
    expect(r.status).toBe(202);
    expect(r.body.properties.provisioningState).toBe("Creating");
    const poll = String(r.headers["azure-asyncoperation"]);
    expect(poll).toMatch(new RegExp(`/subscriptions/${SUB}/providers/Microsoft\\.Network/locations/[^/]+/networkSecurityPerimeterOperationStatuses/[0-9a-f-]+\\?api-version=${NET}$`));
    expect(r.headers["retry-after"]).toBe("0");
    const status = await call(emulator, "GET", poll, { token: owner() });
    expect(status.status).toBe(200);
    // OperationStatusResult (common-types v5): id, name, status, resourceId, startTime, endTime.
    expect(status.body).toMatchObject({ name: poll.split("/").pop()!.split("?")[0], status: "Succeeded", resourceId: id });
    expect(status.body.id).toBe(new URL(poll).pathname);
    expect(emulator.operations.at(-1)!.operation).toBe("Microsoft.Network/locations/networkSecurityPerimeterOperationStatuses/read");
    expect((await call(emulator, "GET", `${id}?api-version=${NET}`)).body.properties.provisioningState).toBe("Succeeded");
  });

  it("perimeter DELETE is long-running and takes forceDeletion to delete with its associations", async () => {
    const own = await startEmulator(seed);
    const token = own.token({ objectId: "0000000e-0000-0000-0000-00000000000e", name: "owner@contoso.example", role: OWNER_ACTIONS });
    const refused = await call(own, "DELETE", `${nsp.id}?api-version=${NET}`, { token });
    expect(refused.status).toBe(409);
    const r = await call(own, "DELETE", `${nsp.id}?api-version=${NET}&forceDeletion=true`, { token });
    expect(r.status).toBe(202);
    expect(r.headers["azure-asyncoperation"]).toMatch(/networkSecurityPerimeterOperationStatuses/);
    expect(r.headers.location).toBeUndefined();
    await call(own, "GET", String(r.headers["azure-asyncoperation"]), { token });
    expect(own.store.get(nsp.id)).toBeUndefined();
    expect(own.store.get(assocs[0]!.id)).toBeUndefined();
  });

  it("reconcile actions answer as their specs say: NSP 200 {}, storage configuration 202 + Location, Key Vault 204", async () => {
    const assoc = await call(emulator, "POST", `${assocs[1]!.id}/reconcile?api-version=${NET}`, { token: owner(), body: {} });
    expect(assoc.status).toBe(200);
    expect(assoc.body).toEqual({});
    const rules = await call(emulator, "POST", `${rule.id}/reconcile?api-version=${NET}`, { token: owner(), body: {} });
    expect(rules.status).toBe(200);
    const config = `${accounts[1]!.id}/networkSecurityPerimeterConfigurations/${perimeterGuidOf("nsp1")}.a1`;
    const storage = await call(emulator, "POST", `${config}/reconcile?api-version=${STORAGE}`, { token: owner() });
    expect(storage.status).toBe(202);
    expect(storage.headers.location).toMatch(/\/providers\/Microsoft\.Storage\/locations\/[^/]+\/operationResults\//);
    expect((await call(emulator, "GET", String(storage.headers.location), { token: owner() })).status).toBe(204);
  });

  it("NSP lists take $top from 1 to 20 and page with $skipToken", async () => {
    const tooMany = await call(emulator, "GET", `${nsp.id}/resourceAssociations?api-version=${NET}&$top=21`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toContain("$top");
    const first = await call(emulator, "GET", `${nsp.id}/resourceAssociations?api-version=${NET}&$top=2`);
    expect(first.body.value).toHaveLength(2);
    expect(new URL(first.body.nextLink).searchParams.get("$skipToken")).toBe("2");
    const second = await call(emulator, "GET", first.body.nextLink);
    expect(second.body.value.map((v: { id: string }) => v.id)).not.toContain(first.body.value[0].id);
  });
});

describe("role-based and linked authorization", async () => {
  const emulator = await startEmulator(seed);
  const narrow = (role: readonly string[]) => emulator.token({ objectId: "0000000d-0000-0000-0000-00000000000d", appId: "0000000d-aaaa-0000-0000-00000000000d", role });
  const assocBody = { properties: { privateLinkResource: { id: accounts[4]!.id }, profile: { id: prof.id }, accessMode: "Enforced" } };
  const write = "Microsoft.Network/networkSecurityPerimeters/resourceAssociations/write";

  it("a write the role does not grant is 403 AuthorizationFailed", async () => {
    const r = await call(emulator, "PUT", `${nsp.id}/resourceAssociations/x?api-version=${NET}`, { token: narrow(["*/read"]), body: assocBody });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("AuthorizationFailed");
    expect(r.body.error.message).toContain(`does not have authorization to perform action '${write}'`);
  });

  it("an association write without the member's joinPerimeter action is 403 LinkedAuthorizationFailed naming the action and scope", async () => {
    const r = await call(emulator, "PUT", `${nsp.id}/resourceAssociations/x?api-version=${NET}`, {
      token: narrow(["*/read", write, "Microsoft.Network/networkSecurityPerimeters/profiles/join/action"]),
      body: assocBody,
    });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("LinkedAuthorizationFailed");
    expect(r.body.error.message).toBe(
      `The client '0000000d-aaaa-0000-0000-00000000000d' with object id '0000000d-0000-0000-0000-00000000000d' has permission to perform action '${write}' on scope '${nsp.id}/resourceAssociations/x'; however, it does not have permission to perform action 'Microsoft.Storage/storageAccounts/joinPerimeter/action' on the linked scope(s) '${accounts[4]!.id}' or the linked scope(s) are invalid.`,
    );
    expect(emulator.store.get(`${nsp.id}/resourceAssociations/x`)).toBeUndefined();
    // The log names the linked actions with the scope each must be granted at.
    expect(emulator.operations.at(-1)!.linked).toEqual([
      { action: "Microsoft.Network/networkSecurityPerimeters/profiles/join/action", scope: prof.id },
      { action: "Microsoft.Storage/storageAccounts/joinPerimeter/action", scope: accounts[4]!.id },
    ]);
  });

  it("an access rule naming subscriptions needs joinPerimeterRule on each of them", async () => {
    const ruleWrite = "Microsoft.Network/networkSecurityPerimeters/profiles/accessRules/write";
    const other = "/subscriptions/22222222-2222-2222-2222-222222222222";
    const body = { properties: { direction: "Inbound", subscriptions: [{ id: `/subscriptions/${SUB}` }, { id: other }] } };
    const refused = await call(emulator, "PUT", `${prof.id}/accessRules/subs?api-version=${NET}`, { token: narrow(["*/read", ruleWrite]), body });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("LinkedAuthorizationFailed");
    expect(refused.body.error.message).toContain(`'Microsoft.Resources/subscriptions/joinPerimeterRule/action' on the linked scope(s) '/subscriptions/${SUB},${other}'`);
    const granted = await call(emulator, "PUT", `${prof.id}/accessRules/subs?api-version=${NET}`, {
      token: narrow(["*/read", ruleWrite, "Microsoft.Resources/subscriptions/joinPerimeterRule/action"]),
      body,
    });
    expect(granted.status).toBe(201);
    // Without subscriptions, no linked action.
    const plain = await call(emulator, "PUT", `${prof.id}/accessRules/ips?api-version=${NET}`, {
      token: narrow(["*/read", ruleWrite]),
      body: { properties: { direction: "Inbound", addressPrefixes: ["192.0.2.0/24"] } },
    });
    expect(plain.status).toBe(201);
  });
});
