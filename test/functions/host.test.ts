/**
 * The five functions invoked the way the Functions host invokes them, over the production wiring:
 * `createRuntime(env)` from app settings, a real Azurite (Tables + Blobs state, Storage queues) and
 * the ARM emulator read through the Azure SDK clients. Events come from the emulator's Event Grid
 * publisher; queue messages are received from Azurite, decoded as the host decodes them (base64 →
 * JSON), handed to `evaluatePerimeter` and deleted only after it succeeded.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpRequest, InvocationContext, type EventGridEvent, type Timer } from "@azure/functions";
import { BlobServiceClient } from "@azure/storage-blob";
import { QueueClient, QueueServiceClient, type DequeuedMessageItem } from "@azure/storage-queue";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { evaluatePerimeter } from "../../functions/evaluatePerimeter.js";
import { health, healthDetails } from "../../functions/health.js";
import { onResourceEvent } from "../../functions/onResourceEvent.js";
import { reconcile } from "../../functions/reconcile.js";
import { scan } from "../../functions/scan.js";
import { createRuntime, setRuntime, type Runtime } from "../../src/app/runtime.js";
import { EventGridPublisher, type EventSchema, type SystemTopicEvent } from "../../src/emulator/eventGrid.js";
import { ArmEmulator, type ArmEmulatorOptions } from "../../src/emulator/server.js";
import { resetSharedArmCredential } from "../../src/inventory/credential.js";
import type { ArmResource } from "../../src/model/resource.js";
import { EVALUATION_QUEUE, EVENT_POISON_QUEUE, POISON_QUEUE } from "../../src/pipeline/storageQueue.js";
import { blobName } from "../../src/state/keys.js";
import { TableStateStore } from "../../src/state/tableStateStore.js";
import { VERSION } from "../../src/version.js";
import { startAzurite, type AzuriteInstance } from "../helpers/azurite.js";
import { association, OTHER_SUB, perimeter, profile, storageAccount, SUB } from "../helpers/builders.js";

const ALICE = { objectId: "0000000a-0000-0000-0000-000000000001", name: "alice@contoso.example" };
const POLICY = { dryRun: true, transitionGraceDays: 30 };

function estate() {
  const nsp = perimeter("nsp-data");
  const prof = profile(nsp, "default");
  const accounts = ["stalpha", "stbeta", "stgamma"].map((n) => storageAccount(n));
  const assocs = accounts.map((a) => association(nsp, `assoc-${a.name}`, a.id, { profile: prof, accessMode: "Enforced" }));
  return { nsp, prof, accounts, assocs, resources: [nsp, prof, ...accounts, ...assocs] };
}

const withProps = (r: ArmResource, props: Record<string, unknown>): ArmResource => ({ ...r, properties: { ...r.properties, ...props } });

// ---------------------------------------------------------------------------------------------------
// The host: Azurite, the emulator, app settings, and the invocation conventions of the Functions host.

interface Host {
  azurite: AzuriteInstance;
  emulator: ArmEmulator;
  events: EventGridPublisher;
  env: Record<string, string>;
  runtime: Runtime;
  workQueue: QueueClient;
  evaluationPoison: QueueClient;
  eventPoison: QueueClient;
}

const cleanups: Array<() => Promise<unknown>> = [];
const tokenBefore = process.env["NSPG_ARM_TOKEN"];
afterEach(async () => {
  setRuntime(undefined);
  if (tokenBefore === undefined) delete process.env["NSPG_ARM_TOKEN"];
  else process.env["NSPG_ARM_TOKEN"] = tokenBefore;
  resetSharedArmCredential();
  while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
});

let caDir: string;
beforeAll(async () => {
  caDir = await mkdtemp(join(tmpdir(), "nspg-host-"));
  return () => rm(caDir, { recursive: true, force: true });
});

/** Starts Azurite and the emulator, builds the runtime from app settings and installs it as the host would find it. */
async function startHost(seed: ArmResource[], emulatorOptions: Omit<ArmEmulatorOptions, "seed"> = {}, settings: Record<string, string> = {}): Promise<Host> {
  const azurite = await startAzurite();
  cleanups.push(() => azurite.stop());
  const emulator = await ArmEmulator.start({ seed, lroPolls: 1, ...emulatorOptions });
  cleanups.push(() => emulator.close());
  const events = new EventGridPublisher();
  emulator.sink = events;
  cleanups.push(async () => events.close());
  const caFile = join(caDir, `emulator-${emulator.endpoint.split(":").pop()}.pem`);
  await writeFile(caFile, emulator.caCertificate);
  const env: Record<string, string> = {
    AzureWebJobsStorage: azurite.connectionString,
    NSPG_SUBSCRIPTION_IDS: SUB,
    NSPG_ARM_ENDPOINT: emulator.endpoint,
    NSPG_ARM_CA_FILE: caFile,
    NSPG_ARM_TOKEN: emulator.token(),
    NSPG_DEBOUNCE_SECONDS: "0",
    NSPG_POLICY: JSON.stringify(POLICY),
    NSPG_LOG_LEVEL: "silent",
    ...settings,
  };
  const runtime = await newInstance(env);
  setRuntime(runtime);
  const queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
  const host: Host = {
    azurite,
    emulator,
    events,
    env,
    runtime,
    workQueue: queues.getQueueClient(EVALUATION_QUEUE),
    evaluationPoison: queues.getQueueClient(POISON_QUEUE),
    eventPoison: queues.getQueueClient(EVENT_POISON_QUEUE),
  };
  // The host creates the trigger's queue at start; the poison queues appear when something is parked.
  await host.workQueue.createIfNotExists();
  return host;
}

