/**
 * Notification settings: app settings (email transports, timeouts, rate limit, portal) and the
 * channels of the policy's `notify` section, resolved and validated once at start. A bad setting is
 * an error naming the setting or policy key, never echoing a secret.
 */
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { z } from "zod";
import { InputError } from "../model/errors.js";
import type { Policy } from "../policy/policy.js";
import type { Severity } from "../rules/types.js";

export type SmtpSecurity = "starttls" | "tls" | "none";

export type EmailTransportSettings =
  | { kind: "acs"; endpoint: string; from: string; clientId?: string }
  | { kind: "acs"; connectionString: string; from: string }
  | {
      kind: "smtp";
      host: string;
      port: number;
      security: SmtpSecurity;
      user?: string;
      password?: string;
      from: string;
      /** PEM of a private CA to trust for the relay (verification is never turned off). */
      ca?: string;
    };

export interface NotifySettings {
  /** Base of Azure portal links (`NSPG_PORTAL_URL`, default https://portal.azure.com). */
  portalBase: string;
  /** Per send (`NSPG_NOTIFY_TIMEOUT_SECONDS`, default 10). */
  timeoutMs: number;
  /** Messages per channel per minute (`NSPG_NOTIFY_MAX_PER_MINUTE`, default 20). */
  maxPerMinute: number;
  email?: EmailTransportSettings;
}

const optional = z.string().optional().or(z.literal("").transform(() => undefined));

const envSchema = z.object({
  NSPG_PORTAL_URL: z.string().url("expected an https URL").optional().or(z.literal("").transform(() => undefined)),
  NSPG_NOTIFY_TIMEOUT_SECONDS: z.coerce.number({ error: () => "expected a number of seconds" }).min(1).max(120).default(10),
  NSPG_NOTIFY_MAX_PER_MINUTE: z.coerce.number({ error: () => "expected a number" }).int().min(1).max(600).default(20),
  NSPG_EMAIL_TRANSPORT: z.enum(["acs", "smtp"], { error: () => "expected acs|smtp" }).optional().or(z.literal("").transform(() => undefined)),
  NSPG_EMAIL_FROM: optional,
  NSPG_EMAIL_ACS_ENDPOINT: z.string().url("expected an https URL").optional().or(z.literal("").transform(() => undefined)),
  NSPG_EMAIL_ACS_CONNECTION_STRING: optional,
  NSPG_EMAIL_SMTP_HOST: optional,
  NSPG_EMAIL_SMTP_PORT: z.coerce.number({ error: () => "expected a port number" }).int().min(1).max(65535).optional().or(z.literal("").transform(() => undefined)),
  NSPG_EMAIL_SMTP_SECURE: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const value = (v ?? "").trim().toLowerCase();
      if (value === "") return undefined;
      if (["starttls", "tls", "none"].includes(value)) return value as SmtpSecurity;
      if (["true", "ssl", "implicit"].includes(value)) return "tls" as const;
      if (value === "false") return "starttls" as const;
      ctx.addIssue({ code: "custom", message: "expected starttls|tls|none" });
      return z.NEVER;
    }),
  NSPG_EMAIL_SMTP_USER: optional,
  NSPG_EMAIL_SMTP_PASSWORD: optional,
  NSPG_EMAIL_SMTP_FROM: optional,
  NSPG_EMAIL_SMTP_CA_FILE: optional,
  AZURE_CLIENT_ID: optional,
});

