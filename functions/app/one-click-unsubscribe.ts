import { withConsent } from '../core/customers/customer-profile.ts';
import { OUTCOME_SCHEMA_VERSION } from '../core/outcomes/outcome-events.ts';
import type { Stores } from './ports/stores.ts';
import type { OutcomePublisher } from './ports.ts';
import { updateProfile } from './update-profile.ts';

/** A verified one-click unsubscribe (the signature and expiry were checked by the caller). */
export interface OneClickUnsubscribe {
  /** Lower-cased email address from the signed link. */
  address: string;
  /** The message the link came in. */
  messageId: string;
  /** The customer the message went to, when the link carries it. */
  customerId?: string;
  /** ISO UTC instant the request arrived. */
  at: string;
}

/** What an unsubscribe changed: `applied` the first time, `duplicate` for a repeat of the same link. */
export interface OneClickUnsubscribeResult {
  verdict: 'applied' | 'duplicate';
  suppression: 'applied' | 'already-suppressed' | 'duplicate';
  consent: 'applied' | 'duplicate' | 'no-customer';
}

/**
 * The recipient clicked the one-click unsubscribe link (RFC 8058): suppress the address itself
 * (reason `one-click-unsubscribe`, source `unsubscribe:<messageId>`), so no message goes to it
 * whichever customer it belongs to; withdraw the customer's email consent; publish
 * `CustomerOptedOut`. The address is suppressed first: it is what every send checks, and it needs
 * no customer. A repeat of the same link (a replayed POST, a second click) finds the same source
 * on both and changes and publishes nothing.
 */
export async function oneClickUnsubscribe(
  input: OneClickUnsubscribe,
  deps: Pick<Stores, 'messages' | 'profiles' | 'suppressions'> & { outcomes: OutcomePublisher },
): Promise<OneClickUnsubscribeResult> {
  const source = `unsubscribe:${input.messageId}`;
  // An older link may predate the customer id in the token: the message record knows it.
  const customerId = input.customerId ?? (await deps.messages.getMessage(input.messageId))?.customerId;
  const suppression = await deps.suppressions.suppress({
    channel: 'email',
    address: input.address,
    reason: 'one-click-unsubscribe',
    source,
    at: input.at,
    ...(customerId === undefined ? {} : { customerId }),
  });
  // Set by the last round of the read-merge-write (a conflict reads and decides again).
  const seen: { consent: OneClickUnsubscribeResult['consent'] } = { consent: 'no-customer' };
  if (customerId !== undefined) {
    await updateProfile(deps.profiles, customerId, (stored) => {
      if (stored === undefined) {
        seen.consent = 'no-customer';
        return undefined;
      }
      if (stored.consent.email?.source === source) {
        seen.consent = 'duplicate';
        return undefined;
      }
      seen.consent = 'applied';
      return withConsent(stored, 'email', { granted: false, at: input.at, source });
    });
  }
  const { consent } = seen;
  const verdict = suppression === 'duplicate' && consent !== 'applied' ? 'duplicate' : 'applied';
  if (verdict === 'applied' && customerId !== undefined) {
    await deps.outcomes.publish([
      {
        detailType: 'CustomerOptedOut',
        time: input.at,
        detail: {
          schemaVersion: OUTCOME_SCHEMA_VERSION,
          customerId,
          channel: 'email',
          source,
          at: input.at,
        },
      },
    ]);
  }
  return { verdict, suppression, consent };
}
