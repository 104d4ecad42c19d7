import { describe, expect, it } from 'vitest';
import { planSendTime } from '../../../functions/core/planning/send-time.ts';
import { anEvent, aRule, at } from '../../support/factories.ts';

const STOCKHOLM = 'Europe/Stockholm';

describe('planSendTime', () => {
  it('sends an immediate rule now', () => {
    const now = at('2026-11-23T09:00:05Z');
    const planned = planSendTime(aRule({ send: 'immediately' }), anEvent(), STOCKHOLM, now);
    expect(planned).toEqual({ ok: true, at: now, late: false });
  });

  it('counts `after` from the event time, not from arrival', () => {
    const event = anEvent({ time: '2026-11-23T09:00:00Z' });
    const planned = planSendTime(
      aRule({ send: { after: 'PT1H' } }),
      event,
      STOCKHOLM,
      at('2026-11-23T09:20:00Z'),
    );
    expect(planned.ok && planned.at.toISO()).toBe('2026-11-23T10:00:00.000Z');
  });

  it('plans 14 days before a calendar date at 10:00 in the customer zone', () => {
    const rule = aRule({ send: { at: { field: 'detail.renewalDate', offset: '-P14D', time: '10:00' } } });
    const event = anEvent({ detail: { renewalDate: '2027-01-15' } });
    const planned = planSendTime(rule, event, STOCKHOLM, at('2026-11-23T09:00:00Z'));
    // 2027-01-01 10:00 in Stockholm (CET, UTC+1) is 09:00 UTC.
    expect(planned.ok && planned.at.toISO()).toBe('2027-01-01T09:00:00.000Z');
  });

  it('keeps 10:00 local when the offset crosses the March DST change in Stockholm', () => {
    // 2026-03-29 02:00 CET → 03:00 CEST. The date is after the change, the reminder before it.
    const rule = aRule({ send: { at: { field: 'detail.renewalDate', offset: '-P7D', time: '10:00' } } });
    const now = at('2026-01-01T00:00:00Z');
    const crossing = planSendTime(rule, anEvent({ detail: { renewalDate: '2026-04-02' } }), STOCKHOLM, now);
    const after = planSendTime(rule, anEvent({ detail: { renewalDate: '2026-04-06' } }), STOCKHOLM, now);
    expect(crossing.ok && crossing.at.toISO()).toBe('2026-03-26T09:00:00.000Z'); // 10:00 CET, UTC+1
    expect(after.ok && after.at.toISO()).toBe('2026-03-30T08:00:00.000Z'); // 10:00 CEST, UTC+2
  });

  it('keeps the wall-clock time of a date-time across the October DST change', () => {
    // 2026-10-25 03:00 CEST → 02:00 CET. One calendar day before 09:30 CET on the 25th is 09:30 CEST on
    // the 24th (07:30 UTC), where a fixed 24 hours would give 10:30 local.
    const rule = aRule({ send: { at: { field: 'detail.appointmentAt', offset: '-P1D' } } });
    const event = anEvent({ detail: { appointmentAt: '2026-10-25T09:30:00+01:00' } });
    const planned = planSendTime(rule, event, STOCKHOLM, at('2026-10-01T00:00:00Z'));
    expect(planned.ok && planned.at.toISO()).toBe('2026-10-24T07:30:00.000Z');
    const fixed = planSendTime(
      aRule({ send: { at: { field: 'detail.appointmentAt', offset: '-PT24H' } } }),
      event,
      STOCKHOLM,
      at('2026-10-01T00:00:00Z'),
    );
    expect(fixed.ok && fixed.at.toISO()).toBe('2026-10-24T08:30:00.000Z');
  });

  it('uses the customer zone, not the company zone, for the local time of day', () => {
    const rule = aRule({ send: { at: { field: 'detail.renewalDate', offset: '-P14D', time: '10:00' } } });
    const planned = planSendTime(
      rule,
      anEvent({ detail: { renewalDate: '2027-01-15' } }),
      'America/New_York',
      at('2026-11-23T09:00:00Z'),
    );
    expect(planned.ok && planned.at.toISO()).toBe('2027-01-01T15:00:00.000Z'); // 10:00 EST = 15:00 UTC
  });

  it('skips an `at` time that has already passed, with the reason', () => {
    const rule = aRule({ send: { at: { field: 'detail.renewalDate', offset: '-P14D', time: '10:00' } } });
    const planned = planSendTime(
      rule,
      anEvent({ detail: { renewalDate: '2026-11-30' } }),
      STOCKHOLM,
      at('2026-11-23T09:00:00Z'),
    );
    expect(planned).toMatchObject({ ok: false, reason: 'planned-time-passed' });
  });

  it('sends a passed `at` time now when the rule says send-now', () => {
    const now = at('2026-11-23T09:00:00Z');
    const rule = aRule({
      send: { at: { field: 'detail.renewalDate', offset: '-P14D' }, ifPast: 'send-now' },
    });
    const planned = planSendTime(rule, anEvent({ detail: { renewalDate: '2026-11-30' } }), STOCKHOLM, now);
    expect(planned).toEqual({ ok: true, at: now, late: true });
  });

  it('gives the expect deadline as an offset from a field', () => {
    const rule = aRule({
      send: undefined,
      expect: {
        on: [{ source: ['acme.test'], 'detail-type': ['Done'] }],
        key: 'detail.orderId',
        by: { field: 'detail.promisedDeliveryAt', offset: 'PT2H' },
      },
    });
    const event = anEvent({ detail: { orderId: 'O-1', promisedDeliveryAt: '2026-12-01T15:00:00+01:00' } });
    const planned = planSendTime(rule, event, STOCKHOLM, at('2026-12-01T07:00:00Z'));
    expect(planned.ok && planned.at.toISO()).toBe('2026-12-01T16:00:00.000Z');
  });

  it('reports a missing or invalid date field instead of throwing', () => {
    const rule = aRule({ send: { at: { field: 'detail.renewalDate', offset: '-P14D' } } });
    const now = at('2026-11-23T09:00:00Z');
    expect(planSendTime(rule, anEvent({ detail: {} }), STOCKHOLM, now)).toMatchObject({
      ok: false,
      reason: 'missing-field',
      detail: 'detail.renewalDate is missing from the event',
    });
    expect(
      planSendTime(rule, anEvent({ detail: { renewalDate: '2026-02-30' } }), STOCKHOLM, now),
    ).toMatchObject({
      ok: false,
      reason: 'invalid-date',
    });
    expect(planSendTime(rule, anEvent({ detail: { renewalDate: 20270115 } }), STOCKHOLM, now)).toMatchObject({
      ok: false,
      reason: 'invalid-date',
    });
  });
});
