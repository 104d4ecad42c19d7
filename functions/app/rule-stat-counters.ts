/**
 * Which counters an outcome adds to, and on which day: shared by every store that writes them
 * (DynamoDB in the same transaction as the outcome, memory beside it), so they count alike.
 *
 * What counts, once per message (each is the effect of one conditional write, which a replay
 * or a redelivery does not repeat):
 * - `planned`: the message record was created (every decision a rule made for an occurrence,
 *   held back or not); a record created `suppressed` also counts `suppressed`.
 * - `sent`: the send step recorded the provider's acceptance (a provider's own "sent" report
 *   does not count: the send step counts it, so it is never counted twice).
 * - `delivered`, `undelivered`, `bounced`, `failed`: the outcome was recorded (by the send step or
 *   a provider report; a message reaches one of them at most once).
 * - `suppressed`, `cancelled`: also by reason, as `suppressed:<reason>`, `cancelled:<reason>`.
 * - `replied`, `optedOut`: an inbound reply correlated to one of the rule's messages was recorded;
 *   `optedOut` when it was a STOP.
 * `scheduled` and `sending` (deferrals, retries, claims) are steps, not outcomes: not counted.
 */
import { DateTime } from 'luxon';
import { utcMillisOf } from '../core/utc-instant.ts';
import type { MessageStatus } from './message-record.ts';

/** The counters the rules page and `GET /api/rules/:id/stats` show, in order. */
export const RULE_COUNTERS = [
  'planned',
  'sent',
  'delivered',
  'undelivered',
  'bounced',
  'failed',
  'suppressed',
  'cancelled',
  'replied',
  'optedOut',
] as const;

/** Statuses whose arrival is counted (under their own name). */
const COUNTED_STATUSES: ReadonlySet<MessageStatus> = new Set([
  'sent',
  'delivered',
  'undelivered',
  'bounced',
  'failed',
  'suppressed',
  'cancelled',
]);

/** Statuses counted by reason as well (`suppressed:<reason>`). */
const BY_REASON: ReadonlySet<MessageStatus> = new Set(['suppressed', 'cancelled']);

/** The counters a move to `status` (with `reason`) adds one to; none for steps. */
export function statusCounters(status: MessageStatus, reason?: string): string[] {
  if (!COUNTED_STATUSES.has(status)) return [];
  return BY_REASON.has(status) && reason !== undefined ? [status, `${status}:${reason}`] : [status];
}

/** The counters a new message record adds one to: `planned`, and its first status if counted. */
export function createdCounters(status: MessageStatus, reason?: string): string[] {
  return ['planned', ...statusCounters(status, reason)];
}

/** The counters a provider report adds one to: its status, except `sent` (the send step counts that). */
export function reportCounters(status: MessageStatus, reason?: string): string[] {
  return status === 'sent' ? [] : statusCounters(status, reason);
}

/** The counters a recorded reply adds one to (none when no rule's message was correlated). */
export function replyCounters(reply: { ruleId?: string; intent?: string }): string[] {
  if (reply.ruleId === undefined) return [];
  return reply.intent === 'stop' ? ['replied', 'optedOut'] : ['replied'];
}

/** The UTC day (`yyyy-MM-dd`) an instant is counted on. Counters are kept per UTC day. */
export function statDay(at: string): string {
  const millis = utcMillisOf(at);
  if (millis === undefined) return at.slice(0, 10);
  const iso = new Date(millis).toISOString();
  // Four-digit years read straight off the ISO string; luxon formats the others.
  return iso.length === 24
    ? iso.slice(0, 10)
    : DateTime.fromMillis(millis, { zone: 'utc' }).toFormat('yyyy-MM-dd');
}

/** Every UTC day from `fromDay` to `toDay` (`yyyy-MM-dd`), both included; none when `toDay` is earlier. */
export function daysBetween(fromDay: string, toDay: string): string[] {
  const days: string[] = [];
  const end = DateTime.fromISO(toDay, { zone: 'utc' });
  let day = DateTime.fromISO(fromDay, { zone: 'utc' });
  // Bounded: ten years of days at most, whatever the caller asks.
  while (day.isValid && end.isValid && day <= end && days.length < 3_660) {
    days.push(day.toFormat('yyyy-MM-dd'));
    day = day.plus({ days: 1 });
  }
  return days;
}
