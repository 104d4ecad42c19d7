/**
 * What the store contracts share: fixed instants, record factories, and the bundle each contract
 * is run with. Every contract (one per port: message-store-contract.ts, profile-store-contract.ts,
 * …) runs against every implementation — memory in the unit tier, DynamoDB Local in the
 * integration tier, dynalite — so the simulator and unit tests exercise the same semantics
 * production has, conditional writes included.
 *
 * Every test gets fresh, empty stores from `makeStores`. Instants are fixed; stores that need a
 * clock (DynamoDB: TTL, where listings start) should be built with {@link contractClock}.
 */
import { DateTime } from 'luxon';
import type { MessageRecord } from '../../functions/app/message-record.ts';
import type { Stores } from '../../functions/app/ports/stores.ts';
import type { Clock } from '../../functions/app/ports.ts';
import type { CustomerProfile } from '../../functions/core/customers/customer-profile.ts';

/** Fresh, empty stores per test (each contract uses the ports it is about). */
export type MakeStores = () => Promise<Stores>;

/** "Now" for the whole contract. */
export const CONTRACT_NOW = '2026-11-23T09:00:00.000Z';

/** A clock fixed at {@link CONTRACT_NOW}. */
export const contractClock: Clock = { now: () => DateTime.fromISO(CONTRACT_NOW, { zone: 'utc' }) };

/** A scheduled reminder for Anna, overridable field by field. */
export function aMessageRecord(overrides: Partial<MessageRecord> = {}): MessageRecord {
  const messageId = overrides.messageId ?? 'm-1';
  const createdAt = overrides.createdAt ?? '2026-11-20T08:00:00.000Z';
  return {
    messageId,
    ruleId: 'renewal-reminder',
    customerId: 'cust-anna',
    trigger: {
      id: `ev-${messageId}`,
      source: 'acme.policies',
      detailType: 'PolicyRenewalDue',
      time: '2026-11-20T07:59:00Z',
      detail: { policyId: 'P-1', customer: { id: 'cust-anna' }, flags: [1, 'two', null, true], empty: '' },
    },
    createdAt,
    sendAt: '2026-11-23T09:00:00.000Z',
    status: 'scheduled',
    dedupeKey: `ev-${messageId}`,
    attempts: 0,
    history: [{ at: createdAt, status: 'scheduled' }],
    ...overrides,
  };
}

/** A stored profile. */
export function aProfile(overrides: Partial<CustomerProfile> = {}): CustomerProfile {
  return {
    id: 'cust-anna',
    firstName: 'Anna',
    phone: '+46701234567',
    email: 'anna@example.se',
    locale: 'sv',
    timeZone: 'Europe/Stockholm',
    consent: { sms: { granted: true, at: '2026-11-01T00:00:00.000Z', source: 'event:ev-0' } },
    updatedAt: '2026-11-01T00:00:00.000Z',
    ...overrides,
  };
}

export const SMS = { channel: 'sms', text: 'Hej Anna!', encoding: 'GSM-7', segments: 1 } as const;

/** Creates a message and walks it to `sent` the way the send step does. */
export async function sentMessage(
  stores: Stores,
  overrides: Partial<MessageRecord> & { messageId: string },
  sentAt: string,
  to = '+46701234567',
): Promise<MessageRecord> {
  await stores.messages.createMessage(aMessageRecord({ sendAt: sentAt, ...overrides }));
  await stores.messages.claimForSending(overrides.messageId, sentAt, later(sentAt, 1));
  const sent = await stores.messages.transition(
    overrides.messageId,
    ['sending'],
    { at: sentAt, status: 'sent' },
    { channel: 'sms', to, locale: 'sv', rendered: SMS, providerId: `SM-${overrides.messageId}`, sentAt },
  );
  if (sent === undefined) throw new Error(`could not send ${overrides.messageId}`);
  return sent;
}

/** `iso` plus `minutes`, in the same format. */
export function later(iso: string, minutes: number): string {
  return DateTime.fromISO(iso, { zone: 'utc' }).plus({ minutes }).toISO() ?? iso;
}

export function ids(records: ReadonlyArray<{ messageId: string }>): string[] {
  return records.map((record) => record.messageId);
}

/**
 * Registers the contract suite for one implementation.
 *
 * @param name shown in the test names.
 * @param makeStore a fresh, empty store per test.
 */
