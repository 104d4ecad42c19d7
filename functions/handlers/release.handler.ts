// Lambda entry: an EventBridge rule every minute → release the messages due soon onto the send queue.
import * as z from 'zod';
import { createLogger } from '../adapters/logging/logger.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { ReleaseIncompleteError, releaseDueSends } from '../app/release-due-sends.ts';
import { RELEASE_TIMING, shardsOf } from '../core/planning/release-window.ts';
import { readEnvironment } from './lambda-environment.ts';
import { releaseIndex, sendQueue } from './lambda-wiring.ts';

const logger = createLogger('nudge-release');
const env = readEnvironment();
const index = releaseIndex(env);
const queue = sendQueue(env);

/**
 * The rule's input (infra/constructs/release.ts): which group of shards this target sweeps, and
 * the rule's scheduled instant (the event's `time`), which fixes the window, so an automatic
 * retry of a failed run sweeps the same due times again. A manual invocation with an earlier
 * `time` replays that minute's window.
 */
const ReleaseInputSchema = z.strictObject({
  time: z.iso.datetime({ offset: true }).optional(),
  shardGroup: z.number().int().min(0),
  shardGroups: z.number().int().min(1),
});

export const handler = async (event: unknown): Promise<void> => {
  const input = ReleaseInputSchema.parse(event);
  if (input.shardGroup >= input.shardGroups) throw new RangeError('shardGroup must be below shardGroups');
  const nowMs = systemClock.now().toMillis();
  // Never a window ahead of the clock: delays are capped at the queue's 900 s.
  const scheduledAtMs = Math.min(nowMs, input.time === undefined ? nowMs : Date.parse(input.time));
  const shards = shardsOf(input.shardGroup, input.shardGroups, index.shards);
  try {
    const report = await releaseDueSends(
      { index, queue, clock: systemClock, timing: RELEASE_TIMING },
      scheduledAtMs,
      shards,
    );
    logger.info('released due sends', { ...report, shardGroup: input.shardGroup });
  } catch (error) {
    if (error instanceof ReleaseIncompleteError) {
      // Failing the invocation makes Lambda retry the same event: the same window again.
      logger.error('release incomplete; the run fails so it is retried', {
        shardGroup: input.shardGroup,
        missed: error.messageIds.slice(0, 50),
        missedCount: error.messageIds.length,
        error,
      });
    }
    throw error;
  }
};
