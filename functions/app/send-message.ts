import { DateTime, Duration } from 'luxon';
import type { CustomerProfile } from '../core/customers/customer-profile.ts';
import { decideSend, type RenderFn, type SendDecision } from '../core/planning/decide.ts';
import { operationsProfile } from '../core/planning/threshold.ts';
import type { Rule } from '../core/rules/rule-schema.ts';
import type { RuleSet } from '../core/rules/rule-set.ts';
import { profileAddresses, withAddressSuppressions } from './address-suppressions.ts';
import { isoOf } from './iso-time.ts';
import type { MessageRecord } from './message-record.ts';
import type { Stores } from './ports/stores.ts';
import type { Clock } from './ports.ts';
import type { SendOutcome } from './send-outcome.ts';
import { type ClaimedSend, type ProviderStepDeps, sendToProvider, settle } from './send-to-provider.ts';

/**
 * How long a claim protects a message from a second sender (the send handler's lease). Past it,
 * a crashed send is retried. The send function's timeout must stay below it, so a sender that is
 * still running never has its lease lapse (tests/infra/send-lease.test.ts holds the stack to it).
 */
export const SEND_LEASE_MS = 60_000;

/** Cap periods as parsed (a Duration is immutable; a deployment has one or two `cap.per` values). */
const capPeriods = new Map<string, Duration>();

function capPeriod(per: string): Duration {
  let period = capPeriods.get(per);
  if (period === undefined) {
    period = Duration.fromISO(per);
    capPeriods.set(per, period);
  }
  return period;
}

/** Builds the render function for a message; the template catalog lives with the caller. */
type RenderFactory = (record: MessageRecord, rule: Rule, profile: CustomerProfile | undefined) => RenderFn;

/** What sending needs; built once per process (functions/wiring/compose.ts). */
export interface SendDeps
  extends ProviderStepDeps,
    Pick<Stores, 'messages' | 'profiles' | 'caps' | 'suppressions'> {
  // suppressions: checked before every send; a carrier opt-out writes one.
  clock: Clock;
  rules: RuleSet;
  render: RenderFactory;
  /** How long a claim protects a message from a second sender; default {@link SEND_LEASE_MS}. */
  leaseMs?: number;
}

/**
 * Sends one due message. Claims it first (a conditional write), so duplicated or concurrently
 * redelivered send requests reach the provider once; re-checks rule, window, cap, consent and
 * contact data at send time; renders; calls the channel; records the outcome.
 */
export async function sendMessage(messageId: string, deps: SendDeps): Promise<SendOutcome> {
  const now = deps.clock.now();
  const claimed = await claim(messageId, now, deps);
  if ('kind' in claimed) return claimed;
  const { sending, rule } = claimed;
  const decision = await decide(sending, rule, deps);
  switch (decision.kind) {
    case 'defer': {
      const until = isoOf(decision.until);
      const change = {
        status: 'scheduled',
        reason: decision.reason,
        detail: `deferred to ${until}`,
      } as const;
      const deferred: SendOutcome = { kind: 'deferred', messageId, until };
      const outcome = await settle(sending, deps, change, deferred, { sendAt: until });
      if (outcome === deferred) await deps.scheduler.schedule(messageId, decision.until);
      return outcome;
    }
    case 'suppress': {
      // A template quoting a value the trigger snapshot left out fails on its name: say why.
      const trimmed = decision.reason === 'template-error' ? sending.record.trigger.trimmed : undefined;
      const detail =
        trimmed === undefined
          ? decision.detail
          : `${decision.detail} (left out of the stored event, too large: ${trimmed.join(', ')})`;
      return settle(
        sending,
        deps,
        { status: 'suppressed', reason: decision.reason, detail },
        { kind: 'suppressed', messageId, reason: decision.reason },
      );
    }
    case 'send':
      return sendToProvider(
        sending,
        decision,
        rule?.urgent === true ? undefined : deps.settings.cap.max,
        deps,
      );
  }
}

