/**
 * `npm run send-event`: the compiled script (dist/scripts/send-event.js, built by `npm run build`)
 * against a local node:http server standing in for the Functions host's Event Grid endpoint.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildEvents } from "../../src/emulator/eventGrid.js";
import type { ResourceChange } from "../../src/emulator/changes.js";
import { ROOT, runScript } from "../helpers/cli.js";
import { parseEventFile } from "../../scripts/send-event.js";
import { parseResourceEvent } from "../../src/events/resourceEvent.js";
import { classify } from "../../src/events/routing.js";
import { parseSnapshot } from "../../src/inventory/snapshot.js";

const SCRIPT = join(ROOT, "dist", "scripts", "send-event.js");
const WEBHOOK_PATH = "/runtime/webhooks/EventGrid";

interface Received {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the compiled script without blocking this process (the stand-in host lives here). */
function sendEvent(args: string[]) {
  return runScript(SCRIPT, args);
}

let host: Server;
let hostUrl: string;
let received: Received[] = [];
/** What the stand-in host answers. */
let answer = { status: 202, body: "" };
let dir: string;

beforeAll(async () => {
  host = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      received.push({ method: req.method ?? "", path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(answer.status, { "content-type": "text/plain" }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => host.listen(0, "127.0.0.1", resolve));
  hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}${WEBHOOK_PATH}`;
  dir = await mkdtemp(join(tmpdir(), "nspg-send-event-"));
});
afterAll(async () => {
  await new Promise((resolve) => host.close(resolve));
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  received = [];
  answer = { status: 202, body: "" };
});

async function fileWith(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return path;
}

function change(name: string, kind: ResourceChange["kind"] = "write"): ResourceChange {
  const subscriptionId = "11111111-1111-1111-1111-111111111111";
  const resourceId = `/subscriptions/${subscriptionId}/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts/${name}`;
  return {
    kind,
    resourceId,
    resourceType: "Microsoft.Storage/storageAccounts",
    subscriptionId,
    claims: {
      aud: "https://management.azure.com/",
      iss: "https://sts.windows.net/33333333-3333-3333-3333-333333333333/",
      iat: 1_795_000_000,
      nbf: 1_795_000_000,
      exp: 1_795_003_600,
      oid: "0000000a-0000-0000-0000-000000000001",
      tid: "33333333-3333-3333-3333-333333333333",
      name: "alice@contoso.example",
    },
    httpMethod: kind === "delete" ? "DELETE" : "PUT",
    url: `https://management.azure.com${resourceId}?api-version=2025-01-01`,
    clientIpAddress: "127.0.0.1",
    correlationId: "c0ffee00-0000-0000-0000-000000000001",
    time: new Date("2026-11-22T08:00:00Z"),
  };
}

describe("send-event posts to the host's Event Grid endpoint", () => {
  // The documented example files themselves are sent in test/conformance/sendEventExamples.test.ts.
  it("an Event Grid schema file ({ events: [...] }): one POST of the array, aeg-event-type Notification", async () => {
    const events = buildEvents(change("stalpha"), "EventGridSchema");
    const file = await fileWith("eventgrid.json", { events });
    const run = await sendEvent([file, "--url", hostUrl]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request).toMatchObject({ method: "POST", path: WEBHOOK_PATH, query: { functionName: "onResourceEvent" } });
    expect(request!.headers).toMatchObject({ "aeg-event-type": "Notification", "content-type": "application/json" });
    expect(JSON.parse(request!.body)).toEqual(events);
    expect(run.stdout).toMatch(/^HTTP 202 Accepted\b.*1 Event Grid event\b/);
  });

  it("CloudEvents: one structured-mode POST per event with content-type application/cloudevents+json", async () => {
    const example = { events: buildEvents(change("stalpha"), "CloudEventSchemaV1_0") };
    const second = buildEvents(change("stbeta", "delete"), "CloudEventSchemaV1_0")[0]!;
    const file = await fileWith("cloudevents.json", { events: [...example.events, second] });
    const run = await sendEvent([file, "--url", hostUrl]);
    expect(run.status).toBe(0);
    expect(received).toHaveLength(2);
    for (const request of received) {
      expect(request).toMatchObject({ method: "POST", path: WEBHOOK_PATH, query: { functionName: "onResourceEvent" } });
      expect(request.headers["aeg-event-type"]).toBe("Notification");
      expect(request.headers["content-type"]).toMatch(/^application\/cloudevents\+json\b/);
    }
    expect(received.map((r) => JSON.parse(r.body) as unknown)).toEqual([example.events[0], second]);
    expect(run.stdout.trim().split("\n")).toHaveLength(2);
  });

  it("a bare array and a single event object are accepted too", async () => {
    const events = [...buildEvents(change("stalpha"), "EventGridSchema"), ...buildEvents(change("stgamma"), "EventGridSchema")];
    expect((await sendEvent([await fileWith("array.json", events), "--url", hostUrl])).status).toBe(0);
    expect(JSON.parse(received[0]!.body)).toEqual(events);
    received = [];
    expect((await sendEvent([await fileWith("single.json", events[0]), "--url", hostUrl])).status).toBe(0);
    expect(JSON.parse(received[0]!.body)).toEqual([events[0]]);
  });

  it("--function names the function; --url keeps its own functionName unless --function is given", async () => {
    const file = await fileWith("one.json", buildEvents(change("stalpha"), "EventGridSchema"));
    await sendEvent([file, "--url", hostUrl, "--function", "otherTrigger"]);
    await sendEvent([file, "--url", `${hostUrl}?functionName=fromUrl&code=local-key`]);
    await sendEvent([file, "--url", `${hostUrl}?functionName=fromUrl`, "--function", "onResourceEvent"]);
    expect(received.map((r) => r.query)).toEqual([
      { functionName: "otherTrigger" },
      { functionName: "fromUrl", code: "local-key" },
      { functionName: "onResourceEvent" },
    ]);
  });

  it("prints a refusal's status and exits 1", async () => {
    answer = { status: 400, body: "Invalid event payload\nmore detail" };
    const run = await sendEvent([await fileWith("refused.json", buildEvents(change("stalpha"), "EventGridSchema")), "--url", hostUrl]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^HTTP 400 Bad Request\b/);
    expect(run.stderr).toBe("send-event: the host answered: Invalid event payload\n");
  });
});

describe("send-event: bad input exits 2 with one line, sending nothing", () => {
  const cases: Array<[string, () => Promise<string[]>, RegExp]> = [
    ["no file argument", async () => ["--url", hostUrl], /missing required argument 'file'/],
    ["a file that does not exist", async () => [join(dir, "absent.json"), "--url", hostUrl], /^send-event: cannot read .*absent\.json: ENOENT$/],
    ["not JSON", async () => [await fileWith("bad.json", "{ events: ["), "--url", hostUrl], /^send-event: .*bad\.json: not valid JSON: /],
    ["no events", async () => [await fileWith("empty.json", { events: [] }), "--url", hostUrl], /^send-event: .*empty\.json: events: no events$/],
    ["events not an array", async () => [await fileWith("notarray.json", { events: {} }), "--url", hostUrl], /events: expected an array of events$/],
    ["an event that is not an object", async () => [await fileWith("scalar.json", [1]), "--url", hostUrl], /scalar\.json: \[0\]: expected an event object$/],
    ["a JSON scalar", async () => [await fileWith("string.json", '"event"'), "--url", hostUrl], /string\.json: expected an event, an array of events/],
    [
      "both schemas in one file",
      async () => [await fileWith("mixed.json", [...buildEvents(change("a"), "EventGridSchema"), ...buildEvents(change("b"), "CloudEventSchemaV1_0")]), "--url", hostUrl],
      /mixed\.json: mixes Event Grid schema and CloudEvents/,
    ],
    ["a --url that is not a URL", async () => [await fileWith("ok.json", buildEvents(change("a"), "EventGridSchema")), "--url", "localhost 7071"], /^send-event: --url: not a URL/],
    ["a --url that is not http", async () => [await fileWith("ok2.json", buildEvents(change("a"), "EventGridSchema")), "--url", "ftp://localhost/x"], /^send-event: --url: expected an http:\/\/ URL/],
  ];

  it.each(cases)("%s", async (_name, args, message) => {
    const run = await sendEvent(await args());
    expect(run.status).toBe(2);
    expect(run.stderr.trimEnd().split("\n"), run.stderr).toHaveLength(1);
    expect(run.stderr.trim()).toMatch(message);
    expect(received).toEqual([]);
  });
});

describe("send-event: an unreachable host exits 3", () => {
  it("connection refused", async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const run = await sendEvent([await fileWith("unreachable.json", buildEvents(change("a"), "EventGridSchema")), "--url", `http://127.0.0.1:${port}${WEBHOOK_PATH}`]);
    expect(run.status).toBe(3);
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(new RegExp(`^send-event: cannot reach http://127\\.0\\.0\\.1:${port}${WEBHOOK_PATH}\\?functionName=onResourceEvent: .*ECONNREFUSED`));
    expect(run.stdout).toBe("");
  });
});

