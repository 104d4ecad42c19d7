/** The behavioural contract of the DedupeClaims port (shared fixtures: store-contract-fixtures.ts). */
import { describe, expect, test } from 'vitest';
import { later, type MakeStores } from './store-contract-fixtures.ts';

/** Registers the DedupeClaims contract for one implementation. */
export function describeDedupeClaimsContract(name: string, makeStores: MakeStores): void {
  describe(`DedupeClaims contract: ${name}`, () => {
    describe('claimDedupe', () => {
      const now = '2026-11-23T09:00:00.000Z';
      const horizon = '2026-11-24T09:00:00.000Z';

      test('the first claim wins; another message gets the holder; the holder may claim again', async () => {
        const stores = await makeStores();

        const first = await stores.dedupe.claimDedupe('rule#key', 'm-a', now, horizon);
        const other = await stores.dedupe.claimDedupe('rule#key', 'm-b', later(now, 5), horizon);
        const again = await stores.dedupe.claimDedupe('rule#key', 'm-a', later(now, 10), horizon);
        const otherKey = await stores.dedupe.claimDedupe('rule#other', 'm-b', now, horizon);

        expect(first).toBe('m-a');
        expect(other).toBe('m-a');
        expect(again).toBe('m-a');
        expect(otherKey).toBe('m-b');
      });

      test("a key rendered from a very long value (over a partition key's 2,048 bytes) still claims", async () => {
        const stores = await makeStores();
        const long = `rule#${'ä'.repeat(3_000)}`;
        const longToo = `rule#${'ä'.repeat(2_999)}ö`;

        const first = await stores.dedupe.claimDedupe(long, 'm-a', now, horizon);
        const same = await stores.dedupe.claimDedupe(long, 'm-b', later(now, 5), horizon);
        const other = await stores.dedupe.claimDedupe(longToo, 'm-c', now, horizon);

        expect(first).toBe('m-a');
        expect(same).toBe('m-a');
        expect(other).toBe('m-c');
      });

      test('an expired claim can be taken by another message', async () => {
        const stores = await makeStores();
        await stores.dedupe.claimDedupe('rule#key', 'm-a', now, horizon);

        const atHorizon = await stores.dedupe.claimDedupe('rule#key', 'm-b', horizon, later(horizon, 60));
        const afterwards = await stores.dedupe.claimDedupe(
          'rule#key',
          'm-c',
          later(horizon, 1),
          later(horizon, 60),
        );

        expect(atHorizon).toBe('m-b');
        expect(afterwards).toBe('m-b');
      });

      test('a claim without expiry holds forever', async () => {
        const stores = await makeStores();
        await stores.dedupe.claimDedupe('rule#key', 'm-a', now, undefined);

        const yearsLater = await stores.dedupe.claimDedupe(
          'rule#key',
          'm-b',
          '2029-01-01T00:00:00.000Z',
          undefined,
        );

        expect(yearsLater).toBe('m-a');
      });

      test('of concurrent claims exactly one wins and all agree on it', async () => {
        const stores = await makeStores();

        const holders = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            stores.dedupe.claimDedupe('rule#race', `m-${i}`, now, horizon),
          ),
        );

        expect(new Set(holders).size).toBe(1);
      });
    });
  });
}
