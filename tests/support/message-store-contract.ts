/** The behavioural contract of the MessageStore port (shared fixtures: store-contract-fixtures.ts). */
import { describe, expect, test } from 'vitest';
import type { Stores } from '../../functions/app/ports/stores.ts';
import {
  aMessageRecord,
  CONTRACT_NOW,
  ids,
  later,
  type MakeStores,
  SMS,
  sentMessage,
} from './store-contract-fixtures.ts';

/** Registers the MessageStore contract for one implementation. */
export function describeMessageStoreContract(name: string, makeStores: MakeStores): void {
  describe(`MessageStore contract: ${name}`, () => {
    describe('createMessage / getMessage', () => {
      test('creates once; a second create of the same id is "exists" and changes nothing', async () => {
        const stores = await makeStores();
        const record = aMessageRecord();

        const first = await stores.messages.createMessage(record);
        const second = await stores.messages.createMessage({
          ...record,
          ruleId: 'other-rule',
          status: 'suppressed',
        });

        expect(first).toBe('created');
        expect(second).toBe('exists');
        expect(await stores.messages.getMessage('m-1')).toEqual(record);
      });

      test('an unknown id reads as undefined', async () => {
        const stores = await makeStores();

        expect(await stores.messages.getMessage('m-nope')).toBeUndefined();
      });

      test('every optional field round-trips', async () => {
        const stores = await makeStores();
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

        await stores.messages.createMessage(record);

        expect(await stores.messages.getMessage('m-1')).toEqual(record);
      });
    });

    describe('transition', () => {
      test('moves from an allowed status, appends history, sets reason, patch, clears the lease', async () => {
        const stores = await makeStores();
        await stores.messages.createMessage(aMessageRecord());
        await stores.messages.claimForSending('m-1', '2026-11-23T09:00:00.000Z', '2026-11-23T09:01:00.000Z');

        const sent = await stores.messages.transition(
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
        expect(await stores.messages.getMessage('m-1')).toEqual(sent);
      });

      test('from a status the record is not in: undefined, and nothing changes', async () => {
        const stores = await makeStores();
        const record = aMessageRecord();
        await stores.messages.createMessage(record);

        const moved = await stores.messages.transition('m-1', ['sending', 'sent'], {
          at: '2026-11-23T09:00:00.000Z',
          status: 'failed',
        });
        const nowhere = await stores.messages.transition('m-1', [], {
          at: '2026-11-23T09:00:00.000Z',
          status: 'failed',
        });
        const unknown = await stores.messages.transition('m-nope', ['scheduled'], {
          at: '2026-11-23T09:00:00.000Z',
          status: 'cancelled',
        });

        expect(moved).toBeUndefined();
        expect(nowhere).toBeUndefined();
        expect(unknown).toBeUndefined();
        expect(await stores.messages.getMessage('m-1')).toEqual(record);
      });

      test('a change without reason removes the previous reason and detail', async () => {
        const stores = await makeStores();
        await stores.messages.createMessage(aMessageRecord({ reason: 'outside-window', detail: 'deferred' }));

        const cancelled = await stores.messages.transition('m-1', ['scheduled'], {
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
        const stores = await makeStores();
        await stores.messages.createMessage(aMessageRecord());

        const claimed = await stores.messages.claimForSending('m-1', now, lease);

        expect(claimed).toMatchObject({ status: 'sending', attempts: 1, leaseUntil: lease });
        expect(claimed?.history.at(-1)).toEqual({ at: now, status: 'sending' });
        expect(await stores.messages.getMessage('m-1')).toEqual(claimed);
      });

      test('a second claim while the lease runs gets undefined', async () => {
        const stores = await makeStores();
        await stores.messages.createMessage(aMessageRecord());
        await stores.messages.claimForSending('m-1', now, lease);

        const second = await stores.messages.claimForSending('m-1', later(now, 0.5), later(lease, 0.5));

        expect(second).toBeUndefined();
        expect((await stores.messages.getMessage('m-1'))?.attempts).toBe(1);
      });

      test('of 10 concurrent claims exactly one wins', async () => {
        const stores = await makeStores();
        await stores.messages.createMessage(aMessageRecord());

        const results = await Promise.all(
          Array.from({ length: 10 }, () => stores.messages.claimForSending('m-1', now, lease)),
        );

        expect(results.filter((r) => r !== undefined)).toHaveLength(1);
        expect((await stores.messages.getMessage('m-1'))?.attempts).toBe(1);
      });

      test('a lapsed lease (crashed sender) can be claimed again, counting the attempt', async () => {
        const stores = await makeStores();
        await stores.messages.createMessage(aMessageRecord());
        await stores.messages.claimForSending('m-1', now, lease);

        const reclaimed = await stores.messages.claimForSending('m-1', later(lease, 1), later(lease, 2));

        expect(reclaimed).toMatchObject({ status: 'sending', attempts: 2, leaseUntil: later(lease, 2) });
      });

      test('an unknown or finished message cannot be claimed', async () => {
        const stores = await makeStores();
        await stores.messages.createMessage(aMessageRecord({ status: 'cancelled' }));

        expect(await stores.messages.claimForSending('m-1', now, lease)).toBeUndefined();
        expect(await stores.messages.claimForSending('m-nope', now, lease)).toBeUndefined();
      });
    });

    describe('the send path under a claim (transition with claim, prepareSend, recordSent)', () => {
      const now = CONTRACT_NOW;
      const lease = later(CONTRACT_NOW, 1);
      const fields = { channel: 'sms', to: '+46701234567', locale: 'sv', rendered: SMS } as const;
      const sent = { at: now, providerId: 'SM-1', sentAt: now };

      /** m-1 claimed once by a sender whose lease lapsed, then again by a second sender. */
      async function reclaimed(stores: Stores) {
        await stores.messages.createMessage(aMessageRecord());
        const first = await stores.messages.claimForSending('m-1', now, lease);
        const second = await stores.messages.claimForSending('m-1', later(lease, 1), later(lease, 2));
        return { stale: first?.attempts ?? -1, current: second?.attempts ?? -1 };
      }

      test('writes of a sender whose claim was taken over are refused and change nothing', async () => {
        const stores = await makeStores();
        const { stale, current } = await reclaimed(stores);
        const before = await stores.messages.getMessage('m-1');

        const retry = await stores.messages.transition(
          'm-1',
          ['sending'],
          { at: now, status: 'scheduled', reason: 'retry' },
          { sendAt: later(now, 1) },
          stale,
        );
        const prepared = await stores.messages.prepareSend('m-1', stale, fields);
        const recorded = await stores.messages.recordSent('m-1', stale, sent);

        expect([stale, current]).toEqual([1, 2]);
        expect([retry, prepared, recorded]).toEqual([undefined, false, undefined]);
        expect(await stores.messages.getMessage('m-1')).toEqual(before);
      });

      test('the current claim writes: prepareSend keeps it sending with its lease, recordSent makes it sent', async () => {
        const stores = await makeStores();
        const { current } = await reclaimed(stores);

        const prepared = await stores.messages.prepareSend('m-1', current, fields);
        const afterPrepare = await stores.messages.getMessage('m-1');
        const unseen = await stores.messages.findLatestMessageTo(fields.to);
        const recorded = await stores.messages.recordSent('m-1', current, {
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
        expect(await stores.messages.getMessage('m-1')).toEqual(recorded);
        expect((await stores.messages.findLatestMessageTo(fields.to))?.messageId).toBe('m-1');
      });

      test('a delivery report that arrived before `sent` keeps its status; recordSent fills in the provider fields', async () => {
        const stores = await makeStores();
        await stores.messages.createMessage(aMessageRecord());
        const claimed = await stores.messages.claimForSending('m-1', now, lease);
        const claim = claimed?.attempts ?? -1;
        await stores.messages.prepareSend('m-1', claim, fields);
        const report = await stores.messages.applyProviderStatus('m-1', {
          providerEventId: 'SM-1:delivered',
          status: 'delivered',
          at: later(now, 0.1),
        });

        const recorded = await stores.messages.recordSent('m-1', claim, sent);
        const again = await stores.messages.recordSent('m-1', claim, { ...sent, providerId: 'SM-other' });

        expect(report).toBe('applied');
        expect(recorded).toMatchObject({ status: 'delivered', providerId: 'SM-1', sentAt: now, ...fields });
        expect(recorded?.leaseUntil).toBeUndefined();
        expect(again).toBeUndefined(); // filled once: a second answer cannot replace the first
        expect(await stores.messages.getMessage('m-1')).toEqual(recorded);
        expect((await stores.messages.findLatestMessageTo(fields.to))?.messageId).toBe('m-1');
      });

      test('recordSent with shed drops the rendered text and the trigger detail, and says so', async () => {
        const stores = await makeStores();
        await stores.messages.createMessage(aMessageRecord());
        const claimed = await stores.messages.claimForSending('m-1', now, lease);
        await stores.messages.prepareSend('m-1', claimed?.attempts ?? -1, fields);

        const recorded = await stores.messages.recordSent('m-1', claimed?.attempts ?? -1, sent, {
          shed: true,
        });

        expect(recorded).toMatchObject({ status: 'sent', providerId: 'SM-1', channel: 'sms', to: fields.to });
        expect(recorded?.rendered).toBeUndefined();
        expect(recorded?.trigger).toMatchObject({ id: 'ev-m-1', detail: {}, trimmed: ['detail'] });
        expect(await stores.messages.getMessage('m-1')).toEqual(recorded);
      });
    });

    describe('trigger detail: any JSON an event may carry', () => {
      test('keys named like Object.prototype members, empty strings, deep nesting and a trimmed list round-trip', async () => {
        const stores = await makeStores();
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

        const created = await stores.messages.createMessage(record);
        const read = await stores.messages.getMessage('m-1');

        expect(created).toBe('created');
        expect(JSON.stringify(read?.trigger.detail)).toBe(JSON.stringify(detail));
        expect(read?.trigger.trimmed).toEqual(['detail.notes']);
      });
    });

    describe('findPending', () => {
      const key = 'renewal-reminder#P-1';

      test('returns only scheduled messages with that correlation key', async () => {
        const stores = await makeStores();
        await stores.messages.createMessage(aMessageRecord({ messageId: 'm-a', correlationKey: key }));
        await stores.messages.createMessage(
          aMessageRecord({ messageId: 'm-b', correlationKey: key, sendAt: '2026-12-01T09:00:00.000Z' }),
        );
        await stores.messages.createMessage(
          aMessageRecord({ messageId: 'm-other', correlationKey: 'renewal-reminder#P-2' }),
        );
        await stores.messages.createMessage(aMessageRecord({ messageId: 'm-plain' }));
        await stores.messages.createMessage(
          aMessageRecord({ messageId: 'm-held', correlationKey: key, status: 'suppressed' }),
        );

        const pending = await stores.messages.findPending(key);

        expect(ids(pending).sort()).toEqual(['m-a', 'm-b']);
        expect(pending.find((m) => m.messageId === 'm-b')).toEqual(
          aMessageRecord({ messageId: 'm-b', correlationKey: key, sendAt: '2026-12-01T09:00:00.000Z' }),
        );
      });

      test('stops returning a message once it is cancelled or claimed, and again once it is deferred', async () => {
        const stores = await makeStores();
        for (const id of ['m-a', 'm-b', 'm-c']) {
          await stores.messages.createMessage(aMessageRecord({ messageId: id, correlationKey: key }));
        }

        await stores.messages.transition('m-a', ['scheduled'], {
          at: '2026-11-21T00:00:00.000Z',
          status: 'cancelled',
        });
        await stores.messages.claimForSending('m-b', '2026-11-23T09:00:00.000Z', '2026-11-23T09:01:00.000Z');
        const afterCancelAndClaim = await stores.messages.findPending(key);
        await stores.messages.transition(
          'm-b',
          ['sending'],
          { at: '2026-11-23T09:00:00.000Z', status: 'scheduled', reason: 'outside-window' },
          { sendAt: '2026-11-24T07:00:00.000Z' },
        );
        const afterDefer = await stores.messages.findPending(key);

        expect(ids(afterCancelAndClaim)).toEqual(['m-c']);
        expect(ids(afterDefer).sort()).toEqual(['m-b', 'm-c']);
        expect(afterDefer.find((m) => m.messageId === 'm-b')?.sendAt).toBe('2026-11-24T07:00:00.000Z');
      });

      test('an unknown key finds nothing', async () => {
        const stores = await makeStores();

        expect(await stores.messages.findPending('no-such#key')).toEqual([]);
      });
    });

    describe('applyProviderStatus', () => {
      const delivered = {
        providerEventId: 'SM1:delivered',
        status: 'delivered',
        at: '2026-11-23T09:00:05.000Z',
      } as const;

      test('applies a report once: status, history; a repeat is "duplicate" and changes nothing', async () => {
        const stores = await makeStores();
        await sentMessage(stores, { messageId: 'm-1' }, '2026-11-23T09:00:00.000Z');

        const first = await stores.messages.applyProviderStatus('m-1', delivered);
        const afterFirst = await stores.messages.getMessage('m-1');
        const repeat = await stores.messages.applyProviderStatus('m-1', delivered);

        expect(first).toBe('applied');
        expect(afterFirst?.status).toBe('delivered');
        expect(afterFirst?.history.at(-1)).toEqual({ at: delivered.at, status: 'delivered' });
        expect(repeat).toBe('duplicate');
        expect(await stores.messages.getMessage('m-1')).toEqual(afterFirst);
      });

      test('a delivery report for a message whose send answer was lost (a retry pending) completes it with sentAt', async () => {
        const stores = await makeStores();
        await stores.messages.createMessage(aMessageRecord({ messageId: 'm-lost' }));
        await stores.messages.claimForSending('m-lost', CONTRACT_NOW, later(CONTRACT_NOW, 1));
        await stores.messages.transition(
          'm-lost',
          ['sending'],
          { at: CONTRACT_NOW, status: 'scheduled', reason: 'retry', detail: 'network: socket hang up' },
          { sendAt: later(CONTRACT_NOW, 1), channel: 'sms', to: '+46701234599', locale: 'sv', rendered: SMS },
        );

        const result = await stores.messages.applyProviderStatus('m-lost', {
          providerEventId: 'SM-lost:delivered',
          status: 'delivered',
          at: '2026-11-23T09:00:05.000Z',
        });

        expect(result).toBe('applied');
        expect(await stores.messages.getMessage('m-lost')).toMatchObject({
          status: 'delivered',
          sentAt: '2026-11-23T09:00:05.000Z',
        });
        expect((await stores.messages.findLatestMessageTo('+46701234599'))?.messageId).toBe('m-lost');
      });

      test('never goes back: a late "sent" after "delivered" is stale, and so is a second outcome', async () => {
        const stores = await makeStores();
        await sentMessage(stores, { messageId: 'm-1' }, '2026-11-23T09:00:00.000Z');
        await stores.messages.applyProviderStatus('m-1', delivered);
        const afterDelivered = await stores.messages.getMessage('m-1');

        const lateSent = await stores.messages.applyProviderStatus('m-1', {
          providerEventId: 'SM1:sent',
          status: 'sent',
          at: '2026-11-23T09:00:01.000Z',
        });
        const secondOutcome = await stores.messages.applyProviderStatus('m-1', {
          providerEventId: 'SM1:undelivered',
          status: 'undelivered',
          at: '2026-11-23T09:00:09.000Z',
          reason: '30003',
        });

        expect(lateSent).toBe('stale');
        expect(secondOutcome).toBe('stale');
        expect(await stores.messages.getMessage('m-1')).toEqual(afterDelivered);
      });

      test('records reason and detail of a failure report', async () => {
        const stores = await makeStores();
        await sentMessage(stores, { messageId: 'm-1' }, '2026-11-23T09:00:00.000Z');

        const result = await stores.messages.applyProviderStatus('m-1', {
          providerEventId: 'sg-ev-1',
          status: 'bounced',
          at: '2026-11-23T09:02:00.000Z',
          reason: 'bounce',
          detail: '550 5.1.1 unknown user',
        });

        expect(result).toBe('applied');
        expect(await stores.messages.getMessage('m-1')).toMatchObject({
          status: 'bounced',
          reason: 'bounce',
          detail: '550 5.1.1 unknown user',
        });
      });

      test('an unknown message id is "not-found"', async () => {
        const stores = await makeStores();

        expect(await stores.messages.applyProviderStatus('m-nope', delivered)).toBe('not-found');
      });
    });

    describe('findLatestMessageTo', () => {
      test('finds the latest message sent to the address, ignoring unsent ones and other addresses', async () => {
        const stores = await makeStores();
        await sentMessage(stores, { messageId: 'm-early' }, '2026-11-20T09:00:00.000Z');
        await sentMessage(stores, { messageId: 'm-late' }, '2026-11-22T09:00:00.000Z');
        await sentMessage(
          stores,
          { messageId: 'm-bob', customerId: 'cust-bob' },
          '2026-11-23T09:00:00.000Z',
          '+46700000001',
        );
        await stores.messages.createMessage(
          aMessageRecord({ messageId: 'm-failed', status: 'failed', to: '+46701234567' }),
        );

        const latest = await stores.messages.findLatestMessageTo('+46701234567');
        const nobody = await stores.messages.findLatestMessageTo('+46700000099');

        expect(latest?.messageId).toBe('m-late');
        expect(latest?.to).toBe('+46701234567');
        expect(nobody).toBeUndefined();
      });
    });

    describe('findMessagesSentTo', () => {
      test('gives the messages sent to the address since a time, newest first, at most limit', async () => {
        const stores = await makeStores();
        await sentMessage(stores, { messageId: 'm-old' }, '2026-11-18T09:00:00.000Z');
        await sentMessage(stores, { messageId: 'm-1' }, '2026-11-20T09:00:00.000Z');
        await sentMessage(stores, { messageId: 'm-2' }, '2026-11-21T09:00:00.000Z');
        await sentMessage(stores, { messageId: 'm-3' }, '2026-11-22T09:00:00.000Z');
        await sentMessage(stores, { messageId: 'm-bob' }, '2026-11-22T10:00:00.000Z', '+46700000001');

        const since = '2026-11-20T09:00:00.000Z';
        const all = await stores.messages.findMessagesSentTo('+46701234567', since, 10);
        const two = await stores.messages.findMessagesSentTo('+46701234567', since, 2);

        expect(all.map((message) => message.messageId)).toEqual(['m-3', 'm-2', 'm-1']);
        expect(two.map((message) => message.messageId)).toEqual(['m-3', 'm-2']);
        expect(await stores.messages.findMessagesSentTo('+46700000099', since, 10)).toEqual([]);
      });
    });
  });
}
