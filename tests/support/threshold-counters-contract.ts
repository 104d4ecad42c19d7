/** The behavioural contract of the ThresholdCounters port (shared fixtures: store-contract-fixtures.ts). */
import { describe, expect, test } from 'vitest';
import type { ThresholdEntry } from '../../functions/core/planning/threshold.ts';
import { CONTRACT_NOW, later, type MakeStores } from './store-contract-fixtures.ts';

/** Registers the ThresholdCounters contract for one implementation. */
export function describeThresholdCountersContract(name: string, makeStores: MakeStores): void {
  describe(`ThresholdCounters contract: ${name}`, () => {
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
        const stores = await makeStores();

        const first = await stores.thresholds.recordThresholdEvent(
          counter,
          entry('ev-1', 0, 'cust-anna'),
          keep,
        );
        const again = await stores.thresholds.recordThresholdEvent(
          counter,
          entry('ev-1', 0, 'cust-anna'),
          keep,
        );
        const count = await stores.thresholds.countThresholdEvents(
          counter,
          later(CONTRACT_NOW, -60),
          CONTRACT_NOW,
        );

        expect([first, again]).toEqual(['created', 'exists']);
        expect(count).toBe(1);
      });

      test('counts exactly the window after < at ≤ until, per counter', async () => {
        const stores = await makeStores();
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
          await stores.thresholds.recordThresholdEvent(counter, item, keep);
        }
        await stores.thresholds.recordThresholdEvent('problem-spike#LOGIN-FAIL', entry('ev-x', 30), keep);

        const count = await stores.thresholds.countThresholdEvents(counter, lower, upper);
        const empty = await stores.thresholds.countThresholdEvents(counter, upper, upper);
        const other = await stores.thresholds.countThresholdEvents('problem-spike#LOGIN-FAIL', lower, upper);
        const unknown = await stores.thresholds.countThresholdEvents('problem-spike#NOTHING', lower, upper);

        expect(count).toBe(4); // ev-c, ev-d, ev-e, ev-f
        expect([empty, other, unknown]).toEqual([0, 1, 0]);
      });

      test('lists the window oldest or newest first, at most `limit`, with customer ids', async () => {
        const stores = await makeStores();
        for (const item of [
          entry('ev-2', 20, 'cust-lars'),
          entry('ev-1', 10, 'cust-anna'),
          entry('ev-3', 30),
          entry('ev-0', -30, 'cust-old'),
        ]) {
          await stores.thresholds.recordThresholdEvent(counter, item, keep);
        }
        const after = '2026-11-23T09:00:00.000Z';
        const until = '2026-11-23T10:00:00.000Z';

        const oldest = await stores.thresholds.listThresholdEvents(counter, after, until, {
          limit: 1,
          order: 'oldest-first',
        });
        const newest = await stores.thresholds.listThresholdEvents(counter, after, until, {
          limit: 5,
          order: 'newest-first',
        });
        const none = await stores.thresholds.listThresholdEvents('problem-spike#NOTHING', after, until, {
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
        const stores = await makeStores();
        const events = Array.from({ length: 6 }, (_, index) => entry(`ev-${index}`, index));

        const results = await Promise.all(
          [...events, ...events, ...events].map((item) =>
            stores.thresholds.recordThresholdEvent(counter, item, keep),
          ),
        );
        const count = await stores.thresholds.countThresholdEvents(
          counter,
          later(CONTRACT_NOW, -60),
          later(CONTRACT_NOW, 60),
        );

        expect(results.filter((result) => result === 'created')).toHaveLength(6);
        expect(count).toBe(6);
      });

      test('with atMost, the count stops there; below it, it is exact', async () => {
        const stores = await makeStores();
        for (let index = 0; index < 7; index++) {
          await stores.thresholds.recordThresholdEvent(counter, entry(`ev-${index}`, index), keep);
        }
        const after = '2026-11-23T08:59:00.000Z';
        const until = '2026-11-23T09:05:00.000Z'; // ev-0 … ev-5: six in the window

        const count = (atMost?: number) =>
          stores.thresholds.countThresholdEvents(counter, after, until, atMost);

        expect(await count()).toBe(6);
        expect([await count(3), await count(6), await count(7), await count(100), await count(0)]).toEqual([
          3, 6, 6, 6, 0,
        ]);
      });
    });
  });
}
