/**
 * Spec conformance of the ARM emulator: every request/response pair the suite's emulators served for
 * the providers of the pinned spec subset (NSP, Storage, Key Vault; deduplicated by shape, see
 * src/emulator/traffic.ts) is validated with Microsoft's oav LiveValidator. Any error fails.
 * Runs after `npm test` (which leaves the traffic in test-results/arm-traffic).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { providerOf, RECORDED_PROVIDERS, type TrafficPair } from "../../src/emulator/traffic.js";
import { ROOT } from "../helpers/cli.js";
import { loadValidator, type LivePair, type LoadedValidator, type PairIssue } from "./oavValidator.js";

/** Where vitest.config.ts points the suite's NSPG_ARM_TRAFFIC_DIR. */
const trafficDir = join(ROOT, "test-results", "arm-traffic");

/**
 * Answers ARM itself gives before any resource provider sees the request (authentication, throttling,
 * a missing or unknown api-version): no provider spec describes them, so oav has nothing to match.
 */
const FRONT_DOOR_CODES = new Set(["MissingApiVersionParameter", "InvalidApiVersionParameter", "AuthenticationFailed", "InvalidAuthenticationToken", "TooManyRequests"]);
function answeredByFrontDoor(pair: TrafficPair): boolean {
  const code = (pair.liveResponse.body as { error?: { code?: unknown } } | undefined)?.error?.code;
  return Number(pair.liveResponse.statusCode) >= 400 && typeof code === "string" && FRONT_DOOR_CODES.has(code);
}

/**
 * A long-running operation's polling URL (the `Location` of a 202) that the provider's spec does not
 * declare: the storage RP's `locations/{loc}/operationResults/{id}` is such a URL (UNCONFIRMED path; the
 * spec declares only the operation that answered 202). oav has no operation to match it with; it is
 * counted, not failed. The NSP provider's operation-status path is in its spec and is validated.
 */
const POLLING_PATH = /\/providers\/[^/]+\/locations\/[^/]+\/(operationResults|asyncOperations|operations)\/[^/]+$/i;
function undeclaredPolling(pair: TrafficPair, issues: readonly PairIssue[]): boolean {
  return POLLING_PATH.test(new URL(pair.liveRequest.url).pathname) && issues.length > 0 && issues.every((i) => i.code === "OPERATION_NOT_FOUND_IN_CACHE");
}

/** A refused request (4xx) may break the spec: that is why it was refused. Its response must still conform. */
function expected(pair: TrafficPair, issue: PairIssue): boolean {
  const status = Number(pair.liveResponse.statusCode);
  return issue.side === "request" && status >= 400 && status < 500;
}

function readTraffic(): TrafficPair[] {
  let files: string[];
  try {
    files = readdirSync(trafficDir).filter((f) => f.endsWith(".json"));
  } catch {
    throw new Error(`no emulator traffic in ${trafficDir}: run \`npm test\` first (it records the traffic this project validates)`);
  }
  const byShape = new Map<string, TrafficPair>();
  for (const file of files) {
    for (const pair of JSON.parse(readFileSync(join(trafficDir, file), "utf8")) as TrafficPair[]) if (!byShape.has(pair.shape)) byShape.set(pair.shape, pair);
  }
  return [...byShape.values()];
}

function describeIssue(issue: PairIssue): string {
  return `${issue.side} ${issue.code}${issue.path ? ` at ${issue.path}` : ""}: ${issue.message}`;
}

let validator: LoadedValidator;
let pairs: TrafficPair[];

beforeAll(async () => {
  validator = await loadValidator();
});

