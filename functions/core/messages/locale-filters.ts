/**
 * Liquid filters that format values for one customer: in their locale and time zone.
 *
 * Locale and zone differ per render, so they cannot live in module state or engine options. Each
 * render puts a {@link FormatSettings} in a register of its Liquid `Context` (see
 * `liquid-engines.ts`); filters read it from `this.context`. Registers are invisible to templates,
 * so a data field can neither read nor shadow them.
 */
import type { FilterImplOptions } from 'liquidjs';
import { DateTime, Duration } from 'luxon';

/** The register key the per-render {@link FormatSettings} are stored under. */
export const FORMAT_SETTINGS_REGISTER = 'nudge:format-settings';

/** Per-render formatting input; a class so filters can recognise it with `instanceof`. */
export class FormatSettings {
  constructor(
    /** Canonical BCP 47 locale for Intl and luxon. */
    readonly locale: string,
    /** IANA time zone of the customer. */
    readonly timeZone: string,
    /** SMS output gets GSM-7-friendly spaces and minus signs; see {@link smsSafe}. */
    readonly channel: 'sms' | 'email',
  ) {}
}

/**
 * A value given to a filter that it cannot format (an invalid date, a non-numeric amount, an
 * unknown currency). Thrown inside the render; `renderMessage` reports it as `invalid-value`.
 */
export class FilterInputError extends Error {
  override readonly name = 'FilterInputError';
}

const DATE_STYLES = ['short', 'medium', 'long', 'full'] as const;
const TIME_STYLES = ['short', 'medium'] as const;
type TimeStyle = (typeof TIME_STYLES)[number];
const WEEKDAY_STYLES = ['long', 'short'] as const;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DECIMAL = /^-?\d+(?:\.\d+)?$/;

/** What LiquidJS binds `this` to in a filter (its `FilterImpl` type is not exported). */
type FilterThis = ThisParameterType<Extract<FilterImplOptions, (...args: never[]) => unknown>>;
type Filter = (this: FilterThis, value: unknown, ...args: unknown[]) => string;
/** A filter's formatting, given the render's settings (what `localeFilters` run, and the plain-output shortcut). */
type Formatter = (settings: FormatSettings, value: unknown, ...args: unknown[]) => string;

/**
 * The filters' formatting, by Liquid name. Each is `value | filter: args`.
 *
 * - `local_date[: style]` — `"23 november 2026"` (sv), `"November 23, 2026"` (en); style is
 *   `short`, `medium`, `long` (default) or `full` (with weekday), as Intl's `dateStyle`.
 * - `local_time[: style]` — `"14:20"` (sv, en-GB), `"2:20 PM"` (en, en-US); `short` (default) or
 *   `medium` (with seconds).
 * - `local_datetime[: dateStyle]` — `"23 november 2026 kl. 14:20"`, `"November 23, 2026 at 2:20 PM"`.
 * - `weekday[: style]` — `"måndag"`, `"Monday"`; `long` (default) or `short`.
 * - `money: 'SEK'` — `"1 234,50 kr"` (sv), `"SEK 1,234.50"` (en); the currency code is required.
 * - `number[: decimals]` — `"1 234 567,891"` (sv), `"1,234,567.891"` (en); with `decimals`, exactly
 *   that many fraction digits.
 * - `duration` — ISO 8601 durations in words: `PT4H` → `"4 timmar"` (sv), `"4 hours"` (en);
 *   `PT1H30M` → `"1 hour and 30 minutes"`. Zero units are left out.
 *
 * Date inputs are ISO 8601 strings (or `Date` objects). A date-only string (`2026-12-07`) is a
 * calendar date and is shown as that date in every zone; a date-time with `Z` or an offset is an
 * instant, shown in the customer's zone; a date-time without an offset is taken as wall-clock time
 * in the customer's zone. A calendar date has no time of day, so `local_time` / `local_datetime`
 * reject it rather than print midnight.
 */
