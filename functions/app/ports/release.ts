/**
 * Ports of the release path (docs/architecture.md, "Later sends"): messages due later than the
 * send queue can hold them wait in a due-time index, and a sweep on a fixed schedule puts those
 * due soon on the send queue, delayed until their time.
 */

/** A message in the release index: its id and the due time it was put there with (ISO UTC). */
export interface ReleaseEntry {
  messageId: string;
  sendAt: string;
}

/** Scheduled messages by due time alone, spread over a fixed number of shards. */
export interface ReleaseIndex {
  /** How many shards the index is spread over (0 … shards − 1). Only ever grows. */
  readonly shards: number;
  /**
   * Puts a scheduled message in the index at `sendAt` (ISO UTC), replacing the time it had there.
   * False, and nothing written, when the message is no longer scheduled (claimed, sent,
   * cancelled, erased): there is then nothing to release.
   */
  hold(messageId: string, sendAt: string): Promise<boolean>;
  /**
   * Every entry of `shard` due in (`after`, `upTo`] (ISO UTC), soonest first, a page at a time:
   * the sweep enqueues a page before it reads the next, so a shard is read no faster than its
   * messages are released (a window opening reads many pages).
   */
  due(shard: number, after: string, upTo: string): AsyncIterable<ReleaseEntry[]>;
}

/** One message to put on the send queue, held back `delayMs` (0 … 900,000). */
export interface QueuedSend {
  messageId: string;
  delayMs: number;
}

/** The send queue, many at a time (SQS SendMessageBatch: at most ten a call). */
export interface BatchSendQueue {
  /** Enqueues every entry; the ids it could not enqueue (empty when all went). */
  enqueueMany(entries: ReadonlyArray<QueuedSend>): Promise<string[]>;
}
