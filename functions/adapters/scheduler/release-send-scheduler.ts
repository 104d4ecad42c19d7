import type { DateTime } from 'luxon';
import { AdapterError } from '../../app/ports/adapter-error.ts';
import type { ReleaseIndex } from '../../app/ports/release.ts';
import type { Clock, SendQueue, SendScheduler } from '../../app/ports.ts';
import { RELEASE_TIMING, timingProblems } from '../../core/planning/release-window.ts';

/** Options of {@link ReleaseSendScheduler}. */
export interface ReleaseSendSchedulerOptions {
  /** Where near-due messages go at once, delayed until due. */
  queue: SendQueue;
  /** Where later messages wait for the release sweep. */
  index: ReleaseIndex;
  clock: Clock;
  /**
   * Due sooner than this goes straight to the queue. Default {@link RELEASE_TIMING}'s 840 s; it
   * must stay above the sweep's horizon (release-window.ts) and at most 900 s (SQS's longest delay).
   */
  immediateWithinMs?: number;
  /** The sweep's horizon the threshold must exceed. Default {@link RELEASE_TIMING}'s. */
  horizonMs?: number;
}

/**
 * The AWS {@link SendScheduler}: a time within the queue's reach goes onto the send queue with a
 * delay; a later one puts the message in the release index, from which the release sweep
 * (functions/handlers/release.handler.ts) enqueues it in the minutes before it is due. No
 * per-message schedule, so no Scheduler quota grows with traffic.
 *
 * Scheduling again moves the message's index entry to the latest time given (one entry per
 * message). `cancel` does nothing: the status change that cancels a message takes it out of the
 * index in the same write, and a copy already on the queue meets the send step's claim, which
 * refuses a message that is no longer scheduled.
 */
export class ReleaseSendScheduler implements SendScheduler {
  private readonly queue: SendQueue;
  private readonly index: ReleaseIndex;
  private readonly clock: Clock;
  private readonly immediateWithinMs: number;

  constructor(options: ReleaseSendSchedulerOptions) {
    const immediateWithinMs = options.immediateWithinMs ?? RELEASE_TIMING.immediateWithinMs;
    const problems = timingProblems({
      ...RELEASE_TIMING,
      immediateWithinMs,
      horizonMs: options.horizonMs ?? RELEASE_TIMING.horizonMs,
    });
    if (!Number.isFinite(immediateWithinMs) || immediateWithinMs < 0 || problems.length > 0) {
      throw new RangeError(
        `release send scheduler: ${problems.join('; ') || 'immediateWithinMs is not a number'}`,
      );
    }
    this.queue = options.queue;
    this.index = options.index;
    this.clock = options.clock;
    this.immediateWithinMs = immediateWithinMs;
  }

  async schedule(messageId: string, at: DateTime): Promise<void> {
    if (!at.isValid) {
      throw new AdapterError(`cannot schedule ${messageId}: invalid time (${at.invalidExplanation})`, {
        retryable: false,
      });
    }
    const waitMs = at.toMillis() - this.clock.now().toMillis();
    if (waitMs <= this.immediateWithinMs) {
      // Held back by the queue until it is due: delivered early, the send step would find it not
      // due yet and schedule it again.
      await this.queue.enqueue(messageId, waitMs > 0 ? { delayMs: waitMs } : {});
      return;
    }
    // False: no longer scheduled (claimed, cancelled, erased), so there is nothing to release.
    await this.index.hold(messageId, at.toUTC().toISO() ?? '');
  }

  async cancel(_messageId: string): Promise<void> {
    // The cancelling status change already took the message out of the release index.
  }
}
