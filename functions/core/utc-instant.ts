import { DateTime } from 'luxon';

// `yyyy-MM-ddTHH:mm:ss[.fraction]Z`: the form every instant Nudge writes has (`isoOf`).
const CANONICAL_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

/**
 * Epoch milliseconds of an ISO instant read in UTC, or undefined when luxon calls it invalid:
 * the answer of `DateTime.fromISO(iso, { zone: 'utc' })`. Instants in the canonical UTC form
 * are read by hand (luxon's parser was most of the date cost per message, BENCHMARKS.md, end to
 * end); every other form (an offset, no seconds, a date alone, a week date) goes to luxon.
 */
export function utcMillisOf(iso: string): number | undefined {
  const parts = CANONICAL_UTC.exec(iso);
  const field = (index: number) => Number(parts?.[index] ?? '');
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map(field);
  // Years before 100 (which Date.UTC maps to 1900+) and 24:00 are luxon's to decide.
  if (
    parts === null ||
    year === undefined ||
    month === undefined ||
    day === undefined ||
    hour === undefined ||
    minute === undefined ||
    second === undefined ||
    year < 100 ||
    hour > 23
  )
    return viaLuxon(iso);
  if (month < 1 || month > 12 || minute > 59 || second > 59 || day < 1) return undefined;
  // A day past the month's end would roll over in Date.UTC; luxon calls it invalid.
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return undefined;
  // Milliseconds: the fraction's first three digits (luxon truncates the rest).
  const millis = Number((parts[7] ?? '').padEnd(3, '0').slice(0, 3));
  return Date.UTC(year, month - 1, day, hour, minute, second, millis);
}

function viaLuxon(iso: string): number | undefined {
  const time = DateTime.fromISO(iso, { zone: 'utc' });
  return time.isValid ? time.toMillis() : undefined;
}

/**
 * The instant as a `Date` when it reads (as {@link utcMillisOf} reads it) to a year from 1000 to
 * 9999: there `toISOString()` is luxon's `toISO()` in UTC (`yyyy-MM-ddTHH:mm:ss.SSSZ`), and its
 * prefixes are luxon's `yyyy-MM` and `yyyy-MM-dd'T'HH`. Undefined otherwise (unreadable, or a
 * year luxon writes in another form): the caller asks luxon.
 */
export function utcDateOf(iso: string): Date | undefined {
  const millis = utcMillisOf(iso);
  if (millis === undefined) return undefined;
  const date = new Date(millis);
  const year = date.getUTCFullYear();
  return year >= 1000 && year <= 9999 ? date : undefined;
}

/**
 * `DateTime.fromISO(iso, { zone: 'utc' }).toISO()`: the same instant in UTC with milliseconds, or
 * undefined when luxon calls it invalid; the canonical form is read and written without luxon.
 */
export function utcIsoOf(iso: string): string | undefined {
  const date = utcDateOf(iso);
  if (date !== undefined) return date.toISOString();
  const time = DateTime.fromISO(iso, { zone: 'utc' });
  return time.isValid ? (time.toISO() ?? undefined) : undefined;
}
