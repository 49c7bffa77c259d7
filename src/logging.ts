/**
 * Structured logs (pino). One root logger with secrets redacted; each invocation works through a
 * child carrying its invocation, event and perimeter ids. Untrusted data goes under fixed keys
 * (`event`, `resource`), never spread into the bindings.
 */
import { pino, type Logger, type LoggerOptions } from "pino";

/** Paths whose values never reach a log line. */
export const REDACT_PATHS = [
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "webhookUrl",
  "*.webhookUrl",
  "*.*.webhookUrl",
  "password",
  "*.password",
  "*.pass",
  "*.smtpPassword",
  "connectionString",
  "*.connectionString",
  "*.sasToken",
  "*.sas",
  "token",
  "*.token",
  "*.accessToken",
  "*.clientSecret",
];

export type { Logger };

export function createLogger(options: { level?: string; name?: string } = {}, destination?: pino.DestinationStream): Logger {
  const config: LoggerOptions = {
    name: options.name ?? "nsp-guardrail",
    level: options.level ?? process.env.NSPG_LOG_LEVEL ?? "info",
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(config, destination) : pino(config);
}

/** A logger that writes nothing (library use, tests that do not look at logs). */
export const silentLogger: Logger = pino({ level: "silent" });
