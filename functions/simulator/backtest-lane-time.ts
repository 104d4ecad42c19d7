/**
 * Time arithmetic for the backtest lane in epoch milliseconds: the answers of the luxon code in
 * functions/core/planning (send windows, durations, ISO instants), without a `DateTime` per call.
 * Every fast path is taken only where it is provably the same instant luxon gives; anything else
 * (a DST change near the instant, a calendar month, an unusual ISO form) asks luxon itself, so
 * the lane never approximates.
 */
import { DateTime, Duration, IANAZone } from 'luxon';
import { nextWindowOpening, spreadOffset, spreadWindowOpening } from '../core/planning/send-window.ts';
import type { WindowSpec } from '../core/rules/rule-schema.ts';
import { WEEKDAYS } from '../core/rules/weekdays.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Zone offsets (minutes) per zone and UTC hour; NaN marks an hour with a change inside it. */
const offsets = new Map<string, Map<number, number>>();
const zones = new Map<string, IANAZone>();

function zoneOf(name: string): IANAZone {
  let zone = zones.get(name);
  if (zone === undefined) {
    zone = IANAZone.create(name);
    zones.set(name, zone);
  }
  return zone;
}

/** The zone's UTC offset in minutes at `ms`, cached per zone and hour (luxon's own answer). */
function offsetAt(zoneName: string, ms: number): number {
  let hours = offsets.get(zoneName);
  if (hours === undefined) {
    hours = new Map();
    offsets.set(zoneName, hours);
  }
  const hour = Math.floor(ms / HOUR_MS);
  let cached = hours.get(hour);
  if (cached === undefined) {
    const zone = zoneOf(zoneName);
    const start = zone.offset(hour * HOUR_MS);
    cached = start === zone.offset(hour * HOUR_MS + HOUR_MS - 1) ? start : Number.NaN;
    if (hours.size > 200_000) hours.clear();
    hours.set(hour, cached);
  }
  return Number.isNaN(cached) ? zoneOf(zoneName).offset(ms) : cached;
}

/** A window's hours in minutes after local midnight and its week days (1 = Monday). */
interface OpenHours {
  days: ReadonlySet<number>;
  start: number;
  end: number;
}

const parsedWindows = new WeakMap<WindowSpec, OpenHours>();

function openHours(window: WindowSpec): OpenHours {
  let hours = parsedWindows.get(window);
  if (hours === undefined) {
    const [start = '00:00', end = '24:00'] = window.hours.split('-');
    hours = {
      days: new Set((window.days ?? WEEKDAYS).map((day) => WEEKDAYS.indexOf(day) + 1)),
      start: minutes(start),
      end: minutes(end),
    };
    parsedWindows.set(window, hours);
  }
  return hours;
}

