/**
 * How many partitions each key pattern spreads one second of traffic over, found by calling the
 * REAL key functions of the table design on synthetic traffic and counting distinct values: a
 * key per message (`MSG#<id>`) spreads 10,000 messages over 10,000 partitions, a key per month
 * (`OUTBOX#<yyyy-MM>`) puts them all on one. Change a key function (shard the outbox) and the
 * share of the hottest partition changes with it; nothing here knows the patterns.
 */
import { eventArchiveKey } from '../../functions/adapters/dynamodb/dynamo-event-archive.ts';
import { duePartition } from '../../functions/adapters/dynamodb/dynamo-pending-sends.ts';
import { releasePartition } from '../../functions/adapters/dynamodb/dynamo-release-index.ts';
import { shardOf, statsKey } from '../../functions/adapters/dynamodb/dynamo-rule-stats.ts';
import { suppressionKey } from '../../functions/adapters/dynamodb/dynamo-suppression-store.ts';
import {
  customerPartition,
  itemKey,
  outboxPartitionOf,
  pendingPartition,
} from '../../functions/adapters/dynamodb/journey-items.ts';
import { INDEXES } from '../../functions/adapters/dynamodb/table-design.ts';
import { thresholdAlertKey } from '../../functions/core/planning/threshold.ts';
import { type Target, WORK, type Work } from './profile.ts';

/** One synthetic unit of work: what the key functions are called with. */
interface SyntheticItem {
  /** Position in the second, 0-based. */
  sequence: number;
  messageId: string;
  customerId: string;
  ruleId: string;
  dedupeKey: string;
  correlationKey: string;
  /** ISO instant within the second. */
  at: string;
  phone: string;
  email: string;
  replyId: string;
  thresholdCounter: string;
}

/**
 * The partition key each target gets for one item, by kind of work (a reply's `table:MSG` read
 * is the message it answers). Undefined: the target is not written or read for that work.
 */
export type KeyFunctions = Readonly<Record<string, (item: SyntheticItem, work: Work) => string | undefined>>;

/** The real table design's key functions, by target. */
export const TABLE_KEYS: KeyFunctions = {
  'table:MSG': (item) => itemKey.message(item.messageId).PK,
  'table:CUST': (item) => itemKey.profile(item.customerId).PK,
  // A threshold event reads its key's alert claim (one hot key); messages claim their own keys.
  'table:DEDUPE': (item, work) =>
    work === 'threshold'
      ? itemKey.dedupe(thresholdAlertKey('spike', 'HOT')).PK
      : itemKey.dedupe(`${item.ruleId}#${item.dedupeKey}`).PK,
  'table:REPLY': (item) => itemKey.reply(item.replyId).PK,
  'table:ADDR': (item, work) =>
    suppressionKey(work === 'email' ? 'email' : 'sms', work === 'email' ? item.email : item.phone).PK,
  'table:THRESHOLD': (item) => itemKey.thresholdEvent(item.thresholdCounter, item.at, item.messageId).PK,
  'table:REJECTED': (item) => itemKey.rejected(item.at, item.messageId).PK,
  // Every accepted event is archived, an hour's events sharded by event id.
  'table:EVENTS': (item) => eventArchiveKey(item.at, item.messageId).PK,
  [`index:${INDEXES.outbox.indexName}`]: (item) => outboxPartitionOf(item.at, item.messageId),
  [`index:${INDEXES.timeline.indexName}`]: (item) => customerPartition(item.customerId),
  [`index:${INDEXES.lifecycle.indexName}`]: (item) => pendingPartition(item.correlationKey),
  // A rule's daily counters, sharded by a hash of the message id (issue 13).
  'table:STATS': (item) => statsKey(item.ruleId, shardOf(item.messageId), item.at.slice(0, 10)).PK,
  // Pending sends by rule, sharded by a hash of the message id (issue 13).
  [`index:${INDEXES.due.indexName}`]: (item) => duePartition(item.ruleId, item.messageId),
  // Messages due later than the send queue can hold them, by due time, sharded by message id.
  [`index:${INDEXES.release.indexName}`]: (item) => releasePartition(item.messageId),
  // Keys without a `PREFIX#` (the active rule-set pointer and the like): one item, one partition.
  'table:other': () => 'other',
  // The address index is keyed on the record's own `to` field (ATTR.to), the address as is.
  [`index:${INDEXES.address.indexName}`]: (item, work) => (work === 'email' ? item.email : item.phone),
};

