import { withConsent } from '../core/customers/customer-profile.ts';
import { type SuppressionReason, suppressionAddress } from '../core/customers/suppression-address.ts';
import { optedOutEvent, suppressAddress } from './address-suppressions.ts';
import type { Stores } from './ports/stores.ts';
import type { AddressOptOut } from './ports/suppressions.ts';
import type { OutcomePublisher } from './ports.ts';
import { updateProfile } from './update-profile.ts';

/** What recording an email opt-out needs. */
export interface EmailOptOutDeps extends Pick<Stores, 'messages' | 'profiles' | 'suppressions'> {
  outcomes: OutcomePublisher;
}

/** SendGrid event names → why the address is suppressed. */
const REASONS: Readonly<Record<string, SuppressionReason>> = {
  spamreport: 'spam-report',
  unsubscribe: 'unsubscribe',
  group_unsubscribe: 'unsubscribe',
  bounce: 'hard-bounce',
};

/**
 * A recipient marked an email as spam, unsubscribed, or the address hard-bounced: the address
 * itself is suppressed (lower-cased; SendGrid's `email`, else the message's `to`), and for a spam
 * report or an unsubscribe the customer's email consent is withdrawn too. A hard bounce says the
 * address does not exist, not that the person said no: her consent stays, so a new address works.
 * Once per provider event: a replayed webhook finds its source and changes nothing.
 */
export async function recordEmailOptOut(
  input: { messageId: string; providerEventId: string; at: string; why: string; email?: string },
  deps: EmailOptOutDeps,
): Promise<'applied' | 'duplicate' | 'not-found'> {
  const record = await deps.messages.getMessage(input.messageId);
  const raw = input.email ?? record?.to;
  const address = raw === undefined ? undefined : suppressionAddress('email', raw, '');
  if (address === undefined && record === undefined) return 'not-found';
  const source = `sendgrid:${input.providerEventId}`;
  const reason = REASONS[input.why] ?? 'unsubscribe';
  const optOut: AddressOptOut | undefined =
    address === undefined
      ? undefined
      : {
          channel: 'email',
          address,
          reason,
          source,
          at: input.at,
          ...(record === undefined ? {} : { customerId: record.customerId }),
        };
  const suppressed = optOut === undefined ? undefined : await suppressAddress(optOut, deps.suppressions);

  // Set by the (possibly repeated) profile change below: what the last round found.
  const verdict: { consent: 'applied' | 'duplicate' | 'not-found' } = { consent: 'not-found' };
  if (record !== undefined && reason !== 'hard-bounce') {
    await updateProfile(deps.profiles, record.customerId, (stored) => {
      if (stored === undefined) {
        verdict.consent = 'not-found';
        return undefined;
      }
      const next = withConsent(stored, 'email', { granted: false, at: input.at, source });
      // The same statement already there (a replay), or a newer one that stands.
      verdict.consent = stored.consent.email?.source === source || next === stored ? 'duplicate' : 'applied';
      return verdict.consent === 'applied' ? next : undefined;
    });
  }
  const consent = verdict.consent;
  if (suppressed !== 'applied' && consent !== 'applied') {
    return suppressed === undefined && consent === 'not-found' ? 'not-found' : 'duplicate';
  }
  await deps.outcomes.publish([
    optedOutEvent(
      optOut ?? {
        channel: 'email',
        reason,
        source,
        at: input.at,
        ...(record === undefined ? {} : { customerId: record.customerId }),
      },
    ),
  ]);
  return 'applied';
}