export const localeFormatters: Readonly<Record<string, Formatter>> = {
  local_date(settings, value, style) {
    const when = parseDateValue('local_date', value, settings);
    const dateStyle = styleArgument('local_date', style, DATE_STYLES, 'long');
    return output(when.dateTime.toLocaleString({ dateStyle }), settings);
  },
  local_time(settings, value, style) {
    const plainStyle = style === undefined ? 'short' : TIME_STYLES.find((known) => known === style);
    const timeOfDay = plainStyle === undefined ? undefined : plainInstantTime(value, settings, plainStyle);
    if (timeOfDay !== undefined) return output(timeOfDay, settings);
    const when = requireTimeOfDay('local_time', parseDateValue('local_time', value, settings));
    const timeStyle = styleArgument('local_time', style, TIME_STYLES, 'short');
    return output(when.toLocaleString({ timeStyle }), settings);
  },
  local_datetime(settings, value, style) {
    const when = requireTimeOfDay('local_datetime', parseDateValue('local_datetime', value, settings));
    const dateStyle = styleArgument('local_datetime', style, DATE_STYLES, 'long');
    return output(when.toLocaleString({ dateStyle, timeStyle: 'short' }), settings);
  },
  weekday(settings, value, style) {
    const when = parseDateValue('weekday', value, settings);
    const weekday = styleArgument('weekday', style, WEEKDAY_STYLES, 'long');
    return output(when.dateTime.toLocaleString({ weekday }), settings);
  },
  money(settings, value, currency) {
    const amount = numericValue('money', value);
    if (typeof currency !== 'string' || !/^[A-Za-z]{3}$/.test(currency)) {
      throw new FilterInputError(
        `money: currency must be a 3-letter ISO 4217 code, got ${describe(currency)}`,
      );
    }
    const format = new Intl.NumberFormat(settings.locale, {
      style: 'currency',
      currency: currency.toUpperCase(),
    });
    return output(format.format(amount), settings);
  },
  number(settings, value, decimals) {
    const amount = numericValue('number', value);
    let options: Intl.NumberFormatOptions = {};
    if (decimals !== undefined) {
      if (typeof decimals !== 'number' || !Number.isInteger(decimals) || decimals < 0 || decimals > 20) {
        throw new FilterInputError(
          `number: decimals must be an integer from 0 to 20, got ${describe(decimals)}`,
        );
      }
      options = { minimumFractionDigits: decimals, maximumFractionDigits: decimals };
    }
    return output(new Intl.NumberFormat(settings.locale, options).format(amount), settings);
  },
  duration(settings, value) {
    if (typeof value !== 'string') {
      throw new FilterInputError(
        `duration: expected an ISO 8601 duration such as 'PT4H', got ${describe(value)}`,
      );
    }
    const parsed = Duration.fromISO(value, { locale: settings.locale });
    if (!parsed.isValid) {
      throw new FilterInputError(`duration: invalid ISO 8601 duration ${describe(value)}`);
    }
    const nonZero = parsed.removeZeros();
    // 'PT0S' has nothing left after removeZeros; say "0 seconds" rather than nothing.
    const shown = Object.keys(nonZero.toObject()).length === 0 ? parsed : nonZero;
    return output(shown.toHuman({ listStyle: 'long' }), settings);
  },
};

/** The formatters as LiquidJS filters: the settings come from the render's register. */
export const localeFilters: Readonly<Record<string, Filter>> = Object.fromEntries(
  Object.entries(localeFormatters).map(([name, format]): [string, Filter] => [
    name,
    function (this: FilterThis, value: unknown, ...args: unknown[]): string {
      return format(settingsOf(this), value, ...args);
    },
  ]),
);

/**
 * Replaces characters that Intl puts into formatted output but GSM-7 lacks: no-break spaces (group
 * separators, "1 234,50 kr") and narrow no-break spaces (before "PM" in some ICU versions) become
 * spaces, U+2212 MINUS SIGN becomes '-'. Without this one Swedish amount turns a whole SMS into
 * UCS-2 and more than doubles its segment count. Email keeps the typographic characters.
 */
