/**
 * The channels' senders: a Teams webhook (Workflows or legacy incoming webhook) over fetch, and email
 * through Azure Communication Services or an SMTP relay. Every failure becomes a `DeliveryError`
 * described in our own words (status, timeout, refused connection), so that no URL or credential can
 * ride along into logs or the outbox.
 */
import { EmailClient, type EmailMessage } from "@azure/communication-email";
import type { TokenCredential } from "@azure/core-auth";
import { DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import nodemailer, { type Transporter } from "nodemailer";
import { renderCard, teamsMessage } from "./card.js";
import { renderEmail } from "./email.js";
import { isReadinessNotice, readinessCard, readinessEmail, type OutboxPayload } from "./readinessNotice.js";
import type { EmailTransportSettings } from "./settings.js";

export class DeliveryError extends Error {
  override readonly name = "DeliveryError";
  constructor(
    message: string,
    readonly details: {
      /** HTTP status, or an SMTP reply code. */
      status?: number;
      /** The receiver asked us to wait this long (Retry-After). */
      retryAfterMs?: number;
      /** Retrying the same request cannot succeed (400, 401, 403, 404, 5xx SMTP replies…). */
      permanent?: boolean;
    } = {},
  ) {
    super(message);
  }
}

export interface ChannelSender {
  /** Sends one outbox message; `messageId` lets the receiver recognise a resend. Throws DeliveryError. */
  send(payload: OutboxPayload, messageId: string): Promise<void>;
  close?(): Promise<void>;
}

/** `Retry-After`: delta seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function isPermanentHttp(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 425 && status !== 429;
}

/** A network-level failure, described without the URL. */
export function networkError(error: unknown, timeoutMs: number): DeliveryError {
  const e = error as { name?: string; code?: string; cause?: { code?: string; name?: string; message?: string } } | null;
  const name = e?.name ?? "";
  const code = e?.cause?.code ?? e?.code;
  // fetch with `redirect: "error"`: the receiver answered 3xx; the alert is not re-posted elsewhere.
  if (/redirect/i.test(e?.cause?.message ?? "")) return new DeliveryError("redirect refused (the webhook answered 3xx)", { permanent: true });
  if (name === "TimeoutError" || name === "AbortError" || e?.cause?.name === "TimeoutError" || code === "ETIMEDOUT" || code === "UND_ERR_HEADERS_TIMEOUT") {
    return new DeliveryError(`timeout after ${timeoutMs} ms`);
  }
  if (code === "ECONNREFUSED") return new DeliveryError("connection refused (ECONNREFUSED)");
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return new DeliveryError(`host not found (${code})`);
  if (code && /CERT|SSL|TLS|SELF_SIGNED/i.test(code)) return new DeliveryError(`TLS error (${code})`);
  return new DeliveryError(`network error (${code ?? (name || "unknown")})`);
}

// ---------------------------------------------------------------------------------------------
// Teams

export class TeamsWebhookSender implements ChannelSender {
  constructor(
    private readonly webhookUrl: string,
    private readonly portalBase: string,
    private readonly timeoutMs: number,
  ) {}

  async send(payload: OutboxPayload, messageId: string): Promise<void> {
    const body = JSON.stringify(teamsMessage(isReadinessNotice(payload) ? readinessCard(payload, this.portalBase) : renderCard(payload, this.portalBase)));
    let response: Response;
    let text: string;
    try {
      // The signal bounds the whole exchange, body included.
      response = await fetch(this.webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "x-nspg-alert-id": messageId },
        body,
        // A redirect would re-post the alert to a host nobody allowed.
        redirect: "error",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw networkError(error, this.timeoutMs);
    }
    if (!response.ok) {
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
      throw new DeliveryError(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`, {
        status: response.status,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        permanent: isPermanentHttp(response.status),
      });
    }
    // Legacy incoming webhooks answer 200 with an error text when Teams itself refused the message.
    const relayed = /returned HTTP error (\d{3})/i.exec(text);
    if (relayed) {
      const status = Number(relayed[1]);
      throw new DeliveryError(`HTTP 200 relaying Teams error ${status}`, { status, permanent: isPermanentHttp(status) });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Email

export interface OutgoingMail {
  to: readonly string[];
  subject: string;
  html: string;
  text: string;
  messageId: string;
}

export interface EmailTransport {
  readonly kind: "acs" | "smtp";
  send(mail: OutgoingMail): Promise<void>;
  close?(): Promise<void>;
}

export class EmailSender implements ChannelSender {
  constructor(
    private readonly transport: EmailTransport,
    private readonly to: readonly string[],
    private readonly portalBase: string,
  ) {}

  async send(payload: OutboxPayload, messageId: string): Promise<void> {
    const rendered = isReadinessNotice(payload) ? readinessEmail(payload, this.portalBase) : renderEmail(payload, this.portalBase);
    await this.transport.send({ to: this.to, ...rendered, messageId });
  }
}

export interface TransportOptions {
  timeoutMs: number;
  /** For ACS with an endpoint: the identity (default: managed identity with AZURE_CLIENT_ID, else DefaultAzureCredential). */
  credential?: TokenCredential;
  /** PEM certificates to trust for the ACS endpoint (tests; a private endpoint with its own CA). */
  acsCa?: string;
}

export function createEmailTransport(settings: EmailTransportSettings, options: TransportOptions): EmailTransport {
  return settings.kind === "acs" ? new AcsEmailTransport(settings, options) : new SmtpEmailTransport(settings, options);
}

/** Azure Communication Services Email (`@azure/communication-email`). */
export class AcsEmailTransport implements EmailTransport {
  readonly kind = "acs" as const;
  private readonly client: EmailClient;
  private readonly from: string;

  constructor(settings: Extract<EmailTransportSettings, { kind: "acs" }>, private readonly options: TransportOptions) {
    // The outbox retries with backoff; the SDK's own retries would only hide failures from it.
    const clientOptions = { retryOptions: { maxRetries: 0 }, ...(options.acsCa ? { tlsOptions: { ca: options.acsCa } } : {}) };
    if ("connectionString" in settings) {
      this.client = new EmailClient(settings.connectionString, clientOptions);
    } else {
      const credential =
        options.credential ?? (settings.clientId ? new ManagedIdentityCredential({ clientId: settings.clientId }) : new DefaultAzureCredential());
      this.client = new EmailClient(settings.endpoint, credential, clientOptions);
    }
    this.from = settings.from;
  }

  async send(mail: OutgoingMail): Promise<void> {
    const message: EmailMessage = {
      senderAddress: this.from,
      content: { subject: mail.subject, html: mail.html, plainText: mail.text },
      recipients: { to: mail.to.map((address) => ({ address })) },
      headers: { "X-NSPG-Alert-Id": mail.messageId },
    };
    let accepted = false;
    try {
      // The message id is the operation id: ACS recognises a resend of an accepted message.
      const poller = await this.client.beginSend(message, {
        operationId: mail.messageId,
        abortSignal: AbortSignal.timeout(this.options.timeoutMs),
        onResponse: (raw) => {
          if (raw.request.method === "POST" && raw.status >= 200 && raw.status < 300) accepted = true;
        },
      });
      const state = poller.getOperationState();
      if (state.status === "failed") {
        throw new DeliveryError(`ACS rejected the message: ${state.error?.message ?? "failed"}`, { permanent: true });
      }
    } catch (error) {
      if (error instanceof DeliveryError) throw error;
      // Accepted for delivery, only the first status poll failed: ACS delivers it; do not send twice.
      if (accepted) return;
      const status = (error as { statusCode?: unknown }).statusCode;
      if (typeof status === "number") {
        const headers = (error as { response?: { headers?: { get(name: string): string | undefined } } }).response?.headers;
        const retryAfterMs = parseRetryAfter(headers?.get("retry-after"));
        throw new DeliveryError(`ACS HTTP ${status}`, { status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), permanent: isPermanentHttp(status) });
      }
      throw networkError(error, this.options.timeoutMs);
    }
  }
}

/** An SMTP relay through nodemailer: STARTTLS (default), implicit TLS, or none for a local relay. */
export class SmtpEmailTransport implements EmailTransport {
  readonly kind = "smtp" as const;
  private readonly transporter: Transporter;
  private readonly from: string;

  constructor(settings: Extract<EmailTransportSettings, { kind: "smtp" }>, options: TransportOptions) {
    this.from = settings.from;
    this.transporter = nodemailer.createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.security === "tls",
      requireTLS: settings.security === "starttls",
      ignoreTLS: settings.security === "none",
      ...(settings.user ? { auth: { user: settings.user, pass: settings.password ?? "" } } : {}),
      tls: { minVersion: "TLSv1.2", ...(settings.ca ? { ca: settings.ca } : {}) },
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
      // nodemailer's own logger would print the SMTP conversation (AUTH included).
      logger: false,
      debug: false,
    });
  }

  async send(mail: OutgoingMail): Promise<void> {
    try {
      await this.transporter.sendMail({
        from: this.from,
        to: [...mail.to],
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        messageId: `<${mail.messageId}@nsp-guardrail>`,
        headers: { "X-NSPG-Alert-Id": mail.messageId },
      });
    } catch (error) {
      const e = error as { code?: string; responseCode?: number; command?: string };
      if (typeof e.responseCode === "number") {
        // 4xx replies are transient by SMTP's own definition; 5xx are not (but stay queued: never lost).
        throw new DeliveryError(`SMTP ${e.responseCode}${e.command ? ` after ${e.command}` : ""}`, { status: e.responseCode, permanent: e.responseCode >= 500 });
      }
      if (e.code === "EAUTH") throw new DeliveryError("SMTP authentication failed", { permanent: true });
      if (e.code === "ETIMEDOUT") throw new DeliveryError("timeout (SMTP)");
      if (e.code === "ECONNECTION" || e.code === "ESOCKET") {
        const cause = (error as { errno?: string; message?: string }).message ?? "";
        if (/ECONNREFUSED/.test(cause)) throw new DeliveryError("connection refused (ECONNREFUSED)");
        if (/certificate|TLS|SSL/i.test(cause)) throw new DeliveryError(`TLS error (${e.code})`);
        throw new DeliveryError(`network error (${e.code})`);
      }
      throw networkError(error, 0);
    }
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}
