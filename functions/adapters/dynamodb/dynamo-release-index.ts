/**
 * The release index on the journey table (docs/data-model.md, the `release` index): a scheduled
 * message due later than the send queue can hold it is in the sparse index under
 * `REL#<shard>` / `<sendAt>#<messageId>`. The send scheduler puts it there (one UpdateItem,
 * conditioned on the message still being scheduled); every status change takes it out
 * (dynamo-message-store.ts removes `releaseSK` with the status), so a cancelled, claimed or sent
 * message is not released again. The release sweep queries each shard for a window of due times.
 *
 * Hot keys: every held message writes the index twice (in when scheduled, out when claimed), all
 * of them in the minutes around their due time. At 10,000 held messages/s that is 20,000 index
 * WCU/s; over {@link RELEASE_SHARDS} partitions ~313 each, under a third of DynamoDB's 1,000 WCU/s
 * per partition (bench/capacity reads this key function).
 */
import { createHash } from 'node:crypto';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ReleaseEntry, ReleaseIndex } from '../../app/ports/release.ts';
import { isConditionFailure } from './dynamo-store-error.ts';
import type { DynamoTable } from './dynamo-table.ts';
import { itemKey, toItemKey } from './journey-items.ts';
import { ATTR, INDEXES } from './table-design.ts';
import { UpdateExpressionBuilder } from './update-expression.ts';

/**
 * Partitions of the release index. May only grow: a message keeps the shard of its id, and a
 * sweep reads shards 0 … RELEASE_SHARDS − 1, so with more shards every entry written under fewer
 * is still read. Shrinking would strand entries on shards no sweep reads.
 */
export const RELEASE_SHARDS = 64;

/** The release index partition of a message (the shard from a hash of its id). */
export function releasePartition(messageId: string, shards = RELEASE_SHARDS): string {
  return releaseShardPartition(createHash('sha256').update(messageId).digest().readUInt32BE(0) % shards);
}

/** The partition key of one shard. */
function releaseShardPartition(shard: number): string {
  return `REL#${shard}`;
}

/** The release index sort key: due time, then id (ISO UTC sorts as a string). */
function releaseSort(sendAt: string, messageId: string): string {
  return `${sendAt}#${messageId}`;
}

/** {@link ReleaseIndex} on DynamoDB. */
export class DynamoReleaseIndex implements ReleaseIndex {
  readonly shards = RELEASE_SHARDS;

  constructor(private readonly table: DynamoTable) {}

  async hold(messageId: string, sendAt: string): Promise<boolean> {
    const update = new UpdateExpressionBuilder();
    update
      .set(ATTR.releasePk, releasePartition(messageId))
      .set(ATTR.releaseSk, releaseSort(sendAt, messageId))
      .condition(`attribute_exists(${update.name(ATTR.pk)})`)
      // Claimed, sent, cancelled or erased meanwhile: the status change already decided.
      .condition(`${update.name('status')} = ${update.value('scheduled')}`);
    try {
      await this.table.call('UpdateItem', () =>
        this.table.doc.send(
          new UpdateCommand({
            TableName: this.table.tableName,
            Key: itemKey.message(messageId),
            ...update.build(),
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async *due(shard: number, after: string, upTo: string): AsyncGenerator<ReleaseEntry[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.table.call('Query', () =>
        this.table.doc.send(
          new QueryCommand({
            TableName: this.table.tableName,
            IndexName: INDEXES.release.indexName,
            // `after#~` sorts after every entry due exactly at `after` (excluded); `upTo#~` after
            // every one due exactly at `upTo` (included): `~` sorts after every character of an id.
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :after AND :upTo',
            ExpressionAttributeNames: { '#pk': ATTR.releasePk, '#sk': ATTR.releaseSk },
            ExpressionAttributeValues: {
              ':pk': releaseShardPartition(shard),
              ':after': `${after}#~`,
              ':upTo': `${upTo}#~`,
            },
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      yield (page.Items ?? []).map((item) => {
        const sort = String(item[ATTR.releaseSk]);
        // The id from the table key: an id may hold any character, `#` included.
        return {
          messageId: toItemKey(item).PK.slice('MSG#'.length),
          sendAt: sort.slice(0, sort.indexOf('#')),
        };
      });
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  }
}
