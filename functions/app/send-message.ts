import { DateTime, Duration } from 'luxon';
import type { EngineSettings } from '../core/config/engine-settings.ts';
import { type CustomerProfile, withConsent } from '../core/customers/customer-profile.ts';
import { maskPiiText } from '../core/customers/mask-pii.ts';
import { decideSend, type RenderFn } from '../core/planning/decide.ts';
import { operationsProfile } from '../core/planning/threshold.ts';
import type { Channel, Rule } from '../core/rules/rule-schema.ts';
import type { RuleSet } from '../core/rules/rule-set.ts';
import { recordProviderOptOut, withAddressSuppressions } from './address-suppressions.ts';
import { isoOf } from './iso-time.ts';
import { messageOutcomeBase } from './message-outcome.ts';
import type { MessageRecord } from './message-record.ts';
import type { SuppressionStore } from './ports/suppressions.ts';
import {
  type ChannelSender,
  type Clock,
  isPermanentStoreError,
  isRecordTooLarge,
  type JourneyStore,
  type OutcomePublisher,
  type SendScheduler,
} from './ports.ts';
import { updateProfile } from './update-profile.ts';

/**
 * How long a claim protects a message from a second sender (the send handler's lease). Past it,
 * a crashed send is retried. The send function's timeout must stay below it, so a sender that is
 * still running never has its lease lapse (tests/infra/send-lease.test.ts holds the stack to it).
 */
export const SEND_LEASE_MS = 60_000;

/** Builds the render function for a message; the template catalog lives with the caller. */
type RenderFactory = (record: MessageRecord, rule: Rule, profile: CustomerProfile | undefined) => RenderFn;

/** What sending needs; built once per process. */
export interface SendDeps {
  store: JourneyStore;
  /** Per-address suppressions: checked before every send; a carrier opt-out writes one. */
  suppressions: SuppressionStore;
  scheduler: SendScheduler;
  clock: Clock;
  settings: EngineSettings;
  rules: RuleSet;
  channels: Readonly<Record<Channel, ChannelSender>>;
  render: RenderFactory;
  /** Where MessageSent / MessageFailed go (the journey bus); optional for the simulator. */
  outcomes?: OutcomePublisher;
  /** How long a claim protects a message from a second sender; default {@link SEND_LEASE_MS}. */
  leaseMs?: number;
  /** Provider attempts before a retryable failure becomes `failed`. */
  maxAttempts?: number;
  /** Backoff base for retryable failures (doubles each attempt, with jitter). */
  backoffBaseMs?: number;
  /** Jitter source in [0, 1); injected so tests and the simulator stay deterministic. */
  random?: () => number;
}

/** The outcome of one send attempt, for logs and metrics. */
export type SendOutcome =
  | {
      kind: 'sent';
      messageId: string;
      providerId: string;
      channel: Channel;
      /**
       * How `sent` was recorded when not in full: `minimal` (the record outgrew the store; its
       * rendered text and trigger detail were dropped) or `not-recorded` (that failed too), with
       * the store's error (masked) in `detail`. Never sent again either way.
       */
      recorded?: 'minimal' | 'not-recorded';
      detail?: string;
    }
  | { kind: 'suppressed' | 'failed'; messageId: string; reason: string }
  | { kind: 'deferred' | 'retrying'; messageId: string; until: string }
  | {
      kind: 'skipped';
      messageId: string;
      /** `lease-lost`: this sender's lease lapsed and another sender claimed the message. */
      why: 'not-found' | 'not-due' | 'already-handled' | 'in-flight' | 'lease-lost';
      /** For `lease-lost` after the provider accepted: its id (docs/guarantees.md, lapsed leases). */
      providerId?: string;
    };

/**
 * Sends one due message. Claims it first (a conditional write), so duplicated or concurrently
 * redelivered send requests reach the provider once; re-checks rule, window, cap, consent and
 * contact data at send time; renders; calls the channel; records the outcome.
 */
