/**
 * Item ↔ record mapping for the journey table: key builders for every item type and small zod
 * schemas that validate what DynamoDB hands back before it becomes a domain record (an item may
 * have been written by an older version or edited by hand; a typed error beats a wrong send).
 */
import { DateTime } from 'luxon';
import * as z from 'zod';
import {
  MESSAGE_STATUSES,
  type MessageRecord,
  type RejectedEvent,
  type TriggerSnapshot,
} from '../../app/message-record.ts';
import type { InboundReply } from '../../app/ports.ts';
import type { CustomerProfile } from '../../core/customers/customer-profile.ts';
import type { ThresholdEntry } from '../../core/planning/threshold.ts';
import { DynamoStoreError, DynamoStoreErrorCode } from './dynamo-store-error.ts';

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

/** Table keys, one builder per item type. Prefixes keep the item types apart in one key space. */
export const itemKey = {
  message: (messageId: string): ItemKey => ({ PK: `MSG#${messageId}`, SK: 'MSG' }),
  profile: (customerId: string): ItemKey => ({ PK: `CUST#${customerId}`, SK: 'PROFILE' }),
  dedupe: (key: string): ItemKey => ({ PK: `DEDUPE#${key}`, SK: 'DEDUPE' }),
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
  /** One partition per month; the sort key orders by time and `unique` keeps equal instants apart. */
  rejected: (receivedAt: string, unique: string): ItemKey => ({
    PK: rejectedPartition(monthOf(receivedAt)),
    SK: `${receivedAt}#${unique}`,
  }),
} as const;

/** Partition of the `timeline` index, and of the `lifecycle` index for sent messages. */
export function customerPartition(customerId: string): string {
  return `CUST#${customerId}`;
}

/** Sort key in the `timeline` index: time first so it orders newest first; kind and id break ties. */
export function timelineSort(kind: 'MSG' | 'REPLY', at: string, id: string): string {
  return `${at}#${kind}#${id}`;
}

/** Partition of the `outbox` index for messages created in `month` (`yyyy-MM`). */
export function outboxPartition(month: string): string {
  return `OUTBOX#${month}`;
}

/** Sort key in the `outbox` index. */
export function outboxSort(createdAt: string, messageId: string): string {
  return `${createdAt}#${messageId}`;
}

/** Partition of the `lifecycle` index for messages scheduled under a correlation key. */
export function pendingPartition(correlationKey: string): string {
  return `PENDING#${correlationKey}`;
}

/** Table partition of a threshold counter (`ruleId#keyValue`). */
export function thresholdPartition(counter: string): string {
  return `THRESHOLD#${counter}`;
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

/** Table partition of the rejected inputs received in `month` (`yyyy-MM`). */
export function rejectedPartition(month: string): string {
  return `REJECTED#${month}`;
}

/**
 * The UTC month (`yyyy-MM`) of an ISO instant: the bucket of the outbox and rejected partitions.
 *
 * @throws {DynamoStoreError} (InvalidInput) when `iso` is not an ISO instant.
 */
export function monthOf(iso: string): string {
  return utcInstant(iso).toFormat('yyyy-MM');
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

const StatusSchema = z.enum(MESSAGE_STATUSES);

const StatusChangeSchema = z.object({
  at: z.string(),
  status: StatusSchema,
  reason: z.string().optional(),
  detail: z.string().optional(),
});

const RenderedSchema = z.discriminatedUnion('channel', [
  z.object({
    channel: z.literal('sms'),
    text: z.string(),
    encoding: z.enum(['GSM-7', 'UCS-2']),
    segments: z.number(),
  }),
  z.object({ channel: z.literal('email'), subject: z.string(), text: z.string(), html: z.string() }),
]);

/** A message item. Unknown attributes (keys, index keys, TTL, providerEvents) are dropped. */
const MessageItemSchema = z.object({
  messageId: z.string(),
  ruleId: z.string(),
  customerId: z.string(),
  trigger: z.object({
    id: z.string(),
    source: z.string(),
    detailType: z.string(),
    time: z.string(),
    // JSON text since issue 10 (see triggerItem); a map in items written before.
    detail: z.union([z.string(), z.record(z.string(), z.unknown())]),
    trimmed: z.array(z.string()).optional(),
  }),
  createdAt: z.string(),
  sendAt: z.string(),
  status: StatusSchema,
  reason: z.string().optional(),
  detail: z.string().optional(),
  correlationKey: z.string().optional(),
  dedupeKey: z.string(),
  attempts: z.number().int().nonnegative(),
  leaseUntil: z.string().optional(),
  channel: z.enum(['sms', 'email']).optional(),
  to: z.string().optional(),
  locale: z.string().optional(),
  rendered: RenderedSchema.optional(),
  providerId: z.string().optional(),
  sentAt: z.string().optional(),
  threshold: z
    .object({
      key: z.string().optional(),
      value: z.string(),
      count: z.number().int(),
      threshold: z.number().int(),
      within: z.string(),
      firstAt: z.string(),
      lastAt: z.string(),
      samples: z.array(z.object({ eventId: z.string(), customerId: z.string().optional() })),
    })
    .optional(),
  history: z.array(StatusChangeSchema),
});

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
});

