/**
 * `readiness --workspace` through the real `@azure/monitor-query-logs` client over HTTPS. The server
 * here is a test double of the Log Analytics query API (POST /v1/workspaces/{id}/query, response
 * `{ tables: [{ name, columns, rows }] }`): it checks the request and answers with seeded rows already
 * summarised per caller; it does not run KQL (the query's validity is checked in workspaceQuery.test.ts).
 */
import { createServer, type Server } from "node:https";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateServerCertificate } from "../../src/emulator/certificate.js";
import { normaliseRecord, summariseRecords } from "../../src/readiness/logs.js";
import { READINESS_QUERY } from "../../src/readiness/workspace.js";
import { cliAsync } from "../helpers/cli.js";
import { ASSOC_ACCOUNT, estateResources, monthOfRows } from "./fixture.js";

const WORKSPACE = "5c3b1a2e-0000-4000-8000-000000000001";
const EMPTY_WORKSPACE = "5c3b1a2e-0000-4000-8000-000000000002";
const COLUMNS = ["ServiceResourceId", "_ResourceId", "Profile", "Category", "ResultDirection", "TrafficType", "SourceIpAddress", "SourceAppId", "SourceResourceId", "SourcePerimeterGuids", "DestinationFqdn", "RuleType", "AuthHint", "Requests", "FirstSeen", "LastSeen", "Operations", "AccessRuleVersion", "MatchedRule"];

let server: Server;
let endpoint: string;
let caFile: string;
const requests: { path: string; authorization: string | undefined; body: { query?: string; timespan?: string } }[] = [];
const dir = mkdtempSync(join(tmpdir(), "nspg-readiness-ws-"));
const snapshot = join(dir, "estate.json");

function seededRows(): unknown[][] {
  const records = monthOfRows(new Date()).map((r, i) => normaliseRecord(r, `seed [${i}]`));
  return summariseRecords(records).map((s) => [
    s.serviceResourceId, s.perimeterId ?? "", s.profile ?? "", s.category, s.direction, s.trafficType, s.sourceIpAddress ?? "", s.sourceAppId ?? "",
    s.sourceResourceId ?? "", (s.sourcePerimeterGuids ?? []).join(","), s.destinationFqdn ?? "", "", s.auth === "entra" || s.auth === "unknown" ? "" : s.auth,
    s.requests, s.firstSeen, s.lastSeen, JSON.stringify(s.operations), s.accessRuleVersion ?? null, s.matchedRule ?? "",
  ]);
}

beforeAll(async () => {
  writeFileSync(snapshot, JSON.stringify({ resources: estateResources() }));
  const certificate = await generateServerCertificate();
  caFile = join(dir, "ca.pem");
  writeFileSync(caFile, certificate.cert);
  const rows = seededRows();
  server = createServer({ cert: certificate.cert, key: certificate.key }, (req, res) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on("end", () => {
      const body = JSON.parse(text || "{}") as { query?: string; timespan?: string };
      requests.push({ path: req.url ?? "", authorization: req.headers.authorization, body });
      const workspace = /^\/v1\/workspaces\/([^/]+)\/query/.exec(req.url ?? "")?.[1];
      res.setHeader("content-type", "application/json");
      if (req.method !== "POST" || !workspace) {
        res.statusCode = 404;
        res.end(JSON.stringify({ error: { code: "PathNotFoundError", message: "not found" } }));
        return;
      }
      res.end(JSON.stringify({ tables: [{ name: "PrimaryResult", columns: COLUMNS.map((name) => ({ name, type: name === "Requests" ? "long" : name.endsWith("Seen") ? "datetime" : "string" })), rows: workspace === WORKSPACE ? rows : [] }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("readiness --workspace", () => {
  it("sends the summarise query with the window and a bearer token, and judges the returned callers", async () => {
    const r = await cliAsync(["readiness", "--snapshot", snapshot, "--workspace", WORKSPACE, "--logs-endpoint", endpoint, "--since", "30d", "--association", ASSOC_ACCOUNT, "--format", "json"], {
      env: { NSPG_LOGS_TOKEN: "test-token", NODE_EXTRA_CA_CERTS: caFile },
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(1);
    const sent = requests.find((q) => q.path.includes(WORKSPACE))!;
    expect(sent.authorization).toBe("Bearer test-token");
    expect(sent.body.query).toBe(READINESS_QUERY);
    // ISO 8601 interval of 30 days ending now.
    const [from, to] = sent.body.timespan!.split("/").map((t) => Date.parse(t));
    expect(to! - from!).toBe(30 * 86_400_000);
    const account = JSON.parse(r.stdout).associations[0];
    expect(account.verdict).toBe("breaks");
    expect(account.wouldBreak).toHaveLength(10);
    expect(account.wouldBreak.find((w: { sourceIpAddress?: string }) => w.sourceIpAddress === "198.18.0.9")).toMatchObject({ fix: "ip-rule", requests: 27 });
  });

  it("an empty workspace gives no-data naming the workspace", async () => {
    const r = await cliAsync(["readiness", "--snapshot", snapshot, "--workspace", EMPTY_WORKSPACE, "--logs-endpoint", endpoint, "--association", ASSOC_ACCOUNT, "--format", "json"], {
      env: { NSPG_LOGS_TOKEN: "test-token", NODE_EXTRA_CA_CERTS: caFile },
    });
    expect(JSON.parse(r.stdout).associations[0]).toMatchObject({ verdict: "no-data", reason: `workspace ${EMPTY_WORKSPACE} returned no NSPAccessLogs row in the window` });
    expect(r.status).toBe(1);
  });
});
