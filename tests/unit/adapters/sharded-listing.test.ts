import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newestAcrossShards, type ShardEntry } from '../../../functions/adapters/dynamodb/sharded-listing.ts';

/**
 * An in-memory partition per shard, read the way a descending Query with a `< before` key
 * condition and a Limit reads it.
 */
function shardsOf(entries: ReadonlyArray<{ sort: string; shard: number }>, shards: number) {
  const byShard = Array.from({ length: shards }, (_, shard) =>
    entries
      .filter((entry) => entry.shard === shard)
      .map((entry) => ({ sort: entry.sort, value: entry.sort })),
  );
  return async (shard: number, before: string | undefined, limit: number): Promise<ShardEntry<string>[]> =>
    (byShard[shard] ?? [])
      .filter((entry) => before === undefined || entry.sort < before)
      .sort((a, b) => (a.sort < b.sort ? 1 : a.sort > b.sort ? -1 : 0))
      .slice(0, limit);
}

/** Every page, following the cursor (the last sort key of a full page) until a short page. */
async function walk(
  read: ReturnType<typeof shardsOf>,
  shards: number,
  pageSize: number,
): Promise<string[][]> {
  const pages: string[][] = [];
  let before: string | undefined;
  for (;;) {
    const page = await newestAcrossShards(read, shards, before, pageSize);
    pages.push(page.map((entry) => entry.value));
    const last = page.at(-1);
    if (page.length < pageSize || last === undefined) return pages;
    before = last.sort;
  }
}

// Sort keys as the outbox writes them: an instant (often shared) and a unique id.
const anEntry = fc.record({
  second: fc.integer({ min: 0, max: 20 }),
  id: fc.stringMatching(/^[a-z0-9]{1,6}$/),
  shard: fc.nat(),
});

describe('newest first across shards', () => {
  it('pages through every entry exactly once, in the order of one plain sorted list', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(anEntry, { selector: (entry) => entry.id, maxLength: 80 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 12 }),
        async (raw, shards, pageSize) => {
          // Arrange
          const entries = raw.map((entry) => ({
            sort: `2026-11-23T08:00:${String(entry.second).padStart(2, '0')}.000Z#${entry.id}`,
            shard: entry.shard % shards,
          }));
          const oracle = entries
            .map((entry) => entry.sort)
            .sort()
            .reverse();

          // Act
          const pages = await walk(shardsOf(entries, shards), shards, pageSize);

          // Assert: no page longer than asked, nothing skipped, nothing repeated, newest first.
          expect(pages.every((page) => page.length <= pageSize)).toBe(true);
          expect(pages.flat()).toEqual(oracle);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives nothing for a limit of zero and a short page when the shards run out', async () => {
    const read = shardsOf(
      [
        { sort: '2026-11-23T08:00:01.000Z#a', shard: 0 },
        { sort: '2026-11-23T08:00:02.000Z#b', shard: 1 },
      ],
      2,
    );

    expect(await newestAcrossShards(read, 2, undefined, 0)).toEqual([]);
    expect((await newestAcrossShards(read, 2, undefined, 5)).map((entry) => entry.value)).toEqual([
      '2026-11-23T08:00:02.000Z#b',
      '2026-11-23T08:00:01.000Z#a',
    ]);
  });
});
