/**
 * Bounds the hardening holds under load: the worst policy globs (µs per match, linear-time matcher)
 * and the processed-event-id store after a million events (bounded by its day partitions).
 */
import { compileGlob } from "../src/policy/glob.js";
import { MemoryStateStore } from "../src/state/memoryStateStore.js";

export interface GlobFigures {
  pattern: string;
  subjectLength: number;
  matched: boolean;
  microsPerMatch: number;
}

/** The two patterns that took seconds (and 40 s) with a backtracking matcher. */
export function measureGlobWorstCase(iterations = 2_000): GlobFigures[] {
  const cases: Array<[string, string]> = [
    ["*a*a*a*a*a*a*a*a*a*a*a*a*x", "a".repeat(41)],
    ["/subscriptions/*/resourceGroups/*-*-*-*-*-*-*-*-prod/**", `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/${"-".repeat(89)}`],
  ];
  return cases.map(([pattern, subject]) => {
    const matcher = compileGlob(pattern);
    let matched = matcher(subject);
    const start = performance.now();
    for (let i = 0; i < iterations; i++) matched = matcher(subject);
    return { pattern, subjectLength: subject.length, matched, microsPerMatch: ((performance.now() - start) * 1000) / iterations };
  });
}

export interface EventStoreFigures {
  events: number;
  days: number;
  ttlHours: number;
  /** Ids held at the end, and at most at any point. */
  heldAtEnd: number;
  maxHeld: number;
  /** What ttl + 1 days of this traffic is: the bound. */
  bound: number;
  wallMs: number;
}

/** A million distinct events spread evenly over `days`, a 24 h time to live, the in-memory adapter. */
export async function measureEventStore(events = 1_000_000, days = 10): Promise<EventStoreFigures> {
  const start = Date.parse("2026-03-01T00:00:00Z");
  const step = (days * 86_400_000) / events;
  let now = start;
  const store = new MemoryStateStore({ clock: () => now });
  const ttlMs = 24 * 3_600_000;
  let maxHeld = 0;
  const began = performance.now();
  for (let i = 0; i < events; i++) {
    now = start + i * step;
    await store.markEventProcessed(`event-${i}`, ttlMs);
    if (i % 10_000 === 0) maxHeld = Math.max(maxHeld, store.eventIdCount());
  }
  const heldAtEnd = store.eventIdCount();
  maxHeld = Math.max(maxHeld, heldAtEnd);
  const perDay = events / days;
  return { events, days, ttlHours: 24, heldAtEnd, maxHeld, bound: Math.ceil(perDay * 3), wallMs: performance.now() - began };
}

export function formatHardening(globs: readonly GlobFigures[], store: EventStoreFigures): string {
  const lines = ["Policy globs, worst cases (linear-time matcher)"];
  for (const g of globs) lines.push(`  ${g.pattern} vs ${g.subjectLength} chars: ${g.matched ? "match" : "no match"}, ${g.microsPerMatch.toFixed(1)} µs per match`);
  lines.push(
    `\nProcessed-event-id store after ${store.events.toLocaleString("en-US")} events over ${store.days} days (TTL ${store.ttlHours} h, day partitions): ` +
      `${store.heldAtEnd.toLocaleString("en-US")} ids held at the end, at most ${store.maxHeld.toLocaleString("en-US")} (${store.wallMs.toFixed(0)} ms)`,
  );
  return lines.join("\n");
}
