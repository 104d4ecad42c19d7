import type { MessageStatus } from './message-record.ts';

/**
 * How far along a message is, for provider status reports. A report applies only when it moves
 * the record strictly forward: `sent` → `delivered` applies; `delivered` → `sent` (a late report
 * arriving out of order) is stale; every outcome is final, so `delivered` never becomes `failed`
 * either. Both stores use it; the shared contract suite holds them to it.
 */
export const STATUS_RANK: Readonly<Record<MessageStatus, number>> = {
  scheduled: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  undelivered: 3,
  failed: 3,
  bounced: 3,
  suppressed: 3,
  cancelled: 3,
  'held-out': 3,
};

/** The statuses a record may be in for a report of `next` to apply (becomes a condition `IN (…)`). */
export function statusesBefore(next: MessageStatus): MessageStatus[] {
  const rank = STATUS_RANK[next];
  const before: MessageStatus[] = [];
  for (const [status, value] of Object.entries(STATUS_RANK)) {
    if (value < rank && isMessageStatus(status)) before.push(status);
  }
  return before;
}

/**
 * Statuses whose message reached the recipient's network and counts towards the frequency cap
 * (with `sentAt` set). `failed` after `sent` does not count: the provider gave up on it.
 */
export const COUNTED_AS_SENT: ReadonlySet<MessageStatus> = new Set([
  'sent',
  'delivered',
  'undelivered',
  'bounced',
]);

function isMessageStatus(value: string): value is MessageStatus {
  return Object.hasOwn(STATUS_RANK, value);
}

/**
 * Statuses a provider report can set. A record in one of them without a `providerId` was
 * reported on before the send step recorded `sent` (the report won the race): `recordSent` fills
 * in the provider fields and leaves the status as the report set it.
 */
export const REPORTED_BY_PROVIDER: ReadonlySet<MessageStatus> = new Set([
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'bounced',
]);
