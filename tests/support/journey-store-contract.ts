/**
 * The ONE behavioural contract of {@link JourneyStore}, run against every implementation (the
 * in-memory store in the unit tier, DynamoDB Local in the integration tier), so the simulator and
 * unit tests exercise the same semantics production has, conditional writes included.
 *
 * Every test gets a fresh, empty store from `makeStore`. Instants are fixed; a store that needs a
 * clock (DynamoDB: TTL, where listings start) should be built with {@link contractClock}.
 */
import { DateTime } from 'luxon';
import { describe, expect, test } from 'vitest';
import type { MessageRecord, RejectedEvent } from '../../functions/app/message-record.ts';
import type { Clock, InboundReply, JourneyStore } from '../../functions/app/ports.ts';
import type { CustomerProfile } from '../../functions/core/customers/customer-profile.ts';
import type { ThresholdEntry } from '../../functions/core/planning/threshold.ts';

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
function aProfile(overrides: Partial<CustomerProfile> = {}): CustomerProfile {
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

const SMS = { channel: 'sms', text: 'Hej Anna!', encoding: 'GSM-7', segments: 1 } as const;

/** Creates a message and walks it to `sent` the way the send step does. */
async function sentMessage(
  store: JourneyStore,
  overrides: Partial<MessageRecord> & { messageId: string },
  sentAt: string,
  to = '+46701234567',
): Promise<MessageRecord> {
  await store.createMessage(aMessageRecord({ sendAt: sentAt, ...overrides }));
  await store.claimForSending(overrides.messageId, sentAt, later(sentAt, 1));
  const sent = await store.transition(
    overrides.messageId,
    ['sending'],
    { at: sentAt, status: 'sent' },
    { channel: 'sms', to, locale: 'sv', rendered: SMS, providerId: `SM-${overrides.messageId}`, sentAt },
  );
  if (sent === undefined) throw new Error(`could not send ${overrides.messageId}`);
  return sent;
}

/** `iso` plus `minutes`, in the same format. */
function later(iso: string, minutes: number): string {
  return DateTime.fromISO(iso, { zone: 'utc' }).plus({ minutes }).toISO() ?? iso;
}

function ids(records: ReadonlyArray<{ messageId: string }>): string[] {
  return records.map((record) => record.messageId);
}

/**
 * Registers the contract suite for one implementation.
 *
 * @param name shown in the test names.
 * @param makeStore a fresh, empty store per test.
 */
export function describeJourneyStoreContract(name: string, makeStore: () => Promise<JourneyStore>): void {
  describe(`JourneyStore contract: ${name}`, () => {
    describe('profiles', () => {
      test('a profile round-trips with a revision, and a put of what was read replaces it', async () => {
        const store = await makeStore();
        const profile = aProfile();
        const changed = aProfile({
          phone: '+46709999999',
          consent: { sms: { granted: false, at: '2026-11-02T00:00:00.000Z', source: 'reply:SM1' } },
          updatedAt: '2026-11-02T00:00:00.000Z',
        });

        const before = await store.getProfile('cust-anna');
        const created = await store.putProfile(profile);
        const first = await store.getProfile('cust-anna');
        const replaced = await store.putProfile({ ...changed, revision: 1 });
        const second = await store.getProfile('cust-anna');

        expect(before).toBeUndefined();
        expect([created, replaced]).toEqual(['written', 'written']);
        expect(first).toEqual({ ...profile, revision: 1 });
        expect(second).toEqual({ ...changed, revision: 2 });
      });

      test('a put based on an older read is refused (two writers cannot undo each other)', async () => {
        const store = await makeStore();
        await store.putProfile(aProfile());
        const read = await store.getProfile('cust-anna');
        const stop = { granted: false, at: '2026-11-02T00:00:00.000Z', source: 'reply:SM1' };
        await store.putProfile({ ...aProfile({ consent: { sms: stop } }), revision: read?.revision });

        const stale = await store.putProfile({
          ...aProfile({ firstName: 'Annie' }),
          revision: read?.revision,
        });
        const blind = await store.putProfile(aProfile({ firstName: 'Annie' }));

        expect([stale, blind]).toEqual(['conflict', 'conflict']);
        expect(await store.getProfile('cust-anna')).toMatchObject({
          firstName: 'Anna',
          consent: { sms: stop },
          revision: 2,
        });
      });

      test('a minimal profile (no contact data, no consent) round-trips', async () => {
        const store = await makeStore();
        const profile: CustomerProfile = {
          id: 'cust-min',
          consent: {},
          updatedAt: '2026-11-01T00:00:00.000Z',
        };

        await store.putProfile(profile);

        expect(await store.getProfile('cust-min')).toEqual({ ...profile, revision: 1 });
      });
    });

    describe('createMessage / getMessage', () => {
      test('creates once; a second create of the same id is "exists" and changes nothing', async () => {
        const store = await makeStore();
        const record = aMessageRecord();

        const first = await store.createMessage(record);
        const second = await store.createMessage({ ...record, ruleId: 'other-rule', status: 'suppressed' });

        expect(first).toBe('created');
        expect(second).toBe('exists');
        expect(await store.getMessage('m-1')).toEqual(record);
      });

      test('an unknown id reads as undefined', async () => {
        const store = await makeStore();

        expect(await store.getMessage('m-nope')).toBeUndefined();
      });

      test('every optional field round-trips', async () => {
        const store = await makeStore();
        const record = aMessageRecord({
          status: 'failed',
          reason: 'invalid-address',
          detail: 'sms: invalid phone number',
          correlationKey: 'renewal-reminder#P-1',
          leaseUntil: '2026-11-23T09:01:00.000Z',
          channel: 'email',
          to: 'anna@example.se',
          locale: 'sv',
          rendered: { channel: 'email', subject: 'Förnyelse', text: 'Hej', html: '<p>Hej</p>' },
          providerId: 'sg-1',
          sentAt: '2026-11-23T09:00:00.000Z',
          attempts: 2,
        });

        await store.createMessage(record);

        expect(await store.getMessage('m-1')).toEqual(record);
      });
    });

    describe('claimDedupe', () => {
      const now = '2026-11-23T09:00:00.000Z';
      const horizon = '2026-11-24T09:00:00.000Z';

      test('the first claim wins; another message gets the holder; the holder may claim again', async () => {
        const store = await makeStore();

        const first = await store.claimDedupe('rule#key', 'm-a', now, horizon);
        const other = await store.claimDedupe('rule#key', 'm-b', later(now, 5), horizon);
        const again = await store.claimDedupe('rule#key', 'm-a', later(now, 10), horizon);
        const otherKey = await store.claimDedupe('rule#other', 'm-b', now, horizon);

        expect(first).toBe('m-a');
        expect(other).toBe('m-a');
        expect(again).toBe('m-a');
        expect(otherKey).toBe('m-b');
      });

      test('an expired claim can be taken by another message', async () => {
        const store = await makeStore();
        await store.claimDedupe('rule#key', 'm-a', now, horizon);

        const atHorizon = await store.claimDedupe('rule#key', 'm-b', horizon, later(horizon, 60));
        const afterwards = await store.claimDedupe('rule#key', 'm-c', later(horizon, 1), later(horizon, 60));

        expect(atHorizon).toBe('m-b');
        expect(afterwards).toBe('m-b');
      });

      test('a claim without expiry holds forever', async () => {
        const store = await makeStore();
        await store.claimDedupe('rule#key', 'm-a', now, undefined);

        const yearsLater = await store.claimDedupe('rule#key', 'm-b', '2029-01-01T00:00:00.000Z', undefined);

        expect(yearsLater).toBe('m-a');
      });

      test('of concurrent claims exactly one wins and all agree on it', async () => {
        const store = await makeStore();

        const holders = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.claimDedupe('rule#race', `m-${i}`, now, horizon)),
        );

        expect(new Set(holders).size).toBe(1);
      });
    });

    describe('transition', () => {
      test('moves from an allowed status, appends history, sets reason, patch, clears the lease', async () => {
        const store = await makeStore();
        await store.createMessage(aMessageRecord());
        await store.claimForSending('m-1', '2026-11-23T09:00:00.000Z', '2026-11-23T09:01:00.000Z');

        const sent = await store.transition(
          'm-1',
          ['sending'],
          { at: '2026-11-23T09:00:01.000Z', status: 'sent', reason: 'fallback', detail: 'email: no address' },
          {
            channel: 'sms',
            to: '+46701234567',
            locale: 'sv',
            rendered: SMS,
            providerId: 'SM1',
            sentAt: '2026-11-23T09:00:01.000Z',
          },
        );

        expect(sent).toMatchObject({
          status: 'sent',
          reason: 'fallback',
          detail: 'email: no address',
          channel: 'sms',
          to: '+46701234567',
          rendered: SMS,
          providerId: 'SM1',
          sentAt: '2026-11-23T09:00:01.000Z',
          attempts: 1,
        });
        expect(sent?.leaseUntil).toBeUndefined();
        expect(sent?.history.map((h) => h.status)).toEqual(['scheduled', 'sending', 'sent']);
        expect(await store.getMessage('m-1')).toEqual(sent);
      });

      test('from a status the record is not in: undefined, and nothing changes', async () => {
        const store = await makeStore();
        const record = aMessageRecord();
        await store.createMessage(record);

        const moved = await store.transition('m-1', ['sending', 'sent'], {
          at: '2026-11-23T09:00:00.000Z',
          status: 'failed',
        });
        const nowhere = await store.transition('m-1', [], {
          at: '2026-11-23T09:00:00.000Z',
          status: 'failed',
        });
        const unknown = await store.transition('m-nope', ['scheduled'], {
          at: '2026-11-23T09:00:00.000Z',
          status: 'cancelled',
        });

        expect(moved).toBeUndefined();
        expect(nowhere).toBeUndefined();
        expect(unknown).toBeUndefined();
        expect(await store.getMessage('m-1')).toEqual(record);
      });

      test('a change without reason removes the previous reason and detail', async () => {
        const store = await makeStore();
        await store.createMessage(aMessageRecord({ reason: 'outside-window', detail: 'deferred' }));

        const cancelled = await store.transition('m-1', ['scheduled'], {
          at: '2026-11-21T00:00:00.000Z',
          status: 'cancelled',
        });

        expect(cancelled?.status).toBe('cancelled');
        expect(cancelled?.reason).toBeUndefined();
        expect(cancelled?.detail).toBeUndefined();
      });
    });

    describe('claimForSending', () => {
      const now = '2026-11-23T09:00:00.000Z';
      const lease = '2026-11-23T09:01:00.000Z';

      test('claims a scheduled message: sending, attempts + 1, lease set, history appended', async () => {
        const store = await makeStore();
        await store.createMessage(aMessageRecord());

        const claimed = await store.claimForSending('m-1', now, lease);

        expect(claimed).toMatchObject({ status: 'sending', attempts: 1, leaseUntil: lease });
        expect(claimed?.history.at(-1)).toEqual({ at: now, status: 'sending' });
        expect(await store.getMessage('m-1')).toEqual(claimed);
      });

      test('a second claim while the lease runs gets undefined', async () => {
        const store = await makeStore();
        await store.createMessage(aMessageRecord());
        await store.claimForSending('m-1', now, lease);

        const second = await store.claimForSending('m-1', later(now, 0.5), later(lease, 0.5));

        expect(second).toBeUndefined();
        expect((await store.getMessage('m-1'))?.attempts).toBe(1);
      });

      test('of 10 concurrent claims exactly one wins', async () => {
        const store = await makeStore();
        await store.createMessage(aMessageRecord());

        const results = await Promise.all(
          Array.from({ length: 10 }, () => store.claimForSending('m-1', now, lease)),
        );

        expect(results.filter((r) => r !== undefined)).toHaveLength(1);
        expect((await store.getMessage('m-1'))?.attempts).toBe(1);
      });

      test('a lapsed lease (crashed sender) can be claimed again, counting the attempt', async () => {
        const store = await makeStore();
        await store.createMessage(aMessageRecord());
        await store.claimForSending('m-1', now, lease);

        const reclaimed = await store.claimForSending('m-1', later(lease, 1), later(lease, 2));

        expect(reclaimed).toMatchObject({ status: 'sending', attempts: 2, leaseUntil: later(lease, 2) });
      });

      test('an unknown or finished message cannot be claimed', async () => {
        const store = await makeStore();
        await store.createMessage(aMessageRecord({ status: 'cancelled' }));

        expect(await store.claimForSending('m-1', now, lease)).toBeUndefined();
        expect(await store.claimForSending('m-nope', now, lease)).toBeUndefined();
      });
    });

    describe('the send path under a claim (transition with claim, prepareSend, recordSent)', () => {
      const now = CONTRACT_NOW;
      const lease = later(CONTRACT_NOW, 1);
      const fields = { channel: 'sms', to: '+46701234567', locale: 'sv', rendered: SMS } as const;
      const sent = { at: now, providerId: 'SM-1', sentAt: now };

      /** m-1 claimed once by a sender whose lease lapsed, then again by a second sender. */
      async function reclaimed(store: JourneyStore) {
        await store.createMessage(aMessageRecord());
        const first = await store.claimForSending('m-1', now, lease);
        const second = await store.claimForSending('m-1', later(lease, 1), later(lease, 2));
        return { stale: first?.attempts ?? -1, current: second?.attempts ?? -1 };
      }

      test('writes of a sender whose claim was taken over are refused and change nothing', async () => {
        const store = await makeStore();
        const { stale, current } = await reclaimed(store);
        const before = await store.getMessage('m-1');

        const retry = await store.transition(
          'm-1',
          ['sending'],
          { at: now, status: 'scheduled', reason: 'retry' },
          { sendAt: later(now, 1) },
          stale,
        );
        const prepared = await store.prepareSend('m-1', stale, fields);
        const recorded = await store.recordSent('m-1', stale, sent);

        expect([stale, current]).toEqual([1, 2]);
        expect([retry, prepared, recorded]).toEqual([undefined, false, undefined]);
        expect(await store.getMessage('m-1')).toEqual(before);
      });

      test('the current claim writes: prepareSend keeps it sending with its lease, recordSent makes it sent', async () => {
        const store = await makeStore();
        const { current } = await reclaimed(store);

        const prepared = await store.prepareSend('m-1', current, fields);
        const afterPrepare = await store.getMessage('m-1');
        const unseen = await store.findLatestMessageTo(fields.to);
        const recorded = await store.recordSent('m-1', current, {
          ...sent,
          reason: 'fallback',
          detail: 'email: none',
        });

        expect(prepared).toBe(true);
        expect(afterPrepare).toMatchObject({ status: 'sending', leaseUntil: later(lease, 2), ...fields });
        expect(unseen).toBeUndefined(); // not sent yet: a reply must not correlate with it
        expect(recorded).toMatchObject({
          status: 'sent',
          providerId: 'SM-1',
          sentAt: now,
          reason: 'fallback',
          detail: 'email: none',
          ...fields,
        });
        expect(recorded?.leaseUntil).toBeUndefined();
        expect(recorded?.history.map((change) => change.status)).toEqual([
          'scheduled',
          'sending',
          'sending',
          'sent',
        ]);
        expect(await store.getMessage('m-1')).toEqual(recorded);
        expect((await store.findLatestMessageTo(fields.to))?.messageId).toBe('m-1');
      });

      test('a delivery report that arrived before `sent` keeps its status; recordSent fills in the provider fields', async () => {
        const store = await makeStore();
        await store.createMessage(aMessageRecord());
        const claimed = await store.claimForSending('m-1', now, lease);
        const claim = claimed?.attempts ?? -1;
        await store.prepareSend('m-1', claim, fields);
        const report = await store.applyProviderStatus('m-1', {
          providerEventId: 'SM-1:delivered',
          status: 'delivered',
          at: later(now, 0.1),
        });

        const recorded = await store.recordSent('m-1', claim, sent);
        const again = await store.recordSent('m-1', claim, { ...sent, providerId: 'SM-other' });

        expect(report).toBe('applied');
        expect(recorded).toMatchObject({ status: 'delivered', providerId: 'SM-1', sentAt: now, ...fields });
        expect(recorded?.leaseUntil).toBeUndefined();
        expect(again).toBeUndefined(); // filled once: a second answer cannot replace the first
        expect(await store.getMessage('m-1')).toEqual(recorded);
        expect((await store.findLatestMessageTo(fields.to))?.messageId).toBe('m-1');
      });

      test('recordSent with shed drops the rendered text and the trigger detail, and says so', async () => {
        const store = await makeStore();
        await store.createMessage(aMessageRecord());
        const claimed = await store.claimForSending('m-1', now, lease);
        await store.prepareSend('m-1', claimed?.attempts ?? -1, fields);

        const recorded = await store.recordSent('m-1', claimed?.attempts ?? -1, sent, { shed: true });

        expect(recorded).toMatchObject({ status: 'sent', providerId: 'SM-1', channel: 'sms', to: fields.to });
        expect(recorded?.rendered).toBeUndefined();
        expect(recorded?.trigger).toMatchObject({ id: 'ev-m-1', detail: {}, trimmed: ['detail'] });
        expect(await store.getMessage('m-1')).toEqual(recorded);
      });
    });

    describe('trigger detail: any JSON an event may carry', () => {
      test('keys named like Object.prototype members, empty strings, deep nesting and a trimmed list round-trip', async () => {
        const store = await makeStore();
        let deep: Record<string, unknown> = { leaf: 'bottom' };
        for (let level = 0; level < 30; level++) deep = { [`l${level}`]: deep };
        const detail: Record<string, unknown> = JSON.parse(
          '{"constructor":{"name":"Policy"},"toString":"x","valueOf":1,"hasOwnProperty":null,' +
            '"nested":{"a":[{"constructor":true}]},"emptyString":"","big":12345678901234567}',
        );
        detail.deep = deep;
        const record = aMessageRecord({
          trigger: { ...aMessageRecord().trigger, detail, trimmed: ['detail.notes'] },
        });

        const created = await store.createMessage(record);
        const read = await store.getMessage('m-1');

        expect(created).toBe('created');
        expect(JSON.stringify(read?.trigger.detail)).toBe(JSON.stringify(detail));
        expect(read?.trigger.trimmed).toEqual(['detail.notes']);
      });
    });

    describe('findPending', () => {
      const key = 'renewal-reminder#P-1';

      test('returns only scheduled messages with that correlation key', async () => {
        const store = await makeStore();
        await store.createMessage(aMessageRecord({ messageId: 'm-a', correlationKey: key }));
        await store.createMessage(
          aMessageRecord({ messageId: 'm-b', correlationKey: key, sendAt: '2026-12-01T09:00:00.000Z' }),
        );
        await store.createMessage(
          aMessageRecord({ messageId: 'm-other', correlationKey: 'renewal-reminder#P-2' }),
        );
        await store.createMessage(aMessageRecord({ messageId: 'm-plain' }));
        await store.createMessage(
          aMessageRecord({ messageId: 'm-held', correlationKey: key, status: 'suppressed' }),
        );

        const pending = await store.findPending(key);

        expect(ids(pending).sort()).toEqual(['m-a', 'm-b']);
        expect(pending.find((m) => m.messageId === 'm-b')).toEqual(
          aMessageRecord({ messageId: 'm-b', correlationKey: key, sendAt: '2026-12-01T09:00:00.000Z' }),
        );
      });

      test('stops returning a message once it is cancelled or claimed, and again once it is deferred', async () => {
        const store = await makeStore();
        for (const id of ['m-a', 'm-b', 'm-c']) {
          await store.createMessage(aMessageRecord({ messageId: id, correlationKey: key }));
        }

        await store.transition('m-a', ['scheduled'], { at: '2026-11-21T00:00:00.000Z', status: 'cancelled' });
        await store.claimForSending('m-b', '2026-11-23T09:00:00.000Z', '2026-11-23T09:01:00.000Z');
        const afterCancelAndClaim = await store.findPending(key);
        await store.transition(
          'm-b',
          ['sending'],
          { at: '2026-11-23T09:00:00.000Z', status: 'scheduled', reason: 'outside-window' },
          { sendAt: '2026-11-24T07:00:00.000Z' },
        );
        const afterDefer = await store.findPending(key);

        expect(ids(afterCancelAndClaim)).toEqual(['m-c']);
        expect(ids(afterDefer).sort()).toEqual(['m-b', 'm-c']);
        expect(afterDefer.find((m) => m.messageId === 'm-b')?.sendAt).toBe('2026-11-24T07:00:00.000Z');
      });

      test('an unknown key finds nothing', async () => {
        const store = await makeStore();

        expect(await store.findPending('no-such#key')).toEqual([]);
      });
    });

    describe('cap ledger (reserveCapSlot, countCapSlots, releaseCapSlot)', () => {
      const since = '2026-11-22T09:00:00.000Z';

      test('records up to max messages in the period, refuses the next, and counts them', async () => {
        const store = await makeStore();
        await store.reserveCapSlot('cust-anna', 'm-old', '2026-11-21T09:00:00.000Z', since, 2);

        const first = await store.reserveCapSlot('cust-anna', 'm-1', '2026-11-23T08:00:00.000Z', since, 2);
        const second = await store.reserveCapSlot('cust-anna', 'm-2', '2026-11-23T08:30:00.000Z', since, 2);
        const third = await store.reserveCapSlot('cust-anna', 'm-3', '2026-11-23T08:45:00.000Z', since, 2);
        const urgent = await store.reserveCapSlot('cust-anna', 'm-4', '2026-11-23T08:50:00.000Z', since);

        expect([first, second, third, urgent]).toEqual([true, true, false, true]);
        expect(await store.countCapSlots('cust-anna', since)).toBe(3);
        expect(await store.countCapSlots('cust-anna', since, 'm-4')).toBe(2);
        expect(await store.countCapSlots('cust-bob', since)).toBe(0);
      });

      test('a message asking again (a redelivery) keeps its place even when the cap is full', async () => {
        const store = await makeStore();
        await store.reserveCapSlot('cust-anna', 'm-1', '2026-11-23T08:00:00.000Z', since, 1);

        const again = await store.reserveCapSlot('cust-anna', 'm-1', '2026-11-23T08:10:00.000Z', since, 1);

        expect(again).toBe(true);
        expect(await store.countCapSlots('cust-anna', since)).toBe(1);
      });

      test('concurrent reservations for one customer: exactly max win', async () => {
        const store = await makeStore();

        const results = await Promise.all(
          Array.from({ length: 6 }, (_, index) =>
            store.reserveCapSlot('cust-anna', `m-${index}`, '2026-11-23T08:00:00.000Z', since, 3),
          ),
        );

        expect(results.filter(Boolean)).toHaveLength(3);
        expect(await store.countCapSlots('cust-anna', since)).toBe(3);
      });

      test('a released message frees its place; releasing an unknown one changes nothing', async () => {
        const store = await makeStore();
        await store.reserveCapSlot('cust-anna', 'm-1', '2026-11-23T08:00:00.000Z', since, 1);

        await store.releaseCapSlot('cust-anna', 'm-1');
        await store.releaseCapSlot('cust-anna', 'm-unknown');
        await store.releaseCapSlot('cust-nobody', 'm-1');
        const next = await store.reserveCapSlot('cust-anna', 'm-2', '2026-11-23T08:05:00.000Z', since, 1);

        expect(next).toBe(true);
        expect(await store.countCapSlots('cust-anna', since)).toBe(1);
      });
    });

    describe('applyProviderStatus', () => {
      const delivered = {
        providerEventId: 'SM1:delivered',
        status: 'delivered',
        at: '2026-11-23T09:00:05.000Z',
      } as const;

      test('applies a report once: status, history; a repeat is "duplicate" and changes nothing', async () => {
        const store = await makeStore();
        await sentMessage(store, { messageId: 'm-1' }, '2026-11-23T09:00:00.000Z');

        const first = await store.applyProviderStatus('m-1', delivered);
        const afterFirst = await store.getMessage('m-1');
        const repeat = await store.applyProviderStatus('m-1', delivered);

        expect(first).toBe('applied');
        expect(afterFirst?.status).toBe('delivered');
        expect(afterFirst?.history.at(-1)).toEqual({ at: delivered.at, status: 'delivered' });
        expect(repeat).toBe('duplicate');
        expect(await store.getMessage('m-1')).toEqual(afterFirst);
      });

      test('a delivery report for a message whose send answer was lost (a retry pending) completes it with sentAt', async () => {
        const store = await makeStore();
        await store.createMessage(aMessageRecord({ messageId: 'm-lost' }));
        await store.claimForSending('m-lost', CONTRACT_NOW, later(CONTRACT_NOW, 1));
        await store.transition(
          'm-lost',
          ['sending'],
          { at: CONTRACT_NOW, status: 'scheduled', reason: 'retry', detail: 'network: socket hang up' },
          { sendAt: later(CONTRACT_NOW, 1), channel: 'sms', to: '+46701234599', locale: 'sv', rendered: SMS },
        );

        const result = await store.applyProviderStatus('m-lost', {
          providerEventId: 'SM-lost:delivered',
          status: 'delivered',
          at: '2026-11-23T09:00:05.000Z',
        });

        expect(result).toBe('applied');
        expect(await store.getMessage('m-lost')).toMatchObject({
          status: 'delivered',
          sentAt: '2026-11-23T09:00:05.000Z',
        });
        expect((await store.findLatestMessageTo('+46701234599'))?.messageId).toBe('m-lost');
      });

      test('never goes back: a late "sent" after "delivered" is stale, and so is a second outcome', async () => {
        const store = await makeStore();
        await sentMessage(store, { messageId: 'm-1' }, '2026-11-23T09:00:00.000Z');
        await store.applyProviderStatus('m-1', delivered);
        const afterDelivered = await store.getMessage('m-1');

        const lateSent = await store.applyProviderStatus('m-1', {
          providerEventId: 'SM1:sent',
          status: 'sent',
          at: '2026-11-23T09:00:01.000Z',
        });
        const secondOutcome = await store.applyProviderStatus('m-1', {
          providerEventId: 'SM1:undelivered',
          status: 'undelivered',
          at: '2026-11-23T09:00:09.000Z',
          reason: '30003',
        });

        expect(lateSent).toBe('stale');
        expect(secondOutcome).toBe('stale');
        expect(await store.getMessage('m-1')).toEqual(afterDelivered);
      });

      test('records reason and detail of a failure report', async () => {
        const store = await makeStore();
        await sentMessage(store, { messageId: 'm-1' }, '2026-11-23T09:00:00.000Z');

        const result = await store.applyProviderStatus('m-1', {
          providerEventId: 'sg-ev-1',
          status: 'bounced',
          at: '2026-11-23T09:02:00.000Z',
          reason: 'bounce',
          detail: '550 5.1.1 unknown user',
        });

        expect(result).toBe('applied');
        expect(await store.getMessage('m-1')).toMatchObject({
          status: 'bounced',
          reason: 'bounce',
          detail: '550 5.1.1 unknown user',
        });
      });

      test('an unknown message id is "not-found"', async () => {
        const store = await makeStore();

        expect(await store.applyProviderStatus('m-nope', delivered)).toBe('not-found');
      });
    });

    describe('findLatestMessageTo', () => {
      test('finds the latest message sent to the address, ignoring unsent ones and other addresses', async () => {
        const store = await makeStore();
        await sentMessage(store, { messageId: 'm-early' }, '2026-11-20T09:00:00.000Z');
        await sentMessage(store, { messageId: 'm-late' }, '2026-11-22T09:00:00.000Z');
        await sentMessage(
          store,
          { messageId: 'm-bob', customerId: 'cust-bob' },
          '2026-11-23T09:00:00.000Z',
          '+46700000001',
        );
        await store.createMessage(
          aMessageRecord({ messageId: 'm-failed', status: 'failed', to: '+46701234567' }),
        );

        const latest = await store.findLatestMessageTo('+46701234567');
        const nobody = await store.findLatestMessageTo('+46700000099');

        expect(latest?.messageId).toBe('m-late');
        expect(latest?.to).toBe('+46701234567');
        expect(nobody).toBeUndefined();
      });
    });

    describe('replies and the customer timeline', () => {
      const reply: InboundReply = {
        replyId: 'SM-in-1',
        receivedAt: '2026-11-22T10:00:00.000Z',
        from: '+46701234567',
        body: 'JA',
        intent: 'yes',
        customerId: 'cust-anna',
        messageId: 'm-2',
        ruleId: 'renewal-reminder',
      };

      test('a reply is recorded once; a retry is "exists" and keeps the first', async () => {
        const store = await makeStore();

        const first = await store.recordReply(reply);
        const retry = await store.recordReply({
          ...reply,
          receivedAt: '2026-11-22T10:00:30.000Z',
          body: 'JA!',
        });
        const timeline = await store.customerTimeline('cust-anna', 10);

        expect(first).toBe('created');
        expect(retry).toBe('exists');
        expect(timeline.replies).toEqual([reply]);
      });

      test('hasReply tells a recorded reply from an unknown one', async () => {
        const store = await makeStore();
        await store.recordReply(reply);

        expect(await store.hasReply('SM-in-1')).toBe(true);
        expect(await store.hasReply('SM-other')).toBe(false);
      });

      test("the timeline holds the customer's messages and replies, newest first, `limit` entries in all", async () => {
        const store = await makeStore();
        await store.createMessage(
          aMessageRecord({ messageId: 'm-1', createdAt: '2026-11-20T08:00:00.000Z' }),
        );
        await store.createMessage(
          aMessageRecord({ messageId: 'm-2', createdAt: '2026-11-21T08:00:00.000Z' }),
        );
        await store.createMessage(
          aMessageRecord({ messageId: 'm-3', createdAt: '2026-11-23T08:00:00.000Z' }),
        );
        await store.createMessage(aMessageRecord({ messageId: 'm-bob', customerId: 'cust-bob' }));
        await store.recordReply(reply);
        await store.recordReply({ ...reply, replyId: 'SM-in-0', receivedAt: '2026-11-19T10:00:00.000Z' });
        await store.recordReply({ ...reply, replyId: 'SM-bob', customerId: 'cust-bob' });
        await store.recordReply({
          replyId: 'SM-stranger',
          receivedAt: '2026-11-22T11:00:00.000Z',
          from: '+4670',
          body: 'hi',
        });

        const all = await store.customerTimeline('cust-anna', 10);
        const newest = await store.customerTimeline('cust-anna', 3);
        const nobody = await store.customerTimeline('cust-nobody', 10);

        expect(ids(all.messages)).toEqual(['m-3', 'm-2', 'm-1']);
        expect(all.replies.map((r) => r.replyId)).toEqual(['SM-in-1', 'SM-in-0']);
        expect(all.messages[0]).toEqual(
          aMessageRecord({ messageId: 'm-3', createdAt: '2026-11-23T08:00:00.000Z' }),
        );
        expect(ids(newest.messages)).toEqual(['m-3', 'm-2']);
        expect(newest.replies.map((r) => r.replyId)).toEqual(['SM-in-1']);
        expect(nobody).toEqual({ messages: [], replies: [] });
      });
    });

    describe('listMessages (the outbox)', () => {
      // Spread over months with an empty one (August) between, so paging crosses buckets.
      const created = [
        ['m-jul', '2026-07-04T12:00:00.000Z'],
        ['m-sep', '2026-09-30T23:59:59.999Z'],
        ['m-oct', '2026-10-15T08:00:00.000Z'],
        ['m-nov-a', '2026-11-02T08:00:00.000Z'],
        ['m-nov-b', '2026-11-20T08:00:00.000Z'],
      ] as const;
      const newestFirst = ['m-nov-b', 'm-nov-a', 'm-oct', 'm-sep', 'm-jul'];

      async function filled(): Promise<JourneyStore> {
        const store = await makeStore();
        for (const [messageId, createdAt] of created) {
          await store.createMessage(
            aMessageRecord({ messageId, createdAt, customerId: `cust-${messageId}` }),
          );
        }
        return store;
      }

      test('one big page holds every message, newest first', async () => {
        const store = await filled();

        const page = await store.listMessages({ limit: 50 });

        expect(ids(page.items)).toEqual(newestFirst);
        expect(page.items[0]).toEqual(
          aMessageRecord({
            messageId: 'm-nov-b',
            createdAt: '2026-11-20T08:00:00.000Z',
            customerId: 'cust-m-nov-b',
          }),
        );
      });

      test('the cursor pages through everything exactly once, in order', async () => {
        const store = await filled();
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;

        do {
          const page = await store.listMessages({ limit: 2, ...(cursor === undefined ? {} : { cursor }) });
          expect(page.items.length).toBeLessThanOrEqual(2);
          seen.push(...ids(page.items));
          cursor = page.cursor;
          pages++;
        } while (cursor !== undefined && pages < 10);

        expect(seen).toEqual(newestFirst);
        expect(cursor).toBeUndefined();
      });

      test('a message created after the first page does not disturb the pages that follow', async () => {
        const store = await filled();

        const first = await store.listMessages({ limit: 2 });
        await store.createMessage(
          aMessageRecord({ messageId: 'm-new', createdAt: '2026-11-23T08:59:00.000Z' }),
        );
        const second = await store.listMessages({
          limit: 2,
          ...(first.cursor === undefined ? {} : { cursor: first.cursor }),
        });

        expect(ids(first.items)).toEqual(['m-nov-b', 'm-nov-a']);
        expect(ids(second.items)).toEqual(['m-oct', 'm-sep']);
      });

      test('an empty store lists nothing', async () => {
        const store = await makeStore();

        const page = await store.listMessages({ limit: 10 });

        expect(page.items).toEqual([]);
        expect(page.cursor).toBeUndefined();
      });

      test('a cursor the store did not issue is refused', async () => {
        const store = await filled();

        await expect(store.listMessages({ limit: 2, cursor: 'not-a-cursor' })).rejects.toThrow(/cursor/);
      });
    });

    describe('listRejected', () => {
      test('newest first, at most `limit`', async () => {
        const store = await makeStore();
        const rejected: RejectedEvent[] = [
          {
            receivedAt: '2026-10-01T10:00:00.000Z',
            reason: 'detail.customer: required',
            eventId: 'ev-1',
            raw: '{"id":"ev-1"}',
          },
          { receivedAt: '2026-11-22T10:00:00.000Z', reason: 'not JSON', raw: '{oops' },
          { receivedAt: '2026-11-21T10:00:00.000Z', reason: 'time: not ISO', eventId: 'ev-3', raw: '{}' },
        ];
        for (const item of rejected) await store.recordRejected(item);

        const two = await store.listRejected(2);
        const all = await store.listRejected(10);

        expect(two).toEqual([rejected[1], rejected[2]]);
        expect(all).toEqual([rejected[1], rejected[2], rejected[0]]);
      });
    });

    describe('threshold counters (recordThresholdEvent, countThresholdEvents, listThresholdEvents)', () => {
      const counter = 'problem-spike#INVOICE-DOUBLE';
      const keep = '2026-11-23T12:00:00.000Z';
      /** An entry at 09:00 plus `minutes`. */
      const entry = (eventId: string, minutes: number, customerId?: string): ThresholdEntry => ({
        eventId,
        at: later('2026-11-23T09:00:00.000Z', minutes),
        ...(customerId === undefined ? {} : { customerId }),
      });

      test('an event counts once: a redelivery (same id and time) is "exists"', async () => {
        const store = await makeStore();

        const first = await store.recordThresholdEvent(counter, entry('ev-1', 0, 'cust-anna'), keep);
        const again = await store.recordThresholdEvent(counter, entry('ev-1', 0, 'cust-anna'), keep);
        const count = await store.countThresholdEvents(counter, later(CONTRACT_NOW, -60), CONTRACT_NOW);

        expect([first, again]).toEqual(['created', 'exists']);
        expect(count).toBe(1);
      });

      test('counts exactly the window after < at ≤ until, per counter', async () => {
        const store = await makeStore();
        // 08:59, 09:00 (the lower bound, excluded), 09:00:00.001, 09:30, 10:00 (the upper bound,
        // included, twice at the same instant), 10:00:00.001 (after it), and another counter.
        const lower = '2026-11-23T09:00:00.000Z';
        const upper = '2026-11-23T10:00:00.000Z';
        for (const item of [
          entry('ev-a', -1),
          entry('ev-b', 0),
          { eventId: 'ev-c', at: '2026-11-23T09:00:00.001Z' },
          entry('ev-d', 30),
          entry('ev-e', 60),
          entry('ev-f', 60),
          { eventId: 'ev-g', at: '2026-11-23T10:00:00.001Z' },
        ]) {
          await store.recordThresholdEvent(counter, item, keep);
        }
        await store.recordThresholdEvent('problem-spike#LOGIN-FAIL', entry('ev-x', 30), keep);

        const count = await store.countThresholdEvents(counter, lower, upper);
        const empty = await store.countThresholdEvents(counter, upper, upper);
        const other = await store.countThresholdEvents('problem-spike#LOGIN-FAIL', lower, upper);
        const unknown = await store.countThresholdEvents('problem-spike#NOTHING', lower, upper);

        expect(count).toBe(4); // ev-c, ev-d, ev-e, ev-f
        expect([empty, other, unknown]).toEqual([0, 1, 0]);
      });

      test('lists the window oldest or newest first, at most `limit`, with customer ids', async () => {
        const store = await makeStore();
        for (const item of [
          entry('ev-2', 20, 'cust-lars'),
          entry('ev-1', 10, 'cust-anna'),
          entry('ev-3', 30),
          entry('ev-0', -30, 'cust-old'),
        ]) {
          await store.recordThresholdEvent(counter, item, keep);
        }
        const after = '2026-11-23T09:00:00.000Z';
        const until = '2026-11-23T10:00:00.000Z';

        const oldest = await store.listThresholdEvents(counter, after, until, {
          limit: 1,
          order: 'oldest-first',
        });
        const newest = await store.listThresholdEvents(counter, after, until, {
          limit: 5,
          order: 'newest-first',
        });
        const none = await store.listThresholdEvents('problem-spike#NOTHING', after, until, {
          limit: 5,
          order: 'newest-first',
        });

        expect(oldest).toEqual([entry('ev-1', 10, 'cust-anna')]);
        expect(newest).toEqual([
          entry('ev-3', 30),
          entry('ev-2', 20, 'cust-lars'),
          entry('ev-1', 10, 'cust-anna'),
        ]);
        expect(none).toEqual([]);
      });

      test('concurrent deliveries of the same events count each event once', async () => {
        const store = await makeStore();
        const events = Array.from({ length: 6 }, (_, index) => entry(`ev-${index}`, index));

        const results = await Promise.all(
          [...events, ...events, ...events].map((item) => store.recordThresholdEvent(counter, item, keep)),
        );
        const count = await store.countThresholdEvents(
          counter,
          later(CONTRACT_NOW, -60),
          later(CONTRACT_NOW, 60),
        );

        expect(results.filter((result) => result === 'created')).toHaveLength(6);
        expect(count).toBe(6);
      });
    });
  });
}
