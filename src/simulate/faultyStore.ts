/**
 * Storage faults for `simulate` and the tests: wraps any port (a StateStore, an outbox, a ledger, a
 * queue) and, when the schedule says so, fails a call either before it reaches storage (a transient
 * storage error: nothing written) or after it (the write is durable, then the process "crashes"
 * before it learns so). Both are what a host retry then has to survive.
 */

export type FaultTiming = "before" | "after";

/** Decides, for each call of a wrapped port, whether it fails and when. */
export type FaultSchedule = (port: string, method: string) => FaultTiming | undefined;

/** A failure injected by the schedule; `crashed` when the call's effect was durable. */
export class InjectedFault extends Error {
  override readonly name = "InjectedFault";
  constructor(
    readonly port: string,
    readonly method: string,
    readonly timing: FaultTiming,
  ) {
    super(timing === "before" ? `injected storage error in ${port}.${method}` : `injected crash after ${port}.${method}`);
  }
}

/**
 * The same object with every method subject to the schedule. Reads fail too (a storage error can hit
 * any call); `after` on a read is the same as a crash right after it.
 */
export function withFaults<T extends object>(target: T, port: string, schedule: FaultSchedule, onFault?: (fault: InjectedFault) => void): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      if (typeof value !== "function" || typeof property !== "string") return value;
      return async (...args: unknown[]) => {
        const timing = schedule(port, property);
        if (timing === "before") {
          const fault = new InjectedFault(port, property, "before");
          onFault?.(fault);
          throw fault;
        }
        const result = await (value as (...a: unknown[]) => unknown).apply(object, args);
        if (timing === "after") {
          const fault = new InjectedFault(port, property, "after");
          onFault?.(fault);
          throw fault;
        }
        return result;
      };
    },
  });
}

/** A schedule that fails the named calls once each, in order of the list (tests). */
export function failOnce(...calls: Array<`${string}.${string}` | [`${string}.${string}`, FaultTiming]>): FaultSchedule {
  const pending = calls.map((c) => (Array.isArray(c) ? { call: c[0], timing: c[1] } : { call: c, timing: "before" as FaultTiming }));
  return (port, method) => {
    const index = pending.findIndex((p) => p.call === `${port}.${method}`);
    if (index < 0) return undefined;
    const [hit] = pending.splice(index, 1);
    return hit!.timing;
  };
}