export async function sendMessage(messageId: string, deps: SendDeps): Promise<SendOutcome> {
  const now = deps.clock.now();
  const current = await deps.store.getMessage(messageId);
  if (current === undefined) return { kind: 'skipped', messageId, why: 'not-found' };
  if (current.status === 'scheduled' && DateTime.fromISO(current.sendAt) > now) {
    // An early delivery: a schedule that fired before a deferral or retry moved the message, or
    // the check a duplicate asked for (below). Schedules are one per message id and the last call
    // wins, so the one for the message's own time may have been replaced: arm it again.
    await deps.scheduler.schedule(messageId, DateTime.fromISO(current.sendAt, { zone: 'utc' }));
    return { kind: 'skipped', messageId, why: 'not-due' };
  }
  const leaseUntil = isoOf(now.plus({ milliseconds: deps.leaseMs ?? SEND_LEASE_MS }));
  const record = await deps.store.claimForSending(messageId, isoOf(now), leaseUntil);
  if (record === undefined) {
    if (current.status !== 'scheduled' && current.status !== 'sending') {
      return { kind: 'skipped', messageId, why: 'already-handled' };
    }
    // Another sender holds the claim. Acknowledging this request would be right if that sender
    // finishes, and would lose the message if it crashed: nothing else brings it back when the
    // queue redelivered the crashed request before the lease ran out (this very call). So look
    // again just after the lease ends; by then it has an outcome (a no-op) or the claim is free.
    const heldUntil =
      current.status === 'sending' && current.leaseUntil !== undefined && current.leaseUntil >= isoOf(now)
        ? current.leaseUntil
        : leaseUntil;
    await deps.scheduler.schedule(
      messageId,
      DateTime.fromISO(heldUntil, { zone: 'utc' }).plus({ milliseconds: 1 }),
    );
    return { kind: 'skipped', messageId, why: 'in-flight' };
  }

  // Every write below is conditioned on this claim: if the lease lapses and another sender claims
  // the message, this sender's writes are refused instead of overwriting what that one does.
  const claim = record.attempts;
  const rule = deps.rules.rules.get(record.ruleId);
  // A threshold alert goes to the rule's operations recipient: not a customer, so no stored
  // profile, no consent history and no frequency cap (docs/rules.md, threshold alert).
  const operations = rule === undefined ? undefined : operationsProfile(rule, record.customerId);
  // A STOP, an unsubscribe, a bounce holds for the address itself, whoever it belongs to: a
  // suppressed address counts as opted out on its channel, so the next channel is tried.
  const profile = await withAddressSuppressions(
    operations ?? (await deps.store.getProfile(record.customerId)),
    deps.suppressions,
    deps.settings.defaults.country,
  );
  const since = isoOf(now.minus(Duration.fromISO(deps.settings.cap.per)));
  const sentInCapPeriod =
    rule?.urgent || operations !== undefined
      ? 0
      : await deps.store.countCapSlots(record.customerId, since, messageId);
  const decision = decideSend({
    rule,
    profile,
    settings: deps.settings,
    now,
    sentInCapPeriod,
    render:
      rule === undefined ? () => ({ ok: false, detail: 'no rule' }) : deps.render(record, rule, profile),
  });

  switch (decision.kind) {
    case 'defer': {
      const until = isoOf(decision.until);
      const deferred = await deps.store.transition(
        messageId,
        ['sending'],
        { at: isoOf(now), status: 'scheduled', reason: decision.reason, detail: `deferred to ${until}` },
        { sendAt: until },
        claim,
      );
      if (deferred === undefined) return leaseLost(messageId);
      await deps.scheduler.schedule(messageId, decision.until);
      return { kind: 'deferred', messageId, until };
    }
    case 'suppress': {
      // A template quoting a value the trigger snapshot left out fails on its name: say why.
      const trimmed = decision.reason === 'template-error' ? record.trigger.trimmed : undefined;
      const detail =
        trimmed === undefined
          ? decision.detail
          : `${decision.detail} (left out of the stored event, too large: ${trimmed.join(', ')})`;
      const suppressed = await deps.store.transition(
        messageId,
        ['sending'],
        { at: isoOf(now), status: 'suppressed', reason: decision.reason, detail },
        undefined,
        claim,
      );
      if (suppressed === undefined) return leaseLost(messageId);
      return { kind: 'suppressed', messageId, reason: decision.reason };
    }
    case 'send': {
      // The count above was a read: two sends to one customer at once would both see room for
      // one more. This conditional write picks one; the other is held back by the cap as well.
      // Urgent rules are recorded too (they count), but never refused.
      const capMax = rule?.urgent === true ? undefined : deps.settings.cap.max;
      if (
        operations === undefined &&
        !(await deps.store.reserveCapSlot(record.customerId, messageId, isoOf(now), since, capMax))
      ) {
        const reason = 'frequency-cap';
        const refused = await deps.store.transition(
          messageId,
          ['sending'],
          {
            at: isoOf(now),
            status: 'suppressed',
            reason,
            detail: `cap of ${deps.settings.cap.max} within ${deps.settings.cap.per} reached by messages sent at the same time`,
          },
          undefined,
          claim,
        );
        if (refused === undefined) return leaseLost(messageId);
        return { kind: 'suppressed', messageId, reason };
      }
      const sentFields = {
        channel: decision.channel,
        to: decision.to,
        locale: decision.locale,
        rendered: decision.message,
      };
      // Where it goes and what it says are recorded before the provider is called: a delivery
      // report that overtakes the `sent` write then finds a complete record (its outcome event
      // is published, a reply from the number finds it), and a record too large to keep is
      // found out while nothing has been sent yet.
      const prepared = await prepareSend(messageId, claim, sentFields, deps);
      if (prepared === 'lease-lost') return leaseLost(messageId);
      if (prepared === 'too-large') {
        if (operations === undefined) await deps.store.releaseCapSlot(record.customerId, messageId);
        const reason = 'too-large';
        const held = await deps.store.transition(
          messageId,
          ['sending'],
          {
            at: isoOf(now),
            status: 'suppressed',
            reason,
            detail: 'the message record with this rendered message would exceed the store item size',
          },
          undefined,
          claim,
        );
        if (held === undefined) return leaseLost(messageId);
        return { kind: 'suppressed', messageId, reason };
      }
      const receipt = await deps.channels[decision.channel].send({
        messageId,
        channel: decision.channel,
        to: decision.to,
        message: decision.message,
        customerId: record.customerId,
        locale: decision.locale,
      });
      if (receipt.ok) {
        const recorded = await recordSent(
          messageId,
          claim,
          {
            at: isoOf(now),
            providerId: receipt.providerId,
            sentAt: isoOf(now),
            ...(decision.skipped.length > 0
              ? { reason: 'fallback', detail: decision.skipped.join('; ') }
              : {}),
          },
          deps.store,
        );
        // The provider accepted it, but another sender holds the message now (this one's lease
        // lapsed): that sender's outcome is the record's (docs/guarantees.md, lapsed leases).
        if (recorded.kind === 'lease-lost') return leaseLost(messageId, receipt.providerId);
        await deps.outcomes?.publish([
          {
            detailType: 'MessageSent',
            time: isoOf(now),
            detail: {
              ...messageOutcomeBase(record, decision.channel),
              providerId: receipt.providerId,
              sentAt: isoOf(now),
              locale: decision.locale,
            },
          },
        ]);
        return {
          kind: 'sent',
          messageId,
          providerId: receipt.providerId,
          channel: decision.channel,
          ...(recorded.kind === 'full' ? {} : { recorded: recorded.kind, detail: recorded.detail }),
        };
      }
      // No answer (a timeout, a dropped connection): the provider may have accepted it, and its
      // delivery report may still come. Keep its place in the cap and say where it went, so such
      // a report finds a complete record (docs/guarantees.md, lost answers).
      const answerLost = receipt.code === 'network';
      // Refused: not handed over, so it does not count towards the cap (a retry reserves again).
      // Released once this sender's outcome is written under its claim: a lapsed sender must not
      // release the place a new claim of the same message holds.
      const releaseCap = !answerLost && operations === undefined;
      if (receipt.optedOut === true && operations === undefined) {
        await updateProfile(deps.store, record.customerId, (stored) =>
          stored === undefined
            ? undefined
            : withConsent(stored, decision.channel, {
                granted: false,
                at: isoOf(now),
                source: `provider:${receipt.code}`,
              }),
        );
      }
      if (receipt.optedOut === true) {
        await recordProviderOptOut(
          {
            channel: decision.channel,
            to: decision.to,
            code: receipt.code,
            messageId,
            at: isoOf(now),
            ...(operations === undefined ? { customerId: record.customerId } : {}),
          },
          deps,
          deps.settings.defaults.country,
        );
      }
      const maxAttempts = deps.maxAttempts ?? 5;
      if (receipt.retryable && record.attempts < maxAttempts) {
        const base = deps.backoffBaseMs ?? 2_000;
        const backoff = base * 2 ** (record.attempts - 1) * (0.5 + (deps.random ?? Math.random)());
        const until = now.plus({ milliseconds: Math.max(receipt.retryAfterMs ?? 0, backoff) });
        const retried = await deps.store.transition(
          messageId,
          ['sending'],
          {
            at: isoOf(now),
            status: 'scheduled',
            reason: 'retry',
            detail: `${receipt.code}: ${receipt.detail}`,
          },
          { sendAt: isoOf(until) },
          claim,
        );
        if (retried === undefined) return leaseLost(messageId);
        if (releaseCap) await deps.store.releaseCapSlot(record.customerId, messageId);
        await deps.scheduler.schedule(messageId, until);
        return { kind: 'retrying', messageId, until: isoOf(until) };
      }
      const reason = receipt.retryable ? 'retries-exhausted' : receipt.code;
      const failed = await deps.store.transition(
        messageId,
        ['sending'],
        { at: isoOf(now), status: 'failed', reason, detail: receipt.detail },
        undefined,
        claim,
      );
      if (failed === undefined) return leaseLost(messageId);
      if (releaseCap) await deps.store.releaseCapSlot(record.customerId, messageId);
      await deps.outcomes?.publish([
        {
          detailType: 'MessageFailed',
          time: isoOf(now),
          detail: {
            ...messageOutcomeBase(record, decision.channel),
            status: 'failed',
            reason,
            at: isoOf(now),
          },
        },
      ]);
      return { kind: 'failed', messageId, reason };
    }
  }
}