/** Start of the synthetic second: any instant works, the month bucket is what matters. */
const SECOND_START = Date.parse('2026-11-24T09:00:00.000Z');

/**
 * `count` items spread evenly over one second: every message its own id, customer, address and
 * correlation key (the default: 10,000 a second are 10,000 different customers), one rule per
 * kind, one hot threshold key.
 */
function syntheticSecond(count: number, work: Work): SyntheticItem[] {
  return Array.from({ length: count }, (_, sequence) => ({
    sequence,
    // Each kind of work its own messages and customers (an SMS and an email of the same second
    // are different messages); every kind on the one rule, the worst case for per-rule keys.
    messageId: `${work}-m-${sequence}`,
    customerId: `${work}-c-${sequence}`,
    ruleId: 'rule',
    dedupeKey: `${work}-d-${sequence}`,
    correlationKey: `rule#${work}-k-${sequence}`,
    at: new Date(SECOND_START + Math.floor((sequence * 1000) / count)).toISOString(),
    phone: `+467${WORK.indexOf(work)}${String(sequence).padStart(7, '0')}`,
    email: `${work}-c${sequence}@example.se`,
    replyId: `SM${work}${sequence}`,
    thresholdCounter: 'spike#HOT',
  }));
}

/** Largest sample the spread is computed on; shares of bigger rates are the sample's. */
const MAX_SAMPLE = 20_000;

/**
 * The share of one second's accesses that land on the busiest partition of `target` (1: all on
 * one partition; 1/n: spread evenly over n), from the key function on `rate` synthetic items a
 * second (at most 20,000; a pattern that spreads by item stays at 1/20,000 beyond that, which
 * only matters for rows far below their limit).
 */
export function hottestShare(keys: KeyFunctions, target: Target, work: Work, rate: number): number {
  const counts = keyCounts(keys, target, work, rate);
  const hottest = Math.max(0, ...counts.keys.values());
  return hottest / counts.sampled;
}

/**
 * The load on the busiest partition of `target` when several kinds of work use it at once: each
 * kind's synthetic second (`rate` items, `units` each) is spread over the keys the key function
 * gives, the loads are added per key, and the largest sum is returned. Adding each kind's own
 * busiest share instead would assume every kind's busiest partition is the same one.
 */
export function hottestLoad(
  keys: KeyFunctions,
  target: Target,
  parts: ReadonlyArray<{ work: Work; rate: number; units: number }>,
): number {
  const load = new Map<string, number>();
  for (const { work, rate, units } of parts) {
    const counts = keyCounts(keys, target, work, rate);
    for (const [key, count] of counts.keys) {
      load.set(key, (load.get(key) ?? 0) + (count / counts.sampled) * rate * units);
    }
  }
  return Math.max(0, ...load.values());
}

function keyCounts(
  keys: KeyFunctions,
  target: Target,
  work: Work,
  rate: number,
): { keys: Map<string, number>; sampled: number } {
  const keyOf = keys[target];
  if (keyOf === undefined) throw new Error(`capacity: no key function for ${target}`);
  const sample = syntheticSecond(Math.max(1, Math.min(MAX_SAMPLE, Math.ceil(rate))), work);
  const counts = new Map<string, number>();
  for (const item of sample) {
    const key = keyOf(item, work);
    if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return { keys: counts, sampled: sample.length };
}
