import type { DateTime } from 'luxon';
import type { CustomerProfile } from '../core/customers/customer-profile.ts';
import type { OutcomeEvent } from '../core/outcomes/outcome-events.ts';
import type { RenderedMessage } from '../core/planning/decide.ts';
import type { ThresholdEntry } from '../core/planning/threshold.ts';
import type { Channel } from '../core/rules/rule-schema.ts';
import type { MessageRecord, MessageStatus, RejectedEvent, StatusChange } from './message-record.ts';

/** Everything Nudge records. DynamoDB in production; in memory for the simulator and unit tests. */
export interface JourneyStore {
  getProfile(customerId: string): Promise<CustomerProfile | undefined>;
  /**
   * Writes a profile if no one wrote it since it was read: `profile.revision` must be the stored
   * revision (absent: no profile stored yet). 'conflict' otherwise; read, merge and write again
   * (`updateProfile` does). The stored revision is then one higher.
   */
  putProfile(profile: CustomerProfile): Promise<'written' | 'conflict'>;
  recordRejected(rejected: RejectedEvent): Promise<void>;
  /** Creates the record unless one with the same id exists (a duplicate or redelivered event). */
  createMessage(record: MessageRecord): Promise<'created' | 'exists'>;
  /**
   * Claims a dedupe key for a message until `expiresAt` (forever when absent). Returns the id of
   * the message holding the key: the given one when claimed now or earlier, another when taken.
   * "Forever" lasts as long as the store keeps records (DynamoDB: the retention period).
   */
  claimDedupe(key: string, messageId: string, now: string, expiresAt: string | undefined): Promise<string>;
  getMessage(messageId: string): Promise<MessageRecord | undefined>;
  /**
   * Moves a message to a new status if it is in one of `from`; returns the updated record, or
   * undefined when it was not (someone else moved it first). `patch` sets other fields.
   * `claim` (the `attempts` a {@link JourneyStore.claimForSending} returned) makes the write
   * apply only while that claim still holds: every write from `sending` passes it, so a sender
   * whose lease lapsed and was claimed again cannot overwrite the new sender's work.
   */
  transition(
    messageId: string,
    from: ReadonlyArray<MessageStatus>,
    change: StatusChange,
    patch?: Partial<
      Pick<MessageRecord, 'sendAt' | 'channel' | 'to' | 'locale' | 'rendered' | 'providerId' | 'sentAt'>
    >,
    claim?: number,
  ): Promise<MessageRecord | undefined>;
  /**
   * Writes what is about to be sent (channel, recipient, locale, rendered text) on a message
   * still `sending` under `claim`, before the provider is called, so a delivery report that
   * arrives before `sent` is recorded finds a complete record. The status and lease are kept.
   * False when the claim no longer holds (nothing written).
   */
  prepareSend(messageId: string, claim: number, fields: SendFields): Promise<boolean>;
  /**
   * Records that the provider accepted the message sent under `claim`: `sending` becomes `sent`
   * with `providerId` and `sentAt` (which put it in the address index). When a provider report
   * got there first (the record is already `sent`, `delivered`, `failed`, … and has no
   * `providerId`), the provider fields are filled in and the status is left as the report set it.
   * Undefined when the claim no longer holds. `shed` also drops `rendered` and the trigger's
   * detail, for a record that no longer fits the store (see {@link RECORD_TOO_LARGE}).
   */
  recordSent(
    messageId: string,
    claim: number,
    sent: { at: string; providerId: string; sentAt: string; reason?: string; detail?: string },
    options?: { shed?: boolean },
  ): Promise<MessageRecord | undefined>;
  /**
   * Claims a due message for sending: `scheduled`, or `sending` whose lease lapsed (its sender
   * crashed). Returns the claimed record with `attempts` incremented, or undefined.
   */
  claimForSending(messageId: string, now: string, leaseUntil: string): Promise<MessageRecord | undefined>;
  /** Scheduled messages waiting on a correlation key (for cancel and expect). */
  findPending(correlationKey: string): Promise<MessageRecord[]>;
  /**
   * The frequency cap's ledger: how many messages were handed to a provider for the customer at
   * or after `since`, not counting `except` (the message being decided about).
   */
  countCapSlots(customerId: string, since: string, except?: string): Promise<number>;
  /**
   * Records that `messageId` goes to a provider for the customer at `at`, unless `max` is given
   * and `max` other messages are recorded at or after `since`. True when recorded, now or by an
   * earlier attempt of the same message. A conditional write decides between concurrent sends to
   * one customer, so the cap holds exactly (a count read first could not: both would read 2 of 3).
   */
  reserveCapSlot(
    customerId: string,
    messageId: string,
    at: string,
    since: string,
    max?: number,
  ): Promise<boolean>;
  /** Takes a message out of the ledger: the provider refused it, or reported it failed. */
  releaseCapSlot(customerId: string, messageId: string): Promise<void>;
  /**
   * Applies a provider status report (delivered, bounced, …) once: `providerEventId` is remembered
   * on the record and a repeat is ignored, so webhook retries and replays change nothing.
   * Returns 'applied', 'duplicate', 'stale' (the record is already further on) or 'not-found'.
   */
  applyProviderStatus(
    messageId: string,
    report: { providerEventId: string; status: MessageStatus; at: string; reason?: string; detail?: string },
  ): Promise<'applied' | 'duplicate' | 'stale' | 'not-found'>;
  /** The latest message sent to an address (phone in E.164 or email), for correlating replies. */
  findLatestMessageTo(address: string): Promise<MessageRecord | undefined>;
  /** Whether a reply was recorded (a provider retry or a replay of one already handled). */
  hasReply(replyId: string): Promise<boolean>;
  /** Records an inbound reply once (`replyId` is the provider's message id). */
  recordReply(reply: InboundReply): Promise<'created' | 'exists'>;
  /**
   * Newest first (by `createdAt`), for the outbox; `cursor` continues a previous page. A cursor is
   * opaque; pages never repeat or skip a message; the last page may be empty. No cursor = done.
   */
  listMessages(options: {
    limit: number;
    cursor?: string;
  }): Promise<{ items: MessageRecord[]; cursor?: string }>;
  /**
   * Everything about one customer, newest first: messages and replies. `limit` bounds the two
   * together (the newest `limit` entries, messages by `createdAt`, replies by `receivedAt`).
   */
  customerTimeline(
    customerId: string,
    limit: number,
  ): Promise<{ messages: MessageRecord[]; replies: InboundReply[] }>;
  /** Rejected inputs, newest first. */
  listRejected(limit: number): Promise<RejectedEvent[]>;
  /**
   * Counts an event towards a threshold rule's sliding window (`counter` is `ruleId#keyValue`).
   * Once per event: a redelivery (same id and time) is 'exists' and changes nothing. The entry
   * may be forgotten after `keepUntil` (DynamoDB: TTL a day later).
   */
  recordThresholdEvent(
    counter: string,
    entry: ThresholdEntry,
    keepUntil: string,
  ): Promise<'created' | 'exists'>;
  /** How many events of the counter have `after` < at ≤ `until` (exact: a consistent read). */
  countThresholdEvents(counter: string, after: string, until: string): Promise<number>;
  /**
   * Up to `limit` events of the counter with `after` < at ≤ `until`, oldest first or newest
   * first (ties in time by event id), for an alert's first/last times and samples.
   */
  listThresholdEvents(
    counter: string,
    after: string,
    until: string,
    options: { limit: number; order: 'oldest-first' | 'newest-first' },
  ): Promise<ThresholdEntry[]>;
}

