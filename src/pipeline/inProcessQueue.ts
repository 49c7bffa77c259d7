/** The evaluation queue inside one process (replay, the demo, unit tests): messages wait out their delay. */
import type { EvaluationMessage, EvaluationQueue, PoisonParking } from "./ports.js";

interface Pending {
  message: EvaluationMessage;
  visibleAt: number;
}

export class InProcessQueue implements EvaluationQueue {
  private pending: Pending[] = [];
  /** Every message ever enqueued, for tests that count evaluations. */
  readonly sent: EvaluationMessage[] = [];

  constructor(private readonly clock: () => number = Date.now) {}

  async enqueue(message: EvaluationMessage, delayMs: number): Promise<void> {
    this.sent.push(message);
    this.pending.push({ message, visibleAt: this.clock() + delayMs });
  }

  get size(): number {
    return this.pending.length;
  }

  /** Takes the messages visible now (all of them with `ignoreDelay`), oldest first. */
  take(ignoreDelay = false): EvaluationMessage[] {
    const now = this.clock();
    const ready = this.pending.filter((p) => ignoreDelay || p.visibleAt <= now).sort((a, b) => a.visibleAt - b.visibleAt);
    this.pending = this.pending.filter((p) => !ready.includes(p));
    return ready.map((p) => p.message);
  }
}

export class InMemoryPoison implements PoisonParking {
  readonly parked: Array<{ payload: unknown; reason: string; at: string }> = [];
  async park(payload: unknown, reason: string): Promise<void> {
    this.parked.push({ payload, reason, at: new Date().toISOString() });
  }
}
