/**
 * The console's listings on the journey table: the outbox (the `outbox` index, month partitions
 * walked backwards), a customer's timeline (the `timeline` index) and the rejected inputs (month
 * partitions of the table). Index answers are keys; the items come from a consistent batch read.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
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
import { ATTR, INDEXES } from './table-design.ts';

const CursorSchema = z.object({
  v: z.literal(1),
  /** Month bucket (`yyyy-MM`) to continue in. */
  m: z.string().regex(/^\d{4}-\d{2}$/),
  /** LastEvaluatedKey of the previous page in that bucket, when it stopped mid-bucket. */
  k: z.record(z.string(), z.string()).optional(),
});
type Cursor = z.infer<typeof CursorSchema>;

/** {@link ConsoleQueries} on DynamoDB. */
export class DynamoConsoleQueries implements ConsoleQueries {
  constructor(private readonly table: DynamoTable) {}

  /**
   * Newest first by `createdAt`, from the `outbox` index: month partitions walked backwards from
   * the clock's month. The cursor names the month and, mid-month, DynamoDB's LastEvaluatedKey.
   * The last page may come back empty with no cursor.
   */
  async listMessages(options: {
    limit: number;
    cursor?: string;
  }): Promise<{ items: MessageRecord[]; cursor?: string }> {
    const limit = Math.floor(options.limit);
    if (!(limit > 0)) return { items: [] };
    let position: Cursor | undefined =
      options.cursor === undefined ? { v: 1, m: this.table.currentMonth() } : decodeCursor(options.cursor);
    const keys: ItemKey[] = [];
    let emptyMonths = 0;
    let foundThisMonth = false;
    while (position !== undefined && keys.length < limit) {
      const at: Cursor = position;
      const page = await this.table.call('Query', () =>
        this.table.doc.send(
          new QueryCommand({
            TableName: this.table.tableName,
            IndexName: INDEXES.outbox.indexName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': ATTR.outboxPk },
            ExpressionAttributeValues: { ':pk': outboxPartition(at.m) },
            ScanIndexForward: false,
            Limit: limit - keys.length,
            ExclusiveStartKey: at.k,
          }),
        ),
      );
      const found = (page.Items ?? []).map(toItemKey);
      keys.push(...found);
      if (found.length > 0) foundThisMonth = true;
      if (page.LastEvaluatedKey !== undefined) {
        position = { v: 1, m: at.m, k: stringKey(page.LastEvaluatedKey) };
        continue;
      }
      // This month is done: go back one, unless a retention's worth of months came up empty.
      emptyMonths = foundThisMonth ? 0 : emptyMonths + 1;
      foundThisMonth = false;
      position = emptyMonths > this.table.maxEmptyMonths ? undefined : { v: 1, m: previousMonth(at.m) };
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

  /** Newest first by `receivedAt`, month partitions of the table walked backwards. */
  async listRejected(limit: number): Promise<RejectedEvent[]> {
    const wanted = Math.floor(limit);
    if (!(wanted > 0)) return [];
    const out: RejectedEvent[] = [];
    let month = this.table.currentMonth();
    let emptyMonths = 0;
    while (out.length < wanted && emptyMonths <= this.table.maxEmptyMonths) {
      let startKey: Record<string, unknown> | undefined;
      let found = 0;
      do {
        const page = await this.table.call('Query', () =>
          this.table.doc.send(
            new QueryCommand({
              TableName: this.table.tableName,
              KeyConditionExpression: '#pk = :pk',
              ExpressionAttributeNames: { '#pk': ATTR.pk },
              ExpressionAttributeValues: { ':pk': rejectedPartition(month) },
              ScanIndexForward: false,
              Limit: wanted - out.length,
              ExclusiveStartKey: startKey,
            }),
          ),
        );
        for (const item of page.Items ?? []) out.push(toRejected(item));
        found += page.Items?.length ?? 0;
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined && out.length < wanted);
      emptyMonths = found > 0 ? 0 : emptyMonths + 1;
      month = previousMonth(month);
    }
    return out;
  }
}

function stringKey(key: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(key)) {
    if (typeof value !== 'string') {
      throw new DynamoStoreError(`LastEvaluatedKey attribute ${name} is not a string`, {
        operation: 'Query',
        retryable: false,
        code: DynamoStoreErrorCode.InvalidItem,
      });
    }
    out[name] = value;
  }
  return out;
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
