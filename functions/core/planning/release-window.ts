/**
 * The timing of the release path, as plain numbers (docs/architecture.md, "Later sends"). Pure:
 * every instant is epoch milliseconds passed in.
 *
 * A message due within {@link ReleaseTiming.immediateWithinMs} goes straight onto the send queue,
 * held back by the queue's own delay. A message due later waits in the release index, and the
 * release sweep, run every {@link ReleaseTiming.periodMs} at scheduled instants `t`, enqueues the
 * entries due in (t + horizon − lookback, t + horizon], each delayed until its time.
 *
 * Why no message is missed, with no cursor to keep:
 * - Consecutive windows overlap by `lookback − period` (one whole period by default), so every
 *   due time lies in two sweeps' windows: a sweep that failed for good is covered by its
 *   neighbour, and an entry written a little late (index lag, clock skew) is still ahead of the
 *   next window.
 * - A window is a function of the sweep's scheduled instant, not of when it ran: a retried sweep
 *   covers the same window again.
 * - The scheduler writes an entry only for a time more than `immediateWithinMs` ahead, which is
 *   a margin beyond the horizon, so a correctly timed write always lands ahead of every window
 *   already swept.
 * Messages are therefore enqueued once or twice; the send step claims each once (a conditional
 * write on status and `sendAt`), so a duplicate is a refused claim, not a second message.
 */

/** The release path's durations, in milliseconds. */
export interface ReleaseTiming {
  /** Sweeps run this often (the EventBridge rule's rate). */
  periodMs: number;
  /** A sweep at `t` releases up to `t + horizonMs`: below the send queue's longest delay. */
  horizonMs: number;
  /** …and from `t + horizonMs − lookbackMs`: at least one period, more to overlap. */
  lookbackMs: number;
  /** Due sooner than this: straight onto the send queue, never into the index. */
  immediateWithinMs: number;
}

/** SQS holds a message back at most 900 s (`DelaySeconds`). */
const MAX_QUEUE_DELAY_MS = 900_000;

/**
 * The defaults: a sweep a minute releasing what is due 11–13 minutes ahead, so every entry is in
 * two windows, and a 60 s margin between the horizon and the immediate threshold (14 minutes)
 * for index lag and clock skew; 14 minutes is still within SQS's 15-minute delay.
 */
export const RELEASE_TIMING: ReleaseTiming = {
  periodMs: 60_000,
  horizonMs: 780_000,
  lookbackMs: 120_000,
  immediateWithinMs: 840_000,
};

/**
 * Whether the durations keep the guarantee above: windows that cover every instant (lookback at
 * least a period), a horizon the queue can delay, and writes always ahead of the windows swept.
 */
export function timingProblems(timing: ReleaseTiming): string[] {
  const problems: string[] = [];
  if (!(timing.periodMs > 0)) problems.push('periodMs must be positive');
  if (timing.lookbackMs < timing.periodMs) problems.push('lookbackMs must be at least periodMs');
  if (timing.horizonMs > MAX_QUEUE_DELAY_MS) problems.push('horizonMs must be at most 900,000 (SQS delay)');
  if (timing.immediateWithinMs > MAX_QUEUE_DELAY_MS)
    problems.push('immediateWithinMs must be at most 900,000 (SQS delay)');
  if (timing.immediateWithinMs <= timing.horizonMs)
    problems.push('immediateWithinMs must exceed horizonMs (a margin for index lag and clock skew)');
  return problems;
}

/** The due times a sweep scheduled at `scheduledAtMs` releases: (afterMs, upToMs]. */
export function releaseWindow(
  scheduledAtMs: number,
  timing: Pick<ReleaseTiming, 'horizonMs' | 'lookbackMs'>,
): { afterMs: number; upToMs: number } {
  const upToMs = scheduledAtMs + timing.horizonMs;
  return { afterMs: upToMs - timing.lookbackMs, upToMs };
}

/** How long the queue holds a message due at `dueMs` enqueued at `nowMs`: 0 … 900,000. */
export function queueDelayMs(dueMs: number, nowMs: number): number {
  return Math.min(MAX_QUEUE_DELAY_MS, Math.max(0, dueMs - nowMs));
}

/**
 * The shards one sweep target reads: every `groups`-th of 0 … shards − 1, from `group`. Each
 * group is its own invocation (its own EventBridge rule), so a larger table sweeps in parallel.
 */
export function shardsOf(group: number, groups: number, shards: number): number[] {
  return Array.from({ length: shards }, (_, shard) => shard).filter((shard) => shard % groups === group);
}
