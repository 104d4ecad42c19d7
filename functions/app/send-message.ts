import { DateTime, Duration } from 'luxon';
import type { EngineSettings } from '../core/config/engine-settings.ts';
import { type CustomerProfile, withConsent } from '../core/customers/customer-profile.ts';
import { decideSend, type RenderFn } from '../core/planning/decide.ts';
import { operationsProfile } from '../core/planning/threshold.ts';
import type { Channel, Rule } from '../core/rules/rule-schema.ts';
import type { RuleSet } from '../core/rules/rule-set.ts';
import { recordProviderOptOut, withAddressSuppressions } from './address-suppressions.ts';
import { isoOf } from './evaluate-event.ts';
import { messageOutcomeBase } from './message-outcome.ts';
import type { MessageRecord } from './message-record.ts';
import type { SuppressionStore } from './ports/suppressions.ts';
import type { ChannelSender, Clock, JourneyStore, OutcomePublisher, SendScheduler } from './ports.ts';
import { updateProfile } from './update-profile.ts';

/** Builds the render function for a message; the template catalog lives with the caller. */
export type RenderFactory = (
  record: MessageRecord,
  rule: Rule,
  profile: CustomerProfile | undefined,
) => RenderFn;

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
  /** How long a claim protects a message from a second sender; past it, a crashed send is retried. */
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
  | { kind: 'sent'; messageId: string; providerId: string; channel: Channel }
  | { kind: 'suppressed' | 'failed'; messageId: string; reason: string }
  | { kind: 'deferred' | 'retrying'; messageId: string; until: string }
  | { kind: 'skipped'; messageId: string; why: 'not-found' | 'not-due' | 'already-handled' | 'in-flight' };

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
  const leaseUntil = isoOf(now.plus({ milliseconds: deps.leaseMs ?? 60_000 }));
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
      await deps.store.transition(
        messageId,
        ['sending'],
        { at: isoOf(now), status: 'scheduled', reason: decision.reason, detail: `deferred to ${until}` },
        { sendAt: until },
      );
      await deps.scheduler.schedule(messageId, decision.until);
      return { kind: 'deferred', messageId, until };
    }
    case 'suppress':
      await deps.store.transition(messageId, ['sending'], {
        at: isoOf(now),
        status: 'suppressed',
        reason: decision.reason,
        detail: decision.detail,
      });
      return { kind: 'suppressed', messageId, reason: decision.reason };
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
        await deps.store.transition(messageId, ['sending'], {
          at: isoOf(now),
          status: 'suppressed',
          reason,
          detail: `cap of ${deps.settings.cap.max} within ${deps.settings.cap.per} reached by messages sent at the same time`,
        });
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
      const sentFields = {
        channel: decision.channel,
        to: decision.to,
        locale: decision.locale,
        rendered: decision.message,
      };
      if (receipt.ok) {
        await deps.store.transition(
          messageId,
          ['sending'],
          {
            at: isoOf(now),
            status: 'sent',
            ...(decision.skipped.length > 0
              ? { reason: 'fallback', detail: decision.skipped.join('; ') }
              : {}),
          },
          { ...sentFields, providerId: receipt.providerId, sentAt: isoOf(now) },
        );
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
        return { kind: 'sent', messageId, providerId: receipt.providerId, channel: decision.channel };
      }
      // No answer (a timeout, a dropped connection): the provider may have accepted it, and its
      // delivery report may still come. Keep its place in the cap and say where it went, so such
      // a report finds a complete record (docs/guarantees.md, lost answers).
      const answerLost = receipt.code === 'network';
      // Refused: not handed over, so it does not count towards the cap (a retry reserves again).
      if (!answerLost && operations === undefined)
        await deps.store.releaseCapSlot(record.customerId, messageId);
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
        await deps.store.transition(
          messageId,
          ['sending'],
          {
            at: isoOf(now),
            status: 'scheduled',
            reason: 'retry',
            detail: `${receipt.code}: ${receipt.detail}`,
          },
          { sendAt: isoOf(until), ...(answerLost ? sentFields : {}) },
        );
        await deps.scheduler.schedule(messageId, until);
        return { kind: 'retrying', messageId, until: isoOf(until) };
      }
      const reason = receipt.retryable ? 'retries-exhausted' : receipt.code;
      await deps.store.transition(
        messageId,
        ['sending'],
        { at: isoOf(now), status: 'failed', reason, detail: receipt.detail },
        sentFields,
      );
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
