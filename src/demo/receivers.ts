/**
 * The demo's local alert receivers: an HTTP endpoint standing in for a Teams webhook (answers 202 as a
 * Workflows webhook does) and an SMTP server without TLS or AUTH bound to 127.0.0.1 (the notifier talks
 * to it with NSPG_EMAIL_SMTP_SECURE=none). Both only listen on the loopback interface.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

/** What the demo prints of an alert: from a Teams card or an email. */
export interface ReceivedAlert {
  channel: "teams" | "email";
  /** Severity kicker of a card (e.g. "CRITICAL · storage-nfs · NSP Guardrail") or the email subject. */
  headline: string;
  title: string;
  resource?: string;
  at: number;
}

type Json = Record<string, unknown>;

function texts(node: unknown, out: Array<{ text: string; style?: unknown }> = []): Array<{ text: string; style?: unknown }> {
  if (Array.isArray(node)) for (const n of node) texts(n, out);
  else if (node && typeof node === "object") {
    const o = node as Json;
    if (o.type === "TextBlock" && typeof o.text === "string") out.push({ text: o.text, style: o.style });
    for (const [k, v] of Object.entries(o)) if (k !== "actions" && typeof v === "object") texts(v, out);
  }
  return out;
}

function fact(node: unknown, title: string): string | undefined {
  if (Array.isArray(node)) {
    for (const n of node) {
      const f = fact(n, title);
      if (f) return f;
    }
  } else if (node && typeof node === "object") {
    const o = node as Json;
    if (o.type === "FactSet" && Array.isArray(o.facts)) {
      const hit = (o.facts as Array<{ title?: string; value?: string }>).find((x) => x.title === title);
      if (hit?.value) return hit.value;
    }
    for (const v of Object.values(o)) {
      if (typeof v === "object") {
        const f = fact(v, title);
        if (f) return f;
      }
    }
  }
  return undefined;
}

/** Reads the headline, title and resource of a Teams message carrying one Adaptive Card. */
export function summariseTeamsMessage(body: string): Omit<ReceivedAlert, "channel" | "at"> {
  let message: Json;
  try {
    message = JSON.parse(body) as Json;
  } catch {
    return { headline: "(not JSON)", title: body.slice(0, 80) };
  }
  const card = (message.attachments as Array<{ content?: unknown }> | undefined)?.[0]?.content ?? message;
  const all = texts((card as Json).body ?? card);
  const heading = all.find((t) => t.style === "heading");
  const resource = fact(card, "Resource");
  return { headline: all[0]?.text ?? "", title: heading?.text ?? all[1]?.text ?? "", ...(resource ? { resource } : {}) };
}

export class DemoTeamsReceiver {
  readonly cards: ReceivedAlert[] = [];
  readonly bodies: string[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(onAlert: (alert: ReceivedAlert) => void, port = 0): Promise<DemoTeamsReceiver> {
    const secretPath = `/webhookb2/${crypto.randomUUID()}/IncomingWebhook/demo`;
    let receiver: DemoTeamsReceiver | undefined;
    const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (req.method !== "POST" || req.url !== secretPath) {
          res.writeHead(404).end();
          return;
        }
        const body = Buffer.concat(chunks).toString("utf8");
        const alert: ReceivedAlert = { channel: "teams", ...summariseTeamsMessage(body), at: performance.now() };
        receiver!.bodies.push(body);
        receiver!.cards.push(alert);
        onAlert(alert);
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    const actual = (server.address() as AddressInfo).port;
    receiver = new DemoTeamsReceiver(server, `http://127.0.0.1:${actual}${secretPath}`);
    return receiver;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?B?...?=`, `=?UTF-8?Q?...?=`) of a header value. */
export function decodeHeader(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, text: string) => {
      if (enc.toUpperCase() === "B") return Buffer.from(text, "base64").toString("utf8");
      const bytes = text.replace(/_/g, " ").replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16)));
      return Buffer.from(bytes, "latin1").toString("utf8");
    });
}

function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? "";
  const unfolded = head.replace(/\r?\n[ \t]+/g, " ");
  const match = new RegExp(`^${name}:\\s*(.*)$`, "im").exec(unfolded);
  return match ? decodeHeader(match[1]!.trim()) : undefined;
}

export interface DemoMail {
  from: string;
  to: string[];
  subject: string;
  raw: string;
}

export class DemoSmtpReceiver {
  readonly messages: DemoMail[] = [];
  readonly alerts: ReceivedAlert[] = [];

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(onAlert: (alert: ReceivedAlert) => void): Promise<DemoSmtpReceiver> {
    let receiver: DemoSmtpReceiver | undefined;
    const server = new SMTPServer({
      secure: false,
      disabledCommands: ["STARTTLS", "AUTH"],
      authOptional: true,
      logger: false,
      banner: "NSP Guardrail demo mail receiver",
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          const raw = Buffer.concat(chunks).toString("utf8");
          const subject = header(raw, "Subject") ?? "(no subject)";
          const mail: DemoMail = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address),
            subject,
            raw,
          };
          const alert: ReceivedAlert = { channel: "email", headline: `to ${mail.to.join(", ")}`, title: subject, at: performance.now() };
          receiver!.messages.push(mail);
          receiver!.alerts.push(alert);
          onAlert(alert);
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    receiver = new DemoSmtpReceiver(server, (server.server.address() as AddressInfo).port);
    return receiver;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
