/**
 * A local HTTPS endpoint standing in for Azure Communication Services Email, answering what the
 * `@azure/communication-email` EmailClient asks: `POST /emails:send` (202 with an Operation-Location)
 * and `GET /emails/operations/{id}` (Succeeded). It checks the HMAC-SHA256 signature of access-key
 * requests (the same string-to-sign as the SDK's policy), records bearer tokens, remembers operation
 * ids (a resend of an accepted id is answered as the first one was), and can fail the next sends or
 * go down and come back.
 */
import { createHash, createHmac } from "node:crypto";
import https from "node:https";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { generateServerCertificate, type ServerCertificate } from "../../src/emulator/certificate.js";

export interface AcsRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** For access-key requests: whether the HMAC signature checked out. */
  signatureValid?: boolean;
  answer: number;
}

export interface AcsEmail {
  operationId: string;
  message: {
    senderAddress: string;
    content: { subject: string; html?: string; plainText?: string };
    recipients: { to: Array<{ address: string }> };
    headers?: Record<string, string>;
  };
}

export class AcsReceiver {
  readonly requests: AcsRequest[] = [];
  /** Emails accepted, once per operation id. */
  readonly accepted: AcsEmail[] = [];
  private failures: Array<{ status: number; headers?: Record<string, string> }> = [];
  private server: https.Server;
  readonly port: number;

  private constructor(
    server: https.Server,
    readonly certificate: ServerCertificate,
    /** base64 access key, as in a connection string. */
    readonly accessKey: string,
  ) {
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  static async start(): Promise<AcsReceiver> {
    const certificate = await generateServerCertificate();
    const accessKey = Buffer.from(`acs-key-${crypto.randomUUID()}`).toString("base64");
    let receiver: AcsReceiver | undefined;
    const server = https.createServer({ cert: certificate.cert, key: certificate.key }, (req, res) => void receiver!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    receiver = new AcsReceiver(server, certificate, accessKey);
    return receiver;
  }

  get endpoint(): string {
    return `https://127.0.0.1:${this.port}/`;
  }

  get connectionString(): string {
    return `endpoint=${this.endpoint};accesskey=${this.accessKey}`;
  }

  get sends(): AcsRequest[] {
    return this.requests.filter((r) => r.method === "POST");
  }

  failNext(count: number, status = 503, headers?: Record<string, string>): void {
    for (let i = 0; i < count; i++) this.failures.push({ status, ...(headers ? { headers } : {}) });
  }

  async down(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async up(): Promise<void> {
    this.server = https.createServer({ cert: this.certificate.cert, key: this.certificate.key }, (req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.port, "127.0.0.1", () => resolve());
    });
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.down();
  }

  private checkSignature(req: IncomingMessage, body: string): boolean | undefined {
    const auth = req.headers.authorization ?? "";
    const match = /^HMAC-SHA256 SignedHeaders=([^&]+)&Signature=(.+)$/.exec(auth);
    if (!match) return undefined;
    const date = String(req.headers["x-ms-date"] ?? "");
    const contentHash = String(req.headers["x-ms-content-sha256"] ?? "");
    if (createHash("sha256").update(body, "utf8").digest("base64") !== contentHash) return false;
    const stringToSign = `${req.method}\n${req.url}\n${date};${req.headers.host};${contentHash}`;
    const expected = createHmac("sha256", Buffer.from(this.accessKey, "base64")).update(stringToSign, "utf8").digest("base64");
    return match[1] === "x-ms-date;host;x-ms-content-sha256" && expected === match[2];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const signatureValid = this.checkSignature(req, body);
    const record: AcsRequest = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body, ...(signatureValid === undefined ? {} : { signatureValid }), answer: 0 };
    this.requests.push(record);
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      record.answer = status;
      res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(value));
    };
    const authorised = signatureValid === true || /^Bearer \S+/.test(req.headers.authorization ?? "");
    if (!authorised) return json(401, { error: { code: "Unauthorized", message: "missing or invalid authentication" } });
    const url = new URL(req.url ?? "/", this.endpoint);
    if (req.method === "POST" && url.pathname === "/emails:send") {
      const failure = this.failures.shift();
      if (failure) return json(failure.status, { error: { code: "ServiceUnavailable", message: "try later" } }, failure.headers);
      const operationId = String(req.headers["operation-id"] ?? crypto.randomUUID());
      if (!this.accepted.some((a) => a.operationId === operationId)) this.accepted.push({ operationId, message: JSON.parse(body) });
      const location = `${this.endpoint}emails/operations/${operationId}?api-version=${url.searchParams.get("api-version") ?? ""}`;
      return json(202, { id: operationId, status: "Running" }, { "operation-location": location, "operation-id": operationId, "retry-after": "0" });
    }
    const operation = /^\/emails\/operations\/([^/]+)$/.exec(url.pathname);
    if (req.method === "GET" && operation) return json(200, { id: operation[1], status: "Succeeded" });
    return json(404, { error: { code: "NotFound", message: "no such route" } });
  }
}