function smsSafe(text: string): string {
  return text.replace(/[\u00A0\u2007\u2009\u202F]/g, ' ').replace(/\u2212/g, '-');
}

/** A UTC instant in the ISO form a JSON event carries: `2026-12-07T14:20Z`, `…:05Z`, `…:05.123Z`. */
const UTC_INSTANT =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,3})?)?Z$/;
/** A BCP 47 tag luxon passes to Intl as it is (no `-u-`/`-x-` extensions it would rewrite). */
const PLAIN_LOCALE = /^[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|\d{3}))?$/;
const timeFormats = new Map<string, TimeFormat | null>();

/**
 * `local_time`'s formatter for one locale, zone and style, and for `short` (hours and minutes)
 * its text by UTC minute: appointment times repeat their minute, and an Intl `format` costs ~1.7 µs.
 */
interface TimeFormat {
  format: Intl.DateTimeFormat;
  /** The zone's wall clock to the second (h23), to check a minute before it is shared. */
  clock: Intl.DateTimeFormat | undefined;
  /** `short` text by UTC minute (epoch minutes); null for a minute the wall clock does not keep whole. */
  minutes: Map<number, string | null>;
}

/** The formatter luxon itself ends with for an IANA zone (`PolyDateFormatter`), or null for other zones. */
function timeFormat(locale: string, timeZone: string, timeStyle: TimeStyle): TimeFormat | null {
  if (!PLAIN_LOCALE.test(locale)) return null;
  const zone = DateTime.fromMillis(0, { zone: timeZone }).zone;
  // luxon formats fixed offsets ('UTC', 'UTC+2') and the system zone its own way: leave those to it.
  if (zone.type !== 'iana' || !zone.isValid) return null;
  const format = new Intl.DateTimeFormat(locale, { timeStyle, timeZone: zone.name });
  const clock =
    timeStyle === 'short'
      ? new Intl.DateTimeFormat('en-US', {
          timeZone: zone.name,
          hourCycle: 'h23',
          hour: '2-digit',
          minute: '2-digit',
          second: '2-digit',
        })
      : undefined;
  return { format, clock, minutes: new Map() };
}

/**
 * The `short` text of every instant in UTC minute `minute`, or null when the zone's wall clock
 * does not run through one whole minute in it (from hh:mm:00 to hh:mm:59: an offset in seconds,
 * as before 1972 in places, or a change of offset inside the minute). A `short` time prints the
 * hour and minute only (and a day period, which follows the hour), so where the wall clock shows
 * one hh:mm all the minute long, the minute's first instant says what every instant in it says.
 */
function minuteText(time: TimeFormat, clock: Intl.DateTimeFormat, minute: number): string | null {
  const start = minute * 60_000;
  const first = clock.format(start);
  const last = clock.format(start + 59_999);
  const whole = first.endsWith(':00') && last.endsWith(':59') && first.slice(0, -3) === last.slice(0, -3);
  return whole ? time.format.format(start) : null;
}

/**
 * `local_time` of a plain UTC instant, as luxon would print it (`DateTime.fromISO` in the zone, then
 * `toLocaleString({ timeStyle })`: an `Intl.DateTimeFormat` of the locale and zone on the same
 * instant), without parsing it with luxon; undefined for any other input, zone or locale.
 */
function plainInstantTime(
  value: unknown,
  settings: FormatSettings,
  timeStyle: TimeStyle,
): string | undefined {
  if (typeof value !== 'string' || !UTC_INSTANT.test(value)) return undefined;
  const time = timeFormatOf(settings, timeStyle);
  if (time === null) return undefined;
  // Date rolls 30 February over into March where luxon finds the date invalid.
  if (Number(value.slice(8, 10)) > daysInMonth(Number(value.slice(0, 4)), Number(value.slice(5, 7))))
    return undefined;
  const ms = Date.parse(value);
  if (time.clock === undefined) return time.format.format(ms);
  const minute = Math.floor(ms / 60_000);
  let text = time.minutes.get(minute);
  if (text === undefined) {
    text = minuteText(time, time.clock, minute);
    if (time.minutes.size >= 10_000) time.minutes.clear();
    time.minutes.set(minute, text);
  }
  return text ?? time.format.format(ms);
}

