/** Fault injection for the emulator's ARM endpoint: throttling, server errors and latency by path pattern. */
import picomatch from "picomatch";

export interface FaultRule {
  /** Glob over the request path (case-insensitive), e.g. `/subscriptions/*\/**\/storageAccounts/**`. */
  path: string;
  /** Only these methods (default: all). */
  methods?: readonly string[];
  /** `throttle`: 429 with Retry-After; `error`: the given status (5xx by default); `latency`: delay then serve normally. */
  kind: "throttle" | "error" | "latency";
  status?: number;
  /** `error`: ARM's error code in the body (default `InternalServerError`). */
  code?: string;
  retryAfterSeconds?: number;
  latencyMs?: number;
  /** How many matching requests to affect (default: all of them). */
  count?: number;
  /** Probability of affecting a matching request (default 1), drawn from `random`. */
  probability?: number;
}

interface ActiveRule extends FaultRule {
  match: (path: string) => boolean;
  remaining: number;
}

export type FaultAction =
  | { kind: "throttle"; retryAfterSeconds: number }
  | { kind: "error"; status: number; code: string }
  | { kind: "latency"; latencyMs: number };

export class FaultInjector {
  private rules: ActiveRule[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, match: picomatch(rule.path, { nocase: true, dot: true }), remaining: rule.count ?? Infinity });
  }

  clear(): void {
    this.rules = [];
  }

  /** The faults to apply to one request, latency first. */
  decide(method: string, path: string): FaultAction[] {
    const actions: FaultAction[] = [];
    for (const rule of this.rules) {
      if (rule.remaining <= 0 || !rule.match(path)) continue;
      if (rule.methods && !rule.methods.some((m) => m.toUpperCase() === method)) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      rule.remaining--;
      if (rule.kind === "latency") actions.unshift({ kind: "latency", latencyMs: rule.latencyMs ?? 20 });
      else if (rule.kind === "throttle") actions.push({ kind: "throttle", retryAfterSeconds: rule.retryAfterSeconds ?? 1 });
      else actions.push({ kind: "error", status: rule.status ?? 500, code: rule.code ?? "InternalServerError" });
    }
    return actions;
  }
}