/**
 * Claims a due message for this sender, or says why not (not found, not due yet, handled,
 * another sender holds it). A message not due or held elsewhere is scheduled to be looked at again.
 */
async function claim(
  messageId: string,
  now: DateTime,
  deps: SendDeps,
): Promise<SendOutcome | { sending: ClaimedSend; rule: Rule | undefined }> {
  // Claimed first (one conditional write that returns the record), read only when refused.
  const leaseUntil = isoOf(now.plus({ milliseconds: deps.leaseMs ?? SEND_LEASE_MS }));
  const record = await deps.messages.claimForSending(messageId, isoOf(now), leaseUntil, {
    dueBy: isoOf(now),
  });
  if (record === undefined) return refusedClaim(messageId, now, leaseUntil, deps);
  const rule = deps.rules.rules.get(record.ruleId);
  // Every write below is conditioned on this claim: if the lease lapses and another sender claims
  // the message, this sender's writes are refused instead of overwriting what that one does.
  // A threshold alert goes to the rule's operations recipient: not a customer, so no stored
  // profile, no consent history and no frequency cap (docs/rules.md, threshold alert).
  const operations = rule === undefined ? undefined : operationsProfile(rule, record.customerId);
  const since = isoOf(now.minus(capPeriod(deps.settings.cap.per)));
  return { sending: { messageId, record, claim: record.attempts, now, operations, since }, rule };
}

/**
 * Why the claim was refused (not found, not due yet, handled, another sender holds it), read
 * after the refusal. A message not due or held elsewhere is scheduled to be looked at again.
 */
async function refusedClaim(
  messageId: string,
  now: DateTime,
  leaseUntil: string,
  deps: SendDeps,
): Promise<SendOutcome> {
  const current = await deps.messages.getMessage(messageId);
  if (current === undefined) return { kind: 'skipped', messageId, why: 'not-found' };
  if (current.status === 'scheduled' && DateTime.fromISO(current.sendAt) > now) {
    // An early delivery: a schedule that fired before a deferral or retry moved the message, or
    // the check a duplicate asked for (below). Schedules are one per message id and the last call
    // wins, so the one for the message's own time may have been replaced: arm it again.
    await deps.scheduler.schedule(messageId, DateTime.fromISO(current.sendAt, { zone: 'utc' }));
    return { kind: 'skipped', messageId, why: 'not-due' };
  }
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

/** Rule, window, cap, consent and contact data checked again at send time, and the message rendered. */
async function decide(sending: ClaimedSend, rule: Rule | undefined, deps: SendDeps): Promise<SendDecision> {
  const { record, operations } = sending;
  const country = deps.settings.defaults.country;
  // A STOP, an unsubscribe, a bounce holds for the address itself, whoever it belongs to: a
  // suppressed address counts as opted out on its channel, so the next channel is tried.
  // The profile, the cap ledger and the suppressions of the addresses the message was planned
  // for (an operations recipient's: the rule's) are asked for together (one BatchGetItem on
  // DynamoDB); an address the profile has changed to since planning is read after it.
  const planned = operations === undefined ? record.plannedAddresses : profileAddresses(operations, country);
  const [stored, sentInCapPeriod, found] = await Promise.all([
    operations ?? deps.profiles.getProfile(record.customerId),
    rule?.urgent || operations !== undefined
      ? 0
      : deps.caps.countCapSlots(record.customerId, sending.since, sending.messageId),
    planned === undefined || planned.length === 0 ? [] : deps.suppressions.list(planned),
  ]);
  // A record from before planned addresses were kept: the profile's are read now.
  const read = planned === undefined ? undefined : { asked: planned, found };
  const profile = await withAddressSuppressions(stored, deps.suppressions, country, read);
  return decideSend({
    rule,
    profile,
    settings: deps.settings,
    now: sending.now,
    sentInCapPeriod,
    render:
      rule === undefined ? () => ({ ok: false, detail: 'no rule' }) : deps.render(record, rule, profile),
  });
}