const RejectedItemSchema = z.object({
  receivedAt: z.string(),
  reason: z.string(),
  eventId: z.string().optional(),
  raw: z.string(),
});

/** The table key as an index query returns it (every projection includes it). */
const KeySchema = z.object({ PK: z.string(), SK: z.string() });

function parse<T>(schema: z.ZodType<T>, item: unknown, what: string): T {
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

/**
 * The trigger as a message item stores it: `detail` as JSON text, not a map. Event detail is
 * any JSON the bus accepted, and the SDK's marshaller refuses some of it ("Unsupported type
 * passed" for an object with a key named `constructor`; nesting past DynamoDB's 32 levels); a
 * string always marshals, costs the same bytes, and nothing queries inside it.
 */
export function triggerItem(trigger: TriggerSnapshot): Record<string, unknown> {
  return { ...trigger, detail: JSON.stringify(trigger.detail) };
}

/** A message record from its item. @throws {DynamoStoreError} (InvalidItem) */
export function toMessageRecord(item: unknown): MessageRecord {
  const parsed = parse(MessageItemSchema, item, 'message');
  const detail = parsed.trigger.detail;
  if (typeof detail !== 'string') return { ...parsed, trigger: { ...parsed.trigger, detail } };
  return { ...parsed, trigger: { ...parsed.trigger, detail: detailFromJson(detail, item) } };
}

function detailFromJson(text: string, item: unknown): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    // JSON.parse makes every key an own property (`__proto__` and `constructor` included).
    return Object.fromEntries(Object.entries(value));
  }
  const where = KeySchema.safeParse(item);
  const key = where.success ? `${where.data.PK} / ${where.data.SK}` : 'an item without a key';
  throw new DynamoStoreError(`${key} is not a valid message: trigger.detail is not a JSON object`, {
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

/** What applyProviderStatus needs to know about a record to explain a failed condition. */
export interface ProviderState {
  status: MessageRecord['status'];
  /** Provider event ids already applied. */
  providerEvents: ReadonlySet<string>;
}

const ProviderStateSchema = z.object({
  status: StatusSchema,
  providerEvents: z.set(z.string()).optional(),
});

/** The provider state of a message item read through the document client. */
export function toProviderState(item: unknown): ProviderState {
  const parsed = parse(ProviderStateSchema, item, 'message');
  return { status: parsed.status, providerEvents: parsed.providerEvents ?? new Set() };
}

/** An attribute as the low-level API returns it, e.g. `{ S: 'x' }`; only the shapes read here. */
export interface RawAttribute {
  S?: string | undefined;
  SS?: string[] | undefined;
}

/**
 * The provider state of a message item as a failed condition returns it
 * (ReturnValuesOnConditionCheckFailed: the low-level format, which the document client leaves as is).
 */
export function providerStateFromRaw(item: Record<string, RawAttribute>): ProviderState {
  return toProviderState({
    status: item.status?.S,
    providerEvents: new Set(item.providerEvents?.SS ?? []),
  });
}

/** The message id holding a dedupe claim, from a failed condition's low-level item. */
export function dedupeHolderFromRaw(item: Record<string, RawAttribute>): string {
  return toDedupeHolder({ messageId: item.messageId?.S });
}
