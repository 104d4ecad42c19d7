/**
 * Pending sends on the journey table (docs/data-model.md, the `due` index): a scheduled message
 * is in the sparse `due` index under `DUE#<ruleId>#<shard>` / `<sendAt>#<messageId>` while it is
 * scheduled (dynamo-message-store.ts sets and removes the sort key with the status). A listing
 * queries each of the rule's shards from the cursor on, merges them by due time, and reads the
 * page's records with one consistent BatchGetItem.
 *
 * Hot keys: every message is scheduled before it is sent (even "send immediately"), so one
 * rule at 10,000 messages/s writes the index twice a message (in at create, out at the claim):
 * 20,000 index WCU/s. Spread over {@link DUE_SHARDS} partitions that is ~420 WCU/s each, under
 * half of DynamoDB's 1,000 WCU/s per partition (a global secondary index has the same limit).
 */
import { createHash } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { MessageRecord } from '../../app/message-record.ts';
import type { PendingQuery, PendingSends } from '../../app/ports/pending-sends.ts';
import { DynamoStoreError, DynamoStoreErrorCode } from './dynamo-store-error.ts';
import type { DynamoTable } from './dynamo-table.ts';
import { type ItemKey, toItemKey } from './journey-items.ts';
import { toMessageRecord } from './message-items.ts';
import { ATTR, INDEXES } from './table-design.ts';

/**
 * Partitions a rule's pending sends are spread over (see the capacity note above): the capacity
 * pass measures 3 index WCU per message, 30,000 WCU/s for one rule at 10,000 messages/s, ~234 per
 * shard. May only grow: entries written under fewer shards stay on shards that are still read.
 */
const DUE_SHARDS = 128;

/** Queries in flight at once. */
const QUERY_CONCURRENCY = 16;

/** The `due` index partition of a message of `ruleId` (the shard from the message id). */
export function duePartition(ruleId: string, messageId: string): string {
  return `DUE#${ruleId}#${createHash('sha256').update(messageId).digest().readUInt32BE(0) % DUE_SHARDS}`;
}

/** The `due` index sort key: due time, then id (unique, so a cursor is one exact position). */
export function dueSort(sendAt: string, messageId: string): string {
  return `${sendAt}#${messageId}`;
}

/** A cursor is the sort key of the last message a page returned. */
const CURSOR = /^\d{4}-\d\d-\d\dT[^#]+#[^#]+$/;

interface DueEntry {
  key: ItemKey;
  sort: string;
}

/** {@link PendingSends} on DynamoDB. */
export class DynamoPendingSends implements PendingSends {
  constructor(private readonly table: DynamoTable) {}

  async listPending(query: PendingQuery): Promise<{ items: MessageRecord[]; cursor?: string }> {
    if (query.cursor !== undefined && !CURSOR.test(query.cursor)) {
      throw new DynamoStoreError('not a pending-sends cursor this store issued', {
        operation: 'validate',
        retryable: false,
        code: DynamoStoreErrorCode.InvalidCursor,
      });
    }
    const lower = query.cursor ?? query.from ?? '0';
    // `~` sorts after every character of an id, so every message due at `to` is included.
    const upper = query.to === undefined ? '~' : `${query.to}#~`;
    const partitions = query.ruleIds.flatMap((ruleId) =>
      Array.from({ length: DUE_SHARDS }, (_, shard) => `DUE#${ruleId}#${shard}`),
    );
    const found: DueEntry[] = [];
    let more = false;
    for (let start = 0; start < partitions.length; start += QUERY_CONCURRENCY) {
      const pages = await Promise.all(
        partitions
          .slice(start, start + QUERY_CONCURRENCY)
          .map((partition) => this.queryShard(partition, lower, upper, query.limit + 1)),
      );
      for (const page of pages) {
        found.push(...page.entries);
        more ||= page.more;
      }
    }
    const after = found
      .filter((entry) => query.cursor === undefined || entry.sort > query.cursor)
      .sort((a, b) => (a.sort < b.sort ? -1 : a.sort > b.sort ? 1 : 0));
    const page = after.slice(0, query.limit);
    more ||= after.length > page.length;
    // The index is eventually consistent: the consistent read and the status are the truth.
    const items = await this.table.batchGet(page.map((entry) => entry.key));
    const records = page
      .map((entry) => items.get(entry.key.PK))
      .filter((item) => item !== undefined)
      .map(toMessageRecord)
      .filter((record) => record.status === 'scheduled');
    const last = page.at(-1);
    return more && last !== undefined ? { items: records, cursor: last.sort } : { items: records };
  }

  private async queryShard(
    partition: string,
    lower: string,
    upper: string,
    limit: number,
  ): Promise<{ entries: DueEntry[]; more: boolean }> {
    const page = await this.table.call('Query', () =>
      this.table.doc.send(
        new QueryCommand({
          TableName: this.table.tableName,
          IndexName: INDEXES.due.indexName,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lower AND :upper',
          ExpressionAttributeNames: { '#pk': ATTR.duePk, '#sk': ATTR.dueSk },
          ExpressionAttributeValues: { ':pk': partition, ':lower': lower, ':upper': upper },
          Limit: limit,
        }),
      ),
    );
    const entries = (page.Items ?? []).map((item) => ({
      key: toItemKey(item),
      sort: String(item[ATTR.dueSk]),
    }));
    return { entries, more: page.LastEvaluatedKey !== undefined };
  }
}
