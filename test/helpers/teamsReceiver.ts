/**
 * A real local endpoint standing in for a Teams webhook (Workflows or legacy incoming webhook):
 * records every POST, and can be told to fail the next deliveries (an HTTP status with headers, a cut
 * connection, a hang past the client's timeout, or the legacy "200 with an error text"), or go down
 * altogether (connections refused) and come back on the same port.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";

export type TeamsFailure =
  | { status: number; headers?: Record<string, string>; body?: string }
  | "reset"
  | { hangMs: number }
  | { legacyError: number };

export interface TeamsPost {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  answer: number | "reset" | "hang" | "legacy-error";
}

export class TeamsReceiver {
  readonly posts: TeamsPost[] = [];
  private failures: TeamsFailure[] = [];
  private server: http.Server;
  private readonly port: number;

  private constructor(
    server: http.Server,
    private readonly tls: { cert: string; key: string } | undefined,
    readonly url: string,
    /** The path is the secret of a webhook URL, as in Teams'. */
    readonly secretPath: string,
  ) {
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  static async start(options: { tls?: { cert: string; key: string }; secretPath?: string } = {}): Promise<TeamsReceiver> {
    const secretPath = options.secretPath ?? `/webhookb2/${crypto.randomUUID()}/IncomingWebhook/${crypto.randomUUID().replace(/-/g, "")}`;
    let receiver: TeamsReceiver | undefined;
    const server = TeamsReceiver.createServer(options.tls, (req, res) => void receiver!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    receiver = new TeamsReceiver(server, options.tls, `${options.tls ? "https" : "http"}://127.0.0.1:${port}${secretPath}?sig=s3cr3t-${port}`, secretPath);
    return receiver;
  }

  private static createServer(tls: { cert: string; key: string } | undefined, listener: (req: IncomingMessage, res: ServerResponse) => void): http.Server {
    return tls ? https.createServer({ cert: tls.cert, key: tls.key }, listener) : http.createServer(listener);
  }

  /** Cards of the posts answered 2xx (without an error text), in arrival order. */
  get delivered(): Array<{ type: string; attachments: Array<{ contentType: string; content: Record<string, unknown> }> }> {
    return this.posts.filter((p) => typeof p.answer === "number" && p.answer < 300).map((p) => JSON.parse(p.body));
  }

  failNext(count: number, how: TeamsFailure): void {
    for (let i = 0; i < count; i++) this.failures.push(how);
  }

  /** Stops listening: clients get ECONNREFUSED until `up()`. */
  async down(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  async up(): Promise<void> {
    this.server = TeamsReceiver.createServer(this.tls, (req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.port, "127.0.0.1", () => resolve());
    });
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    await this.down();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const post: TeamsPost = { path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), answer: 200 };
    this.posts.push(post);
    if (req.method !== "POST" || !(req.url ?? "").startsWith(this.secretPath)) {
      post.answer = 404;
      res.writeHead(404).end();
      return;
    }
    const failure = this.failures.shift();
    if (failure === "reset") {
      post.answer = "reset";
      req.socket.destroy();
      return;
    }
    if (failure && "hangMs" in failure) {
      post.answer = "hang";
      const timer = setTimeout(() => res.writeHead(200).end("1"), failure.hangMs);
      res.on("close", () => clearTimeout(timer));
      return;
    }
    if (failure && "legacyError" in failure) {
      // What a legacy incoming webhook says when Teams refused the message behind it.
      post.answer = "legacy-error";
      res.writeHead(200, { "content-type": "text/plain" }).end(`Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error ${failure.legacyError} with ContextId x`);
      return;
    }
    if (failure) {
      post.answer = failure.status;
      res.writeHead(failure.status, failure.headers ?? {}).end(failure.body ?? "");
      return;
    }
    // Workflows webhooks answer 202; legacy ones 200 "1".
    post.answer = 202;
    res.writeHead(202).end();
  }
}
