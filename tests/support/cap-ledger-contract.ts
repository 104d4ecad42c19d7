/** The behavioural contract of the CapLedger port (shared fixtures: store-contract-fixtures.ts). */
import { describe, expect, test } from 'vitest';
import type { MakeStores } from './store-contract-fixtures.ts';

/** Registers the CapLedger contract for one implementation. */
export function describeCapLedgerContract(name: string, makeStores: MakeStores): void {
  describe(`CapLedger contract: ${name}`, () => {
    describe('cap ledger (reserveCapSlot, countCapSlots, releaseCapSlot)', () => {
      const since = '2026-11-22T09:00:00.000Z';

      test('records up to max messages in the period, refuses the next, and counts them', async () => {
        const stores = await makeStores();
        await stores.caps.reserveCapSlot('cust-anna', 'm-old', '2026-11-21T09:00:00.000Z', since, 2);

        const first = await stores.caps.reserveCapSlot(
          'cust-anna',
          'm-1',
          '2026-11-23T08:00:00.000Z',
          since,
          2,
        );
        const second = await stores.caps.reserveCapSlot(
          'cust-anna',
          'm-2',
          '2026-11-23T08:30:00.000Z',
          since,
          2,
        );
        const third = await stores.caps.reserveCapSlot(
          'cust-anna',
          'm-3',
          '2026-11-23T08:45:00.000Z',
          since,
          2,
        );
        const urgent = await stores.caps.reserveCapSlot(
          'cust-anna',
          'm-4',
          '2026-11-23T08:50:00.000Z',
          since,
        );

        expect([first, second, third, urgent]).toEqual([true, true, false, true]);
        expect(await stores.caps.countCapSlots('cust-anna', since)).toBe(3);
        expect(await stores.caps.countCapSlots('cust-anna', since, 'm-4')).toBe(2);
        expect(await stores.caps.countCapSlots('cust-bob', since)).toBe(0);
      });

      test('a message asking again (a redelivery) keeps its place even when the cap is full', async () => {
        const stores = await makeStores();
        await stores.caps.reserveCapSlot('cust-anna', 'm-1', '2026-11-23T08:00:00.000Z', since, 1);

        const again = await stores.caps.reserveCapSlot(
          'cust-anna',
          'm-1',
          '2026-11-23T08:10:00.000Z',
          since,
          1,
        );

        expect(again).toBe(true);
        expect(await stores.caps.countCapSlots('cust-anna', since)).toBe(1);
      });

      test('concurrent reservations for one customer: exactly max win', async () => {
        const stores = await makeStores();

        const results = await Promise.all(
          Array.from({ length: 6 }, (_, index) =>
            stores.caps.reserveCapSlot('cust-anna', `m-${index}`, '2026-11-23T08:00:00.000Z', since, 3),
          ),
        );

        expect(results.filter(Boolean)).toHaveLength(3);
        expect(await stores.caps.countCapSlots('cust-anna', since)).toBe(3);
      });

      test('a released message frees its place; releasing an unknown one changes nothing', async () => {
        const stores = await makeStores();
        await stores.caps.reserveCapSlot('cust-anna', 'm-1', '2026-11-23T08:00:00.000Z', since, 1);

        await stores.caps.releaseCapSlot('cust-anna', 'm-1');
        await stores.caps.releaseCapSlot('cust-anna', 'm-unknown');
        await stores.caps.releaseCapSlot('cust-nobody', 'm-1');
        const next = await stores.caps.reserveCapSlot(
          'cust-anna',
          'm-2',
          '2026-11-23T08:05:00.000Z',
          since,
          1,
        );

        expect(next).toBe(true);
        expect(await stores.caps.countCapSlots('cust-anna', since)).toBe(1);
      });
    });
  });
}
