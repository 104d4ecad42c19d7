/**
 * The send step once the decision is to send: the cap reservation, the pre-send write, the
 * provider call and what its answer makes of the record. Every write is conditioned on the
 * sender's claim (see send-message.ts).
 */
import type { DateTime } from 'luxon';
import type { EngineSettings } from '../core/config/engine-settings.ts';
import { type CustomerProfile, withConsent } from '../core/customers/customer-profile.ts';
import { maskPiiText } from '../core/customers/mask-pii.ts';
import type { SendDecision } from '../core/planning/decide.ts';
import type { Channel } from '../core/rules/rule-schema.ts';
import { recordProviderOptOut } from './address-suppressions.ts';
import { isoOf } from './iso-time.ts';
import { messageOutcomeBase } from './message-outcome.ts';
import type { MessageRecord, StatusChange } from './message-record.ts';
import {
  type CapSlotRequest,
  isPermanentStoreError,
  isRecordTooLarge,
  type SendFields,
  type SentReceipt,
} from './ports/messages.ts';
import type { Stores } from './ports/stores.ts';
import type { ChannelSender, OutcomePublisher, SendReceipt, SendScheduler } from './ports.ts';
import { leaseLost, type SendOutcome } from './send-outcome.ts';
import { updateProfile } from './update-profile.ts';

/** What the provider step needs (a part of the send step's dependencies). */
export interface ProviderStepDeps extends Pick<Stores, 'messages' | 'profiles' | 'caps' | 'suppressions'> {
  scheduler: SendScheduler;
  settings: EngineSettings;
  channels: Readonly<Record<Channel, ChannelSender>>;
  /** Where MessageSent / MessageFailed go (the journey bus); optional for the simulator. */
  outcomes?: OutcomePublisher;
  /** Provider attempts before a retryable failure becomes `failed` (rate limits not counted). */
  maxAttempts?: number;
  /**
   * Rate-limited answers (a provider's 429, the sender rate guard) a message may wait out before
   * it fails: they do not use up `maxAttempts`, since nothing is wrong with the message or the
   * provider, but a message is not kept waiting for ever. Default 30 (about an hour of waits).
   */
  maxRateLimitedRetries?: number;
  /** Backoff base for retryable failures (doubles each attempt, with jitter). */
  backoffBaseMs?: number;
  /** Jitter source in [0, 1); injected so tests and the simulator stay deterministic. */
  random?: () => number;
}

/** A message this sender claimed: what every write under the claim needs. */
export interface ClaimedSend {
  messageId: string;
  record: MessageRecord;
  /** The `attempts` the claim returned: every write is conditioned on it. */
  claim: number;
  now: DateTime;
  /** A threshold alert's operations recipient: no stored profile, no consent history, no cap. */
  operations: CustomerProfile | undefined;
  /** Start of the cap period. */
  since: string;
}

type SendNow = Extract<SendDecision, { kind: 'send' }>;

/**
 * Moves the claimed message out of `sending` to `change` (and `patch`), under the claim; the
 * outcome is `done`, or lease-lost when another sender holds the message now.
 */
export async function settle(
  sending: ClaimedSend,
  deps: Pick<Stores, 'messages'>,
  change: Omit<StatusChange, 'at'>,
  done: SendOutcome,
  patch?: { sendAt: string },
): Promise<SendOutcome> {
  const written = await deps.messages.transition(
    sending.messageId,
    ['sending'],
    { at: isoOf(sending.now), ...change },
    patch,
    sending.claim,
  );
  return written === undefined ? leaseLost(sending.messageId) : done;
}

