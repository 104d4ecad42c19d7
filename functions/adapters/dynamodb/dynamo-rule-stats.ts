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
 *
 * Reading without summing 384 shards per day: a day's shards stop changing an hour after the day
 * ends ({@link CLOSE_AFTER_MS}): a counted outcome dated on a closed day (a late delivery report,
 * a redriven dead letter) is added to a "late" item of the day instead (`STATSDAY#<ruleId>#<p>`,
 * `DAY#<day>#LATE#<shard>`, {@link LATE_PARTITIONS} partitions), still in the record's one
 * transaction. Once the day is settled ({@link SUMMARY_AFTER_MS} after its end) the first read
 * sums its shards once into a summary item (`STATSDAY#<ruleId>#0`, `DAY#<day>`), which never needs
 * re-summing: nothing writes those shards any more. A read is then one Query per late partition
 * (summaries and late items of every day asked for) plus BatchGetItem of the shards of the days
 * not yet settled (today; yesterday in the first two hours of a UTC day).
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { RuleDayStats, RuleStats } from '../../app/ports/rule-stats.ts';
import { daysBetween, statDay } from '../../app/rule-stat-counters.ts';
import { batchGetItems } from './batch-get.ts';
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

/** Item kind of a day's summary (its shards summed once, after the day settled). */
const SUMMARY_TYPE = 'stats-day';

/** Item kind of a late counter item (outcomes dated on a day already closed). */
const LATE_TYPE = 'stats-late';

/**
 * Partitions the late items of one rule are spread over. Late outcomes are stragglers (a provider
 * retrying a webhook, a dead-letter redrive), absent from the steady state the capacity model
 * measures; 4 partitions take ~1,000 late outcomes a second of one rule at half their limit
 * (2 WCU per transactional ADD, 1,000 WCU/s per partition), and a read queries each once.
 */
const LATE_PARTITIONS = 4;

/** A UTC day in milliseconds. */
const DAY_MS = 86_400_000;

/**
 * How long after a UTC day ends its shards still take counts; later outcomes dated on it go to
 * its late items. An hour keeps the ordinary delays (a delivery report seconds or minutes after
 * the send) on the shards.
 */
const CLOSE_AFTER_MS = 3_600_000;

/**
 * How long after a UTC day ends a read sums its shards into a summary: {@link CLOSE_AFTER_MS} and
 * an hour more, longer than any write can take from choosing its item (at the table clock's now)
 * to landing (a Lambda runs at most 15 minutes; the SDK's retries take seconds). Counts are exact
 * as long as that holds and the writers' and readers' clocks agree to within the hour.
 */
const SUMMARY_AFTER_MS = CLOSE_AFTER_MS + 3_600_000;

/** BatchGetItem takes at most 100 keys per request. */
const BATCH_GET_MAX = 100;

/** BatchWriteItem takes at most 25 requests. */
const BATCH_WRITE_MAX = 25;

/**
 * Most days whose shards a read gets by key (≤ 47 BatchGetItem calls, 1 RCU per key when
 * consistent: "DynamoDB read and write operations"). More days at once (the first read of a span,
 * after an upgrade or on a new table) cost less as one Query per shard over the span: 384 calls of
 * one page and ~1 RCU each, and on DynamoDB Local a fraction of the time of 100-key lookups.
 */
const BY_KEY_DAYS_MAX = 12;

/** Reads in flight at once when a read sums the shards. */
const READ_CONCURRENCY = 16;

/** A transaction cancelled by a conflicting one (hot counter) is tried again this many times. */
const CONFLICT_ATTEMPTS = 4;

/** The key of one shard of a rule's counters on one UTC day. */
export function statsKey(ruleId: string, shard: number, day: string): ItemKey {
  return { PK: `STATS#${ruleId}#${shard}`, SK: `DAY#${day}` };
}

/** Partition key prefix of the day summaries and late items (the console may write summaries only there). */
export const STATS_DAY_PREFIX = 'STATSDAY#';

/** The partition of a rule's day summaries and late items: `p` in 0 … {@link LATE_PARTITIONS} − 1. */
function dayPartition(ruleId: string, partition: number): string {
  return `${STATS_DAY_PREFIX}${ruleId}#${partition}`;
}

/** The key of a rule's summary of one UTC day (the sum of its shards, written by a read). */
function summaryKey(ruleId: string, day: string): ItemKey {
  return { PK: dayPartition(ruleId, 0), SK: `DAY#${day}` };
}

/** The key of a late item: counts dated on a closed `day`, for outcomes of shard `shard`. */
function lateKey(ruleId: string, shard: number, day: string): ItemKey {
  return { PK: dayPartition(ruleId, shard % LATE_PARTITIONS), SK: `DAY#${day}#LATE#${shard}` };
}

