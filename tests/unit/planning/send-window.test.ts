import { describe, expect, it } from 'vitest';
import { isInsideWindow, nextWindowOpening } from '../../../functions/core/planning/send-window.ts';
import { at } from '../../support/factories.ts';

const weekdays = {
  hours: '08:00-20:00',
  days: ['mon', 'tue', 'wed', 'thu', 'fri'] as ('mon' | 'tue' | 'wed' | 'thu' | 'fri')[],
};

describe('send windows in the recipient time zone', () => {
  it('opens at the start hour and closes at the end hour (exclusive)', () => {
    const zone = 'Europe/Stockholm';
    expect(isInsideWindow(weekdays, at('2026-11-23T06:59:00Z'), zone)).toBe(false); // 07:59 local
    expect(isInsideWindow(weekdays, at('2026-11-23T07:00:00Z'), zone)).toBe(true); // 08:00 local
    expect(isInsideWindow(weekdays, at('2026-11-23T18:59:00Z'), zone)).toBe(true); // 19:59 local
    expect(isInsideWindow(weekdays, at('2026-11-23T19:00:00Z'), zone)).toBe(false); // 20:00 local
  });

  it('defers an evening time to 08:00 the next allowed day', () => {
    // Friday 2026-11-27 21:00 Stockholm → Monday 2026-11-30 08:00 Stockholm (07:00 UTC).
    const next = nextWindowOpening(weekdays, at('2026-11-27T20:00:00Z'), 'Europe/Stockholm');
    expect(next.toUTC().toISO()).toBe('2026-11-30T07:00:00.000Z');
  });

  it('defers a night time to the same morning', () => {
    const next = nextWindowOpening(weekdays, at('2026-11-24T02:00:00Z'), 'Europe/Stockholm');
    expect(next.toUTC().toISO()).toBe('2026-11-24T07:00:00.000Z');
  });

  it('reads the window in the customer zone, not the company zone', () => {
    // 14:00 UTC is 15:00 in Stockholm (open) but 09:00 in New York (open) and 06:00 in Los Angeles (closed).
    const instant = at('2026-11-24T14:00:00Z');
    expect(isInsideWindow(weekdays, instant, 'America/Los_Angeles')).toBe(false);
    expect(nextWindowOpening(weekdays, instant, 'America/Los_Angeles').toUTC().toISO()).toBe(
      '2026-11-24T16:00:00.000Z',
    );
  });

  it('opens at 08:00 local on the day clocks go forward in Stockholm (March)', () => {
    // Sunday 2026-03-29: CET → CEST at 02:00. Window every day 08:00-20:00.
    const daily = { hours: '08:00-20:00' };
    const next = nextWindowOpening(daily, at('2026-03-28T20:30:00Z'), 'Europe/Stockholm');
    expect(next.toUTC().toISO()).toBe('2026-03-29T06:00:00.000Z'); // 08:00 CEST
  });

  it('opens at 08:00 local on the day clocks go back in Stockholm (October)', () => {
    const daily = { hours: '08:00-20:00' };
    const next = nextWindowOpening(daily, at('2026-10-24T20:30:00Z'), 'Europe/Stockholm');
    expect(next.toUTC().toISO()).toBe('2026-10-25T07:00:00.000Z'); // 08:00 CET
  });

  it('handles an opening hour that does not exist on the spring-forward day', () => {
    // 02:30 does not exist in Stockholm on 2026-03-29; the window opens at the first real instant after.
    const night = { hours: '02:30-05:00' };
    const next = nextWindowOpening(night, at('2026-03-28T23:00:00Z'), 'Europe/Stockholm');
    expect(isInsideWindow(night, next, 'Europe/Stockholm')).toBe(true);
    expect(next >= at('2026-03-28T23:00:00Z')).toBe(true);
  });
  it('opens a week later when the whole window lies in the spring-forward gap', () => {
    // Sydney moves 02:00 → 03:00 on Sunday 2026-10-04: a Sunday-only 02:00-02:15 window does not
    // exist that day. From the Saturday before, the next opening is Sunday 2026-10-11 02:00 (AEDT).
    const gap = { hours: '02:00-02:15', days: ['sun'] as 'sun'[] };
    const saturday = at('2026-10-03T02:00:00Z'); // 12:00 AEST
    const next = nextWindowOpening(gap, saturday, 'Australia/Sydney');
    expect(next.toISO()).toBe(at('2026-10-10T15:00:00Z').toISO()); // 02:00 +11:00
    expect(isInsideWindow(gap, next, 'Australia/Sydney')).toBe(true);
  });
});