/**
 * A function instance (a host process) on these app settings. createRuntime(env) takes the ARM
 * credential from process.env (the shared credential), not from `env`, so the emulator's token goes
 * there too until it does.
 */
async function newInstance(env: Record<string, string>): Promise<Runtime> {
  process.env["NSPG_ARM_TOKEN"] = env["NSPG_ARM_TOKEN"];
  resetSharedArmCredential();
  return createRuntime(env);
}

function context(functionName: string): InvocationContext {
  return new InvocationContext({ functionName });
}

const TIMER: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: true },
  scheduleStatus: { last: new Date(0).toISOString(), next: new Date().toISOString(), lastUpdated: new Date(0).toISOString() },
};

/** Delivers Event Grid deliveries of `schema` to `onResourceEvent`, as the host's Event Grid extension does. */
function subscribeHandler(host: Host, schema: EventSchema): void {
  host.events.subscribeInProcess(
    async (event: SystemTopicEvent) => {
      // The host hands CloudEvents to the same trigger, shaped as they arrived.
      await onResourceEvent(event as unknown as EventGridEvent, context("onResourceEvent"));
    },
    schema,
    { maxDeliveryAttempts: 1 },
  );
}

/** What the queue trigger does with a message's text (messageEncoding base64): decode, then JSON if it parses. */
function decodeAsHost(messageText: string): unknown {
  const text = Buffer.from(messageText, "base64").toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function decodeJson(messageText: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(messageText, "base64").toString("utf8")) as Record<string, unknown>;
}

async function receive(queue: QueueClient, numberOfMessages = 32, visibilityTimeout = 30): Promise<DequeuedMessageItem[]> {
  if (!(await queue.exists())) return [];
  return (await queue.receiveMessages({ numberOfMessages, visibilityTimeout })).receivedMessageItems;
}

/**
 * One queue-triggered invocation: decode, call, delete after success. After a failure the host keeps
 * the message and makes it visible again after host.json's visibilityTimeout (30 s; 0 here, so that
 * the retry need not wait); past maxDequeueCount it would move it to the poison queue.
 */
async function runQueueMessage(host: Host, message: DequeuedMessageItem): Promise<void> {
  try {
    await evaluatePerimeter(decodeAsHost(message.messageText), context("evaluatePerimeter"));
  } catch (error) {
    await host.workQueue.updateMessage(message.messageId, message.popReceipt, undefined, 0);
    throw error;
  }
  await host.workQueue.deleteMessage(message.messageId, message.popReceipt);
}

/** Delivers pending events, then runs every visible evaluation message until the queue is empty. */
async function settle(host: Host): Promise<number> {
  let invocations = 0;
  for (let round = 0; round < 10; round++) {
    await host.events.drain();
    const messages = await receive(host.workQueue);
    if (messages.length === 0) break;
    for (const message of messages) {
      await runQueueMessage(host, message);
      invocations++;
    }
  }
  expect(host.events.deadLetters, "every event delivery succeeded").toEqual([]);
  return invocations;
}

