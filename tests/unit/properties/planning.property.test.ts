import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { decideSend, planMessage, type RenderFn } from '../../../functions/core/planning/decide.ts';
import { isInsideWindow } from '../../../functions/core/planning/send-window.ts';
import { WEEKDAYS } from '../../../functions/core/rules/rule-schema.ts';
import { anEvent, aProfile, aRule, settings } from '../../support/factories.ts';

/** Zones with and without DST, both hemispheres, and a half-hour offset. */
const ZONES = [
  'Europe/Stockholm',
  'Europe/Helsinki',
  'America/New_York',
  'Australia/Sydney',
  'Asia/Kolkata',
  'UTC',
];

const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** A window with 1–7 days and hours where start < end (end may be 24:00). */
const windowArb = fc
  .record({
    days: fc.subarray([...WEEKDAYS], { minLength: 1 }),
    start: fc.integer({ min: 0, max: 23 * 60 }),
    length: fc.integer({ min: 15, max: 24 * 60 }),
  })
  .map(({ days, start, length }) => {
    const end = Math.min(start + length, 24 * 60);
    return { days, hours: `${hhmm(start)}-${end === 24 * 60 ? '24:00' : hhmm(end)}` };
  });

/** Instants over two years, so every DST change of these zones is crossed. */
const instantArb = fc
  .integer({
    min: DateTime.fromISO('2026-01-01T00:00:00Z').toMillis(),
    max: DateTime.fromISO('2027-12-31T00:00:00Z').toMillis(),
  })
  .map((ms) => DateTime.fromMillis(ms, { zone: 'utc' }));

const render: RenderFn = (channel, locale) =>
  channel === 'sms'
    ? { ok: true, locale, message: { channel: 'sms', text: 'x', encoding: 'GSM-7', segments: 1 } }
    : { ok: true, locale, message: { channel: 'email', subject: 's', text: 't', html: 'h' } };

describe('planning properties', () => {
  it('never plans a send outside the window, in the recipient zone, across DST', () => {
    fc.assert(
      fc.property(
        windowArb,
        fc.constantFrom(...ZONES),
        instantArb,
        fc.integer({ min: 0, max: 72 * 60 }),
        (window, zone, now, delay) => {
          const rule = aRule({ window, send: { after: `PT${delay}M` } });
          const event = anEvent({ time: now.toISO() ?? '' });
          const decision = planMessage({
            rule,
            event,
            profile: aProfile({ timeZone: zone }),
            settings: settings(),
            now,
          });
          expect(decision.kind).toBe('schedule');
          if (decision.kind === 'schedule') {
            expect(isInsideWindow(window, decision.sendAt, zone)).toBe(true);
            expect(decision.sendAt >= now).toBe(true);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never decides to send outside the window or to an opted-out channel', () => {
    const consentArb = fc.record({
      sms: fc.option(fc.boolean(), { nil: undefined }),
      email: fc.option(fc.boolean(), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        windowArb,
        fc.constantFrom(...ZONES),
        instantArb,
        consentArb,
        fc.subarray(['sms', 'email'] as const, { minLength: 1 }),
        (window, zone, now, consent, channels) => {
          const profile = aProfile({
            timeZone: zone,
            consent: {
              ...(consent.sms === undefined
                ? {}
                : { sms: { granted: consent.sms, at: '2026-01-01T00:00:00Z', source: 't' } }),
              ...(consent.email === undefined
                ? {}
                : { email: { granted: consent.email, at: '2026-01-01T00:00:00Z', source: 't' } }),
            },
          });
          const decision = decideSend({
            rule: aRule({ window, channels }),
            profile,
            settings: settings(),
            now,
            sentInCapPeriod: 0,
            render,
          });
          if (decision.kind === 'send') {
            expect(isInsideWindow(window, now, zone)).toBe(true);
            expect(consent[decision.channel]).not.toBe(false);
          }
          if (decision.kind === 'defer') expect(isInsideWindow(window, decision.until, zone)).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never lets a non-urgent rule send at or over the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 20 }),
        fc.boolean(),
        (max, sent, urgent) => {
          const decision = decideSend({
            rule: aRule({ urgent }),
            profile: aProfile(),
            settings: settings({ cap: { max, per: 'P1D' } }),
            now: DateTime.fromISO('2026-11-23T09:00:00Z'),
            sentInCapPeriod: sent,
            render,
          });
          expect(decision.kind === 'send').toBe(urgent || sent < max);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
