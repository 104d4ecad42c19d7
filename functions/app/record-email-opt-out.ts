import { withConsent } from '../core/customers/customer-profile.ts';
import { OUTCOME_SCHEMA_VERSION } from '../core/outcomes/outcome-events.ts';
import type { JourneyStore, OutcomePublisher } from './ports.ts';
import { updateProfile } from './update-profile.ts';

/**
 * A recipient marked an email as spam or unsubscribed: withdraw email consent for the customer
 * the message went to, once per provider event (a replayed webhook finds the same source on the
 * profile and changes nothing).
 */
export async function recordEmailOptOut(
  input: { messageId: string; providerEventId: string; at: string; why: string },
  deps: { store: JourneyStore; outcomes: OutcomePublisher },
): Promise<'applied' | 'duplicate' | 'not-found'> {
  const record = await deps.store.getMessage(input.messageId);
  if (record === undefined) return 'not-found';
  const source = `sendgrid:${input.providerEventId}`;
  let verdict: 'applied' | 'duplicate' | 'not-found' = 'applied';
  await updateProfile(deps.store, record.customerId, (stored) => {
    verdict =
      stored === undefined ? 'not-found' : stored.consent.email?.source === source ? 'duplicate' : 'applied';
    return stored === undefined || verdict !== 'applied'
      ? undefined
      : withConsent(stored, 'email', { granted: false, at: input.at, source });
  });
  if (verdict !== 'applied') return verdict;
  await deps.outcomes.publish([
    {
      detailType: 'CustomerOptedOut',
      time: input.at,
      detail: {
        schemaVersion: OUTCOME_SCHEMA_VERSION,
        customerId: record.customerId,
        channel: 'email',
        source,
        at: input.at,
      },
    },
  ]);
  return 'applied';
}
