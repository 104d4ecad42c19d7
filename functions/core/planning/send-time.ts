import { DateTime, Duration } from 'luxon';
import type { JourneyEvent } from '../journey-event.ts';
import { readPath } from '../paths.ts';
import type { Rule } from '../rules/rule-schema.ts';

/** The planned send time of a rule for an event, or why it has none. */
export type PlannedTime =
  | { ok: true; at: DateTime; late: boolean }
  | { ok: false; reason: 'missing-field' | 'invalid-date' | 'planned-time-passed'; detail: string };

/**
 * When the rule wants to send for this event, before windows and caps.
 * - `immediately`: now.
 * - `after`: the event's own time plus the duration (so a late-arriving event keeps its schedule).
 * - `at`: a date or date-time field of the event, shifted by `offset` in calendar terms in the
 *   customer's zone (so -P14D stays at the same wall-clock time across a DST change), then set to
 *   the local `time` of day when given.
 * - expect rules: the deadline (`expect.by`).
 * A time already in the past is sent now or skipped, per `ifPast` (default: skip for `at`, send
 * now otherwise, since a relative delay that has run out still means "send").
 */
export function planSendTime(rule: Rule, event: JourneyEvent, zone: string, now: DateTime): PlannedTime {
  const eventTime = DateTime.fromISO(event.time, { setZone: true });
  if (rule.expect !== undefined) {
    const by = rule.expect.by;
    if ('after' in by)
      return notPast(eventTime.plus(Duration.fromISO(by.after)), now, 'send-now', 'expect.by');
    const field = readDateField(event, by.field, zone);
    if (!field.ok) return field;
    const deadline = by.offset === undefined ? field.at : field.at.plus(Duration.fromISO(by.offset));
    return notPast(deadline, now, 'send-now', `expect.by (${by.field})`);
  }
  const send = rule.send ?? 'immediately';
  if (send === 'immediately') return { ok: true, at: now, late: false };
  if ('after' in send) {
    return notPast(
      eventTime.plus(Duration.fromISO(send.after)),
      now,
      send.ifPast ?? 'send-now',
      'send.after',
    );
  }
  const field = readDateField(event, send.at.field, zone);
  if (!field.ok) return field;
  let at = send.at.offset === undefined ? field.at : field.at.plus(Duration.fromISO(send.at.offset));
  if (send.at.time !== undefined) {
    const [hour = 0, minute = 0] = send.at.time.split(':').map(Number);
    at = at.set({ hour, minute, second: 0, millisecond: 0 });
  }
  return notPast(at, now, send.ifPast ?? 'skip', `send.at (${send.at.field})`);
}

function notPast(at: DateTime, now: DateTime, ifPast: 'send-now' | 'skip', what: string): PlannedTime {
  if (at >= now) return { ok: true, at: at.toUTC(), late: false };
  if (ifPast === 'send-now') return { ok: true, at: now, late: true };
  return {
    ok: false,
    reason: 'planned-time-passed',
    detail: `${what} gives ${at.toUTC().toISO()}, already passed at ${now.toUTC().toISO()}`,
  };
}

type DateField =
  | { ok: true; at: DateTime }
  | { ok: false; reason: 'missing-field' | 'invalid-date'; detail: string };

/**
 * Reads a date (`2026-12-07`, a calendar day in the customer's zone, taken at its midnight) or a
 * date-time with an offset (an instant, shown in the customer's zone).
 */
function readDateField(event: JourneyEvent, path: string, zone: string): DateField {
  const value = readPath(event, path);
  if (value === undefined || value === null) {
    return { ok: false, reason: 'missing-field', detail: `${path} is missing from the event` };
  }
  if (typeof value !== 'string') {
    return {
      ok: false,
      reason: 'invalid-date',
      detail: `${path} is not a date string: ${JSON.stringify(value)}`,
    };
  }
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const at = dateOnly ? DateTime.fromISO(value, { zone }) : DateTime.fromISO(value, { setZone: true });
  if (!at.isValid)
    return { ok: false, reason: 'invalid-date', detail: `${path} is not a valid date: '${value}'` };
  if (!dateOnly && !/([zZ]|[+-]\d{2}(:?\d{2})?)$/.test(value)) {
    // A date-time without an offset is ambiguous; read it as the customer's local time.
    return { ok: true, at: DateTime.fromISO(value, { zone }) };
  }
  return { ok: true, at: at.setZone(zone) };
}
