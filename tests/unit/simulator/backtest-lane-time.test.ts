import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { nextWindowOpening, spreadWindowOpening } from '../../../functions/core/planning/send-window.ts';
import type { WindowSpec } from '../../../functions/core/rules/rule-schema.ts';
import { WEEKDAYS } from '../../../functions/core/rules/weekdays.ts';
import {
  fastInstant,
  isoMs,
  nextOpening,
  spreadOpening,
} from '../../../functions/simulator/backtest-lane-time.ts';

/** luxon's answer for an ISO instant (the lane asks luxon whenever its own reading declines). */
function luxonMs(iso: string): number | undefined {
  const time = DateTime.fromISO(iso, { setZone: true });
  return time.isValid ? time.toMillis() : undefined;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Instants in the plain form, fields in and just out of range, with and without ms and offsets. */
const plainForm = fc
  .record({
    year: fc.integer({ min: 0, max: 9999 }),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 25 }),
    minute: fc.integer({ min: 0, max: 60 }),
    second: fc.integer({ min: 0, max: 60 }),
    millis: fc.option(fc.integer({ min: 0, max: 999 })),
    zone: fc.oneof(
      fc.constant('Z'),
      fc
        .record({
          sign: fc.constantFrom('+', '-'),
          h: fc.integer({ min: 0, max: 19 }),
          m: fc.integer({ min: 0, max: 59 }),
        })
        .map(({ sign, h, m }) => `${sign}${pad(h, 2)}:${pad(m, 2)}`),
    ),
  })
  .map(
    (f) =>
      `${pad(f.year, 4)}-${pad(f.month, 2)}-${pad(f.day, 2)}T${pad(f.hour, 2)}:${pad(f.minute, 2)}:${pad(f.second, 2)}` +
      `${f.millis === null ? '' : `.${pad(f.millis, 3)}`}${f.zone}`,
  );

describe('the backtest lane reads event times as luxon does', () => {
  it('gives luxon’s instant for every plain-form instant it reads, and reads every valid one from year 1000 on within ±18:00', () => {
    fc.assert(
      fc.property(plainForm, (iso) => {
        const fast = fastInstant(iso);
        const luxon = luxonMs(iso);
        if (fast !== undefined) expect(fast).toBe(luxon);
        // It declines offsets past ±18:00 (luxon reads them): completeness only inside that.
        else if (Number(iso.slice(0, 4)) >= 1000 && !/[+-](1[89]:(?!00)|19:)/.test(iso))
          expect(luxon).toBeUndefined();
      }),
      { numRuns: 5_000 },
    );
  });

  it('declines anything else rather than guess (luxon decides those)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        const fast = fastInstant(text);
        if (fast !== undefined) expect(fast).toBe(luxonMs(text));
      }),
    );
    for (const odd of [
      '2026-11-02T06:00:00.000+0100',
      '2026-11-02 06:00:00Z',
      '2026-11-02T06:00Z',
      '２026-11-02T06:00:00Z',
    ])
      expect(fastInstant(odd)).toBeUndefined();
    expect(fastInstant('2026-11-02T06:00:00.123-01:30')).toBe(Date.UTC(2026, 10, 2, 7, 30, 0, 123));
  });
});

const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** Windows of any length and days; instants around the 2026 DST changes of three zones. */
const windowCase = fc.record({
  start: fc.integer({ min: 0, max: 1_430 }),
  length: fc.integer({ min: 1, max: 1_440 }),
  days: fc.subarray([...WEEKDAYS], { minLength: 1 }),
  zone: fc.constantFrom('Europe/Stockholm', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'),
  at: fc.constantFrom('2026-03-08', '2026-03-29', '2026-10-25', '2026-11-01', '2026-06-15', '2026-04-05'),
  minute: fc.integer({ min: -3 * 1_440, max: 3 * 1_440 }),
  key: fc.string({ minLength: 1, maxLength: 40 }),
  spreadMinutes: fc.constantFrom(0, 10, 90, 1_440),
});

describe('the backtest lane’s send windows', () => {
  it('defers to the instant core spreadWindowOpening gives, DST changes included', () => {
    fc.assert(
      fc.property(windowCase, (c) => {
        const window: WindowSpec = {
          hours: `${hhmm(c.start)}-${hhmm(Math.min(1_440, c.start + c.length))}`,
          days: c.days,
        };
        const ms = Date.parse(`${c.at}T00:00:00Z`) + c.minute * 60_000;
        const spreadMs = c.spreadMinutes * 60_000;
        const core = spreadWindowOpening(
          window,
          DateTime.fromMillis(ms, { zone: 'utc' }),
          c.zone,
          c.key,
          spreadMs,
        );
        expect(spreadOpening(window, ms, c.zone, c.key, spreadMs)).toBe(core.toMillis());
        expect(nextOpening(window, ms, c.zone)).toBe(
          nextWindowOpening(window, DateTime.fromMillis(ms, { zone: 'utc' }), c.zone).toMillis(),
        );
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('the backtest lane writes instants as Date does', () => {
  it('gives toISOString’s string for any integer instant: leap days, years 0 and 9999 and beyond, the range ends', () => {
    const edges = [
      0,
      -1,
      1,
      86_399_999,
      86_400_000,
      -86_400_000,
      Date.parse('2000-02-29T23:59:59.999Z'),
      Date.parse('1900-03-01T00:00:00.000Z') - 1,
      Date.parse('2024-12-31T12:00:00.000Z'),
      -62_167_219_200_000,
      -62_167_219_200_001,
      253_402_300_799_999,
      253_402_300_800_000,
      8.64e15,
      -8.64e15,
    ];
    for (const ms of edges) expect(isoMs(ms)).toBe(new Date(ms).toISOString());
    fc.assert(
      fc.property(
        // Mostly years 0000–9999 (the arithmetic), some anywhere in Date's range (Date's own).
        fc.oneof(
          { arbitrary: fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), weight: 4 },
          { arbitrary: fc.integer({ min: -8.64e15, max: 8.64e15 }), weight: 1 },
        ),
        (ms) => {
          expect(isoMs(ms)).toBe(new Date(ms).toISOString());
        },
      ),
      { numRuns: 5_000, seed: 7 },
    );
  });

  it('throws as Date does outside its range, and truncates a fraction as Date does', () => {
    for (const ms of [Number.NaN, 8.64e15 + 1, Number.POSITIVE_INFINITY])
      expect(() => isoMs(ms)).toThrow(RangeError);
    expect(isoMs(1.7)).toBe(new Date(1.7).toISOString());
    expect(isoMs(-1.7)).toBe(new Date(-1.7).toISOString());
  });
});
