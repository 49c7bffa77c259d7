/**
 * A real local webhook endpoint for Event Grid tests: records every request, answers both validation
 * handshakes (configurable to refuse them) and can be told to fail the next N deliveries.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered: an HTTP status, or "reset" when it cut the connection. */
  answer: number | "reset";
}

export interface WebhookReceiverOptions {
  /** Serve HTTPS with this certificate instead of plain HTTP. */
  tls?: { cert: string; key: string };
  /** Event Grid schema handshake: echo the code (default), echo a wrong code, or answer this status. */
  validation?: "echo" | "wrong-code" | { status: number };
  /** CloudEvents handshake: `WebHook-Allowed-Origin` to send (default: echo the request origin; null: omit it). */
  allowedOrigin?: string | null;
  /** CloudEvents handshake status (default 200). */
  optionsStatus?: number;
}

export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private failures: (number | "reset")[] = [];
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    public options: WebhookReceiverOptions,
  ) {}

  static async start(options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const listener = (req: IncomingMessage, res: ServerResponse) => void receiver!.handle(req, res);
    const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, listener) : http.createServer(listener);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    receiver = new WebhookReceiver(server, `${options.tls ? "https" : "http"}://127.0.0.1:${port}/api/events`, options);
    return receiver;
  }

  /** Deliveries (`aeg-event-type: Notification`), in arrival order, whatever the answer. */
  get notifications(): ReceivedRequest[] {
    return this.requests.filter((r) => r.method === "POST" && r.headers["aeg-event-type"] === "Notification");
  }

  /** Events of the deliveries answered 2xx, flattened (Event Grid schema bodies are arrays). */
  get acceptedEvents(): Record<string, unknown>[] {
    return this.notifications
      .filter((r) => typeof r.answer === "number" && r.answer < 300)
      .flatMap((r) => {
        const parsed = JSON.parse(r.body) as Record<string, unknown> | Record<string, unknown>[];
        return Array.isArray(parsed) ? parsed : [parsed];
      });
  }

  /** Answer the next `count` deliveries with `how` (an HTTP status, or "reset" to drop the connection). */
  failNext(count: number, how: number | "reset" = 500): void {
    for (let i = 0; i < count; i++) this.failures.push(how);
  }

  /** Resolves once at least `count` deliveries arrived. */
  async waitForNotifications(count: number, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.notifications.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} deliveries, got ${this.notifications.length}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const record: ReceivedRequest = {
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      body: Buffer.concat(chunks).toString("utf8"),
      answer: 200,
    };
    this.requests.push(record);
    try {
      if (req.method === "OPTIONS") return this.answerAbuseProtection(req, res, record);
      if (req.method === "POST" && req.headers["aeg-event-type"] === "SubscriptionValidation") return this.answerValidation(res, record);
      const failure = req.headers["aeg-event-type"] === "Notification" ? this.failures.shift() : undefined;
      if (failure === "reset") {
        record.answer = "reset";
        req.socket.destroy();
        return;
      }
      record.answer = failure ?? 200;
      res.writeHead(record.answer).end();
    } finally {
      for (const wake of this.waiters.splice(0)) wake();
    }
  }

  private answerAbuseProtection(req: IncomingMessage, res: ServerResponse, record: ReceivedRequest): void {
    const origin = this.options.allowedOrigin === undefined ? req.headers["webhook-request-origin"] : this.options.allowedOrigin;
    record.answer = this.options.optionsStatus ?? 200;
    res.writeHead(record.answer, { ...(typeof origin === "string" ? { "WebHook-Allowed-Origin": origin } : {}), Allow: "POST" }).end();
  }

  private answerValidation(res: ServerResponse, record: ReceivedRequest): void {
    const mode = this.options.validation ?? "echo";
    if (typeof mode === "object") {
      record.answer = mode.status;
      res.writeHead(mode.status, { "content-type": "application/json" }).end("{}");
      return;
    }
    const [event] = JSON.parse(record.body) as { data: { validationCode: string } }[];
    const code = mode === "echo" ? event!.data.validationCode : "not-the-code";
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ validationResponse: code }));
  }
}
