/** The behavioural contract of the ConsoleQueries port, with the ReplyStore and RejectedLog whose records it lists (shared fixtures: store-contract-fixtures.ts). */
import { describe, expect, test } from 'vitest';
import type { RejectedEvent } from '../../functions/app/message-record.ts';
import type { InboundReply } from '../../functions/app/ports/replies.ts';
import type { Stores } from '../../functions/app/ports/stores.ts';
import { aMessageRecord, ids, type MakeStores } from './store-contract-fixtures.ts';

/** Registers the ConsoleQueries contract for one implementation. */
export function describeConsoleQueriesContract(name: string, makeStores: MakeStores): void {
  describe(`ConsoleQueries contract: ${name}`, () => {
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
        const stores = await makeStores();

        const first = await stores.inboundReplies.recordReply(reply);
        const retry = await stores.inboundReplies.recordReply({
          ...reply,
          receivedAt: '2026-11-22T10:00:30.000Z',
          body: 'JA!',
        });
        const timeline = await stores.queries.customerTimeline('cust-anna', 10);

        expect(first).toBe('created');
        expect(retry).toBe('exists');
        expect(timeline.replies).toEqual([reply]);
      });

      test('hasReply tells a recorded reply from an unknown one', async () => {
        const stores = await makeStores();
        await stores.inboundReplies.recordReply(reply);

        expect(await stores.inboundReplies.hasReply('SM-in-1')).toBe(true);
        expect(await stores.inboundReplies.hasReply('SM-other')).toBe(false);
      });

      test("the timeline holds the customer's messages and replies, newest first, `limit` entries in all", async () => {
        const stores = await makeStores();
        await stores.messages.createMessage(
          aMessageRecord({ messageId: 'm-1', createdAt: '2026-11-20T08:00:00.000Z' }),
        );
        await stores.messages.createMessage(
          aMessageRecord({ messageId: 'm-2', createdAt: '2026-11-21T08:00:00.000Z' }),
        );
        await stores.messages.createMessage(
          aMessageRecord({ messageId: 'm-3', createdAt: '2026-11-23T08:00:00.000Z' }),
        );
        await stores.messages.createMessage(aMessageRecord({ messageId: 'm-bob', customerId: 'cust-bob' }));
        await stores.inboundReplies.recordReply(reply);
        await stores.inboundReplies.recordReply({
          ...reply,
          replyId: 'SM-in-0',
          receivedAt: '2026-11-19T10:00:00.000Z',
        });
        await stores.inboundReplies.recordReply({ ...reply, replyId: 'SM-bob', customerId: 'cust-bob' });
        await stores.inboundReplies.recordReply({
          replyId: 'SM-stranger',
          receivedAt: '2026-11-22T11:00:00.000Z',
          from: '+4670',
          body: 'hi',
        });

        const all = await stores.queries.customerTimeline('cust-anna', 10);
        const newest = await stores.queries.customerTimeline('cust-anna', 3);
        const nobody = await stores.queries.customerTimeline('cust-nobody', 10);

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

      async function filled(): Promise<Stores> {
        const stores = await makeStores();
        for (const [messageId, createdAt] of created) {
          await stores.messages.createMessage(
            aMessageRecord({ messageId, createdAt, customerId: `cust-${messageId}` }),
          );
        }
        return stores;
      }

      test('one big page holds every message, newest first', async () => {
        const stores = await filled();

        const page = await stores.queries.listMessages({ limit: 50 });

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
        const stores = await filled();
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;

        do {
          const page = await stores.queries.listMessages({
            limit: 2,
            ...(cursor === undefined ? {} : { cursor }),
          });
          expect(page.items.length).toBeLessThanOrEqual(2);
          seen.push(...ids(page.items));
          cursor = page.cursor;
          pages++;
        } while (cursor !== undefined && pages < 10);

        expect(seen).toEqual(newestFirst);
        expect(cursor).toBeUndefined();
      });

      test('a message created after the first page does not disturb the pages that follow', async () => {
        const stores = await filled();

        const first = await stores.queries.listMessages({ limit: 2 });
        await stores.messages.createMessage(
          aMessageRecord({ messageId: 'm-new', createdAt: '2026-11-23T08:59:00.000Z' }),
        );
        const second = await stores.queries.listMessages({
          limit: 2,
          ...(first.cursor === undefined ? {} : { cursor: first.cursor }),
        });

        expect(ids(first.items)).toEqual(['m-nov-b', 'm-nov-a']);
        expect(ids(second.items)).toEqual(['m-oct', 'm-sep']);
      });

      test('an empty store lists nothing', async () => {
        const stores = await makeStores();

        const page = await stores.queries.listMessages({ limit: 10 });

        expect(page.items).toEqual([]);
        expect(page.cursor).toBeUndefined();
      });

      test('a cursor the store did not issue is refused', async () => {
        const stores = await filled();

        await expect(stores.queries.listMessages({ limit: 2, cursor: 'not-a-cursor' })).rejects.toThrow(
          /cursor/,
        );
      });
    });

    describe('listRejected', () => {
      test('newest first, at most `limit`', async () => {
        const stores = await makeStores();
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
        for (const item of rejected) await stores.rejected.recordRejected(item);

        const two = await stores.queries.listRejected(2);
        const all = await stores.queries.listRejected(10);

        expect(two).toEqual([rejected[1], rejected[2]]);
        expect(all).toEqual([rejected[1], rejected[2], rejected[0]]);
      });
    });
  });
}