/** Open findings of a perimeter as stored in Azurite, read back through a store of its own. */
async function storedOpenFindings(host: Host, perimeterId: string): Promise<string[]> {
  const store = TableStateStore.fromConnectionString(host.azurite.connectionString);
  const { value } = await store.getFindings(perimeterId);
  return value.filter((f) => f.status === "open").map((f) => `${f.finding.ruleId} ${f.finding.resourceId.split("/").pop()}`).sort();
}

// ---------------------------------------------------------------------------------------------------

describe("functions over Azurite and the ARM emulator", () => {
  it("reconcile with NSPG_MANAGEMENT_GROUP_ID reads through Resource Graph and watches a subscription placed under the group from the next pass", async () => {
    const e = estate();
    const host = await startHost(e.resources, { managementGroups: { "mg-platform": [SUB] } }, { NSPG_SUBSCRIPTION_IDS: "", NSPG_MANAGEMENT_GROUP_ID: "mg-platform" });
    const details = await healthDetails(new HttpRequest({ method: "GET", url: "http://localhost:7071/api/health/details" }), context("healthDetails"));
    expect(details.jsonBody).toMatchObject({ subscriptions: [], managementGroup: "mg-platform" });
    const graphPosts = (from: number) => host.emulator.operations.slice(from).filter((o) => o.method === "POST" && /Microsoft\.ResourceGraph\/resources$/i.test(o.path));
    const memberGets = (from: number) => host.emulator.operations.slice(from).filter((o) => o.method === "GET" && /\/storageAccounts\/[^/]+$/i.test(o.path));

    let from = host.emulator.operations.length;
    await reconcile(TIMER, context("reconcile"));
    // The subscriptions under the group, then the three estate queries; no GET of a member.
    expect(graphPosts(from)).toHaveLength(4);
    expect(memberGets(from)).toEqual([]);
    const store = TableStateStore.fromConnectionString(host.azurite.connectionString);
    expect(await store.listCachedPerimeters()).toEqual([e.nsp.id]);

    // A subscription created under the group, with a perimeter and a member in Learning mode.
    const nsp = perimeter("nsp-new", { sub: OTHER_SUB });
    const prof = profile(nsp, "default");
    const account = storageAccount("stnew", {}, { sub: OTHER_SUB });
    const learning = association(nsp, "assoc-stnew", account.id, { profile: prof, accessMode: "Learning" });
    for (const resource of [nsp, prof, account, learning]) host.emulator.put(resource);
    host.emulator.resourceGraph.placeSubscription("mg-platform", OTHER_SUB);
    from = host.emulator.operations.length;
    await reconcile(TIMER, context("reconcile"));
    expect(graphPosts(from)).toHaveLength(4);
    expect((await store.listCachedPerimeters()).sort()).toEqual([e.nsp.id, nsp.id].sort());
    expect(await store.getPerimetersOf(account.id)).toEqual([nsp.id]);
    expect((await storedOpenFindings(host, nsp.id)).some((line) => line.startsWith("storage-transition-mode "))).toBe(true);
  });

  it("reconcile (timer) builds the perimeter caches and the reverse index in Azurite; health reports the index warm", async () => {
    const e = estate();
    const host = await startHost(e.resources);
    // Anonymous: up and the version, nothing about the deployment (it used to list the subscriptions,
    // dry run, recipients and the Teams host, and scan the outbox table on every call).
    const anonymous = await health(new HttpRequest({ method: "GET", url: "http://localhost:7071/api/health" }), context("health"));
    expect(anonymous).toEqual({ status: 200, jsonBody: { status: "up", version: VERSION } });
    const before = await healthDetails(new HttpRequest({ method: "GET", url: "http://localhost:7071/api/health/details" }), context("healthDetails"));
    expect(before.status).toBe(200);
    expect(before.jsonBody).toMatchObject({ status: "ok", indexWarm: false, subscriptions: [SUB], dryRun: true });

    await reconcile(TIMER, context("reconcile"));

    const store = TableStateStore.fromConnectionString(host.azurite.connectionString);
    const cache = await store.getPerimeterCache(e.nsp.id);
    expect(cache.value?.reconciledAt).toBeDefined();
    expect(cache.value!.resources.map((r) => r.id.toLowerCase())).toEqual(expect.arrayContaining(e.resources.map((r) => r.id.toLowerCase())));
    // The raw layout, not only what the adapter reads back: a cache blob and index rows for each member.
    const blobs = BlobServiceClient.fromConnectionString(host.azurite.connectionString);
    expect(await blobs.getContainerClient(store.containerName).getBlobClient(blobName("perimeters", e.nsp.id)).exists()).toBe(true);
    for (const account of e.accounts) expect(await store.getPerimetersOf(account.id)).toEqual([e.nsp.id]);
    expect(await store.listCachedPerimeters()).toEqual([e.nsp.id]);

    const after = await healthDetails(new HttpRequest({ method: "GET", url: "http://localhost:7071/api/health/details" }), context("healthDetails"));
    expect(after.status).toBe(200);
    expect(after.jsonBody).toMatchObject({ status: "ok", indexWarm: true });
    expect(JSON.stringify(after.jsonBody)).not.toContain(host.azurite.accountKey);
  });

  it("Event Grid schema: an association flipped to Learning ends with downgrade and transition findings stored", async () => {
    const e = estate();
    const host = await startHost(e.resources);
    subscribeHandler(host, "EventGridSchema");
    await reconcile(TIMER, context("reconcile"));
    expect(await storedOpenFindings(host, e.nsp.id)).not.toContain("storage-transition-mode stalpha");

    host.emulator.put(withProps(e.assocs[0]!, { accessMode: "Learning" }), ALICE);
    await host.events.drain();
    expect(host.events.deadLetters).toEqual([]);
    // One base64 JSON message for the perimeter, as the trigger will receive it.
    const [message, ...others] = await receive(host.workQueue);
    expect(others).toEqual([]);
    expect(decodeAsHost(message!.messageText)).toEqual({ perimeterId: e.nsp.id, reason: "events" });
    await runQueueMessage(host, message!);

    const open = await storedOpenFindings(host, e.nsp.id);
    expect(open).toEqual(expect.arrayContaining(["storage-enforcement-downgrade stalpha", "storage-transition-mode stalpha"]));
    expect(await receive(host.workQueue)).toEqual([]);
    expect(await receive(host.evaluationPoison)).toEqual([]);
  });

  it("CloudEvents schema: SFTP enabled on a member is found through the same handlers", async () => {
    const e = estate();
    const host = await startHost(e.resources);
    subscribeHandler(host, "CloudEventSchemaV1_0");
    await reconcile(TIMER, context("reconcile"));

    host.emulator.put(withProps(e.accounts[1]!, { isSftpEnabled: true }), ALICE);
    expect(await settle(host)).toBe(1);
    expect(await storedOpenFindings(host, e.nsp.id)).toContain("storage-sftp stbeta");
  });

  it("a malformed evaluation message is parked in perimeter-evaluations-poison with its reason and payload; the handler does not throw", async () => {
    const e = estate();
    const host = await startHost(e.resources);
    const garbage = "this is not an evaluation request {";
    const notAPerimeter = { perimeterId: e.accounts[0]!.id, reason: "events" };
    await host.workQueue.sendMessage(Buffer.from(garbage, "utf8").toString("base64"));
    await host.workQueue.sendMessage(Buffer.from(JSON.stringify(notAPerimeter), "utf8").toString("base64"));

    const messages = await receive(host.workQueue);
    expect(messages).toHaveLength(2);
    for (const message of messages) await expect(runQueueMessage(host, message)).resolves.toBeUndefined();

    const parked = (await receive(host.evaluationPoison)).map((m) => decodeJson(m.messageText));
    expect(parked).toEqual([
      expect.objectContaining({ reason: "evaluation message: (root): not valid JSON", payload: garbage, parkedAt: expect.any(String) }),
      expect.objectContaining({ reason: "evaluation message: perimeterId: not a network security perimeter id", payload: notAPerimeter }),
    ]);
    // Deleted after the successful (parking) invocation: nothing left for the host to retry.
    expect(await receive(host.workQueue)).toEqual([]);
  });

  it("a malformed event is parked in resource-events-poison with its reason", async () => {
    const e = estate();
    const host = await startHost(e.resources);
    const malformed = {
      id: "malformed-1",
      eventType: "Microsoft.Resources.ResourceWriteSuccess",
      subject: "not-an-arm-id",
      eventTime: new Date().toISOString(),
      dataVersion: "2",
      metadataVersion: "1",
      topic: `/subscriptions/${SUB}`,
      data: {},
    };
    await expect(onResourceEvent(malformed as unknown as EventGridEvent, context("onResourceEvent"))).resolves.toBeUndefined();
    const parked = (await receive(host.eventPoison)).map((m) => decodeJson(m.messageText));
    expect(parked).toEqual([expect.objectContaining({ reason: "event: subject: not an ARM resource id", payload: malformed })]);
    expect(await receive(host.workQueue)).toEqual([]);
  });

  it("an ARM outage during evaluation throws (the host retries the message) and loses no change", async () => {
    const e = estate();
    const host = await startHost(e.resources);
    subscribeHandler(host, "EventGridSchema");
    await reconcile(TIMER, context("reconcile"));
    host.emulator.put(withProps(e.assocs[0]!, { accessMode: "Learning" }), ALICE);
    await host.events.drain(); // routing reads the association: the fault comes after

    host.emulator.faults.add({ path: e.assocs[0]!.id, methods: ["GET"], kind: "error", status: 503 });
    const [first] = await receive(host.workQueue, 1);
    await expect(runQueueMessage(host, first!)).rejects.toMatchObject({ name: "ArmUnavailableError", message: expect.stringMatching(/503/) });
    // The changes went back to the dirty marker, for the retry.
    const dirty = await TableStateStore.fromConnectionString(host.azurite.connectionString).getDirty(e.nsp.id);
    expect(dirty.value?.changes.map((c) => c.resourceId)).toEqual([e.assocs[0]!.id]);
    expect(await storedOpenFindings(host, e.nsp.id)).not.toContain("storage-transition-mode stalpha");

    host.emulator.faults.clear();
    const [retry] = await receive(host.workQueue, 1);
    expect(retry).toMatchObject({ messageId: first!.messageId, dequeueCount: 2 });
    await runQueueMessage(host, retry!);
    expect(await storedOpenFindings(host, e.nsp.id)).toEqual(expect.arrayContaining(["storage-enforcement-downgrade stalpha", "storage-transition-mode stalpha"]));
    expect(await receive(host.workQueue)).toEqual([]);
  }, 60_000);

  it("scan (POST) runs a full pass and answers with the findings by perimeter, and what it could not check", async () => {
    const e = estate();
    // accounts[1] is gone from ARM while its association stays: its rules cannot be evaluated.
    const host = await startHost([...e.resources.filter((r) => r.id !== e.accounts[2]!.id && r.id !== e.accounts[1]!.id), withProps(e.accounts[2]!, { isSftpEnabled: true })]);
    const response = await scan(new HttpRequest({ method: "POST", url: "http://localhost:7071/api/scan" }), context("scan"));
    expect(response.status).toBe(200);
    const body = response.jsonBody as {
      version: number;
      subscriptions: string[];
      notEvaluated: Array<{ ruleId: string; resourceId: string; missing: string }>;
      reread: { owners: number; carried: number; due: number };
      perimeters: Array<{ perimeterId: string; findings: Array<{ ruleId: string; resourceId: string; status: string }>; resolved: number }>;
    };
    expect(body.version).toBe(1);
    // The first pass has nothing to carry over: every owner's inputs are read.
    expect(body.reread).toEqual({ owners: 0, carried: 0, due: 0 });
    expect(body.subscriptions.map((s) => s.toLowerCase())).toEqual([SUB.toLowerCase()]);
    expect(body.notEvaluated.length).toBeGreaterThan(0);
    expect(new Set(body.notEvaluated.map((n) => n.resourceId.toLowerCase()))).toEqual(new Set([e.accounts[1]!.id.toLowerCase()]));
    expect(body.notEvaluated.find((n) => n.ruleId === "storage-sftp")?.missing).toBe("the storage account itself");
    const mine = body.perimeters.find((p) => p.perimeterId === e.nsp.id);
    expect(mine?.findings).toEqual(expect.arrayContaining([expect.objectContaining({ ruleId: "storage-sftp", resourceId: e.accounts[2]!.id, status: "new" })]));
    expect(mine?.resolved).toBe(0);
    expect(body.perimeters.map((p) => p.perimeterId)).toContain(`/subscriptions/${SUB}`);
    // What scan reported is what the store now holds.
    expect(await storedOpenFindings(host, e.nsp.id)).toEqual(mine!.findings.map((f) => `${f.ruleId} ${f.resourceId.split("/").pop()}`).sort());
    // A second scan right after carries the owners the first one read (none is due yet).
    const again = (await scan(new HttpRequest({ method: "POST", url: "http://localhost:7071/api/scan" }), context("scan"))).jsonBody as typeof body;
    expect(again.reread.owners).toBeGreaterThan(0);
    expect(again.reread.carried).toBe(again.reread.owners - again.reread.due);
    expect(again.reread.carried).toBeGreaterThan(0);
  });
});

