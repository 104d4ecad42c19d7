/**
 * The per-sender rate guard of the send step: a channel sender wrapped so that this instance
 * never hands the provider more than its share of the sender's segments per second, without a
 * DynamoDB call per message. Every send instance (at most the send queue's `maxConcurrency` run
 * at once) gets `sender MPS ÷ maxConcurrency`, kept by a token bucket in memory; together they
 * stay under the sender's rate whatever the backlog. The price is that fewer busy instances send
 * slower than the sender allows (docs/deploy.md, "Sizing sending").
 */
import { type BucketState, fullBucket, instanceShare, pause, reserve } from '../core/messages/sender-rate.ts';
import type { ChannelSender, OutboundMessage, SendReceipt } from './ports.ts';

/** Configuration of {@link guardSenderRate}. */
export interface SenderRateGuardConfig {
  /** Segments per second the sender may send (Twilio's MPS for it). */
  mps: number;
  /** Instances that may send at once: the send queue's event source `maxConcurrency`. */
  concurrency: number;
  /**
   * The longest a message waits for its turn inside the invocation; longer, and it is handed back
   * as `rate-limited` with the wait as `retryAfterMs` (the send step schedules it again).
   */
  maxWaitMs: number;
  /** Milliseconds since the epoch. */
  nowMs: () => number;
  sleep: (ms: number) => Promise<void>;
}

function costOf(outbound: OutboundMessage): number {
  return outbound.message.channel === 'sms' ? Math.max(1, outbound.message.segments) : 1;
}

/**
 * `sender`, sending at most its share of `mps` segments a second. A message that would wait more
 * than `maxWaitMs` is not sent and comes back retryable (`rate-limited`); a provider's own
 * rate-limit answer with `retryAfterMs` pauses this instance's bucket for that long.
 */
export function guardSenderRate(sender: ChannelSender, config: SenderRateGuardConfig): ChannelSender {
  const rate = instanceShare(config.mps, config.concurrency);
  let state: BucketState = fullBucket(rate, config.nowMs());
  return {
    send: async (outbound) => {
      const reservation = reserve(state, rate, costOf(outbound), config.nowMs(), config.maxWaitMs);
      state = reservation.state;
      if (reservation.kind === 'refused') {
        return {
          ok: false,
          retryable: true,
          code: 'rate-limited',
          detail: `sender rate guard: over this instance's share (${rate.perSecond.toFixed(3)} segments/s) for ${reservation.retryAfterMs} ms`,
          retryAfterMs: reservation.retryAfterMs,
        } satisfies SendReceipt;
      }
      if (reservation.waitMs > 0) await config.sleep(reservation.waitMs);
      const receipt = await sender.send(outbound);
      if (!receipt.ok && receipt.code === 'rate-limited' && receipt.retryAfterMs !== undefined) {
        state = pause(state, rate, receipt.retryAfterMs, config.nowMs());
      }
      return receipt;
    },
  };
}
