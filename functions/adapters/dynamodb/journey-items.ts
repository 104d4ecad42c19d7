/**
 * Item ↔ record mapping for the journey table: key builders for every item type, the shared
 * parser, and small zod schemas that validate what DynamoDB hands back before it becomes a domain
 * record (an item may have been written by an older version or edited by hand; a typed error beats
 * a wrong send). Message items are mapped in message-items.ts.
 */
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import * as z from 'zod';
import type { RejectedEvent } from '../../app/message-record.ts';
import type { InboundReply } from '../../app/ports/replies.ts';
import type { CustomerProfile } from '../../core/customers/customer-profile.ts';
import type { ThresholdEntry } from '../../core/planning/threshold.ts';
import { REPLY_EXPECTATIONS } from '../../core/replies/score-reply.ts';
import { utcDateOf } from '../../core/utc-instant.ts';
import { DynamoStoreError, DynamoStoreErrorCode } from './dynamo-store-error.ts';
import { MONTH_PARTITION_SHARDS } from './table-design.ts';

/** The table key of an item. */
export interface ItemKey {
  PK: string;
  SK: string;
}

/** Item kinds, stored in `type` so a person browsing the table can tell them apart. */
export const ITEM_TYPE = {
  message: 'message',
  profile: 'profile',
  dedupe: 'dedupe',
  reply: 'reply',
  rejected: 'rejected',
  cap: 'cap',
  threshold: 'threshold',
} as const;

/**
 * The most of a free-form value (a dedupe, correlation or threshold key rendered from an event)
 * kept as is in a key. DynamoDB refuses a partition key over 2,048 bytes (table and index alike;
 * "Hash primary key values must be under 2048 bytes"); a longer value is replaced by its SHA-256,
 * so equal values still meet on one key and nothing reaches the limit.
 */
const MAX_KEY_VALUE_BYTES = 1_024;

/** `value`, or `sha256:<hex>` of it when it is longer than {@link MAX_KEY_VALUE_BYTES}. */
export function keyValue(value: string): string {
  if (Buffer.byteLength(value, 'utf8') <= MAX_KEY_VALUE_BYTES) return value;
  return `sha256:${createHash('sha256').update(value, 'utf8').digest('hex')}`;
}

/** Table keys, one builder per item type. Prefixes keep the item types apart in one key space. */
export const itemKey = {
  message: (messageId: string): ItemKey => ({ PK: `MSG#${messageId}`, SK: 'MSG' }),
  profile: (customerId: string): ItemKey => ({ PK: `CUST#${customerId}`, SK: 'PROFILE' }),
  dedupe: (key: string): ItemKey => ({ PK: `DEDUPE#${keyValue(key)}`, SK: 'DEDUPE' }),
  reply: (replyId: string): ItemKey => ({ PK: `REPLY#${replyId}`, SK: 'REPLY' }),
  /** The frequency-cap ledger of a customer (under the customer's partition, beside the profile). */
  cap: (customerId: string): ItemKey => ({ PK: `CUST#${customerId}`, SK: 'CAP' }),
  /**
   * One counted event of a threshold rule: a partition per (rule, key value), sorted by event time
   * (the event id keeps equal instants apart and makes a redelivery the same item).
   */
  thresholdEvent: (counter: string, at: string, eventId: string): ItemKey => ({
    PK: thresholdPartition(counter),
    SK: thresholdSort(at, eventId),
  }),
  /**
   * One partition per month and shard (the shard from `unique`); the sort key orders by time and
   * `unique` keeps equal instants apart.
   */
  rejected: (receivedAt: string, unique: string): ItemKey => ({
    PK: rejectedPartition(monthOf(receivedAt), shardOf(unique, MONTH_PARTITION_SHARDS.rejected)),
    SK: `${receivedAt}#${unique}`,
  }),
} as const;

/** Partition of the `timeline` index, and of the `lifecycle` index for sent messages. */
export function customerPartition(customerId: string): string {
  return `CUST#${customerId}`;
}