/** Reserves a cap slot, records what is about to go out, and hands it to the channel. */
export async function sendToProvider(
  sending: ClaimedSend,
  decision: SendNow,
  capMax: number | undefined,
  deps: ProviderStepDeps,
): Promise<SendOutcome> {
  const { messageId, record, operations } = sending;
  const fields = {
    channel: decision.channel,
    to: decision.to,
    locale: decision.locale,
    rendered: decision.message,
  };
  // The count before the decision was a read: two sends to one customer at once would both see
  // room for one more. The reservation is a conditional write that picks one; the other is held
  // back by the cap as well. Urgent rules are recorded too (they count), but never refused.
  // Where it goes and what it says are recorded before the provider is called: a delivery
  // report that overtakes the `sent` write then finds a complete record (its outcome event
  // is published, a reply from the number finds it), and a record too large to keep is
  // found out while nothing has been sent yet.
  const slot =
    operations === undefined
      ? { customerId: record.customerId, at: isoOf(sending.now), since: sending.since, max: capMax }
      : undefined;
  const prepared = await prepareSend(messageId, sending.claim, fields, slot, deps);
  if (prepared === 'cap-reached') {
    const reason = 'frequency-cap';
    const detail = `cap of ${deps.settings.cap.max} within ${deps.settings.cap.per} reached by messages sent at the same time`;
    return settle(
      sending,
      deps,
      { status: 'suppressed', reason, detail },
      { kind: 'suppressed', messageId, reason },
    );
  }
  if (prepared === 'lease-lost') return leaseLost(messageId);
  if (prepared === 'too-large') {
    if (operations === undefined) await deps.caps.releaseCapSlot(record.customerId, messageId);
    const reason = 'too-large';
    const detail = 'the message record with this rendered message would exceed the store item size';
    return settle(
      sending,
      deps,
      { status: 'suppressed', reason, detail },
      { kind: 'suppressed', messageId, reason },
    );
  }
  const receipt = await deps.channels[decision.channel].send({
    messageId,
    channel: decision.channel,
    to: decision.to,
    message: decision.message,
    customerId: record.customerId,
    locale: decision.locale,
  });
  return receipt.ok
    ? accepted(sending, decision, receipt.providerId, deps)
    : refused(sending, decision, receipt, deps);
}

/** The provider accepted: record `sent` (in full if it fits) and say so on the bus. */
async function accepted(
  sending: ClaimedSend,
  decision: SendNow,
  providerId: string,
  deps: ProviderStepDeps,
): Promise<SendOutcome> {
  const { messageId, record } = sending;
  const at = isoOf(sending.now);
  const recorded = await recordSent(
    record,
    {
      at,
      providerId,
      sentAt: at,
      ...(decision.skipped.length > 0 ? { reason: 'fallback', detail: decision.skipped.join('; ') } : {}),
    },
    deps,
  );
  // The provider accepted it, but another sender holds the message now (this one's lease
  // lapsed): that sender's outcome is the record's (docs/guarantees.md, lapsed leases).
  if (recorded.kind === 'lease-lost') return leaseLost(messageId, providerId);
  await deps.outcomes?.publish([
    {
      detailType: 'MessageSent',
      time: at,
      detail: {
        ...messageOutcomeBase(record, decision.channel),
        providerId,
        sentAt: at,
        locale: decision.locale,
      },
    },
  ]);
  return {
    kind: 'sent',
    messageId,
    providerId,
    channel: decision.channel,
    ...(recorded.kind === 'full' ? {} : { recorded: recorded.kind, detail: recorded.detail }),
  };
}

/** The receipt code of a provider's rate limit (HTTP 429) and of the sender rate guard. */
const RATE_LIMITED = 'rate-limited';

function isRateLimitedRetry(step: StatusChange): boolean {
  return (
    step.status === 'scheduled' &&
    step.reason === 'retry' &&
    (step.detail?.startsWith(`${RATE_LIMITED}:`) ?? false)
  );
}

/** The provider refused or did not answer: record an opt-out it reported, then retry or fail. */
async function refused(
  sending: ClaimedSend,
  decision: SendNow,
  receipt: Extract<SendReceipt, { ok: false }>,
  deps: ProviderStepDeps,
): Promise<SendOutcome> {
  const { messageId, record, operations, now } = sending;
  // No answer (a timeout, a dropped connection): the provider may have accepted it, and its
  // delivery report may still come. Keep its place in the cap and say where it went, so such
  // a report finds a complete record (docs/guarantees.md, lost answers).
  const answerLost = receipt.code === 'network';
  // Refused: not handed over, so it does not count towards the cap (a retry reserves again).
  // Released once this sender's outcome is written under its claim: a lapsed sender must not
  // release the place a new claim of the same message holds.
  const releaseCap = !answerLost && operations === undefined;
  if (receipt.optedOut === true) await recordOptOut(sending, decision, receipt.code, deps);
  const maxAttempts = deps.maxAttempts ?? 5;
  const rateLimited = receipt.code === RATE_LIMITED;
  // Earlier rate-limited waits, from the record's own history: each left a `retry` step whose
  // detail starts with the code. The rest of the attempts (this one included) count.
  const earlierRateLimits = record.history.filter(isRateLimitedRetry).length;
  const counted = record.attempts - earlierRateLimits;
  const mayRetry = rateLimited
    ? earlierRateLimits < (deps.maxRateLimitedRetries ?? 30)
    : counted < maxAttempts;
  if (receipt.retryable && mayRetry) {
    const base = deps.backoffBaseMs ?? 2_000;
    // A rate limit waits its Retry-After or a short backoff that stops growing at 2^6 × base;
    // a failure backs off by the attempts it used.
    const exponent = rateLimited ? Math.min(earlierRateLimits, 6) : counted - 1;
    const backoff = base * 2 ** exponent * (0.5 + (deps.random ?? Math.random)());
    const until = now.plus({ milliseconds: Math.max(receipt.retryAfterMs ?? 0, backoff) });
    const detail = `${receipt.code}: ${receipt.detail}`;
    const retrying: SendOutcome = { kind: 'retrying', messageId, until: isoOf(until) };
    const outcome = await settle(sending, deps, { status: 'scheduled', reason: 'retry', detail }, retrying, {
      sendAt: isoOf(until),
    });
    if (outcome !== retrying) return outcome;
    if (releaseCap) await deps.caps.releaseCapSlot(record.customerId, messageId);
    await deps.scheduler.schedule(messageId, until);
    return outcome;
  }
  const reason = receipt.retryable ? 'retries-exhausted' : receipt.code;
  const failed: SendOutcome = { kind: 'failed', messageId, reason };
  const outcome = await settle(sending, deps, { status: 'failed', reason, detail: receipt.detail }, failed);
  if (outcome !== failed) return outcome;
  if (releaseCap) await deps.caps.releaseCapSlot(record.customerId, messageId);
  await deps.outcomes?.publish([
    {
      detailType: 'MessageFailed',
      time: isoOf(now),
      detail: { ...messageOutcomeBase(record, decision.channel), status: 'failed', reason, at: isoOf(now) },
    },
  ]);
  return outcome;
}

