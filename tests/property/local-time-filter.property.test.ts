import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { renderParsed, textEngine } from '../../functions/core/messages/liquid-engines.ts';
import { FormatSettings } from '../../functions/core/messages/locale-filters.ts';

// IANA zones with odd offsets and DST rules, luxon's fixed-offset and special names, an invalid one.
const ZONES = [
  'Europe/Stockholm',
  'America/New_York',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Australia/Lord_Howe',
  'America/St_Johns',
  'Pacific/Chatham',
  'Etc/UTC',
  'Etc/GMT+5',
  'UTC',
  'utc',
  'UTC+3',
  'Not/AZone',
];
const LOCALES = ['en', 'sv', 'en-GB', 'en-US', 'de-DE', 'ar-EG', 'ja', 'fr-CA', 'zh-Hant-TW', 'sv-u-nu-arab'];

const instant = fc.date({
  min: new Date('1900-01-01T00:00:00Z'),
  max: new Date('2100-12-31T23:59:59Z'),
  noInvalidDate: true,
});

// The forms events carry, and some the shortcut must leave to luxon (offsets, no zone, 30 February).
const isoValue = fc.oneof(
  instant.map((d) => d.toISOString()),
  instant.map((d) => `${d.toISOString().slice(0, 16)}Z`),
  instant.map((d) => `${d.toISOString().slice(0, 19)}Z`),
  instant.map((d) => `${d.toISOString().slice(0, 19)}+02:00`),
  instant.map((d) => d.toISOString().slice(0, 19)),
  instant.map((d) => d.toISOString().slice(0, 10)),
  fc.constantFrom(
    '2026-02-30T10:00Z',
    '2025-02-29T10:00:00Z',
    '2024-02-29T23:59:59.999Z',
    '2026-12-07T24:00Z',
  ),
);

/** What luxon says, as the filter did before the shortcut: the time of day in the zone, or an error. */
function luxonSays(value: string, locale: string, zone: string, timeStyle: 'short' | 'medium'): string {
  const when = DateTime.fromISO(value, { zone, locale });
  if (!when.isValid || /^\d{4}-\d{2}-\d{2}$/.test(value)) return 'error';
  return `ok:${when.toLocaleString({ timeStyle })}`;
}

function filterSays(
  value: string,
  locale: string,
  zone: string,
  style: 'short' | 'medium' | undefined,
): string {
  const source = style === undefined ? '{{ t | local_time }}' : `{{ t | local_time: '${style}' }}`;
  try {
    // Email: the text as Intl and luxon print it (SMS only swaps no-break spaces afterwards).
    return `ok:${renderParsed(textEngine, textEngine.parse(source), { t: value }, new FormatSettings(locale, zone, 'email'))}`;
  } catch {
    return 'error';
  }
}

describe('local_time of a plain UTC instant says what luxon says', () => {
  it('on generated instants, zones, locales and styles', () => {
    fc.assert(
      fc.property(
        isoValue,
        fc.constantFrom(...LOCALES),
        fc.constantFrom(...ZONES),
        fc.constantFrom('short' as const, 'medium' as const, undefined),
        (value, locale, zone, style) => {
          expect(filterSays(value, locale, zone, style)).toBe(
            luxonSays(value, locale, zone, style ?? 'short'),
          );
        },
      ),
      { seed: 12_2026, numRuns: 5000 },
    );
  });
});

describe('local_time shares a minute’s text only where every instant in it says the same', () => {
  // Minutes at and next to offset changes: DST (whole and half hours), a dateline jump, offsets in
  // seconds (Amsterdam to 1937, Monrovia to 1972) and their ends.
  const CHANGES: ReadonlyArray<[string, string]> = [
    ['Europe/Stockholm', '2026-03-29T01:00:00Z'],
    ['Europe/Stockholm', '2026-10-25T01:00:00Z'],
    ['America/New_York', '2026-11-01T06:00:00Z'],
    ['Australia/Lord_Howe', '2026-04-04T15:00:00Z'],
    ['Pacific/Apia', '2011-12-30T10:00:00Z'],
    ['Europe/Amsterdam', '1937-06-30T23:40:28Z'],
    ['Europe/Amsterdam', '1935-03-01T12:00:00Z'],
    ['Africa/Monrovia', '1972-01-07T00:44:30Z'],
    ['Africa/Monrovia', '1965-05-05T08:08:08Z'],
    ['Asia/Kathmandu', '1986-01-01T00:00:00Z'],
  ];
  const LOCALE_SAMPLE = ['en', 'en-GB', 'en-US', 'sv', 'ar-EG', 'ja'];

  it('in minutes at offset changes and in zones with offsets in seconds, asked in any order', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CHANGES),
        fc.integer({ min: -3, max: 3 }),
        fc.array(fc.integer({ min: 0, max: 59_999 }), { minLength: 2, maxLength: 8 }),
        fc.constantFrom(...LOCALE_SAMPLE),
        ([zone, at], minutes, offsets, locale) => {
          const minute = Math.floor(Date.parse(at) / 60_000) + minutes;
          for (const offset of offsets) {
            const value = new Date(minute * 60_000 + offset).toISOString();
            expect(filterSays(value, locale, zone, undefined)).toBe(luxonSays(value, locale, zone, 'short'));
          }
        },
      ),
      { seed: 7_2026, numRuns: 3000 },
    );
  });
});