/** Sort key in the `timeline` index: time first so it orders newest first; kind and id break ties. */
export function timelineSort(kind: 'MSG' | 'REPLY' | 'THRESHOLD', at: string, id: string): string {
  return `${at}#${kind}#${id}`;
}

/** Partition of the `outbox` index for messages created in `month` (`yyyy-MM`) on `shard`. */
export function outboxPartition(month: string, shard: number): string {
  return `OUTBOX#${month}#${shard}`;
}

/** The `outbox` index partition of a message: its creation month, and a shard from its id. */
export function outboxPartitionOf(createdAt: string, messageId: string): string {
  return outboxPartition(monthOf(createdAt), shardOf(messageId, MONTH_PARTITION_SHARDS.outbox));
}

/**
 * The shard of an id among `shards`: FNV-1a over its UTF-16 units, stable across processes and
 * versions (a changed hash would strand items on shards nobody reads).
 */
function shardOf(id: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}

/** Sort key in the `outbox` index. */
export function outboxSort(createdAt: string, messageId: string): string {
  return `${createdAt}#${messageId}`;
}

/** Partition of the `lifecycle` index for messages scheduled under a correlation key. */
export function pendingPartition(correlationKey: string): string {
  return `PENDING#${keyValue(correlationKey)}`;
}

/** Table partition of a threshold counter (`ruleId#keyValue`). */
export function thresholdPartition(counter: string): string {
  return `THRESHOLD#${keyValue(counter)}`;
}

/** Sort key of a counted event: its time first, so a window is one key range. */
function thresholdSort(at: string, eventId: string): string {
  return `${at}#${eventId}`;
}

/**
 * The sort-key range of the events with `after` < at ≤ `until`, for `BETWEEN`. Every key at an
 * instant is `<instant>#<id>`, and `#` sorts just before `$`, so `<instant>$` lies after every key
 * at that instant and before every key at a later one: the range excludes `after` and includes
 * `until`, whatever the event ids.
 */
export function thresholdRange(after: string, until: string): { from: string; to: string } {
  return { from: `${after}$`, to: `${until}$` };
}

/** Table partition of the rejected inputs received in `month` (`yyyy-MM`) on `shard`. */
export function rejectedPartition(month: string, shard: number): string {
  return `REJECTED#${month}#${shard}`;
}

/**
 * The UTC month (`yyyy-MM`) of an ISO instant: the bucket of the outbox and rejected partitions.
 *
 * @throws {DynamoStoreError} (InvalidInput) when `iso` is not an ISO instant.
 */
function monthOf(iso: string): string {
  return utcDateOf(iso)?.toISOString().slice(0, 7) ?? utcInstant(iso).toFormat('yyyy-MM');
}

/**
 * Parses an ISO instant as UTC.
 *
 * @throws {DynamoStoreError} (InvalidInput) when `iso` is not an ISO instant.
 */
export function utcInstant(iso: string): DateTime {
  const time = DateTime.fromISO(iso, { zone: 'utc' });
  if (!time.isValid) {
    throw new DynamoStoreError(`'${iso}' is not an ISO instant`, {
      operation: 'validate',
      retryable: false,
      code: DynamoStoreErrorCode.InvalidInput,
    });
  }
  return time;
}

/**
 * A copy without `undefined` anywhere: DynamoDB has no undefined, and a caller-supplied document
 * client may not be configured to drop them (`removeUndefinedValues`).
 */
export function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((item) => item !== undefined).map(withoutUndefined);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) out[key] = withoutUndefined(item);
    }
    return out;
  }
  return value;
}

const ConsentEntrySchema = z.object({ granted: z.boolean(), at: z.string(), source: z.string() });

const ProfileItemSchema = z.object({
  id: z.string(),
  phone: z.string().optional(),
  email: z.string().optional(),
  locale: z.string().optional(),
  timeZone: z.string().optional(),
  firstName: z.string().optional(),
  name: z.string().optional(),
  consent: z.object({ sms: ConsentEntrySchema.optional(), email: ConsentEntrySchema.optional() }),
  updatedAt: z.string(),
  revision: z.number().int().optional(),
});

