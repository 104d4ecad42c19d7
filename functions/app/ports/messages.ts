import type { MessageRecord, MessageStatus, StatusChange } from '../message-record.ts';

/** What the send step writes before calling the provider. */
export type SendFields = Required<Pick<MessageRecord, 'channel' | 'to' | 'locale' | 'rendered'>>;

/** Fields {@link MessageStore.transition} may set besides the status. */
export type TransitionPatch = Partial<
  Pick<MessageRecord, 'sendAt' | 'channel' | 'to' | 'locale' | 'rendered' | 'providerId' | 'sentAt'>
>;

/**
 * Options of {@link MessageStore.claimForSending}. `dueBy`: a `scheduled` message is claimed only
 * when its `sendAt` is at or before this instant (ISO UTC), so the send step can claim first and
 * read only when the claim is refused.
 */
export interface ClaimOptions {
  dueBy?: string;
}

/** A frequency-cap slot to reserve with {@link MessageStore.prepareSendReserving}. */
export interface CapSlotRequest {
  customerId: string;
  at: string;
  since: string;
  max?: number | undefined;
}

/** What the provider accepted, as {@link MessageStore.recordSent} records it. */
export interface SentReceipt {
  at: string;
  providerId: string;
  sentAt: string;
  reason?: string;
  detail?: string;
}

/** A provider status report (delivered, bounced, …), as {@link MessageStore.applyProviderStatus} applies it. */
export interface ProviderReport {
  providerEventId: string;
  status: MessageStatus;
  at: string;
  reason?: string;
  detail?: string;
}

/**
 * Message records and their lifecycle: planned, claimed for sending, sent, reported on. Every
 * write that decides something is one conditional write, so racing senders and redeliveries are
 * decided by the store.
 */
export interface MessageStore {
  /** Creates the record unless one with the same id exists (a duplicate or redelivered event). */
  createMessage(record: MessageRecord): Promise<'created' | 'exists'>;
  getMessage(messageId: string): Promise<MessageRecord | undefined>;
  /**
   * Moves a message to a new status if it is in one of `from`; returns the updated record, or
   * undefined when it was not (someone else moved it first). `patch` sets other fields.
   * `claim` (the `attempts` a {@link MessageStore.claimForSending} returned) makes the write
   * apply only while that claim still holds: every write from `sending` passes it, so a sender
   * whose lease lapsed and was claimed again cannot overwrite the new sender's work.
   */
  transition(
    messageId: string,
    from: ReadonlyArray<MessageStatus>,
    change: StatusChange,
    patch?: TransitionPatch,
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
   * Optional, where one write can do both (DynamoDB: one table, one TransactWriteItems):
   * {@link MessageStore.prepareSend} and `CapLedger.reserveCapSlot(slot…)` together, all or
   * nothing. `cap-reached` (nothing written) when `slot.max` others are recorded since
   * `slot.since`. Stores without it are called one after the other (reserve, then prepare).
   */
  prepareSendReserving?(
    messageId: string,
    claim: number,
    fields: SendFields,
    slot: CapSlotRequest,
  ): Promise<'prepared' | 'lease-lost' | 'cap-reached'>;
  /**
   * Records that the provider accepted the message sent under `claim`: `sending` becomes `sent`
   * with `providerId` and `sentAt` (which put it in the address index). When a provider report
   * got there first (the record is already `sent`, `delivered`, `failed`, … and has no
   * `providerId`), the provider fields are filled in and the status is left as the report set it.
   * Undefined when the claim no longer holds. `shed` also drops `rendered` and the trigger's
   * detail, for a record that no longer fits the store (see {@link isRecordTooLarge}).
   */
  recordSent(
    messageId: string,
    claim: number,
    sent: SentReceipt,
    options?: { shed?: boolean },
  ): Promise<MessageRecord | undefined>;
  /**
   * Claims a due message for sending: `scheduled`, or `sending` whose lease lapsed (its sender
   * crashed). Returns the claimed record with `attempts` incremented, or undefined.
   */
  claimForSending(
    messageId: string,
    now: string,
    leaseUntil: string,
    options?: ClaimOptions,
  ): Promise<MessageRecord | undefined>;
  /**
   * {@link MessageStore.recordSent} for the send step, which holds the record its claim returned
   * (`claimed`: its `attempts` is the claim, its rule keys the counters): true when recorded,
   * false when the claim no longer holds. It returns no record, so a store need not read it back.
   */
  markSent(claimed: MessageRecord, sent: SentReceipt, options?: { shed?: boolean }): Promise<boolean>;
  /**
   * {@link MessageStore.applyProviderStatus}, also returning the message as the store found it
   * when it applied the report (before it; `undefined` when the store had no need to read it),
   * so the caller can describe the outcome without reading it again.
   */
  applyProviderStatusFound(
    messageId: string,
    report: ProviderReport,
  ): Promise<{ result: 'applied' | 'duplicate' | 'stale' | 'not-found'; found?: MessageRecord }>;
  /** Scheduled messages waiting on a correlation key (for cancel and expect). */
  findPending(correlationKey: string): Promise<MessageRecord[]>;
  /**
   * Applies a provider status report (delivered, bounced, …) once: `providerEventId` is remembered
   * on the record and a repeat is ignored, so webhook retries and replays change nothing.
   * Returns 'applied', 'duplicate', 'stale' (the record is already further on) or 'not-found'.
   */
  applyProviderStatus(
    messageId: string,
    report: ProviderReport,
  ): Promise<'applied' | 'duplicate' | 'stale' | 'not-found'>;
  /** The latest message sent to an address (phone in E.164 or email), for correlating replies. */
  findLatestMessageTo(address: string): Promise<MessageRecord | undefined>;
  /**
   * Deletes a message record with its index entries (privacy erase), unless it is in flight:
   * `sending` under a lease that has not lapsed at `now` ('in-flight', nothing changed).
   * A send whose record is gone fails closed: its claim and every later write find no record.
   */
  deleteMessage(messageId: string, now: string): Promise<'deleted' | 'in-flight' | 'not-found'>;

  /**
   * Messages sent to an address at or after `since` (ISO UTC), newest first, at most `limit`:
   * the candidates a reply may answer. One bounded query on the address index.
   */
  findMessagesSentTo(address: string, since: string, limit: number): Promise<MessageRecord[]>;
}

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