function minutes(hhmm: string): number {
  const [h = '0', m = '0'] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/** ISO week day (1 = Monday) of a day number since the epoch (day 0 was a Thursday). */
function weekdayOf(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** Whether `ms` falls inside the window in `zone`: as core `isInsideWindow`. */
export function insideWindow(window: WindowSpec, ms: number, zone: string): boolean {
  const hours = openHours(window);
  const local = ms + offsetAt(zone, ms) * 60_000;
  const day = Math.floor(local / DAY_MS);
  const minute = Math.floor((local - day * DAY_MS) / 60_000);
  return hours.days.has(weekdayOf(day)) && minute >= hours.start && minute < hours.end;
}

/**
 * The first instant at or after `ms` inside the window: as core `nextWindowOpening`. The fast
 * path holds when the zone's offset is the same at `ms` and two hours either side of the
 * opening (no DST change in between, the opening neither skipped nor repeated); else luxon.
 */
export function nextOpening(window: WindowSpec, ms: number, zone: string): number {
  if (insideWindow(window, ms, zone)) return ms;
  const hours = openHours(window);
  const offset = offsetAt(zone, ms);
  const firstDay = Math.floor((ms + offset * 60_000) / DAY_MS);
  for (let day = firstDay; day <= firstDay + 14; day++) {
    if (!hours.days.has(weekdayOf(day))) continue;
    const opening = day * DAY_MS + hours.start * 60_000 - offset * 60_000;
    const steady =
      offsetAt(zone, opening) === offset &&
      offsetAt(zone, opening - 2 * HOUR_MS) === offset &&
      offsetAt(zone, opening + 2 * HOUR_MS) === offset;
    if (!steady) break;
    if (opening >= ms && insideWindow(window, opening, zone)) return opening;
  }
  return nextWindowOpening(window, DateTime.fromMillis(ms, { zone: 'utc' }), zone).toMillis();
}

/** Whether the zone's offset is `offset` at every one of `instants`. */
function steadyAt(zone: string, offset: number, ...instants: number[]): boolean {
  return instants.every((ms) => offsetAt(zone, ms) === offset);
}

/**
 * When a message planned for `ms`, outside the window, is due: as core `spreadWindowOpening`
 * (the next opening plus the message's offset within `spreadMs`, never past the window's end).
 * The fast path holds when the zone's offset is the same from the opening's local midnight to
 * two hours past that day's closing; else luxon.
 */
export function spreadOpening(
  window: WindowSpec,
  ms: number,
  zone: string,
  key: string,
  spreadMs: number,
): number {
  const opening = nextOpening(window, ms, zone);
  if (opening === ms) return opening;
  const hours = openHours(window);
  const offset = offsetAt(zone, opening);
  const day = Math.floor((opening + offset * 60_000) / DAY_MS);
  const midnight = day * DAY_MS - offset * 60_000;
  const closing = midnight + (hours.end >= 1440 ? DAY_MS : hours.end * 60_000);
  if (!steadyAt(zone, offset, midnight, closing - 2 * HOUR_MS, closing, closing + 2 * HOUR_MS))
    return spreadWindowOpening(
      window,
      DateTime.fromMillis(ms, { zone: 'utc' }),
      zone,
      key,
      spreadMs,
    ).toMillis();
  const span = Math.max(0, Math.min(Math.floor(spreadMs), closing - opening));
  const due = opening + spreadOffset(key, span);
  return insideWindow(window, due, zone) ? due : opening;
}

/** A duration split into calendar days (weeks included) and exact milliseconds; undefined when it has months or years or fractions. */
interface SplitDuration {
  days: number;
  ms: number;
}

const DURATION = /^(-)?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const durations = new Map<string, SplitDuration | null>();

function split(iso: string): SplitDuration | undefined {
  let found = durations.get(iso);
  if (found === undefined) {
    const m = DURATION.exec(iso);
    if (m === null || iso.endsWith('T') || !/\d/.test(iso)) found = null;
    else {
      const sign = m[1] === undefined ? 1 : -1;
      const n = (i: number) => Number(m[i] ?? 0);
      found = {
        days: sign * (n(2) * 7 + n(3)),
        ms: sign * (n(4) * HOUR_MS + n(5) * 60_000 + n(6) * 1000),
      };
    }
    if (durations.size < 10_000) durations.set(iso, found);
  }
  return found ?? undefined;
}

/**
 * `ms` plus an ISO duration, as luxon adds it to a time in UTC (where a calendar day is 24 h).
 * Months and years go through luxon.
 */
export function plusUtc(ms: number, iso: string, sign: 1 | -1 = 1): number {
  const parts = split(iso);
  if (parts !== undefined) return ms + sign * (parts.days * DAY_MS + parts.ms);
  const duration = Duration.fromISO(iso);
  const start = DateTime.fromMillis(ms, { zone: 'utc' });
  return (sign === 1 ? start.plus(duration) : start.minus(duration)).toMillis();
}

/**
 * `ms` plus a duration made only of hours, minutes and seconds (exact in any zone), and with
 * `days`, of days and weeks too (exact in a fixed-offset zone); undefined otherwise.
 */
export function plusExact(ms: number, iso: string, days: 'days' | 'no-days' = 'no-days'): number | undefined {
  const parts = split(iso);
  if (parts === undefined || (parts.days !== 0 && days === 'no-days')) return undefined;
  return ms + parts.days * DAY_MS + parts.ms;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The last instant read: an event's time is read by the clock, the profile merge and goal attribution. */
const lastInstant: { iso: string; ms: number | undefined } = { iso: '', ms: undefined };

/** An ISO instant in its plain form (seconds, optional milliseconds, `Z` or `±hh:mm`) in ms; undefined for any other form. */
export function fastInstant(iso: string): number | undefined {
  if (iso === lastInstant.iso) return lastInstant.ms;
  const ms = parseInstant(iso);
  lastInstant.iso = iso;
  lastInstant.ms = ms;
  return ms;
}

/** The number of `count` ASCII digits at `at`, or -1 when one is not a digit. */
function digits(iso: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const code = iso.charCodeAt(i) - 48;
    if (code < 0 || code > 9) return -1;
    value = value * 10 + code;
  }
  return value;
}

/** `YYYY-MM-DDThh:mm:ss[.mmm](Z|±hh:mm)`, read by character codes (no match array per instant). */
function parseInstant(iso: string): number | undefined {
  const length = iso.length;
  if (length !== 20 && length !== 24 && length !== 25 && length !== 29) return undefined;
  if (iso[4] !== '-' || iso[7] !== '-' || iso[10] !== 'T' || iso[13] !== ':' || iso[16] !== ':')
    return undefined;
  const year = digits(iso, 0, 4);
  const month = digits(iso, 5, 2);
  const day = digits(iso, 8, 2);
  const hour = digits(iso, 11, 2);
  const minute = digits(iso, 14, 2);
  const second = digits(iso, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  let at = 19;
  let millis = 0;
  if (iso[at] === '.') {
    millis = digits(iso, at + 1, 3);
    if (millis < 0) return undefined;
    at += 4;
  }
  let offset = 0;
  if (iso[at] === 'Z') {
    if (length !== at + 1) return undefined;
  } else {
    const sign = iso[at];
    if ((sign !== '+' && sign !== '-') || length !== at + 6 || iso[at + 3] !== ':') return undefined;
    const hours = digits(iso, at + 1, 2);
    const minutes = digits(iso, at + 4, 2);
    if (hours < 0 || minutes < 0) return undefined;
    offset = (sign === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = month === 2 && leap ? 29 : (MONTH_DAYS[month - 1] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > monthDays) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (offset > 18 * 60 || offset < -18 * 60) return undefined;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC maps years 0–99 to 1900–1999.
  return year < 100 ? undefined : utc - offset * 60_000;
}

/** An ISO instant in ms as luxon reads it (`setZone`), NaN when it is not one. */
export function instantOf(iso: string): number {
  const fast = fastInstant(iso);
  if (fast !== undefined) return fast;
  const time = DateTime.fromISO(iso, { setZone: true });
  return time.isValid ? time.toMillis() : Number.NaN;
}

/** The character code of a decimal digit. */
const digit = (n: number) => 48 + n;

/**
 * `ms` as the store keeps instants (`isoOf`: UTC with milliseconds), the same string as
 * `new Date(ms).toISOString()`. Every due message renders with its send time: a `Date` and its
 * `toISOString` per render cost ~5× the civil date in arithmetic (days to year, month, day as in
 * Howard Hinnant's `civil_from_days`) written as one flat string. Anything but an integer
 * instant in the years 0000–9999 is left to Date (it throws outside its range).
 */
export function isoMs(ms: number): string {
  if (!Number.isInteger(ms)) return new Date(ms).toISOString();
  const days = Math.floor(ms / DAY_MS);
  // March-based years of 400-year eras (146,097 days), so leap days fall at the end of a year.
  const shifted = days + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1_460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return new Date(ms).toISOString();
  let rest = ms - days * DAY_MS;
  const hour = Math.floor(rest / HOUR_MS);
  rest -= hour * HOUR_MS;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1_000);
  const millis = rest - second * 1_000;
  // One string of 24 characters (a template literal would make one per piece).
  return String.fromCharCode(
    digit(Math.floor(year / 1000)),
    digit(Math.floor(year / 100) % 10),
    digit(Math.floor(year / 10) % 10),
    digit(year % 10),
    45, // -
    digit(Math.floor(month / 10)),
    digit(month % 10),
    45,
    digit(Math.floor(day / 10)),
    digit(day % 10),
    84, // T
    digit(Math.floor(hour / 10)),
    digit(hour % 10),
    58, // :
    digit(Math.floor(minute / 10)),
    digit(minute % 10),
    58,
    digit(Math.floor(second / 10)),
    digit(second % 10),
    46, // .
    digit(Math.floor(millis / 100)),
    digit(Math.floor(millis / 10) % 10),
    digit(millis % 10),
    90, // Z
  );
}