function leaseLost(messageId: string, providerId?: string): SendOutcome {
  return {
    kind: 'skipped',
    messageId,
    why: 'lease-lost',
    ...(providerId === undefined ? {} : { providerId }),
  };
}

/** The pre-send write: done, refused because the claim lapsed, or the record would be too large. */
async function prepareSend(
  messageId: string,
  claim: number,
  fields: Parameters<JourneyStore['prepareSend']>[2],
  deps: Pick<SendDeps, 'store'>,
): Promise<'prepared' | 'lease-lost' | 'too-large'> {
  try {
    return (await deps.store.prepareSend(messageId, claim, fields)) ? 'prepared' : 'lease-lost';
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
  messageId: string,
  claim: number,
  sent: Parameters<JourneyStore['recordSent']>[2],
  store: JourneyStore,
): Promise<{ kind: 'full' } | { kind: 'lease-lost' } | { kind: 'minimal' | 'not-recorded'; detail: string }> {
  let first: unknown;
  try {
    return (await store.recordSent(messageId, claim, sent)) === undefined
      ? { kind: 'lease-lost' }
      : { kind: 'full' };
  } catch (error) {
    if (!isPermanentStoreError(error)) throw error;
    first = error;
  }
  try {
    const written = await store.recordSent(messageId, claim, sent, { shed: true });
    return written === undefined ? { kind: 'lease-lost' } : { kind: 'minimal', detail: describe(first) };
  } catch (error) {
    return { kind: 'not-recorded', detail: `${describe(first)}; then ${describe(error)}` };
  }
}

function describe(error: unknown): string {
  return maskPiiText(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}
