/**
 * The contract of the port methods the privacy erase and export use (store-contract-fixtures.ts
 * for the shared fixtures): deleting a profile, a cap ledger, a dedupe claim held by a message, a
 * message unless it is in flight; unlinking a suppression from its customer; and the customer
 * index, which lists, reads and deletes everything filed under one customer.
 */
import { describe, expect, test } from 'vitest';
import {
  aMessageRecord,
  aProfile,
  CONTRACT_NOW,
  later,
  type MakeStores,
  sentMessage,
} from './store-contract-fixtures.ts';

/** Registers the privacy methods' contract for one implementation. */
export function describePrivacyContract(name: string, makeStores: MakeStores): void {
  describe(`privacy port methods contract: ${name}`, () => {
    test('deleteProfile and deleteCapLedger remove them once', async () => {
      const stores = await makeStores();
      await stores.profiles.putProfile(aProfile());
      await stores.caps.reserveCapSlot('cust-anna', 'm-1', CONTRACT_NOW, later(CONTRACT_NOW, -60));

      const ledger = await stores.caps.readCapLedger('cust-anna');
      const first = [
        await stores.profiles.deleteProfile('cust-anna'),
        await stores.caps.deleteCapLedger('cust-anna'),
      ];
      const second = [
        await stores.profiles.deleteProfile('cust-anna'),
        await stores.caps.deleteCapLedger('cust-anna'),
      ];

      expect(ledger).toEqual({ 'm-1': CONTRACT_NOW });
      expect(first).toEqual([true, true]);
      expect(second).toEqual([false, false]);
      expect(await stores.profiles.getProfile('cust-anna')).toBeUndefined();
      expect(await stores.caps.readCapLedger('cust-anna')).toEqual({});
    });

    test('releaseDedupe deletes a claim only for the message holding it', async () => {
      const stores = await makeStores();
      await stores.dedupe.claimDedupe('rule#P-1', 'm-a', CONTRACT_NOW, later(CONTRACT_NOW, 60));

      const byOther = await stores.dedupe.releaseDedupe('rule#P-1', 'm-b');
      const held = await stores.dedupe.getDedupe('rule#P-1');
      const byHolder = await stores.dedupe.releaseDedupe('rule#P-1', 'm-a');
      const freed = await stores.dedupe.claimDedupe('rule#P-1', 'm-c', later(CONTRACT_NOW, 1), undefined);

      expect(byOther).toBe(false);
      expect(held).toMatchObject({ key: 'rule#P-1', messageId: 'm-a', heldUntil: later(CONTRACT_NOW, 60) });
      expect(byHolder).toBe(true);
      expect(freed).toBe('m-c');
    });

    test('deleteMessage refuses a message in flight and deletes one whose lease lapsed', async () => {
      const stores = await makeStores();
      await stores.messages.createMessage(aMessageRecord({ messageId: 'm-fly' }));
      await stores.messages.claimForSending('m-fly', CONTRACT_NOW, later(CONTRACT_NOW, 1));

      const during = await stores.messages.deleteMessage('m-fly', CONTRACT_NOW);
      const kept = await stores.messages.getMessage('m-fly');
      const after = await stores.messages.deleteMessage('m-fly', later(CONTRACT_NOW, 2));
      const again = await stores.messages.deleteMessage('m-fly', later(CONTRACT_NOW, 2));

      expect(during).toBe('in-flight');
      expect(kept?.status).toBe('sending');
      expect(after).toBe('deleted');
      expect(again).toBe('not-found');
      expect(await stores.messages.getMessage('m-fly')).toBeUndefined();
    });

    test('a deleted message leaves no index entry: not pending, not found by address, not on the timeline', async () => {
      const stores = await makeStores();
      await stores.messages.createMessage(
        aMessageRecord({ messageId: 'm-wait', correlationKey: 'rule#P-9' }),
      );
      await sentMessage(stores, { messageId: 'm-sent' }, CONTRACT_NOW, '+46709999999');

      await stores.messages.deleteMessage('m-wait', CONTRACT_NOW);
      await stores.messages.deleteMessage('m-sent', CONTRACT_NOW);

      expect(await stores.messages.findPending('rule#P-9')).toEqual([]);
      expect(await stores.messages.findLatestMessageTo('+46709999999')).toBeUndefined();
      expect(await stores.customerIndex.listEntries('cust-anna')).toEqual([]);
    });

    test('detachCustomer unlinks a suppression from its customer and keeps it in force', async () => {
      const stores = await makeStores();
      const stop = {
        channel: 'sms',
        address: '+46701234567',
        reason: 'stop-reply',
        at: CONTRACT_NOW,
      } as const;
      await stores.suppressions.suppress({ ...stop, source: 'reply:SM1', customerId: 'cust-anna' });

      const other = await stores.suppressions.detachCustomer('sms', '+46701234567', 'cust-bo');
      const hers = await stores.suppressions.detachCustomer('sms', '+46701234567', 'cust-anna');
      const entry = await stores.suppressions.get('sms', '+46701234567');

      expect([other, hers]).toEqual([false, true]);
      expect(entry?.suppressed).toBe(true);
      expect(entry?.customerId).toBeUndefined();
    });

    test("the customer index lists, reads and deletes a customer's messages, replies and threshold entries", async () => {
      const stores = await makeStores();
      await stores.messages.createMessage(aMessageRecord({ messageId: 'm-1' }));
      await stores.messages.createMessage(aMessageRecord({ messageId: 'm-bo', customerId: 'cust-bo' }));
      await stores.inboundReplies.recordReply({
        replyId: 'SM-r1',
        receivedAt: '2026-11-21T10:00:00.000Z',
        from: '+46701234567',
        body: 'JA',
        intent: 'yes',
        customerId: 'cust-anna',
      });
      const counted = { eventId: 'ev-t1', at: '2026-11-22T10:00:00.000Z', customerId: 'cust-anna' };
      await stores.thresholds.recordThresholdEvent('spike#X', counted, later(CONTRACT_NOW, 60));

      const entries = await stores.customerIndex.listEntries('cust-anna');
      const reply = entries.find((entry) => entry.kind === 'REPLY');
      const threshold = entries.find((entry) => entry.kind === 'THRESHOLD');
      const replyItem = reply === undefined ? undefined : await stores.customerIndex.readEntry(reply);
      const notHers = reply === undefined ? true : await stores.customerIndex.deleteEntry('cust-bo', reply);
      const deleted = await Promise.all(
        [reply, threshold].map((entry) =>
          entry === undefined ? false : stores.customerIndex.deleteEntry('cust-anna', entry),
        ),
      );

      expect(entries.map((entry) => [entry.kind, entry.id, entry.at])).toEqual([
        ['MSG', 'm-1', '2026-11-20T08:00:00.000Z'],
        ['REPLY', 'SM-r1', '2026-11-21T10:00:00.000Z'],
        ['THRESHOLD', 'ev-t1', '2026-11-22T10:00:00.000Z'],
      ]);
      expect(replyItem).toMatchObject({ replyId: 'SM-r1', body: 'JA', customerId: 'cust-anna' });
      expect(notHers).toBe(false);
      expect(deleted).toEqual([true, true]);
      expect((await stores.customerIndex.listEntries('cust-anna')).map((entry) => entry.kind)).toEqual([
        'MSG',
      ]);
      expect(await stores.inboundReplies.hasReply('SM-r1')).toBe(false);
      expect(
        await stores.thresholds.countThresholdEvents('spike#X', '2026-11-22T00:00:00.000Z', CONTRACT_NOW),
      ).toBe(0);
      expect((await stores.customerIndex.listEntries('cust-bo')).map((entry) => entry.id)).toEqual(['m-bo']);
    });

    test("the customer index lists a customer's goal-ledger entries and an erase deletes them", async () => {
      const stores = await makeStores();
      const at = '2026-11-23T09:00:00.000Z';
      const hers = {
        ruleId: 'winback',
        messageId: 'm-g1',
        group: 'held-out' as const,
        at,
        customerId: 'cust-anna',
      };
      const his = { ruleId: 'winback', messageId: 'm-g2', group: 'sent' as const, at, customerId: 'cust-bo' };
      await stores.goals.recordDecision(hers, { goal: 'cust-anna', avoid: 'cust-anna' });
      await stores.goals.recordDecision(his, { goal: 'cust-bo' });

      const entries = await stores.customerIndex.listEntries('cust-anna');
      const read = await Promise.all(entries.map((entry) => stores.customerIndex.readEntry(entry)));
      const deleted = await Promise.all(
        entries.map((entry) => stores.customerIndex.deleteEntry('cust-anna', entry)),
      );
      const window = { from: '2026-11-23T00:00:00.000Z', until: '2026-11-24T00:00:00.000Z' };

      expect(entries.map((entry) => [entry.kind, entry.id, entry.at]).sort()).toEqual([
        ['GOAL', 'avoid:m-g1', at],
        ['GOAL', 'goal:m-g1', at],
      ]);
      expect(read).toEqual([
        expect.objectContaining({ messageId: 'm-g1', customerId: 'cust-anna' }),
        expect.objectContaining({ messageId: 'm-g1', customerId: 'cust-anna' }),
      ]);
      expect(deleted).toEqual([true, true]);
      expect(await stores.customerIndex.listEntries('cust-anna')).toEqual([]);
      expect(await stores.goals.findDecisions('winback', 'goal', 'cust-anna', window)).toEqual([]);
      expect(await stores.goals.findDecisions('winback', 'avoid', 'cust-anna', window)).toEqual([]);
      expect(
        (await stores.goals.findDecisions('winback', 'goal', 'cust-bo', window)).map((d) => d.messageId),
      ).toEqual(['m-g2']);
    });
  });
}
