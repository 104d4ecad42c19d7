import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ThresholdCounters } from '../../app/ports/thresholds.ts';
import type { ThresholdEntry } from '../../core/planning/threshold.ts';
import type { DynamoTable } from './dynamo-table.ts';
import {
  customerPartition,
  ITEM_TYPE,
  itemKey,
  thresholdPartition,
  thresholdRange,
  timelineSort,
  toThresholdEntry,
  utcInstant,
} from './journey-items.ts';
import { ATTR } from './table-design.ts';

/** {@link ThresholdCounters} on DynamoDB: a partition per counter, sorted by event time. */
export class DynamoThresholdCounters implements ThresholdCounters {
  constructor(private readonly table: DynamoTable) {}

  async recordThresholdEvent(
    counter: string,
    entry: ThresholdEntry,
    keepUntil: string,
  ): Promise<'created' | 'exists'> {
    const item = {
      ...itemKey.thresholdEvent(counter, entry.at, entry.eventId),
      [ATTR.type]: ITEM_TYPE.threshold,
      ...entry,
      // Filed under the customer in the timeline index, so a privacy erase finds it by key.
      ...(entry.customerId === undefined
        ? {}
        : {
            [ATTR.timelinePk]: customerPartition(entry.customerId),
            [ATTR.timelineSk]: timelineSort('THRESHOLD', entry.at, entry.eventId),
          }),
      // Kept a day past the end of the last window it can count in, so an event arriving up to a
      // day late is still judged against its neighbours; the key condition of every count
      // excludes whatever TTL has not deleted yet, so the grace costs storage, not correctness.
      [ATTR.expiresAt]: Math.floor(utcInstant(keepUntil).plus({ days: 1 }).toSeconds()),
    };
    return this.table.putIfAbsent(item);
  }

  /**
   * `Select: COUNT` over one key range of the counter's partition: pays for the entries read,
   * returns none. With `atMost`, each page's `Limit` is what is still wanted and the count stops
   * there: DynamoDB evaluates (and charges for) at most `Limit` items of a Query, so the read
   * costs min(count, atMost) entries, however many the window holds.
   */
  async countThresholdEvents(
    counter: string,
    after: string,
    until: string,
    atMost?: number,
  ): Promise<number> {
    const bound = atMost === undefined ? undefined : Math.max(0, Math.floor(atMost));
    if (!(after < until) || bound === 0) return 0;
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.table.call('Query', () =>
        this.table.doc.send(
          new QueryCommand({
            TableName: this.table.tableName,
            ...thresholdKeyCondition(counter, after, until),
            // The base table reads strongly consistent: an event written a moment ago by a
            // concurrent evaluator is counted, so of two racing events one always sees both.
            ConsistentRead: true,
            Select: 'COUNT',
            // Newest first: the entries nearest the event are the ones a bounded count reads.
            ScanIndexForward: false,
            ...(bound === undefined ? {} : { Limit: bound - count }),
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      count += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && (bound === undefined || count < bound));
    return bound === undefined ? count : Math.min(count, bound);
  }

  async listThresholdEvents(
    counter: string,
    after: string,
    until: string,
    options: { limit: number; order: 'oldest-first' | 'newest-first' },
  ): Promise<ThresholdEntry[]> {
    const limit = Math.floor(options.limit);
    if (!(limit > 0) || !(after < until)) return [];
    const page = await this.table.call('Query', () =>
      this.table.doc.send(
        new QueryCommand({
          TableName: this.table.tableName,
          ...thresholdKeyCondition(counter, after, until),
          ConsistentRead: true,
          ScanIndexForward: options.order === 'oldest-first',
          Limit: limit,
        }),
      ),
    );
    return (page.Items ?? []).map(toThresholdEntry);
  }
}

/** The key condition of a threshold counter's events after `after`, up to `until` (event times). */
function thresholdKeyCondition(counter: string, after: string, until: string) {
  const range = thresholdRange(after, until);
  return {
    KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
    ExpressionAttributeNames: { '#pk': ATTR.pk, '#sk': ATTR.sk },
    ExpressionAttributeValues: { ':pk': thresholdPartition(counter), ':from': range.from, ':to': range.to },
  };
}