/** What the send step writes before calling the provider. */
export type SendFields = Required<Pick<MessageRecord, 'channel' | 'to' | 'locale' | 'rendered'>>;

/**
 * The `code` a store's error carries when a write would make a record larger than the store can
 * keep (DynamoDB: 400 KB an item). Such a write fails the same way every time.
 */
const RECORD_TOO_LARGE = 'RecordTooLarge';

/** Whether a store error says the record would be too large ({@link RECORD_TOO_LARGE}). */
export function isRecordTooLarge(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === RECORD_TOO_LARGE;
}

/** Whether a store error says the same write would fail again (`retryable: false`). */
export function isPermanentStoreError(error: unknown): boolean {
  return error instanceof Error && 'retryable' in error && error.retryable === false;
}

/** A customer's reply to a message (YES, NO, STOP, …), correlated to the latest message to their number. */
export interface InboundReply {
  replyId: string;
  receivedAt: string;
  from: string;
  body: string;
  /** The recognised keyword meaning, when there is one. */
  intent?: 'stop' | 'start' | 'help' | 'yes' | 'no';
  customerId?: string;
  messageId?: string;
  ruleId?: string;
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
  /** The customer it goes to (email: signed into the one-click unsubscribe link). */
  customerId?: string;
  /** The locale it was rendered in (email: the unsubscribe page's language). */
  locale?: string;
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

/** Hands a due message to the send step (the send queue): now, or after a short delay. */
export interface SendQueue {
  /**
   * `delayMs` holds the message back that long (SQS `DelaySeconds`, at most 15 minutes), so a
   * message due in a few seconds does not reach the send step early, find itself not due and be
   * dropped.
   */
  enqueue(messageId: string, options?: { delayMs?: number }): Promise<void>;
}

/** Puts outcome events back on the journey bus. */
export interface OutcomePublisher {
  publish(events: ReadonlyArray<OutcomeEvent>): Promise<void>;
}