describe("the sample events the README sends", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const referenced = [...readme.matchAll(/npm run send-event -- (\S+)/g)].map((m) => m[1]!);

  it("the README names sample files inside the repository (a bare clone has no ../shared)", () => {
    expect(referenced.length).toBeGreaterThan(0);
    for (const file of referenced) {
      expect(file.startsWith("../"), file).toBe(false); // before: ../shared/docs/examples/..., not in the repository
      expect(existsSync(join(ROOT, file)), file).toBe(true);
    }
  });

  it("each sample file parses as the events send-event posts and the guardrail accepts, about the demo estate", async () => {
    const estate = new Set(parseSnapshot(readFileSync(join(ROOT, "demo", "estate.json"), "utf8"), "estate.json").map((r) => r.id.toLowerCase()));
    const samples = readdirSync(join(ROOT, "samples", "events")).filter((f) => f.endsWith(".json"));
    expect(samples.length).toBeGreaterThan(0);
    for (const file of samples) {
      const { events } = parseEventFile(readFileSync(join(ROOT, "samples", "events", file), "utf8"), file);
      expect(events.length, file).toBeGreaterThan(0);
      for (const raw of events) {
        const event = await parseResourceEvent(raw, file);
        expect(estate.has(event.resourceId.toLowerCase()), `${file}: ${event.resourceId} is in demo/estate.json`).toBe(true);
        expect(classify(event.resourceId), `${file}: a resource the guardrail watches`).toBeDefined();
      }
    }
  });

  it("the README's sample reaches the host", async () => {
    const run = await sendEvent([join(ROOT, referenced[0]!), "--url", hostUrl]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(received).toHaveLength(1);
  });
});
