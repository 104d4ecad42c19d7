import { maskPiiText } from '../core/customers/mask-pii.ts';
import { isoOf } from './iso-time.ts';
import { messageOutcomeBase } from './message-outcome.ts';
import type { Stores } from './ports/stores.ts';
import type { Clock, OutcomePublisher } from './ports.ts';

/** What recording a failed send needs. */
export interface SendFailureDeps extends Pick<Stores, 'messages' | 'caps'> {
  clock: Clock;
  outcomes?: OutcomePublisher;
}

/** What became of the failure: recorded (and its outcome event published or not), or nothing to record. */
export type SendFailureResult =
  | { kind: 'recorded'; published: boolean }
  /** The message is not waiting or being sent (already sent, failed, unknown): nothing changed. */
  | { kind: 'not-pending' };

/**
 * Records that a message cannot be sent because a call failed in a way that would fail again
 * (an adapter's `retryable: false`: DynamoDB's ValidationException, a missing queue, …): the
 * message becomes `failed` with `reason` and the error (masked) as detail, leaves the cap ledger,
 * and MessageFailed goes on the bus when its channel is known. A message already past sending
 * (the provider accepted it, then something else failed) is left as it is. Publishing is best
 * effort here: the record is the outcome, and the caller logs `published: false`. The write is
 * not conditioned on a claim (the caller has none): a sender holding one would meet the same
 * permanent failure.
 */
export async function recordSendFailure(
  messageId: string,
  failure: { reason: string; error: unknown },
  deps: SendFailureDeps,
): Promise<SendFailureResult> {
  const at = isoOf(deps.clock.now());
  const detail = maskPiiText(
    failure.error instanceof Error
      ? `${failure.error.name}: ${failure.error.message}`
      : String(failure.error),
  ).slice(0, 1_000);
  const failed = await deps.messages.transition(messageId, ['scheduled', 'sending'], {
    at,
    status: 'failed',
    reason: failure.reason,
    detail,
  });
  if (failed === undefined) return { kind: 'not-pending' };
  await deps.caps.releaseCapSlot(failed.customerId, messageId);
  if (failed.channel === undefined || deps.outcomes === undefined)
    return { kind: 'recorded', published: false };
  try {
    await deps.outcomes.publish([
      {
        detailType: 'MessageFailed',
        time: at,
        detail: {
          ...messageOutcomeBase(failed, failed.channel),
          status: 'failed',
          reason: failure.reason,
          at,
        },
      },
    ]);
    return { kind: 'recorded', published: true };
  } catch {
    return { kind: 'recorded', published: false };
  }
}
