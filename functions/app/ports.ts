import type { DateTime } from 'luxon';
import type { CustomerProfile } from '../core/customers/customer-profile.ts';
import type { RenderedMessage } from '../core/planning/decide.ts';
import type { Channel } from '../core/rules/rule-schema.ts';
import type { MessageRecord, MessageStatus, RejectedEvent, StatusChange } from './message-record.ts';

/** Everything Nudge records. DynamoDB in production; in memory for the simulator and unit tests. */
export interface JourneyStore {
  getProfile(customerId: string): Promise<CustomerProfile | undefined>;
  putProfile(profile: CustomerProfile): Promise<void>;
  recordRejected(rejected: RejectedEvent): Promise<void>;
  /** Creates the record unless one with the same id exists (a duplicate or redelivered event). */
  createMessage(record: MessageRecord): Promise<'created' | 'exists'>;
  /**
   * Claims a dedupe key for a message until `expiresAt` (forever when absent). Returns the id of
   * the message holding the key: the given one when claimed now or earlier, another when taken.
   */
  claimDedupe(key: string, messageId: string, now: string, expiresAt: string | undefined): Promise<string>;
  getMessage(messageId: string): Promise<MessageRecord | undefined>;
  /**
   * Moves a message to a new status if it is in one of `from`; returns the updated record, or
   * undefined when it was not (someone else moved it first). `patch` sets other fields.
   */
  transition(
    messageId: string,
    from: ReadonlyArray<MessageStatus>,
    change: StatusChange,
    patch?: Partial<Pick<MessageRecord, 'sendAt' | 'channel' | 'to' | 'locale' | 'rendered' | 'providerId' | 'sentAt'>>,
  ): Promise<MessageRecord | undefined>;
  /**
   * Claims a due message for sending: `scheduled`, or `sending` whose lease lapsed (its sender
   * crashed). Returns the claimed record with `attempts` incremented, or undefined.
   */
  claimForSending(messageId: string, now: string, leaseUntil: string): Promise<MessageRecord | undefined>;
  /** Scheduled messages waiting on a correlation key (for cancel and expect). */
  findPending(correlationKey: string): Promise<MessageRecord[]>;
  /** Messages sent to a customer at or after `since` (for the frequency cap). */
  countSentSince(customerId: string, since: string): Promise<number>;
}

/** Delivers a message id to the send step at a time: now, or later. */
export interface SendScheduler {
  /** Idempotent per message id: scheduling twice keeps one schedule, at the latest time given. */
  schedule(messageId: string, at: DateTime): Promise<void>;
  /** Removes a pending schedule; a no-op when there is none. */
  cancel(messageId: string): Promise<void>;
}

/** A message as a channel sends it. */
export interface OutboundMessage {
  messageId: string;
  channel: Channel;
  to: string;
  message: RenderedMessage;
}

/** What a provider said. Vendor codes are mapped to these inside each adapter. */
export type SendReceipt =
  | { ok: true; providerId: string }
  | {
      ok: false;
      /** Worth another try later (rate limit, 5xx, timeout). */
      retryable: boolean;
      code: string;
      detail: string;
      /** The provider says the recipient opted out (e.g. Twilio 21610). */
      optedOut?: boolean;
      retryAfterMs?: number;
    };

/** One channel (SMS or email), owned by the domain, implemented per vendor. */
export interface ChannelSender {
  send(message: OutboundMessage): Promise<SendReceipt>;
}

/** The time, injected so tests and the simulator control it. */
export interface Clock {
  now(): DateTime;
}
