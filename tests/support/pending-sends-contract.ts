/** The behavioural contract of the PendingSends port (shared fixtures: store-contract-fixtures.ts). */
import { describe, expect, test } from 'vitest';
import type { Stores } from '../../functions/app/ports/stores.ts';
import { aMessageRecord, CONTRACT_NOW, ids, later, type MakeStores } from './store-contract-fixtures.ts';

/** A scheduled message of `ruleId` due `minutes` after the contract's now. */
async function planned(stores: Stores, messageId: string, minutes: number, ruleId = 'renewal-reminder') {
  await stores.messages.createMessage(
    aMessageRecord({ messageId, ruleId, sendAt: later(CONTRACT_NOW, minutes) }),
  );
}

/** Registers the PendingSends contract for one implementation. */
export function describePendingSendsContract(name: string, makeStores: MakeStores): void {
  describe(`PendingSends contract: ${name}`, () => {
    test('lists the scheduled messages of the rules asked, soonest first, within the due window', async () => {
      const stores = await makeStores();
      await planned(stores, 'm-c', 30);
      await planned(stores, 'm-a', 10);
      await planned(stores, 'm-b', 10); // the same due time: the id orders them
      await planned(stores, 'm-late', 300);
      await planned(stores, 'm-other', 20, 'other-rule');
      await planned(stores, 'm-third', 25, 'third-rule');
      await stores.messages.createMessage(aMessageRecord({ messageId: 'm-held', status: 'suppressed' }));

      const one = await stores.pending.listPending({ ruleIds: ['renewal-reminder'], limit: 10 });
      const two = await stores.pending.listPending({
        ruleIds: ['renewal-reminder', 'other-rule'],
        limit: 10,
      });
      const window = await stores.pending.listPending({
        ruleIds: ['renewal-reminder'],
        from: later(CONTRACT_NOW, 10),
        to: later(CONTRACT_NOW, 30),
        limit: 10,
      });
      const narrow = await stores.pending.listPending({
        ruleIds: ['renewal-reminder'],
        from: later(CONTRACT_NOW, 11),
        to: later(CONTRACT_NOW, 29),
        limit: 10,
      });

      expect(ids(one.items)).toEqual(['m-a', 'm-b', 'm-c', 'm-late']);
      expect(one.cursor).toBeUndefined();
      expect(ids(two.items)).toEqual(['m-a', 'm-b', 'm-other', 'm-c', 'm-late']);
      expect(ids(window.items)).toEqual(['m-a', 'm-b', 'm-c']);
      expect(ids(narrow.items)).toEqual([]);
    });

    test('pages by cursor without repeating or skipping', async () => {
      const stores = await makeStores();
      for (const [index, minutes] of [50, 10, 40, 20, 30].entries())
        await planned(stores, `m-${index}`, minutes);

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await stores.pending.listPending({
          ruleIds: ['renewal-reminder'],
          limit: 2,
          ...(cursor === undefined ? {} : { cursor }),
        });
        seen.push(...ids(page.items));
        cursor = page.cursor;
        pages++;
      } while (cursor !== undefined && pages < 10);

      expect(seen).toEqual(['m-1', 'm-3', 'm-4', 'm-2', 'm-0']);
    });

    test('a claimed or cancelled message leaves the listing; a deferred one moves to its new time', async () => {
      const stores = await makeStores();
      await planned(stores, 'm-claimed', 10);
      await planned(stores, 'm-cancelled', 20);
      await planned(stores, 'm-deferred', 30);
      await planned(stores, 'm-stays', 40);

      await stores.messages.claimForSending('m-claimed', CONTRACT_NOW, later(CONTRACT_NOW, 1));
      await stores.messages.transition('m-cancelled', ['scheduled'], {
        at: CONTRACT_NOW,
        status: 'cancelled',
        reason: 'cancelled-by-operator',
      });
      const claim = await stores.messages.claimForSending('m-deferred', CONTRACT_NOW, later(CONTRACT_NOW, 1));
      await stores.messages.transition(
        'm-deferred',
        ['sending'],
        { at: CONTRACT_NOW, status: 'scheduled', reason: 'outside-window' },
        { sendAt: later(CONTRACT_NOW, 600) },
        claim?.attempts,
      );

      const listed = await stores.pending.listPending({ ruleIds: ['renewal-reminder'], limit: 10 });

      expect(ids(listed.items)).toEqual(['m-stays', 'm-deferred']);
      expect(listed.items[1]?.sendAt).toBe(later(CONTRACT_NOW, 600));
    });
  });
}
