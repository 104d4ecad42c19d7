/** The behavioural contract of `ConsoleQueries.customerActivity` (shared fixtures: store-contract-fixtures.ts). */
import { describe, expect, test } from 'vitest';
import type { ActivityEntry } from '../../functions/app/ports/console-queries.ts';
import type { ArchivedEvent } from '../../functions/app/ports/event-archive.ts';
import type { Stores } from '../../functions/app/ports/stores.ts';
import { aMessageRecord, type MakeStores } from './store-contract-fixtures.ts';

function anEvent(id: string, at: string, receivedAt: string, customerId = 'cust-anna'): ArchivedEvent {
  return {
    event: { id, source: 'acme.shop', 'detail-type': 'OrderPlaced', time: at, detail: { customerId } },
    at,
    receivedAt,
    customerId,
  };
}

/** An entry as `kind:id`, so whole pages compare in one line. */
function label(entry: ActivityEntry): string {
  if (entry.kind === 'event') return `event:${entry.event.event.id}`;
  if (entry.kind === 'message') return `message:${entry.message.messageId}`;
  return `reply:${entry.reply.replyId}`;
}

/**
 * Anna: an event no rule matched (e-quiet), an event that planned two messages (e-order: m-a,
 * m-b, created when it was accepted), a later message of another trigger (m-other), a reply;
 * Bob: an event and a message of his own.
 */
async function filled(stores: Stores): Promise<void> {
  await stores.events.archive(anEvent('e-quiet', '2026-11-22T08:00:00.000Z', '2026-11-22T08:00:01.000Z'));
  await stores.events.archive(anEvent('e-order', '2026-11-22T09:00:00.000Z', '2026-11-22T09:00:02.000Z'));
  for (const messageId of ['m-a', 'm-b']) {
    const base = aMessageRecord({ messageId, createdAt: '2026-11-22T09:00:02.000Z' });
    await stores.messages.createMessage({ ...base, trigger: { ...base.trigger, id: 'e-order' } });
  }
  await stores.messages.createMessage(
    aMessageRecord({ messageId: 'm-other', createdAt: '2026-11-22T10:00:00.000Z' }),
  );
  await stores.inboundReplies.recordReply({
    replyId: 'SM-1',
    receivedAt: '2026-11-22T11:00:00.000Z',
    from: '+46701234567',
    body: 'JA',
    customerId: 'cust-anna',
  });
  await stores.events.archive(
    anEvent('e-bob', '2026-11-22T09:30:00.000Z', '2026-11-22T09:30:00.000Z', 'cust-bob'),
  );
  await stores.messages.createMessage(aMessageRecord({ messageId: 'm-bob', customerId: 'cust-bob' }));
}

const NEWEST_FIRST = [
  'reply:SM-1',
  'message:m-other',
  'message:m-b',
  'message:m-a',
  'event:e-order',
  'event:e-quiet',
];

/** Registers the customerActivity contract for one implementation. */
export function describeCustomerActivityContract(name: string, makeStores: MakeStores): void {
  describe(`ConsoleQueries.customerActivity contract: ${name}`, () => {
    test('every event, message and reply of the customer, newest first, each event with its decisions', async () => {
      const stores = await makeStores();
      await filled(stores);

      const page = await stores.queries.customerActivity('cust-anna', { limit: 50 });

      expect(page.items.map(label)).toEqual(NEWEST_FIRST);
      expect(page.cursor).toBeUndefined();
      const order = page.items.find((entry) => label(entry) === 'event:e-order');
      const quiet = page.items.find((entry) => label(entry) === 'event:e-quiet');
      expect(order?.kind === 'event' && order.decisions.map((m) => m.messageId).sort()).toEqual([
        'm-a',
        'm-b',
      ]);
      expect(quiet?.kind === 'event' && quiet.decisions).toEqual([]);
      expect(quiet?.kind === 'event' && quiet.event).toEqual(
        anEvent('e-quiet', '2026-11-22T08:00:00.000Z', '2026-11-22T08:00:01.000Z'),
      );
    });

    test('pages of `limit` entries follow each other without repeats or gaps; the last has no cursor', async () => {
      const stores = await makeStores();
      await filled(stores);

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await stores.queries.customerActivity('cust-anna', {
          limit: 4,
          ...(cursor === undefined ? {} : { cursor }),
        });
        expect(page.items.length).toBeLessThanOrEqual(4);
        seen.push(...page.items.map(label));
        cursor = page.cursor;
        pages++;
      } while (cursor !== undefined && pages < 10);

      expect(seen).toEqual(NEWEST_FIRST);
      expect(pages).toBe(2);
    });

    test("a customer with nothing has an empty page; another customer's cursor is refused", async () => {
      const stores = await makeStores();
      await filled(stores);
      const first = await stores.queries.customerActivity('cust-anna', { limit: 1 });

      const nobody = await stores.queries.customerActivity('cust-nobody', { limit: 10 });

      expect(nobody).toEqual({ items: [] });
      expect(first.cursor).toBeDefined();
      await expect(
        stores.queries.customerActivity('cust-bob', { limit: 10, cursor: 'not-a-cursor' }),
      ).rejects.toThrow(/cursor/);
    });
  });
}
