import { DateTime, Duration } from 'luxon';
import type { CustomerProfile } from '../customers/customer-profile.ts';
import type { JourneyEvent } from '../journey-event.ts';
import { readPath } from '../paths.ts';
import { MAX_THRESHOLD_COUNT } from '../rules/rule-limits.ts';
import type { Rule, ThresholdSpec } from '../rules/rule-schema.ts';

/** The key value of events counted together when a threshold rule has no `key`. */
const ALL_EVENTS_KEY = '*';

/**
 * The most events an alert's `count` reads: the largest `threshold.count` a rule may set. A
 * window holding more says this many (about 2.6 MB read once per alert on DynamoDB).
 */
export const ALERT_COUNT_LIMIT = MAX_THRESHOLD_COUNT;

/** How many counted events an alert names as samples (newest first). */
export const ALERT_SAMPLES = 5;

/** One counted event, as the store keeps it for a threshold's sliding window. */
export interface ThresholdEntry {
  eventId: string;
  /** The event's own time, ISO UTC with milliseconds (sortable as a string). */
  at: string;
  /** The event's customer, when it names one (`detail.customer.id` or `detail.customerId`). */
  customerId?: string;
}

/** Where an event counts for a threshold rule: its key value, or why it does not count. */
export type ThresholdKey = { ok: true; value: string } | { ok: false; detail: string };

/**
 * The value that makes events "similar" for a threshold rule: the scalar at `threshold.key`, or
 * {@link ALL_EVENTS_KEY} when the rule has no key. An event without the value is not counted
 * (it is not similar to anything), and says so.
 */
export function thresholdKey(threshold: ThresholdSpec, event: JourneyEvent): ThresholdKey {
  if (threshold.key === undefined) return { ok: true, value: ALL_EVENTS_KEY };
  const value = readPath(event, threshold.key);
  if (
    (typeof value === 'string' && value !== '') ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  ) {
    return { ok: true, value: String(value) };
  }
  return { ok: false, detail: `${threshold.key} is missing or not a single value: not counted` };
}

/** The counter of a rule and key value: scoped by rule, so two rules never share counts. */
export function thresholdCounterKey(ruleId: string, value: string): string {
  return `${ruleId}#${value}`;
}

/** The alert claim of a rule and key value (a dedupe claim whose horizon is the cooldown). */
export function thresholdAlertKey(ruleId: string, value: string): string {
  return `${ruleId}#threshold#${value}`;
}

/**
 * The sliding window an event is judged in: the `within` before the event's own time, that time
 * included — `after` < at ≤ `until`. Judged by event time, not arrival, so a backlog replayed
 * late counts as it happened.
 */
export function thresholdWindow(
  threshold: ThresholdSpec,
  eventTime: DateTime,
): { after: DateTime; until: DateTime } {
  return { after: eventTime.minus(Duration.fromISO(threshold.within)), until: eventTime };
}

/** After an alert at `alertTime` (event time), when the next alert for the same key may come. */
export function thresholdQuietUntil(threshold: ThresholdSpec, alertTime: DateTime): DateTime {
  return alertTime.plus(Duration.fromISO(threshold.cooldown ?? threshold.within));
}

/** Whether the count in the window makes an alert (before the cooldown is asked). */
export function crossesThreshold(threshold: ThresholdSpec, count: number): boolean {
  return count >= threshold.count;
}

/**
 * The recipient of a threshold alert as the send step's planning sees a customer: addresses and
 * locale from the rule's `to`, no consent statements (an operations address is not a customer
 * who could opt out) and never stored. Undefined for a rule that sends to customers.
 */
export function operationsProfile(rule: Rule, id: string): CustomerProfile | undefined {
  if (rule.threshold === undefined || rule.to === undefined) return undefined;
  const to = rule.to;
  return {
    id,
    ...(to.email === undefined ? {} : { email: to.email }),
    ...(to.sms === undefined ? {} : { phone: to.sms }),
    ...(to.locale === undefined ? {} : { locale: to.locale }),
    ...(to.timeZone === undefined ? {} : { timeZone: to.timeZone }),
    consent: {},
    updatedAt: DateTime.fromMillis(0, { zone: 'utc' }).toISO() ?? '',
  };
}

/** The id an alert's message record carries where a customer message has the customer's id. */
export function operationsRecipientId(ruleId: string): string {
  return `ops:${ruleId}`;
}

/** The customer an event names, for an alert's samples (never contact data). */
export function eventCustomerId(event: JourneyEvent): string | undefined {
  const id = readPath(event, 'detail.customer.id') ?? readPath(event, 'detail.customerId');
  return typeof id === 'string' && id !== '' ? id : undefined;
}
