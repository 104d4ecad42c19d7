import { queueDelayMs, type ReleaseTiming, releaseWindow } from '../core/planning/release-window.ts';
import { AdapterError } from './ports/adapter-error.ts';
import type { BatchSendQueue, QueuedSend, ReleaseIndex } from './ports/release.ts';
import type { Clock } from './ports.ts';

/** What one sweep did. */
export interface ReleaseReport {
  /** The due times it covered, (after, upTo] (ISO UTC). */
  after: string;
  upTo: string;
  shards: number;
  /** Entries found in the window (an entry in two shards' answers would count twice: none is). */
  found: number;
  enqueued: number;
}

/** Some entries of a sweep could not be enqueued; the sweep is worth running again (same window). */
export class ReleaseIncompleteError extends AdapterError {
  override readonly name = 'ReleaseIncompleteError';
  readonly messageIds: ReadonlyArray<string>;

  constructor(messageIds: ReadonlyArray<string>, cause?: unknown) {
    super(`${messageIds.length} due message(s) could not be put on the send queue`, {
      retryable: true,
      cause,
    });
    this.messageIds = messageIds;
  }
}

/** What a sweep needs. */
export interface ReleaseDeps {
  index: ReleaseIndex;
  queue: BatchSendQueue;
  clock: Clock;
  timing: Pick<ReleaseTiming, 'horizonMs' | 'lookbackMs'>;
  /** Shards read at once. Default 8. */
  concurrency?: number;
}

/**
 * One release sweep (functions/core/planning/release-window.ts explains the window): every
 * entry of `shards` due in the window of `scheduledAt` goes on the send queue, delayed until it
 * is due by the clock at that moment. Every shard is tried even when one fails; then a
 * {@link ReleaseIncompleteError} names what was not enqueued, so the caller fails and the sweep
 * is retried for the same scheduled instant (re-enqueuing what went is harmless: the send step
 * claims each message once).
 */
export async function releaseDueSends(
  deps: ReleaseDeps,
  scheduledAtMs: number,
  shards: ReadonlyArray<number>,
): Promise<ReleaseReport> {
  const { afterMs, upToMs } = releaseWindow(scheduledAtMs, deps.timing);
  const after = new Date(afterMs).toISOString();
  const upTo = new Date(upToMs).toISOString();
  let found = 0;
  let enqueued = 0;
  const missed: string[] = [];
  const errors: unknown[] = [];
  const releaseShard = async (shard: number): Promise<void> => {
    try {
      for await (const entries of deps.index.due(shard, after, upTo)) {
        found += entries.length;
        if (entries.length === 0) continue;
        const nowMs = deps.clock.now().toMillis();
        const sends: QueuedSend[] = entries.map((entry) => ({
          messageId: entry.messageId,
          delayMs: queueDelayMs(Date.parse(entry.sendAt), nowMs),
        }));
        try {
          const failed = await deps.queue.enqueueMany(sends);
          enqueued += sends.length - failed.length;
          missed.push(...failed);
        } catch (error) {
          errors.push(error);
          missed.push(...sends.map((send) => send.messageId));
        }
      }
    } catch (error) {
      // The index could not be read (further): the rest of this shard is unknown.
      errors.push(error);
      missed.push(`shard ${shard}`);
    }
  };
  const pending = [...shards];
  const workers = Array.from({ length: Math.min(deps.concurrency ?? 8, pending.length) }, async () => {
    for (let shard = pending.shift(); shard !== undefined; shard = pending.shift()) await releaseShard(shard);
  });
  await Promise.all(workers);
  if (missed.length > 0) throw new ReleaseIncompleteError(missed, errors[0]);
  return { after, upTo, shards: shards.length, found, enqueued };
}
