/**
 * Seeded randomness and fault profiles for `simulate`: every choice a run makes (which fault, which
 * instance, which event first) comes from one generator seeded per run, so a violation's seed
 * reproduces its schedule.
 */

/** mulberry32: small, fast, and good enough to spread schedules; not for anything secret. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * The seed of run `run` of a simulation seeded with `seed` (printed with each violation). The first
 * run uses the seed itself, so `--seed S --runs 1` replays the run a violation names.
 */
export function runSeed(seed: number, run: number): number {
  if (run === 0) return seed >>> 0;
  return (Math.imul(seed ^ 0x9e3779b9, 2_654_435_761) + Math.imul(run + 1, 40_503)) >>> 0;
}

export type FaultLevel = "none" | "default" | "heavy";

/** Probabilities per opportunity (a storage call, an ARM request, an event, a scheduling step). */
export interface FaultProfile {
  /** A storage call fails before it reaches storage (nothing written). */
  storageError: number;
  /** A storage call's effect is durable, then the process crashes before it learns so. */
  crashAfterWrite: number;
  /** ARM answers 429 (Retry-After 0: the simulation compresses time). */
  armThrottle: number;
  /** ARM answers 500/503. */
  armServerError: number;
  /** Event Grid loses an event for good (repaired only by the reconcile). */
  eventDrop: number;
  /** Event Grid delivers an event twice. */
  eventDuplicate: number;
  /** Deliveries leave in random order rather than publication order. */
  reorder: boolean;
  /** Two instances run work at the same time. */
  concurrency: number;
  /** A timeline write runs while the guardrail is evaluating or writing (races). */
  racingWrites: number;
}

export const FAULT_PROFILES: Readonly<Record<FaultLevel, FaultProfile>> = {
  none: { storageError: 0, crashAfterWrite: 0, armThrottle: 0, armServerError: 0, eventDrop: 0, eventDuplicate: 0, reorder: false, concurrency: 0, racingWrites: 0 },
  default: {
    storageError: 0.01,
    crashAfterWrite: 0.01,
    armThrottle: 0.02,
    armServerError: 0.02,
    eventDrop: 0.01,
    eventDuplicate: 0.05,
    reorder: true,
    concurrency: 0.3,
    racingWrites: 0.3,
  },
  heavy: {
    storageError: 0.03,
    crashAfterWrite: 0.03,
    armThrottle: 0.05,
    armServerError: 0.05,
    eventDrop: 0.05,
    eventDuplicate: 0.2,
    reorder: true,
    concurrency: 0.6,
    racingWrites: 0.6,
  },
};
