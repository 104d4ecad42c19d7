import * as z from 'zod';
import { SUPPRESSION_REASONS } from '../customers/suppression-address.ts';
import { REPLY_EXPECTATIONS } from '../replies/score-reply.ts';

/**
 * The events Nudge puts back on the journey bus (source `nudge`), so journeys go on: a reply YES
 * confirms an appointment, STOP opts out. Versioned contracts: `contracts/` holds their JSON
 * Schemas and samples, and a test fails when a change would break a consumer.
 */
export const OUTCOME_SOURCE = 'nudge';
export const OUTCOME_SCHEMA_VERSION = '1';

const base = {
  schemaVersion: z.literal(OUTCOME_SCHEMA_VERSION),
  messageId: z.string(),
  ruleId: z.string(),
  customerId: z.string(),
  triggerEventId: z.string(),
  channel: z.enum(['sms', 'email']),
};

const MessageSentSchema = z.strictObject({
  ...base,
  providerId: z.string(),
  sentAt: z.string(),
  locale: z.string(),
});
const MessageDeliveredSchema = z.strictObject({
  ...base,
  status: z.enum(['delivered']),
  at: z.string(),
});
const MessageFailedSchema = z.strictObject({
  ...base,
  status: z.enum(['failed', 'undelivered', 'bounced']),
  reason: z.string(),
  at: z.string(),
});
const CustomerRepliedSchema = z.strictObject({
  schemaVersion: z.literal(OUTCOME_SCHEMA_VERSION),
  replyId: z.string(),
  customerId: z.string().optional(),
  messageId: z.string().optional(),
  ruleId: z.string().optional(),
  intent: z.enum(['stop', 'start', 'help', 'yes', 'no']).optional(),
  /** The reply text is the customer's own words: kept, since journeys act on it (e.g. a 1–5 score). */
  text: z.string(),
  receivedAt: z.string(),
});
/**
 * An opt-out applied: a customer's consent withdrawn and/or an address suppressed. `customerId`
 * is absent when the address belongs to no known customer (a STOP from a number never messaged).
 */
const CustomerOptedOutSchema = z.strictObject({
  schemaVersion: z.literal(OUTCOME_SCHEMA_VERSION),
  customerId: z.string().optional(),
  channel: z.enum(['sms', 'email']),
  source: z.string(),
  at: z.string(),
  /** The suppressed address: E.164 for SMS, lower-cased for email. */
  address: z.string().optional(),
  reason: z.enum(SUPPRESSION_REASONS).optional(),
});

/**
 * A customer answered a question (a message of a rule with `replies:`): by an SMS reply or an
 * email score link. `score` is 1–5 (`expect: score`), 1 or 0 (`yes-no`), or null when the answer
 * could not be read as one (or `expect: text`); `text` is what they wrote (`4` for a link).
 */
const SurveyAnsweredSchema = z.strictObject({
  schemaVersion: z.literal(OUTCOME_SCHEMA_VERSION),
  ruleId: z.string(),
  messageId: z.string(),
  customerId: z.string().optional(),
  expect: z.enum(REPLY_EXPECTATIONS),
  score: z.number().int().min(0).max(5).nullable(),
  text: z.string(),
  channel: z.enum(['sms', 'email']),
  at: z.string(),
});

/** Every outcome event type and its detail schema. */
export const OUTCOME_SCHEMAS = {
  MessageSent: MessageSentSchema,
  MessageDelivered: MessageDeliveredSchema,
  MessageFailed: MessageFailedSchema,
  CustomerReplied: CustomerRepliedSchema,
  CustomerOptedOut: CustomerOptedOutSchema,
  SurveyAnswered: SurveyAnsweredSchema,
} as const;
type OutcomeType = keyof typeof OUTCOME_SCHEMAS;

/** One outcome event, ready to put on the bus. */
export type OutcomeEvent = {
  [K in OutcomeType]: { detailType: K; detail: z.infer<(typeof OUTCOME_SCHEMAS)[K]>; time: string };
}[OutcomeType];
