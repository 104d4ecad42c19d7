/**
 * The console's listings on the journey table: the outbox (the `outbox` index, month partitions
 * walked backwards, each month's shards merged), a customer's timeline (the `timeline` index) and
 * the rejected inputs (sharded month partitions of the table). Index answers are keys; the items come from a consistent batch read.
 */
import * as z from 'zod';
import type { MessageRecord, RejectedEvent } from '../../app/message-record.ts';
import type { ActivityEntry, ConsoleQueries } from '../../app/ports/console-queries.ts';
import type { InboundReply } from '../../app/ports/replies.ts';
import { customerActivityPage } from './dynamo-customer-activity.ts';
import { isArchivedEventKey } from './dynamo-event-archive.ts';
import { DynamoStoreError, DynamoStoreErrorCode } from './dynamo-store-error.ts';
import type { DynamoTable } from './dynamo-table.ts';
import {
  customerPartition,
  type ItemKey,
  itemKey,
  outboxPartition,
  rejectedPartition,
  toItemKey,
  toRejected,
  toReply,
  utcInstant,
} from './journey-items.ts';
import { toMessageRecord } from './message-items.ts';
import { newestAcrossShards, type ShardEntry, type ShardReader } from './sharded-listing.ts';
import { ATTR, INDEXES, MONTH_PARTITION_SHARDS } from './table-design.ts';

const CursorSchema = z.object({
  v: z.literal(2),
  /** Month bucket (`yyyy-MM`) to continue in. */
  m: z.string().regex(/^\d{4}-\d{2}$/),
  /** The last sort key the previous page returned in that month, when it stopped mid-month. */
  b: z.string().optional(),
});
type Cursor = z.infer<typeof CursorSchema>;

/** {@link ConsoleQueries} on DynamoDB. */
export class DynamoConsoleQueries implements ConsoleQueries {
  constructor(private readonly table: DynamoTable) {}

  /**
   * Newest first by `createdAt`, from the `outbox` index: month by month backwards from the
   * clock's month, each month's shards merged (sharded-listing.ts). The cursor names the month
   * and, mid-month, the last sort key returned. The last page may come back empty with no cursor.
   */
  async listMessages(options: {
    limit: number;
    cursor?: string;
  }): Promise<{ items: MessageRecord[]; cursor?: string }> {
    const limit = Math.floor(options.limit);
    if (!(limit > 0)) return { items: [] };
    let position: Cursor | undefined =
      options.cursor === undefined ? { v: 2, m: this.table.currentMonth() } : decodeCursor(options.cursor);
    const keys: ItemKey[] = [];
    let emptyMonths = 0;
    while (position !== undefined && keys.length < limit) {
      const at: Cursor = position;
      const wanted = limit - keys.length;
      const read = shardReader(this.table, {
        indexName: INDEXES.outbox.indexName,
        partitionAttribute: ATTR.outboxPk,
        sortAttribute: ATTR.outboxSk,
        partition: (shard) => outboxPartition(at.m, shard),
      });
      const found = await newestAcrossShards(read, MONTH_PARTITION_SHARDS.outbox, at.b, wanted);
      keys.push(...found.map((entry) => toItemKey(entry.value)));
      const last = found.at(-1);
      if (found.length === wanted && last !== undefined) {
        position = { v: 2, m: at.m, b: last.sort };
        continue;
      }
      // This month is done: go back one, unless a retention's worth of months came up empty.
      emptyMonths = found.length > 0 ? 0 : emptyMonths + 1;
      position = emptyMonths > this.table.maxEmptyMonths ? undefined : { v: 2, m: previousMonth(at.m) };
    }
    const items = await this.table.batchGet(keys);
    const messages = keys
      .map((key) => items.get(key.PK))
      .filter((item) => item !== undefined)
      .map(toMessageRecord);
    return position === undefined ? { items: messages } : { items: messages, cursor: encodeCursor(position) };
  }

