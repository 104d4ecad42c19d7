/**
 * Item ↔ record mapping of message items (docs/data-model.md, "message"): the zod schema that
 * validates what DynamoDB hands back, the trigger's stored form, and the provider state a failed
 * condition is explained from. Keys and the shared parser are in journey-items.ts.
 */
import * as z from 'zod';
import { MESSAGE_STATUSES, type MessageRecord, type TriggerSnapshot } from '../../app/message-record.ts';
import { DynamoStoreError, DynamoStoreErrorCode } from './dynamo-store-error.ts';
import { KeySchema, parse, type RawAttribute } from './journey-items.ts';

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
  ruleSetVersion: z.number().int().positive().optional(),
  plannedAddresses: z.array(z.object({ channel: z.enum(['sms', 'email']), address: z.string() })).optional(),
  history: z.array(StatusChangeSchema),
});

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
