/** The behavioural contract of the EventArchive port (shared fixtures: store-contract-fixtures.ts). */
import { describe, expect, test } from 'vitest';
import type { ArchivedEvent, EventArchive } from '../../functions/app/ports/event-archive.ts';
import { aMessageRecord, CONTRACT_NOW, type MakeStores } from './store-contract-fixtures.ts';

function anEvent(id: string, at: string, customerId?: string): ArchivedEvent {
  return {
    event: {
      id,
      source: 'acme.bookings',
      'detail-type': 'AppointmentBooked',
      time: at,
      detail: { customerId, nested: { constructor: 'kept as sent', list: [1, 'two', null] } },
    },
    at,
    receivedAt: CONTRACT_NOW,
    ...(customerId === undefined ? {} : { customerId }),
  };
}

async function readAll(archive: EventArchive, from: string, to: string): Promise<ArchivedEvent[]> {
  const out: ArchivedEvent[] = [];
  for await (const entry of archive.readRange(from, to)) out.push(entry);
  return out;
}

/** Registers the EventArchive contract for one implementation. */
export function describeEventArchiveContract(name: string, makeStores: MakeStores): void {
  describe(`EventArchive contract: ${name}`, () => {
    test('reads back a time range oldest first, from inclusive, to exclusive, across hours', async () => {
      const { events } = await makeStores();
      // Written out of order, over three UTC hours, two at one instant.
      const written = [
        anEvent('e-late', '2026-11-22T11:59:59.999Z'),
        anEvent('e-b', '2026-11-22T10:30:00.000Z', 'cust-anna'),
        anEvent('e-a', '2026-11-22T10:30:00.000Z'),
        anEvent('e-first', '2026-11-22T10:00:00.000Z'),
        anEvent('e-before', '2026-11-22T09:59:59.999Z'),
        anEvent('e-at-end', '2026-11-22T12:00:00.000Z'),
      ];
      for (const entry of written) await events.archive(entry);

      const read = await readAll(events, '2026-11-22T10:00:00.000Z', '2026-11-22T12:00:00.000Z');

      expect(read.map((entry) => entry.event.id)).toEqual(['e-first', 'e-a', 'e-b', 'e-late']);
      expect(read[2]).toEqual(written[1]);
    });

    test('archiving the same event twice keeps one record', async () => {
      const { events } = await makeStores();
      const entry = anEvent('e-1', '2026-11-22T10:00:00.000Z', 'cust-anna');

      await events.archive(entry);
      await events.archive(entry);

      const read = await readAll(events, '2026-11-22T00:00:00.000Z', '2026-11-23T00:00:00.000Z');
      expect(read.map((item) => item.event.id)).toEqual(['e-1']);
    });

    test("a customer's archived events do not show as messages or replies in the timeline", async () => {
      const stores = await makeStores();
      await stores.messages.createMessage(aMessageRecord());
      await stores.events.archive(anEvent('e-1', '2026-11-22T10:00:00.000Z', 'cust-anna'));
      await stores.events.archive(anEvent('e-2', '2026-11-22T10:01:00.000Z', 'cust-anna'));

      const timeline = await stores.queries.customerTimeline('cust-anna', 10);

      expect(timeline.messages.map((message) => message.messageId)).toEqual(['m-1']);
      expect(timeline.replies).toEqual([]);
    });
  });
}