  /**
   * The newest `limit` entries of the customer's timeline (messages by `createdAt`, replies by
   * `receivedAt`), split by kind.
   */
  async customerTimeline(
    customerId: string,
    limit: number,
  ): Promise<{ messages: MessageRecord[]; replies: InboundReply[] }> {
    const wanted = Math.floor(limit);
    if (!(wanted > 0)) return { messages: [], replies: [] };
    const keys = await this.table.queryKeys(
      {
        IndexName: INDEXES.timeline.indexName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': ATTR.timelinePk },
        ExpressionAttributeValues: { ':pk': customerPartition(customerId) },
        ScanIndexForward: false,
      },
      wanted,
      // Archived journey events share the index (dynamo-event-archive.ts); a filter expression
      // may not name an index key, so they are skipped here: messages and replies only.
      (key) => !isArchivedEventKey(key),
    );
    const items = await this.table.batchGet(keys);
    const messages: MessageRecord[] = [];
    const replies: InboundReply[] = [];
    for (const key of keys) {
      const item = items.get(key.PK);
      if (item === undefined) continue;
      if (key.SK === itemKey.reply('').SK) replies.push(toReply(item));
      // Other kinds filed under the customer (threshold entries) are not timeline entries.
      else if (key.SK === itemKey.message('').SK) messages.push(toMessageRecord(item));
    }
    return { messages, replies };
  }

  /** One page of the `timeline` index, newest first, with each event's decisions (dynamo-customer-activity.ts). */
  customerActivity(
    customerId: string,
    options: { limit: number; cursor?: string },
  ): Promise<{ items: ActivityEntry[]; cursor?: string }> {
    return customerActivityPage(this.table, customerId, options);
  }

  /** Newest first by `receivedAt`: month by month backwards, each month's shards merged. */
  async listRejected(limit: number): Promise<RejectedEvent[]> {
    const wanted = Math.floor(limit);
    if (!(wanted > 0)) return [];
    const out: RejectedEvent[] = [];
    let month = this.table.currentMonth();
    let emptyMonths = 0;
    while (out.length < wanted && emptyMonths <= this.table.maxEmptyMonths) {
      const inMonth = month;
      const read = shardReader(this.table, {
        partitionAttribute: ATTR.pk,
        sortAttribute: ATTR.sk,
        partition: (shard) => rejectedPartition(inMonth, shard),
      });
      const found = await newestAcrossShards(
        read,
        MONTH_PARTITION_SHARDS.rejected,
        undefined,
        wanted - out.length,
      );
      out.push(...found.map((entry) => toRejected(entry.value)));
      emptyMonths = found.length > 0 ? 0 : emptyMonths + 1;
      month = previousMonth(month);
    }
    return out;
  }
}

/** Where one month's shards live: a partition per shard, sorted by `sortAttribute`. */
interface ShardedPartitions {
  /** The index to query, or the table when absent. */
  indexName?: string;
  partitionAttribute: string;
  sortAttribute: string;
  partition: (shard: number) => string;
}

/** A {@link ShardReader} of raw items: Query pages of one shard, newest first, below `before`. */
function shardReader(table: DynamoTable, where: ShardedPartitions): ShardReader<Record<string, unknown>> {
  return async (shard, before, limit) => {
    const out: ShardEntry<Record<string, unknown>>[] = [];
    const items = table.queryItems({
      ...(where.indexName === undefined ? {} : { IndexName: where.indexName }),
      KeyConditionExpression: before === undefined ? '#pk = :pk' : '#pk = :pk AND #sk < :before',
      ExpressionAttributeNames: {
        '#pk': where.partitionAttribute,
        ...(before === undefined ? {} : { '#sk': where.sortAttribute }),
      },
      ExpressionAttributeValues: {
        ':pk': where.partition(shard),
        ...(before === undefined ? {} : { ':before': before }),
      },
      ScanIndexForward: false,
      Limit: limit,
    });
    for await (const item of items) {
      out.push({ sort: sortKeyOf(item, where.sortAttribute), value: item });
      if (out.length >= limit) break;
    }
    return out;
  };
}

function sortKeyOf(item: Record<string, unknown>, attribute: string): string {
  const value = item[attribute];
  if (typeof value === 'string') return value;
  throw new DynamoStoreError(`a listed item has no string ${attribute}`, {
    operation: 'Query',
    retryable: false,
    code: DynamoStoreErrorCode.InvalidItem,
  });
}

function previousMonth(month: string): string {
  return utcInstant(`${month}-01T00:00:00Z`).minus({ months: 1 }).toFormat('yyyy-MM');
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const result = CursorSchema.safeParse(parsed);
  if (!result.success) {
    throw new DynamoStoreError('listMessages: the cursor was not issued by this store', {
      operation: 'Query',
      retryable: false,
      code: DynamoStoreErrorCode.InvalidCursor,
    });
  }
  return result.data;
}