/** Midnight UTC that starts `day` (`yyyy-MM-dd`), in epoch ms; NaN for a day Date cannot parse. */
function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

/**
 * Whether `day`'s shards take no more counts at `now` (epoch ms). A day Date cannot parse (a
 * five-digit year) is never closed, and never settled for the reader either: it is read live.
 */
function closedAt(day: string, now: number): boolean {
  return dayStart(day) + DAY_MS + CLOSE_AFTER_MS <= now;
}

/** Whether a read may sum `day`'s shards into a summary at `now` (epoch ms). */
function settledAt(day: string, now: number): boolean {
  return dayStart(day) + DAY_MS + SUMMARY_AFTER_MS <= now;
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

/**
 * The Update of a counter item for one {@link CounterAdd} (with the table's retention as TTL): the
 * outcome's shard of its day, or the day's late item once the day is closed.
 */
function counterUpdate(table: DynamoTable, add: CounterAdd): NonNullable<TransactItem['Update']> {
  const day = statDay(add.at);
  const shard = shardOf(add.id);
  const late = closedAt(day, table.now().toMillis());
  const update = new UpdateExpressionBuilder();
  update
    .set(ATTR.type, late ? LATE_TYPE : STATS_TYPE)
    .set('ruleId', add.ruleId)
    .set('day', day)
    // Kept a retention after its day, like the messages it counts.
    .set(ATTR.expiresAt, table.expiresAt(`${day}T23:59:59.999Z`));
  for (const counter of add.counters) update.add(`${COUNTER_PREFIX}${counter}`, 1);
  return {
    TableName: table.tableName,
    Key: late ? lateKey(add.ruleId, shard, day) : statsKey(add.ruleId, shard, day),
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

/**
 * {@link RuleStats} on DynamoDB. A day is its summary (or, before it settled, its shards read by
 * BatchGetItem) plus its late items; the summaries and late items of the whole range come from one
 * Query per late partition.
 */
export class DynamoRuleStats implements RuleStats {
  constructor(private readonly table: DynamoTable) {}

  async readDays(ruleId: string, fromDay: string, toDay: string): Promise<RuleDayStats[]> {
    const days = daysBetween(fromDay, toDay);
    // An empty range: a Query's BETWEEN refuses a lower bound above the upper one.
    if (days.length === 0) return [];
    const now = this.table.now().toMillis();
    const byDay = new Map<string, Record<string, number>>();
    const summarised = new Set<string>();
    const partitions = Array.from({ length: LATE_PARTITIONS }, (_, partition) => partition);
    const pages = await Promise.all(partitions.map((p) => this.dayItems(ruleId, p, fromDay, toDay)));
    for (const item of pages.flat()) {
      if (item[ATTR.type] === SUMMARY_TYPE && typeof item.day === 'string') summarised.add(item.day);
      addItem(byDay, item);
    }
    const unsummarised = days.filter((day) => !summarised.has(day));
    const settled = unsummarised.filter((day) => settledAt(day, now));
    const live = unsummarised.filter((day) => !settledAt(day, now));
    const [settledSums, liveSums] = await Promise.all([
      this.shardSums(ruleId, settled, true),
      this.shardSums(ruleId, live, false),
    ]);
    await this.writeSummaries(ruleId, settled, settledSums, now);
    for (const sums of [settledSums, liveSums]) {
      for (const [day, counts] of sums) addCounts(byDay, day, counts);
    }
    return days.map((day) => ({ day, counts: byDay.get(day) ?? {} }));
  }

  /** The summaries and late items of one partition from `fromDay` to `toDay` (one Query a page). */
  private dayItems(
    ruleId: string,
    partition: number,
    fromDay: string,
    toDay: string,
  ): Promise<Array<Record<string, unknown>>> {
    // `~` sorts after every `DAY#<toDay>#LATE#<shard>` ('#' and the digits).
    return this.rangeItems(dayPartition(ruleId, partition), `DAY#${fromDay}`, `DAY#${toDay}~`, false);
  }

  /**
   * Every shard of `days` summed per day (days without counts absent). A few days are read by key
   * (BatchGetItem, 100 keys a call: ~4 calls a day); more than {@link BY_KEY_DAYS_MAX} by one Query
   * per shard over their span.
   */
  private async shardSums(
    ruleId: string,
    days: ReadonlyArray<string>,
    consistent: boolean,
  ): Promise<Map<string, Record<string, number>>> {
    const byDay = new Map<string, Record<string, number>>();
    if (days.length === 0) return byDay;
    const shards = Array.from({ length: STATS_SHARDS }, (_, shard) => shard);
    let tasks: Array<() => Promise<Array<Record<string, unknown>>>>;
    if (days.length <= BY_KEY_DAYS_MAX) {
      const keys = days.flatMap((day) => shards.map((shard) => statsKey(ruleId, shard, day)));
      tasks = chunks(keys, BATCH_GET_MAX).map(
        (chunk) => () => batchGetItems(this.table.doc, this.table.tableName, chunk, consistent),
      );
    } else {
      const [first = '', last = ''] = [days[0], days[days.length - 1]];
      tasks = shards.map((shard) => () => this.shardDays(ruleId, shard, first, last, consistent));
    }
    const wanted = new Set(days);
    for (const batch of chunks(tasks, READ_CONCURRENCY)) {
      const pages = await Promise.all(batch.map((task) => task()));
      for (const item of pages.flat()) {
        if (typeof item.day === 'string' && wanted.has(item.day)) addItem(byDay, item);
      }
    }
    return byDay;
  }

  /**
   * Writes the summaries of settled days (an empty one for a day without counts, so it is not read
   * again), 25 to a BatchWriteItem (its limit). Concurrent readers write the same sums: the shards
   * of a settled day no longer change. A summary left unprocessed (throttled) is simply not
   * written: the next read sums that day again.
   */
  private async writeSummaries(
    ruleId: string,
    days: ReadonlyArray<string>,
    sums: ReadonlyMap<string, Record<string, number>>,
    now: number,
  ): Promise<void> {
    const items = days.map((day) => this.summaryItem(ruleId, day, sums.get(day) ?? {}, now));
    try {
      await this.putSummaries(items);
    } catch (error) {
      // A reader not allowed to write summaries (an operator's read-only credentials in
      // `nudge stats`) still has exact counts: it reads the shards again next time.
      if (!isAccessDenied(error)) throw error;
    }
  }

  private async putSummaries(items: ReadonlyArray<Record<string, unknown>>): Promise<void> {
    await Promise.all(
      chunks(items, BATCH_WRITE_MAX).map((batch) =>
        this.table.call('BatchWriteItem', () =>
          this.table.doc.send(
            new BatchWriteCommand({
              RequestItems: { [this.table.tableName]: batch.map((Item) => ({ PutRequest: { Item } })) },
            }),
          ),
        ),
      ),
    );
  }

  private summaryItem(
    ruleId: string,
    day: string,
    counts: Record<string, number>,
    now: number,
  ): Record<string, unknown> {
    const item: Record<string, unknown> = {
      ...summaryKey(ruleId, day),
      [ATTR.type]: SUMMARY_TYPE,
      ruleId,
      day,
      summedAt: new Date(now).toISOString(),
      [ATTR.expiresAt]: this.table.expiresAt(`${day}T23:59:59.999Z`),
    };
    for (const [counter, count] of Object.entries(counts)) item[`${COUNTER_PREFIX}${counter}`] = count;
    return item;
  }

  /** One shard's items from `fromDay` to `toDay`. */
  private shardDays(
    ruleId: string,
    shard: number,
    fromDay: string,
    toDay: string,
    consistent: boolean,
  ): Promise<Array<Record<string, unknown>>> {
    const [from, to] = [statsKey(ruleId, shard, fromDay), statsKey(ruleId, shard, toDay)];
    return this.rangeItems(from.PK, from.SK, to.SK, consistent);
  }

  /** The items of partition `pk` with `from` ≤ SK ≤ `to`, every page. */
  private async rangeItems(
    pk: string,
    from: string,
    to: string,
    consistent: boolean,
  ): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    const query = this.table.queryItems({
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': ATTR.pk, '#sk': ATTR.sk },
      ExpressionAttributeValues: { ':pk': pk, ':from': from, ':to': to },
      ConsistentRead: consistent,
    });
    for await (const item of query) items.push(item);
    return items;
  }
}

/** IAM refused the call (DynamoDB's AccessDeniedException, as thrown or as the store error's cause). */
function isAccessDenied(error: unknown): boolean {
  const cause = error instanceof Error ? error.cause : undefined;
  return [error, cause].some((e) => e instanceof Error && e.name === 'AccessDeniedException');
}

/** `items` in consecutive slices of at most `size`. */
function chunks<T>(items: ReadonlyArray<T>, size: number): T[][] {
  const slices: T[][] = [];
  for (let start = 0; start < items.length; start += size) slices.push(items.slice(start, start + size));
  return slices;
}

/** Adds `counts` to `day`'s. */
function addCounts(
  byDay: Map<string, Record<string, number>>,
  day: string,
  counts: Record<string, number>,
): void {
  const sum = byDay.get(day) ?? {};
  for (const [counter, count] of Object.entries(counts)) sum[counter] = (sum[counter] ?? 0) + count;
  byDay.set(day, sum);
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
