import { describe, expect, it } from 'vitest';
import { effectiveWindow } from '../../../functions/core/planning/decide.ts';
import {
  crossesThreshold,
  eventCustomerId,
  operationsProfile,
  thresholdKey,
  thresholdQuietUntil,
  thresholdWindow,
} from '../../../functions/core/planning/threshold.ts';
import { anEvent, aRule, at, settings } from '../../support/factories.ts';

const threshold = { count: 3, within: 'PT1H', key: 'detail.problemCode' };

describe('threshold planning (pure)', () => {
  it('reads the key value as a string; a rule without key counts every event under *', () => {
    const event = anEvent({ detail: { problemCode: 'INV', priority: 2 } });

    expect(thresholdKey(threshold, event)).toEqual({ ok: true, value: 'INV' });
    expect(thresholdKey({ ...threshold, key: 'detail.priority' }, event)).toEqual({ ok: true, value: '2' });
    expect(thresholdKey({ count: 3, within: 'PT1H' }, event)).toEqual({ ok: true, value: '*' });
  });

  it('an event without the key, or with an object or empty string there, is not counted', () => {
    for (const problemCode of [undefined, '', { code: 'INV' }, ['INV']]) {
      const event = anEvent({ detail: problemCode === undefined ? {} : { problemCode } });
      expect(thresholdKey(threshold, event)).toEqual({
        ok: false,
        detail: 'detail.problemCode is missing or not a single value: not counted',
      });
    }
  });

  it('the window is the `within` before the event time; the quiet time runs from the alert', () => {
    const time = at('2026-11-24T08:30:00Z');

    const window = thresholdWindow(threshold, time);

    expect(window.after.toISO()).toBe('2026-11-24T07:30:00.000Z');
    expect(window.until.toISO()).toBe('2026-11-24T08:30:00.000Z');
    expect(thresholdQuietUntil(threshold, time).toISO()).toBe('2026-11-24T09:30:00.000Z');
    expect(thresholdQuietUntil({ ...threshold, cooldown: 'PT4H' }, time).toISO()).toBe(
      '2026-11-24T12:30:00.000Z',
    );
    expect([2, 3, 4].map((count) => crossesThreshold(threshold, count))).toEqual([false, true, true]);
  });

  it('the operations recipient is a profile without consent, made from `to`; customer rules have none', () => {
    const alertRule = aRule({
      threshold,
      to: { email: 'ops@acme.example', sms: '+46701234567', locale: 'sv', timeZone: 'Europe/Oslo' },
      channels: ['email', 'sms'],
    });

    expect(operationsProfile(alertRule, 'ops:test-rule')).toMatchObject({
      id: 'ops:test-rule',
      email: 'ops@acme.example',
      phone: '+46701234567',
      locale: 'sv',
      timeZone: 'Europe/Oslo',
      consent: {},
    });
    expect(operationsProfile(aRule(), 'ops:test-rule')).toBeUndefined();
  });

  it("an alert without a window of its own ignores the customers' default window", () => {
    const engine = settings({ defaults: { window: { hours: '08:00-20:00' } } });
    const alertRule = aRule({ threshold, to: { sms: '+46701234567' }, window: undefined });
    const ownWindow = aRule({ threshold, to: { sms: '+46701234567' }, window: { hours: '09:00-17:00' } });

    expect(effectiveWindow(alertRule, engine)).toBeUndefined();
    expect(effectiveWindow(ownWindow, engine)).toEqual({ hours: '09:00-17:00' });
    expect(effectiveWindow(aRule({ window: undefined }), engine)).toEqual({ hours: '08:00-20:00' });
  });

  it('samples name the customer by id only', () => {
    expect(eventCustomerId(anEvent({ detail: { customer: { id: 'cust-anna', email: 'a@b.se' } } }))).toBe(
      'cust-anna',
    );
    expect(eventCustomerId(anEvent({ detail: { customerId: 'cust-lars' } }))).toBe('cust-lars');
    expect(eventCustomerId(anEvent({ detail: {} }))).toBeUndefined();
  });
});
