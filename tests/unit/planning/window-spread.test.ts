import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { planMessage } from '../../../functions/core/planning/decide.ts';
import { nextWindowOpening, spreadWindowOpening } from '../../../functions/core/planning/send-window.ts';
import type { WindowSpec } from '../../../functions/core/rules/rule-schema.ts';
import { WEEKDAYS } from '../../../functions/core/rules/weekdays.ts';
import { anEvent, aProfile, aRule, at, settings } from '../../support/factories.ts';

const MINUTE = 60_000;

/** Inside the window read in `zone`, computed here from the local wall clock (the oracle). */
function insideByWallClock(window: WindowSpec, instant: DateTime, zone: string): boolean {
  const [start = '00:00', end = '24:00'] = window.hours.split('-');
  const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  const local = instant.setZone(zone);
  const minute = local.hour * 60 + local.minute;
  const day = WEEKDAYS[local.weekday - 1];
  return (
    day !== undefined &&
    (window.days ?? WEEKDAYS).includes(day) &&
    minute >= minutes(start) &&
    minute < minutes(end)
  );
}

const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

const aWindow: fc.Arbitrary<WindowSpec> = fc
  .record({
    start: fc.integer({ min: 0, max: 1_430 }),
    length: fc.integer({ min: 1, max: 1_440 }),
    days: fc.subarray([...WEEKDAYS], { minLength: 1 }),
  })
  .map(({ start, length, days }) => ({
    hours: `${hhmm(start)}-${hhmm(Math.min(1_440, start + length))}`,
    days,
  }));

const aZone = fc.constantFrom(
  'Europe/Stockholm',
  'America/New_York',
  'Australia/Sydney',
  'Asia/Kolkata',
  'UTC',
);
// 2026 and 2027, DST changes included.
const anInstant = fc
  .integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-12-31T00:00:00Z') })
  .map((ms) => DateTime.fromMillis(ms, { zone: 'utc' }));

describe('spreading a window opening', () => {
  it('is always inside the window, within the spread after the opening, and the same for the same id', () => {
    fc.assert(
      fc.property(
        aWindow,
        aZone,
        anInstant,
        fc.string({ minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 3 * 60 * MINUTE }),
        (window, zone, instant, id, spreadMs) => {
          // Act
          const due = spreadWindowOpening(window, instant, zone, id, spreadMs);
          const again = spreadWindowOpening(window, instant, zone, id, spreadMs);
          const opening = nextWindowOpening(window, instant, zone);

          // Assert
          expect(insideByWallClock(window, due, zone)).toBe(true);
          expect(due.toMillis()).toBeGreaterThanOrEqual(opening.toMillis());
          expect(due.toMillis() - opening.toMillis()).toBeLessThanOrEqual(Math.max(0, spreadMs - 1));
          expect(again.toMillis()).toBe(due.toMillis());
        },
      ),
      { numRuns: 500 },
    );
  });

  it('leaves an instant already inside the window where it is', () => {
    const window: WindowSpec = { hours: '08:00-20:00' };
    const inside = at('2026-11-24T09:17:00Z'); // 10:17 Stockholm

    expect(spreadWindowOpening(window, inside, 'Europe/Stockholm', 'm-1', 10 * MINUTE).toISO()).toBe(
      inside.toISO(),
    );
  });

  it('spreads a night of messages over the first ten minutes, about evenly', () => {
    // Arrange: 2,000 messages held overnight; the window opens 08:00 Stockholm (07:00 UTC).
    const window: WindowSpec = { hours: '08:00-20:00' };
    const night = at('2026-11-24T02:00:00Z');
    const opening = Date.parse('2026-11-24T07:00:00Z');

    // Act
    const offsets = Array.from(
      { length: 2_000 },
      (_, i) =>
        spreadWindowOpening(window, night, 'Europe/Stockholm', `m-${i}`, 10 * MINUTE).toMillis() - opening,
    );

    // Assert: every minute of the ten holds a share near a tenth (200), none outside them.
    const perMinute = Array.from(
      { length: 10 },
      (_, minute) =>
        offsets.filter((offset) => offset >= minute * MINUTE && offset < (minute + 1) * MINUTE).length,
    );
    expect(perMinute.reduce((sum, n) => sum + n, 0)).toBe(2_000);
    for (const n of perMinute) {
      expect(n).toBeGreaterThan(120);
      expect(n).toBeLessThan(280);
    }
  });

  it('never spreads past the end of a window shorter than the spread', () => {
    const window: WindowSpec = { hours: '08:00-08:05' };
    const night = at('2026-11-24T02:00:00Z');

    const offsets = Array.from(
      { length: 500 },
      (_, i) =>
        spreadWindowOpening(window, night, 'Europe/Stockholm', `m-${i}`, 10 * MINUTE).toMillis() -
        Date.parse('2026-11-24T07:00:00Z'),
    );

    expect(Math.min(...offsets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...offsets)).toBeLessThan(5 * MINUTE);
    expect(Math.max(...offsets)).toBeGreaterThan(4 * MINUTE);
  });
});

describe('planMessage with a spread window opening', () => {
  const night = at('2026-11-23T21:30:00Z'); // 22:30 Stockholm, Monday; opens 08:00 (07:00 UTC)
  const opening = Date.parse('2026-11-24T07:00:00Z');
  const plan = (spreadKey: string | undefined, spread?: string) =>
    planMessage({
      rule: aRule({ window: undefined }),
      event: anEvent(),
      profile: aProfile(),
      settings: settings(spread === undefined ? {} : { windowOpening: { spread } }),
      now: night,
      ...(spreadKey === undefined ? {} : { spreadKey }),
    });
  const sendAt = (decision: ReturnType<typeof plan>) =>
    decision.kind === 'schedule' ? decision.sendAt.toMillis() : Number.NaN;

  it('defers a message into the first ten minutes by default, by its id', () => {
    const times = ['m-a', 'm-b', 'm-c', 'm-d'].map((id) => sendAt(plan(id)));

    for (const time of times) {
      expect(time).toBeGreaterThanOrEqual(opening);
      expect(time).toBeLessThan(opening + 10 * MINUTE);
    }
    expect(new Set(times).size).toBeGreaterThan(1);
    expect(sendAt(plan('m-a'))).toBe(times[0]);
  });

  it('sends at the opening itself with a spread of zero or without an id', () => {
    expect(sendAt(plan('m-a', 'PT0S'))).toBe(opening);
    expect(sendAt(plan(undefined))).toBe(opening);
  });
});