/** The settings' time formats by style: renderMessage reuses a settings object per locale and zone. */
const formatsBySettings = new WeakMap<FormatSettings, Partial<Record<TimeStyle, TimeFormat | null>>>();

function timeFormatOf(settings: FormatSettings, timeStyle: TimeStyle): TimeFormat | null {
  let formats = formatsBySettings.get(settings);
  if (formats === undefined) {
    formats = {};
    formatsBySettings.set(settings, formats);
  }
  let time = formats[timeStyle];
  if (time === undefined) {
    const key = `${settings.locale}\u0000${settings.timeZone}\u0000${timeStyle}`;
    time = timeFormats.get(key);
    if (time === undefined) {
      time = timeFormat(settings.locale, settings.timeZone, timeStyle);
      timeFormats.set(key, time);
    }
    formats[timeStyle] = time;
  }
  return time;
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

function output(text: string, settings: FormatSettings): string {
  return settings.channel === 'sms' ? smsSafe(text) : text;
}

function settingsOf(filter: FilterThis): FormatSettings {
  const settings: unknown = filter.context.getRegister(FORMAT_SETTINGS_REGISTER);
  if (settings instanceof FormatSettings) return settings;
  // Only reachable if a template is rendered without renderMessage; a programming error, not data.
  throw new Error(`${filter.token.name}: rendered without format settings; use renderMessage`);
}

interface ParsedDate {
  dateTime: DateTime;
  /** True for a calendar date ('2026-12-07'), which has no time of day. */
  dateOnly: boolean;
}

function parseDateValue(filter: string, value: unknown, settings: FormatSettings): ParsedDate {
  const options = { zone: settings.timeZone, locale: settings.locale };
  if (value instanceof Date) {
    const dateTime = DateTime.fromJSDate(value, options);
    if (!dateTime.isValid) throw new FilterInputError(`${filter}: invalid date ${describe(value)}`);
    return { dateTime, dateOnly: false };
  }
  if (typeof value !== 'string') {
    throw new FilterInputError(`${filter}: expected an ISO 8601 date or date-time, got ${describe(value)}`);
  }
  // With `zone`, luxon reads an offset-less string as wall time in that zone (so a date-only string
  // stays on its calendar day) and converts a string with Z or an offset into that zone.
  const dateTime = DateTime.fromISO(value, options);
  if (!dateTime.isValid) throw new FilterInputError(`${filter}: invalid date ${describe(value)}`);
  return { dateTime, dateOnly: DATE_ONLY.test(value) };
}

function requireTimeOfDay(filter: string, parsed: ParsedDate): DateTime {
  if (parsed.dateOnly) {
    throw new FilterInputError(
      `${filter}: ${describe(parsed.dateTime.toISODate())} is a calendar date without a time of day`,
    );
  }
  return parsed.dateTime;
}

function numericValue(filter: string, value: unknown): number {
  // Amounts often arrive as decimal strings in JSON events to avoid float drift; accept both.
  const amount = typeof value === 'string' && DECIMAL.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof amount !== 'number' || !Number.isFinite(amount)) {
    throw new FilterInputError(`${filter}: expected a number, got ${describe(value)}`);
  }
  return amount;
}

function styleArgument<const Style extends string>(
  filter: string,
  value: unknown,
  allowed: readonly Style[],
  fallback: Style,
): Style {
  if (value === undefined) return fallback;
  const match = allowed.find((style) => style === value);
  if (match === undefined) {
    throw new FilterInputError(
      `${filter}: style must be one of ${allowed.join(', ')}, got ${describe(value)}`,
    );
  }
  return match;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}
