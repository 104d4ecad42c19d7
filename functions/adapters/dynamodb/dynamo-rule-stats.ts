/**
 * Per-rule daily counters on the journey table (docs/data-model.md, "rule stats"), and the write
 * that changes a record and its counters together.
 *
 * Exactly once: a counted outcome is ONE TransactWriteItems — the record's conditional write
 * (the transition, the create, the provider report) and an ADD on the rule's counter item.
 * The condition that makes the transition happen once (status IN (…), attribute_not_exists, the
 * report id not yet applied) decides the ADD too: a replay fails the condition and adds nothing;
 * a crash leaves both or neither.
 *
 * Hot keys: one rule at 10,000 messages/s adds ~3 counters per message (planned, sent,
 * delivered), 2 WCU each in a transaction: 60,000 WCU/s on the rule's day. DynamoDB allows 1,000
 * WCU/s per partition ("Service, account, and table quotas in Amazon DynamoDB": partition
 * throughput); to stay at half of it the counter is spread over {@link STATS_SHARDS} partitions
 * (`STATS#<ruleId>#<shard>`, the shard from the message id), and a read sums the shards.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { RuleDayStats, RuleStats } from '../../app/ports/rule-stats.ts';
import { daysBetween, statDay } from '../../app/rule-stat-counters.ts';
import { DynamoStoreError, DynamoStoreErrorCode, isConditionFailure } from './dynamo-store-error.ts';
import { conditionItem, type DynamoTable } from './dynamo-table.ts';
import { type ItemKey, itemKey, type RawAttribute } from './journey-items.ts';
import { ATTR } from './table-design.ts';
import { noteTransactionsUnsupported, transactionsUnsupported } from './transaction-support.ts';
import { UpdateExpressionBuilder } from './update-expression.ts';

/**
 * Partitions one rule's counters are spread over. The capacity pass measures 8–9 WCU of counter
 * writes per message (transactional ADDs cost 2 WCU each): 90,000 WCU/s for one rule at 10,000
 * messages/s ÷ 500 (half the limit) = 180, and the busiest shard of a second runs ~1.5× above
 * the average (the capacity model adds every kind of work's load per shard: 256 shards gave 51 %
 * of the limit on the busiest, 384 keep it near a third). May only grow: counts written under
 * fewer shards stay on shards that are still read.
 */
const STATS_SHARDS = 384;

/** Counter attributes are `n:<counter>` (top level: ADD works on top-level attributes only). */
const COUNTER_PREFIX = 'n:';

/** Item kind of a counter item. */
const STATS_TYPE = 'stats';

/** Reads in flight at once when a read sums the shards. */
const READ_CONCURRENCY = 16;

/** A transaction cancelled by a conflicting one (hot counter) is tried again this many times. */
const CONFLICT_ATTEMPTS = 4;

/** The key of one shard of a rule's counters on one UTC day. */
export function statsKey(ruleId: string, shard: number, day: string): ItemKey {
  return { PK: `STATS#${ruleId}#${shard}`, SK: `DAY#${day}` };
}

/** The shard an outcome of message (or reply) `id` is counted on: stable, so spread by id. */
export function shardOf(id: string): number {
  return createHash('sha256').update(id).digest().readUInt32BE(0) % STATS_SHARDS;
}

/** What one counted outcome adds: one to each of `counters` of `ruleId` on the day of `at`. */
export interface CounterAdd {
  ruleId: string;
  /** The message (or reply) id: picks the shard. */
  id: string;
  at: string;
  counters: ReadonlyArray<string>;
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The record's write in a counted transaction: a conditional Put or Update of one item. */
export type RecordWrite =
  | { Put: NonNullable<TransactItem['Put']> }
  | { Update: NonNullable<TransactItem['Update']> };

/** The counted write's answer: written, or the record's condition failed (with the item then, if asked). */
export type CountedWriteResult =
  | { written: true }
  | { written: false; item?: Record<string, RawAttribute> | undefined };

/** The Update of a counter item for one {@link CounterAdd} (with the table's retention as TTL). */
function counterUpdate(table: DynamoTable, add: CounterAdd): NonNullable<TransactItem['Update']> {
  const day = statDay(add.at);
  const update = new UpdateExpressionBuilder();
  update
    .set(ATTR.type, STATS_TYPE)
    .set('ruleId', add.ruleId)
    .set('day', day)
    // Kept a retention after its day, like the messages it counts.
    .set(ATTR.expiresAt, table.expiresAt(`${day}T23:59:59.999Z`));
  for (const counter of add.counters) update.add(`${COUNTER_PREFIX}${counter}`, 1);
  return {
    TableName: table.tableName,
    Key: statsKey(add.ruleId, shardOf(add.id), day),
    ...update.build(),
  };
}

/**
 * Writes `record` and adds `add` to the rule's counters in one transaction. Returns whether the
 * record's condition held. Without counters to add it is the record's write alone.
 *
 * dynalite (the `npm start` fallback without Java) has no TransactWriteItems: there the counter
 * is added by a second write after the record's, so a crash between the two loses a count
 * (never adds one twice). DynamoDB and DynamoDB Local take the transaction.
 */
export async function countedWrite(
  table: DynamoTable,
  record: RecordWrite,
  add: CounterAdd | undefined,
): Promise<CountedWriteResult> {
  if (add === undefined || add.counters.length === 0 || transactionsUnsupported(table)) {
    const result = await singleWrite(table, record);
    if (result.written && add !== undefined && add.counters.length > 0) await addCounters(table, add);
    return result;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      await table.doc.send(
        new TransactWriteCommand({ TransactItems: [record, { Update: counterUpdate(table, add) }] }),
      );
      return { written: true };
    } catch (error) {
      if (noteTransactionsUnsupported(table, error)) return countedWrite(table, record, add);
      if (!(error instanceof TransactionCanceledException))
        return table.call('TransactWriteItems', () => Promise.reject(error));
      const [first, second] = error.CancellationReasons ?? [];
      if (first?.Code === 'ConditionalCheckFailed') return { written: false, item: first.Item };
      const reasons = [first, second].filter((reason) => reason !== undefined);
      if (
        reasons.some((reason) => reason.Code === 'ValidationError' && /item size/i.test(reason.Message ?? ''))
      ) {
        throw new DynamoStoreError(`TransactWriteItems on table ${table.tableName} failed: item size`, {
          operation: 'TransactWriteItems',
          retryable: false,
          code: DynamoStoreErrorCode.RecordTooLarge,
          cause: error,
        });
      }
      const conflict = reasons.some((reason) => reason.Code === 'TransactionConflict');
      if (!conflict || attempt >= CONFLICT_ATTEMPTS) {
        throw new DynamoStoreError(
          `TransactWriteItems on table ${table.tableName} cancelled: ${reasons.map((reason) => reason.Code).join(', ')}`,
          { operation: 'TransactWriteItems', retryable: conflict, cause: error },
        );
      }
      await sleep(5 * 2 ** attempt * Math.random());
    }
  }
}