export function loadNotifySettings(env: NodeJS.ProcessEnv = process.env): NotifySettings {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new InputError(`app setting ${issue.path.join(".")}: ${issue.message}`);
  }
  const s = result.data;
  const portalBase = (s.NSPG_PORTAL_URL ?? "https://portal.azure.com").replace(/\/+$/, "");
  const settings: NotifySettings = { portalBase, timeoutMs: s.NSPG_NOTIFY_TIMEOUT_SECONDS * 1000, maxPerMinute: s.NSPG_NOTIFY_MAX_PER_MINUTE };

  const hasAcs = Boolean(s.NSPG_EMAIL_ACS_ENDPOINT || s.NSPG_EMAIL_ACS_CONNECTION_STRING);
  const hasSmtp = Boolean(s.NSPG_EMAIL_SMTP_HOST);
  const transport = s.NSPG_EMAIL_TRANSPORT ?? (hasAcs ? "acs" : hasSmtp ? "smtp" : undefined);
  if (transport === "acs") {
    if (!hasAcs) throw new InputError("app setting NSPG_EMAIL_ACS_ENDPOINT: required for NSPG_EMAIL_TRANSPORT=acs (or NSPG_EMAIL_ACS_CONNECTION_STRING)");
    if (!s.NSPG_EMAIL_FROM) throw new InputError("app setting NSPG_EMAIL_FROM: required with Azure Communication Services (a sender address of a verified domain)");
    if (s.NSPG_EMAIL_ACS_CONNECTION_STRING) {
      if (!/(^|;)\s*endpoint\s*=\s*https:\/\//i.test(s.NSPG_EMAIL_ACS_CONNECTION_STRING)) {
        throw new InputError("app setting NSPG_EMAIL_ACS_CONNECTION_STRING: expected endpoint=https://...;accesskey=...");
      }
      settings.email = { kind: "acs", connectionString: s.NSPG_EMAIL_ACS_CONNECTION_STRING, from: s.NSPG_EMAIL_FROM };
    } else {
      if (!s.NSPG_EMAIL_ACS_ENDPOINT!.startsWith("https://")) throw new InputError("app setting NSPG_EMAIL_ACS_ENDPOINT: expected an https URL");
      settings.email = { kind: "acs", endpoint: s.NSPG_EMAIL_ACS_ENDPOINT!, from: s.NSPG_EMAIL_FROM, ...(s.AZURE_CLIENT_ID ? { clientId: s.AZURE_CLIENT_ID } : {}) };
    }
  } else if (transport === "smtp") {
    if (!hasSmtp) throw new InputError("app setting NSPG_EMAIL_SMTP_HOST: required for NSPG_EMAIL_TRANSPORT=smtp");
    const from = s.NSPG_EMAIL_SMTP_FROM ?? s.NSPG_EMAIL_FROM;
    if (!from) throw new InputError("app setting NSPG_EMAIL_SMTP_FROM: required (or NSPG_EMAIL_FROM)");
    const security = s.NSPG_EMAIL_SMTP_SECURE ?? (s.NSPG_EMAIL_SMTP_PORT === 465 ? "tls" : "starttls");
    if (security === "none" && (s.NSPG_EMAIL_SMTP_USER || s.NSPG_EMAIL_SMTP_PASSWORD)) {
      // Credentials never travel in clear text.
      throw new InputError("app setting NSPG_EMAIL_SMTP_SECURE: none is not allowed with NSPG_EMAIL_SMTP_USER/PASSWORD (use starttls or tls)");
    }
    if (Boolean(s.NSPG_EMAIL_SMTP_USER) !== Boolean(s.NSPG_EMAIL_SMTP_PASSWORD)) {
      throw new InputError(`app setting ${s.NSPG_EMAIL_SMTP_USER ? "NSPG_EMAIL_SMTP_PASSWORD" : "NSPG_EMAIL_SMTP_USER"}: required with the other one`);
    }
    let ca: string | undefined;
    if (s.NSPG_EMAIL_SMTP_CA_FILE) {
      try {
        ca = readFileSync(s.NSPG_EMAIL_SMTP_CA_FILE, "utf8");
      } catch (error) {
        throw new InputError(`app setting NSPG_EMAIL_SMTP_CA_FILE: cannot read ${s.NSPG_EMAIL_SMTP_CA_FILE}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
    }
    settings.email = {
      kind: "smtp",
      host: s.NSPG_EMAIL_SMTP_HOST!,
      port: s.NSPG_EMAIL_SMTP_PORT ?? (security === "tls" ? 465 : 587),
      security,
      from,
      ...(s.NSPG_EMAIL_SMTP_USER ? { user: s.NSPG_EMAIL_SMTP_USER, password: s.NSPG_EMAIL_SMTP_PASSWORD! } : {}),
      ...(ca ? { ca } : {}),
    };
  }
  return settings;
}

// ---------------------------------------------------------------------------------------------
// Channels of the policy

export interface RouteFilter {
  minSeverity: Severity;
  rules?: readonly string[];
  resourceGroups?: readonly string[];
  tags?: Readonly<Record<string, string>>;
}

interface ChannelBase {
  /** Stable across restarts and reorderings: a hash of the channel's configuration, never a secret. */
  id: string;
  /** For people: `teams[0]`, `email[1]`. */
  label: string;
  /** Where it goes, safe to show: a webhook's host, or the recipients. */
  target: string;
  route: RouteFilter;
}

export interface TeamsChannelConfig extends ChannelBase {
  kind: "teams";
  webhookUrl: string;
}

export interface EmailChannelConfig extends ChannelBase {
  kind: "email";
  to: readonly string[];
}

export type ChannelConfig = TeamsChannelConfig | EmailChannelConfig;

function shortHash(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex").slice(0, 16);
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/**
 * Hosts alert webhooks may point at unless `NSPG_WEBHOOK_ALLOWED_HOSTS` says otherwise: where Teams
 * Workflows, Logic Apps and Power Automate "When an HTTP request is received" triggers live.
 * - `*.logic.azure.com`: Logic Apps request triggers (`https://prod-NN.{region}.logic.azure.com/workflows/...`),
 *   which Teams Workflows and Power Automate flows used; listed by Microsoft among Power Automate's
 *   service domains: https://learn.microsoft.com/power-automate/ip-address-configuration
 * - `*.environment.api.powerplatform.com`: Power Automate HTTP trigger URLs of the newer form
 *   (`https://{environment}.NN.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/...`).
 *   UNCONFIRMED by a Microsoft page found; the host is the one Power Automate shows for such triggers.
 * Anything else (legacy `*.webhook.office.com` connectors, a proxy, the local receivers of tests and
 * the demo) must be listed explicitly.
 */
export const DEFAULT_WEBHOOK_HOSTS = ["*.logic.azure.com", "*.environment.api.powerplatform.com"] as const;

/** `NSPG_WEBHOOK_ALLOWED_HOSTS`: comma-separated hosts, `*.domain` for any host under a domain; default the list above. */
export function webhookAllowedHosts(env: NodeJS.ProcessEnv): string[] {
  const configured = (env["NSPG_WEBHOOK_ALLOWED_HOSTS"] ?? "").split(/[,\s]+/).map((h) => h.trim().toLowerCase()).filter(Boolean);
  for (const pattern of configured) {
    if (pattern === "*" || /\*/.test(pattern.replace(/^\*\./, "")) || pattern.includes("/")) {
      throw new InputError(`app setting NSPG_WEBHOOK_ALLOWED_HOSTS: ${JSON.stringify(pattern)}: expected a host or *.domain`);
    }
  }
  return configured.length > 0 ? configured : [...DEFAULT_WEBHOOK_HOSTS];
}

function hostAllowed(host: string, allowed: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return allowed.some((pattern) => {
    const p = pattern.replace(/^\[(.*)\]$/, "$1");
    return p.startsWith("*.") ? h.endsWith(p.slice(1)) && h.length > p.length - 1 : h === p;
  });
}

/**
 * `https://` to an allowed host, or `http://` to an allowed loopback host (the local receivers of
 * tests and the demo, listed explicitly). Errors name the host, never the URL (its path is a secret).
 */
export function checkWebhookUrl(value: string, where: string, allowed: readonly string[] = DEFAULT_WEBHOOK_HOSTS): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(`${where}: not a valid URL`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname.toLowerCase()))) {
    throw new InputError(`${where}: must be an https URL (http is accepted only for localhost)`);
  }
  if (!hostAllowed(url.hostname, allowed)) {
    throw new InputError(`${where}: host ${url.hostname} is not allowed (NSPG_WEBHOOK_ALLOWED_HOSTS: ${allowed.join(", ")})`);
  }
  return url;
}

/** `env:NAME` reads the environment variable NAME; anything else is the URL itself. */
export function resolveWebhookUrl(configured: string, env: NodeJS.ProcessEnv, where: string, allowed: readonly string[] = webhookAllowedHosts(env)): URL {
  const match = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(configured.trim());
  if (match) {
    const value = env[match[1]!];
    if (!value || value.trim() === "") throw new InputError(`${where}: environment variable ${match[1]} is not set`);
    return checkWebhookUrl(value.trim(), `${where} (from ${match[1]})`, allowed);
  }
  if (configured.trim().toLowerCase().startsWith("env:")) throw new InputError(`${where}: expected env:VARIABLE_NAME`);
  return checkWebhookUrl(configured.trim(), where, allowed);
}

/**
 * The policy a what-if run (replay, simulate) gives its notifier: without `--send-alerts` it has no
 * channel, so alerts are only logged and reported, never sent to a real Teams channel or mailbox.
 */
export function whatIfNotifyPolicy(policy: Policy, sendAlerts: boolean): Policy {
  return sendAlerts ? policy : { ...policy, notify: { ...policy.notify, teams: [], email: [] } };
}

export function resolveChannels(policy: Policy, env: NodeJS.ProcessEnv): ChannelConfig[] {
  const channels: ChannelConfig[] = [];
  const allowed = policy.notify.teams.length > 0 ? webhookAllowedHosts(env) : [];
  policy.notify.teams.forEach((entry, i) => {
    const where = `notify.teams[${i}].webhookUrl`;
    const url = resolveWebhookUrl(entry.webhookUrl, env, where, allowed);
    channels.push({
      kind: "teams",
      // The configured text (`env:NAME` or the URL) keys the channel: rotating the secret keeps its outbox.
      id: `teams-${shortHash(entry.webhookUrl.trim())}`,
      label: `teams[${i}]`,
      target: url.host,
      webhookUrl: url.toString(),
      route: routeOf(entry),
    });
  });
  policy.notify.email.forEach((entry, i) => {
    const to = [...new Set(entry.to.map((a) => a.trim().toLowerCase()))].sort();
    channels.push({
      kind: "email",
      id: `email-${shortHash(to.join(","))}`,
      label: `email[${i}]`,
      target: to.join(", "),
      to,
      route: routeOf(entry),
    });
  });
  // Two entries with the same destination would alert twice: the first wins.
  const seen = new Set<string>();
  return channels.filter((c) => (seen.has(c.id) ? false : (seen.add(c.id), true)));
}

function routeOf(entry: { minSeverity: Severity; rules?: string[] | undefined; resourceGroups?: string[] | undefined; tags?: Record<string, string> | undefined }): RouteFilter {
  return {
    minSeverity: entry.minSeverity,
    ...(entry.rules ? { rules: entry.rules } : {}),
    ...(entry.resourceGroups ? { resourceGroups: entry.resourceGroups } : {}),
    ...(entry.tags ? { tags: entry.tags } : {}),
  };
}