describe("the emulator's traffic against Azure's REST specs (oav)", () => {
  beforeAll(() => {
    pairs = readTraffic();
  });

  it("the suite left traffic for every provider of the spec subset", () => {
    for (const provider of RECORDED_PROVIDERS) {
      expect(pairs.filter((p) => providerOf(new URL(p.liveRequest.url).pathname) === provider).length, provider).toBeGreaterThan(0);
    }
  });

  it("every request and response conforms", async () => {
    const start = performance.now();
    const failures: string[] = [];
    const counts = new Map<string, { pairs: number; errors: number }>();
    let frontDoor = 0;
    let polling = 0;
    let refusedRequests = 0;
    for (const pair of pairs) {
      if (answeredByFrontDoor(pair)) {
        frontDoor++;
        continue;
      }
      const provider = providerOf(new URL(pair.liveRequest.url).pathname) ?? "?";
      const result = await validator.validate(pair);
      if (undeclaredPolling(pair, result.issues)) {
        polling++;
        continue;
      }
      const issues = result.issues.filter((issue) => !expected(pair, issue));
      if (issues.length < result.issues.length) refusedRequests++;
      const count = counts.get(provider) ?? { pairs: 0, errors: 0 };
      count.pairs++;
      count.errors += issues.length;
      counts.set(provider, count);
      if (issues.length > 0) {
        const url = new URL(pair.liveRequest.url);
        const what = `${pair.liveRequest.method} ${url.pathname}?${url.searchParams.toString()} -> ${pair.liveResponse.statusCode} (${result.operationId ?? "no operation"})`;
        for (const issue of issues) failures.push(`${what}: ${describeIssue(issue)}`);
      }
    }
    const validateMs = performance.now() - start;
    const lines = [...counts].sort().map(([provider, c]) => `  ${provider}: ${c.pairs} pairs checked, ${c.errors} errors`);
    console.log(
      [
        `oav conformance: ${pairs.length} distinct request/response pairs from ${trafficDir}`,
        ...lines,
        `  not validated: ${frontDoor} answers of ARM's front door (api-version, authentication, throttling: no provider spec applies)`,
        `  not validated: ${polling} polls of long-running operations at URLs no spec declares`,
        `  ${refusedRequests} refused requests (4xx) broke the spec on purpose; their responses were validated`,
        `  oav import ${Math.round(validator.importMs)} ms, spec load ${Math.round(validator.initializeMs)} ms, validation ${Math.round(validateMs)} ms`,
      ].join("\n"),
    );
    expect(failures).toEqual([]);
  });
});

describe("the check fails on a deliberate regression", () => {
  const base = `https://management.azure.com/subscriptions/${"0".repeat(8)}-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network/networkSecurityPerimeters/nsp1`;
  const version = "?api-version=2026-01-01";
  const associationBody = {
    id: `${new URL(base).pathname}/resourceAssociations/assoc1`,
    name: "assoc1",
    type: "Microsoft.Network/networkSecurityPerimeters/resourceAssociations",
    properties: {
      privateLinkResource: { id: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1" },
      profile: { id: `${new URL(base).pathname}/profiles/default` },
      accessMode: "Enforced",
      provisioningState: "Succeeded",
    },
  };
  const ruleBody = {
    id: `${new URL(base).pathname}/profiles/default/accessRules/offices`,
    name: "offices",
    type: "Microsoft.Network/networkSecurityPerimeters/profiles/accessRules",
    properties: { direction: "Inbound", addressPrefixes: ["203.0.113.0/24"], provisioningState: "Succeeded" },
  };
  const json = { "content-type": "application/json; charset=utf-8" };
  const codes = async (pair: LivePair) => (await validator.validate(pair)).issues.map((i) => `${i.side} ${i.code}${i.path ? ` ${i.path}` : ""}`);

  it("a spec-conform association GET passes (the control)", async () => {
    expect(await codes({ liveRequest: { method: "GET", url: `${base}/resourceAssociations/assoc1${version}`, headers: {} }, liveResponse: { statusCode: "200", headers: json, body: associationBody } })).toEqual([]);
  });

  it("an etag stamped on an association", async () => {
    const pair = { liveRequest: { method: "GET", url: `${base}/resourceAssociations/assoc1${version}`, headers: {} }, liveResponse: { statusCode: "200", headers: json, body: { ...associationBody, etag: 'W/"1"' } } };
    expect(await codes(pair)).toEqual(["response OBJECT_ADDITIONAL_PROPERTIES /etag"]);
  });

  it("201 where the spec declares only 200 (access-rule reconcile)", async () => {
    const pair = { liveRequest: { method: "POST", url: `${base}/profiles/default/accessRules/offices/reconcile${version}`, headers: json, body: {} }, liveResponse: { statusCode: "201", headers: json, body: {} } };
    expect(await codes(pair)).toContain("response INVALID_RESPONSE_CODE");
  });

  it("a status the operation does not declare (202 on an access-rule PUT, which answers 200 or 201)", async () => {
    const pair = {
      liveRequest: { method: "PUT", url: `${base}/profiles/default/accessRules/offices${version}`, headers: json, body: { properties: ruleBody.properties } },
      liveResponse: { statusCode: "202", headers: json, body: ruleBody },
    };
    expect(await codes(pair)).toContain("response INVALID_RESPONSE_CODE");
  });
});
