/**
 * `npm run send-event` (dist/scripts/send-event.js) sends the documented example files
 * (../shared/docs/examples/eventgrid-*.json) as they are: the shape its usage points at.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runScript } from "../helpers/cli.js";
import { EXAMPLES, readSharedJson, sharedFile } from "./shared.js";

const SCRIPT = join(ROOT, "dist", "scripts", "send-event.js");
let host: Server;
let hostUrl: string;
const received: Array<{ headers: Record<string, unknown>; body: string }> = [];

function sendEvent(args: string[]) {
  return runScript(SCRIPT, args);
}

beforeAll(async () => {
  host = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => host.listen(0, "127.0.0.1", resolve));
  hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}/runtime/webhooks/EventGrid`;
});
afterAll(() => new Promise((resolve) => host.close(resolve)));

describe("send-event with the documented examples", () => {
  it.each(["eventgrid-resourcewritesuccess-egschema.json", "eventgrid-resourcewritesuccess-cloudevents.json"])("%s is posted as it is", async (name) => {
    received.length = 0;
    const file = sharedFile(join(EXAMPLES, name));
    const events = readSharedJson<{ events: unknown[] }>(file).events;
    const run = await sendEvent([file, "--url", hostUrl]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const cloud = name.includes("cloudevents");
    expect(received.map((r) => JSON.parse(r.body) as unknown)).toEqual(cloud ? events : [events]);
    for (const r of received) expect(r.headers["content-type"]).toMatch(cloud ? /^application\/cloudevents\+json\b/ : /^application\/json\b/);
  });
});
