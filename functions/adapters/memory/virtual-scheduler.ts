import type { DateTime } from 'luxon';
import type { SendScheduler } from '../../app/ports.ts';

/**
 * A scheduler on a virtual clock: it only records what is due when. The simulator (and the
 * local runtime, with a speed-up) asks for the next due message and advances its clock to it,
 * so a 14-day reminder fires without anyone waiting 14 days.
 */
export class VirtualScheduler implements SendScheduler {
  private readonly due = new Map<string, number>();

  async schedule(messageId: string, at: DateTime): Promise<void> {
    this.due.set(messageId, at.toMillis());
  }

  async cancel(messageId: string): Promise<void> {
    this.due.delete(messageId);
  }

  /** The earliest schedule due at or before `limitMs` (ties by message id, for determinism). */
  nextDue(limitMs: number): { messageId: string; atMs: number } | undefined {
    let best: { messageId: string; atMs: number } | undefined;
    for (const [messageId, atMs] of this.due) {
      if (atMs > limitMs) continue;
      if (best === undefined || atMs < best.atMs || (atMs === best.atMs && messageId < best.messageId)) {
        best = { messageId, atMs };
      }
    }
    return best;
  }

  /** Removes and returns a schedule, as a fired one-time schedule deletes itself. */
  take(messageId: string): void {
    this.due.delete(messageId);
  }

  get size(): number {
    return this.due.size;
  }
}