const ReplyItemSchema = z.object({
  replyId: z.string(),
  receivedAt: z.string(),
  from: z.string(),
  body: z.string(),
  intent: z.enum(['stop', 'start', 'help', 'yes', 'no']).optional(),
  customerId: z.string().optional(),
  messageId: z.string().optional(),
  ruleId: z.string().optional(),
  attribution: z.enum(['question', 'latest-message', 'none']).optional(),
  expect: z.enum(REPLY_EXPECTATIONS).optional(),
  score: z.number().nullable().optional(),
});

const RejectedItemSchema = z.object({
  receivedAt: z.string(),
  reason: z.string(),
  eventId: z.string().optional(),
  raw: z.string(),
});

/** The table key as an index query returns it (every projection includes it). */
export const KeySchema = z.object({ PK: z.string(), SK: z.string() });

export function parse<T>(schema: z.ZodType<T>, item: unknown, what: string): T {
  const result = schema.safeParse(item);
  if (result.success) return result.data;
  const where = KeySchema.safeParse(item);
  const key = where.success ? `${where.data.PK} / ${where.data.SK}` : 'an item without a key';
  const problems = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(item)'}: ${issue.message}`)
    .join('; ');
  throw new DynamoStoreError(`${key} is not a valid ${what}: ${problems}`, {
    operation: 'read',
    retryable: false,
    code: DynamoStoreErrorCode.InvalidItem,
  });
}

/** A customer profile from its item. @throws {DynamoStoreError} (InvalidItem) */
export function toProfile(item: unknown): CustomerProfile {
  return parse(ProfileItemSchema, item, 'profile');
}

/** A reply from its item. @throws {DynamoStoreError} (InvalidItem) */
export function toReply(item: unknown): InboundReply {
  return parse(ReplyItemSchema, item, 'reply');
}

/** A rejected input from its item. @throws {DynamoStoreError} (InvalidItem) */
export function toRejected(item: unknown): RejectedEvent {
  return parse(RejectedItemSchema, item, 'rejected input');
}

/** The table key of an item returned by a query. @throws {DynamoStoreError} (InvalidItem) */
export function toItemKey(item: unknown): ItemKey {
  return parse(KeySchema, item, 'key');
}

const CapItemSchema = z.object({ sends: z.record(z.string(), z.string()), version: z.number().int() });

/** A customer's cap ledger: message id → when it was handed to a provider, and its version. */
export function toCapLedger(item: unknown): { sends: Record<string, string>; version: number } {
  return parse(CapItemSchema, item, 'cap ledger');
}

const ThresholdItemSchema = z.object({
  eventId: z.string(),
  at: z.string(),
  customerId: z.string().optional(),
});

/** A counted event of a threshold from its item. @throws {DynamoStoreError} (InvalidItem) */
export function toThresholdEntry(item: unknown): ThresholdEntry {
  const entry = parse(ThresholdItemSchema, item, 'threshold entry');
  return entry.customerId === undefined
    ? { eventId: entry.eventId, at: entry.at }
    : { eventId: entry.eventId, at: entry.at, customerId: entry.customerId };
}

const DedupeItemSchema = z.object({ messageId: z.string() });

/** The message id holding a dedupe claim. @throws {DynamoStoreError} (InvalidItem) */
export function toDedupeHolder(item: unknown): string {
  return parse(DedupeItemSchema, item, 'dedupe claim').messageId;
}

/** An attribute as the low-level API returns it, e.g. `{ S: 'x' }`; only the shapes read here. */
export interface RawAttribute {
  S?: string | undefined;
  SS?: string[] | undefined;
}

/** The message id holding a dedupe claim, from a failed condition's low-level item. */
export function dedupeHolderFromRaw(item: Record<string, RawAttribute>): string {
  return toDedupeHolder({ messageId: item.messageId?.S });
}