/** The provider says the recipient opted out: the customer's consent and the address both record it. */
async function recordOptOut(
  sending: ClaimedSend,
  decision: SendNow,
  code: string,
  deps: ProviderStepDeps,
): Promise<void> {
  const { messageId, record, operations } = sending;
  const at = isoOf(sending.now);
  if (operations === undefined) {
    await updateProfile(deps.profiles, record.customerId, (stored) =>
      stored === undefined
        ? undefined
        : withConsent(stored, decision.channel, { granted: false, at, source: `provider:${code}` }),
    );
  }
  await recordProviderOptOut(
    {
      channel: decision.channel,
      to: decision.to,
      code,
      messageId,
      at,
      ...(operations === undefined ? { customerId: record.customerId } : {}),
    },
    deps,
    deps.settings.defaults.country,
  );
}

/**
 * The cap reservation (when `slot` is given) and the pre-send write: in one write where the store
 * can, else one after the other. Done, the cap reached (nothing written), refused because the
 * claim lapsed, or the record would be too large.
 */
async function prepareSend(
  messageId: string,
  claim: number,
  fields: SendFields,
  slot: CapSlotRequest | undefined,
  deps: Pick<Stores, 'messages' | 'caps'>,
): Promise<'prepared' | 'cap-reached' | 'lease-lost' | 'too-large'> {
  try {
    if (slot !== undefined && deps.messages.prepareSendReserving !== undefined)
      return await deps.messages.prepareSendReserving(messageId, claim, fields, slot);
    if (
      slot !== undefined &&
      !(await deps.caps.reserveCapSlot(slot.customerId, messageId, slot.at, slot.since, slot.max))
    )
      return 'cap-reached';
    return (await deps.messages.prepareSend(messageId, claim, fields)) ? 'prepared' : 'lease-lost';
  } catch (error) {
    if (isRecordTooLarge(error)) return 'too-large';
    throw error;
  }
}

/**
 * Records `sent` after the provider accepted, and never lets a permanent store failure turn into
 * a second send: a write refused for good (the item outgrew the store, say) is done again
 * without the rendered text and the trigger detail; if even that fails, the outcome says so (the
 * handler logs it, masked) instead of throwing, which would have the queue deliver the request
 * again and send the message again once the lease lapsed. A retryable failure (throttling) is
 * thrown: like a crash at this point (docs/guarantees.md).
 */
async function recordSent(
  claimed: MessageRecord,
  sent: SentReceipt,
  deps: Pick<Stores, 'messages'>,
): Promise<{ kind: 'full' } | { kind: 'lease-lost' } | { kind: 'minimal' | 'not-recorded'; detail: string }> {
  let first: unknown;
  try {
    return (await deps.messages.markSent(claimed, sent)) ? { kind: 'full' } : { kind: 'lease-lost' };
  } catch (error) {
    if (!isPermanentStoreError(error)) throw error;
    first = error;
  }
  try {
    const written = await deps.messages.markSent(claimed, sent, { shed: true });
    return written ? { kind: 'minimal', detail: describe(first) } : { kind: 'lease-lost' };
  } catch (error) {
    return { kind: 'not-recorded', detail: `${describe(first)}; then ${describe(error)}` };
  }
}

function describe(error: unknown): string {
  return maskPiiText(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}
