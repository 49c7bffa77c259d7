/**
 * A real in-process SMTP server (`smtp-server`) for the email tests: STARTTLS with a self-signed
 * certificate (clients trust it as their CA), AUTH PLAIN/LOGIN against one user, every accepted
 * message parsed (`mailparser`) with its envelope. It can refuse the next messages with an SMTP code,
 * or go down (connections refused) and come back on the same port.
 */
import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { generateServerCertificate, type ServerCertificate } from "../../src/emulator/certificate.js";

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  parsed: ParsedMail;
  raw: string;
  /** The user the session authenticated as. */
  user: string | undefined;
  secure: boolean;
}

export class SmtpReceiver {
  readonly messages: ReceivedMail[] = [];
  /** Every DATA attempt, accepted or not. */
  attempts = 0;
  private refusals: number[] = [];
  private server: SMTPServer;

  private constructor(
    private readonly options: SMTPServerOptions,
    readonly port: number,
    readonly certificate: ServerCertificate,
    readonly user: string,
    readonly password: string,
    server: SMTPServer,
  ) {
    this.server = server;
  }

  static async start(credentials: { user: string; password: string } = { user: "alerts", password: `smtp-pass-${crypto.randomUUID()}` }): Promise<SmtpReceiver> {
    const certificate = await generateServerCertificate();
    let receiver: SmtpReceiver | undefined;
    const options: SMTPServerOptions = {
      key: certificate.key,
      cert: certificate.cert,
      authMethods: ["PLAIN", "LOGIN"],
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.username === credentials.user && auth.password === credentials.password) callback(null, { user: auth.username });
        else callback(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          void receiver!.accept(Buffer.concat(chunks).toString("utf8"), session).then(
            () => callback(),
            (error: Error) => callback(error),
          );
        });
      },
    };
    const server = new SMTPServer(options);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.server.address() as AddressInfo).port;
    receiver = new SmtpReceiver(options, port, certificate, credentials.user, credentials.password, server);
    return receiver;
  }

  /** Refuse the next `count` messages at DATA with this reply code (4xx transient, 5xx permanent). */
  refuseNext(count: number, code = 451): void {
    for (let i = 0; i < count; i++) this.refusals.push(code);
  }

  async down(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async up(): Promise<void> {
    this.server = new SMTPServer(this.options);
    await new Promise<void>((resolve, reject) => {
      this.server.server.once("error", reject);
      this.server.listen(this.port, "127.0.0.1", () => resolve());
    });
  }

  async close(): Promise<void> {
    if (this.server.server.listening) await this.down();
  }

  private async accept(raw: string, session: { envelope: { mailFrom: false | { address: string }; rcptTo: Array<{ address: string }> }; user?: unknown; secure: boolean }): Promise<void> {
    this.attempts++;
    const refusal = this.refusals.shift();
    if (refusal) throw Object.assign(new Error("Try again later"), { responseCode: refusal });
    this.messages.push({
      envelope: { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "", to: session.envelope.rcptTo.map((r) => r.address) },
      parsed: await simpleParser(raw),
      raw,
      user: typeof session.user === "string" ? session.user : undefined,
      secure: session.secure,
    });
  }
}