describe("two function instances on one storage account", () => {
  /** Reconciled by one instance; the changes published, not yet delivered. */
  async function twoInstances() {
    const e = estate();
    const host = await startHost(e.resources);
    const instances = [host.runtime, await newInstance(host.env)] as const;
    await reconcile(TIMER, context("reconcile"));
    host.emulator.put(withProps(e.assocs[0]!, { accessMode: "Learning" }), ALICE);
    for (const account of e.accounts) host.emulator.put(withProps(account, { isSftpEnabled: true }), ALICE);
    const expected = ["storage-enforcement-downgrade stalpha", "storage-transition-mode stalpha", ...e.accounts.map((a) => `storage-sftp ${a.name}`)];
    return { e, host, instances, expected };
  }

  /** The instances take the deliveries in parallel, as a scaled-out app does. */
  async function deliverConcurrently(host: Host, instances: readonly Runtime[]): Promise<void> {
    await Promise.all(
      host.events.published.map((event, i) =>
        onInstance(instances[i % instances.length]!, () => onResourceEvent(event as unknown as EventGridEvent, context("onResourceEvent"))),
      ),
    );
  }

  it("handling a burst concurrently coalesces it into one message whose evaluation finds every change", async () => {
    const { e, host, instances, expected } = await twoInstances();
    await deliverConcurrently(host, instances);
    const [message, ...rest] = await receive(host.workQueue);
    expect(rest).toEqual([]);
    const dirty = await TableStateStore.fromConnectionString(host.azurite.connectionString).getDirty(e.nsp.id);
    expect(dirty.value?.changes).toHaveLength(host.events.published.length);
    await onInstance(instances[1], () => runQueueMessage(host, message!));
    expect(await storedOpenFindings(host, e.nsp.id)).toEqual(expect.arrayContaining(expected));
  });

  it("evaluating the same message on both instances at once leaves the findings and the cache consistent", async () => {
    const { e, host, instances, expected } = await twoInstances();
    await deliverConcurrently(host, instances);
    const [message] = await receive(host.workQueue);
    // At-least-once: the same message delivered to both instances (say, a visibility timeout lapsed).
    await host.workQueue.sendMessage(message!.messageText);
    const copies = [message!, ...(await receive(host.workQueue))];
    expect(copies).toHaveLength(2);
    await Promise.all(copies.map((m, i) => onInstance(instances[i]!, () => runQueueMessage(host, m))));

    const store = TableStateStore.fromConnectionString(host.azurite.connectionString);
    expect((await store.getDirty(e.nsp.id)).value).toBeUndefined();
    expect(await storedOpenFindings(host, e.nsp.id)).toEqual(expect.arrayContaining(expected));
    // The cache the next incremental evaluation starts from holds every change, whichever instance wrote it.
    const cached = (await store.getPerimeterCache(e.nsp.id)).value!.resources;
    const body = (id: string) => cached.find((r) => r.id.toLowerCase() === id.toLowerCase())?.properties;
    for (const account of e.accounts) expect(body(account.id), account.name!).toMatchObject({ isSftpEnabled: true });
    expect(body(e.assocs[0]!.id)).toMatchObject({ accessMode: "Learning" });

    // A full pass by a third instance finds nothing the incremental evaluations missed or kept open wrongly.
    const fresh = await newInstance(host.env);
    const response = await onInstance(fresh, () => scan(new HttpRequest({ method: "POST", url: "http://localhost:7071/api/scan" }), context("scan")));
    const mine = (response.jsonBody as { perimeters: Array<{ perimeterId: string; findings: Array<{ status: string; ruleId: string }>; resolved: number }> }).perimeters.find(
      (p) => p.perimeterId === e.nsp.id,
    )!;
    expect(mine.findings.filter((f) => f.status !== "existing")).toEqual([]);
    expect(mine.resolved).toBe(0);
  });
});

/**
 * Runs a handler on one instance. Handlers take the runtime from `getRuntime()` before their first
 * await, so installing the instance right before the call binds the invocation to it even when
 * invocations of several instances are in flight at once.
 */
function onInstance<T>(runtime: Runtime, invoke: () => Promise<T>): Promise<T> {
  setRuntime(runtime);
  return invoke();
}
