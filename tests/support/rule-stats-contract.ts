/**
 * The behavioural contract of the RuleStats port and of the counting the message and reply
 * stores do with it (shared fixtures: store-contract-fixtures.ts). The expected counts are the
 * outcomes each test itself caused, counted by hand.
 */
import { describe, expect, test } from 'vitest';
import type { Stores } from '../../functions/app/ports/stores.ts';
import {
  aMessageRecord,
  CONTRACT_NOW,
  later,
  type MakeStores,
  sentMessage,
} from './store-contract-fixtures.ts';

const DAY = CONTRACT_NOW.slice(0, 10);

async function countsOn(stores: Stores, ruleId: string, day = DAY): Promise<Record<string, number>> {
  const [only] = await stores.ruleStats.readDays(ruleId, day, day);
  return only?.counts ?? {};
}

/** Registers the RuleStats contract for one implementation. */
export function describeRuleStatsContract(name: string, makeStores: MakeStores): void {
  describe(`RuleStats contract: ${name}`, () => {
    test('a create and a transition replayed twice count once', async () => {
      const stores = await makeStores();
      const record = aMessageRecord({
        createdAt: CONTRACT_NOW,
        history: [{ at: CONTRACT_NOW, status: 'scheduled' }],
      });
      const change = { at: CONTRACT_NOW, status: 'cancelled', reason: 'closed-by-event' } as const;

      await stores.messages.createMessage(record);
      await stores.messages.createMessage(record);
      const first = await stores.messages.transition('m-1', ['scheduled'], change);
      const again = await stores.messages.transition('m-1', ['scheduled'], change);

      expect(first?.status).toBe('cancelled');
      expect(again).toBeUndefined();
      expect(await countsOn(stores, 'renewal-reminder')).toEqual({
        planned: 1,
        cancelled: 1,
        'cancelled:closed-by-event': 1,
      });
    });

    test('sent and a replayed delivery report count once each; the provider\'s own "sent" report not at all', async () => {
      const stores = await makeStores();
      await stores.messages.createMessage(aMessageRecord({ createdAt: CONTRACT_NOW }));
      const claimed = await stores.messages.claimForSending('m-1', CONTRACT_NOW, later(CONTRACT_NOW, 1));
      const claim = claimed?.attempts ?? -1;
      await stores.messages.recordSent('m-1', claim, {
        at: CONTRACT_NOW,
        providerId: 'SM1',
        sentAt: CONTRACT_NOW,
      });
      await stores.messages.recordSent('m-1', claim, {
        at: CONTRACT_NOW,
        providerId: 'SM1',
        sentAt: CONTRACT_NOW,
      });
      const report = {
        providerEventId: 'SM1#delivered',
        status: 'delivered',
        at: later(CONTRACT_NOW, 1),
      } as const;

      const verdicts = [
        await stores.messages.applyProviderStatus('m-1', {
          providerEventId: 'SM1#sent',
          status: 'sent',
          at: CONTRACT_NOW,
        }),
        await stores.messages.applyProviderStatus('m-1', report),
        await stores.messages.applyProviderStatus('m-1', report),
      ];

      expect(verdicts).toEqual(['stale', 'applied', 'duplicate']);
      expect(await countsOn(stores, 'renewal-reminder')).toEqual({ planned: 1, sent: 1, delivered: 1 });
    });

    test('concurrent outcomes of different messages all count', async () => {
      const stores = await makeStores();
      const ids = Array.from({ length: 24 }, (_, index) => `m-${index}`);

      await Promise.all(ids.map((messageId) => stores.messages.createMessage(aMessageRecord({ messageId }))));
      await Promise.all(
        ids.map((messageId, index) =>
          stores.messages.transition(messageId, ['scheduled'], {
            at: CONTRACT_NOW,
            status: index % 2 === 0 ? 'cancelled' : 'suppressed',
            reason: index % 2 === 0 ? 'cancelled-by-operator' : 'outside-window',
          }),
        ),
      );

      // Created on 2026-11-20 (the fixture's createdAt), closed on the contract's day.
      const days = await stores.ruleStats.readDays('renewal-reminder', '2026-11-20', DAY);
      expect(days.map((day) => day.day)).toEqual(['2026-11-20', '2026-11-21', '2026-11-22', DAY]);
      expect(days.map((day) => day.counts)).toEqual([
        { planned: 24 },
        {},
        {},
        {
          cancelled: 12,
          'cancelled:cancelled-by-operator': 12,
          suppressed: 12,
          'suppressed:outside-window': 12,
        },
      ]);
    });

    test('days are UTC days; a message held back at planning counts planned and suppressed by reason', async () => {
      const stores = await makeStores();
      // 00:30 in Stockholm on the 24th is 23:30 UTC on the 23rd.
      const at = '2026-11-24T00:30:00.000+01:00';
      await stores.messages.createMessage(
        aMessageRecord({
          messageId: 'm-late',
          createdAt: at,
          status: 'suppressed',
          reason: 'no-consent',
          history: [],
        }),
      );
      await stores.messages.createMessage(
        aMessageRecord({ messageId: 'm-other', ruleId: 'other-rule', createdAt: CONTRACT_NOW }),
      );

      expect(await countsOn(stores, 'renewal-reminder', '2026-11-23')).toEqual({
        planned: 1,
        suppressed: 1,
        'suppressed:no-consent': 1,
      });
      expect(await countsOn(stores, 'renewal-reminder', '2026-11-24')).toEqual({});
      expect(await countsOn(stores, 'other-rule')).toEqual({ planned: 1 });
    });

    test("a reply to a rule's message counts replied (and optedOut for STOP) once; an uncorrelated one not", async () => {
      const stores = await makeStores();
      await sentMessage(stores, { messageId: 'm-1', createdAt: CONTRACT_NOW }, CONTRACT_NOW);
      const stop = {
        replyId: 'SMin-1',
        receivedAt: later(CONTRACT_NOW, 5),
        from: '+46701234567',
        body: 'STOP',
        intent: 'stop',
        customerId: 'cust-anna',
        messageId: 'm-1',
        ruleId: 'renewal-reminder',
      } as const;

      await stores.inboundReplies.recordReply(stop);
      await stores.inboundReplies.recordReply(stop);
      await stores.inboundReplies.recordReply({ ...stop, replyId: 'SMin-2', body: 'ja', intent: 'yes' });
      await stores.inboundReplies.recordReply({
        replyId: 'SMin-3',
        receivedAt: CONTRACT_NOW,
        from: '+4670',
        body: 'hi',
      });

      expect(await countsOn(stores, 'renewal-reminder')).toEqual({
        planned: 1,
        sent: 1,
        replied: 2,
        optedOut: 1,
      });
    });

    test('a range with no outcomes reads as empty days, oldest first', async () => {
      const stores = await makeStores();

      const days = await stores.ruleStats.readDays('nobody', '2026-11-29', '2026-12-01');

      expect(days).toEqual([
        { day: '2026-11-29', counts: {} },
        { day: '2026-11-30', counts: {} },
        { day: '2026-12-01', counts: {} },
      ]);
    });
  });
}
