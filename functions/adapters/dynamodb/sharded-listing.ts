/**
 * Newest-first listing over a month's shards (the `outbox` index and the rejected inputs,
 * table-design.ts `MONTH_PARTITION_SHARDS`). Each shard is a partition sorted by a sort key that
 * is unique across all shards (`<instant>#<id>`). A page asks every shard for its newest `limit`
 * entries strictly below the cursor and keeps the newest `limit` of their union: the true newest
 * `limit` below the cursor are all in that union (none of them can be beaten, within its own
 * shard, by `limit` newer ones), so the page is exact. The cursor is the last sort key returned;
 * the next page starts strictly below it, so nothing is repeated and, sort keys being unique,
 * nothing is skipped.
 */

/** One listed entry with the sort key that orders it. */
export interface ShardEntry<T> {
  sort: string;
  value: T;
}

/**
 * Reads shard `shard`: its newest entries with a sort key strictly below `before` (every entry
 * when undefined), newest first, at most `limit`, and fewer only when the shard has no more.
 */
export type ShardReader<T> = (
  shard: number,
  before: string | undefined,
  limit: number,
) => Promise<ShardEntry<T>[]>;

/** Shard reads in flight at once. */
const READ_CONCURRENCY = 16;

/**
 * The newest `limit` entries below `before` across shards `0 … shards - 1`, newest first. Fewer
 * than `limit` means every shard is exhausted below `before`.
 */
export async function newestAcrossShards<T>(
  read: ShardReader<T>,
  shards: number,
  before: string | undefined,
  limit: number,
): Promise<ShardEntry<T>[]> {
  if (!(limit > 0)) return [];
  const found: ShardEntry<T>[] = [];
  for (let start = 0; start < shards; start += READ_CONCURRENCY) {
    const count = Math.min(READ_CONCURRENCY, shards - start);
    const pages = await Promise.all(Array.from({ length: count }, (_, i) => read(start + i, before, limit)));
    for (const page of pages) found.push(...page);
  }
  found.sort((a, b) => (a.sort < b.sort ? 1 : a.sort > b.sort ? -1 : 0));
  return found.slice(0, limit);
}