async function singleWrite(table: DynamoTable, record: RecordWrite): Promise<CountedWriteResult> {
  try {
    if ('Put' in record) await table.call('PutItem', () => table.doc.send(new PutCommand(record.Put)));
    else await table.call('UpdateItem', () => table.doc.send(new UpdateCommand(record.Update)));
    return { written: true };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return { written: false, item: conditionItem(error) };
  }
}

async function addCounters(table: DynamoTable, add: CounterAdd): Promise<void> {
  await table.call('UpdateItem', () => table.doc.send(new UpdateCommand(counterUpdate(table, add))));
}

/**
 * The rule of a message, which never changes (its counters' key): read eventually consistent
 * (half the cost of a consistent read), and consistently only when that read does not find the
 * item yet (it was just created). Undefined when there is no such message.
 */
export async function messageRuleId(table: DynamoTable, messageId: string): Promise<string | undefined> {
  for (const consistent of [false, true]) {
    const result = await table.call('GetItem', () =>
      table.doc.send(
        new GetCommand({
          TableName: table.tableName,
          Key: itemKey.message(messageId),
          ProjectionExpression: 'ruleId',
          ConsistentRead: consistent,
        }),
      ),
    );
    const ruleId = result.Item?.ruleId;
    if (typeof ruleId === 'string') return ruleId;
  }
  return undefined;
}

/** {@link RuleStats} on DynamoDB: per shard one Query over the days, summed. */
export class DynamoRuleStats implements RuleStats {
  constructor(private readonly table: DynamoTable) {}

  async readDays(ruleId: string, fromDay: string, toDay: string): Promise<RuleDayStats[]> {
    const byDay = new Map<string, Record<string, number>>();
    const shards = Array.from({ length: STATS_SHARDS }, (_, shard) => shard);
    for (let start = 0; start < shards.length; start += READ_CONCURRENCY) {
      const pages = await Promise.all(
        shards
          .slice(start, start + READ_CONCURRENCY)
          .map((shard) => this.shardDays(ruleId, shard, fromDay, toDay)),
      );
      for (const item of pages.flat()) addItem(byDay, item);
    }
    return daysBetween(fromDay, toDay).map((day) => ({ day, counts: byDay.get(day) ?? {} }));
  }

  private async shardDays(
    ruleId: string,
    shard: number,
    fromDay: string,
    toDay: string,
  ): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    const query = this.table.queryItems({
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': ATTR.pk, '#sk': ATTR.sk },
      ExpressionAttributeValues: {
        ':pk': statsKey(ruleId, shard, fromDay).PK,
        ':from': statsKey(ruleId, shard, fromDay).SK,
        ':to': statsKey(ruleId, shard, toDay).SK,
      },
    });
    for await (const item of query) items.push(item);
    return items;
  }
}

/** Adds one counter item's counters to its day. */
function addItem(byDay: Map<string, Record<string, number>>, item: Record<string, unknown>): void {
  const day = item.day;
  if (typeof day !== 'string') return;
  const counts = byDay.get(day) ?? {};
  for (const [name, value] of Object.entries(item)) {
    if (!name.startsWith(COUNTER_PREFIX) || typeof value !== 'number') continue;
    const counter = name.slice(COUNTER_PREFIX.length);
    counts[counter] = (counts[counter] ?? 0) + value;
  }
  byDay.set(day, counts);
}
