import { describe, expect, it } from 'vitest';
import { decideSend, planMessage, type RenderFn } from '../../../functions/core/planning/decide.ts';
import { anEvent, aProfile, aRule, at, settings } from '../../support/factories.ts';

const smsRender =
  (segments = 1): RenderFn =>
  (channel, locale) =>
    channel === 'sms'
      ? { ok: true, locale, message: { channel: 'sms', text: 'Hej', encoding: 'GSM-7', segments } }
      : { ok: true, locale, message: { channel: 'email', subject: 'S', text: 'T', html: '<p>T</p>' } };

describe('planMessage', () => {
  it('schedules an immediate send inside the window', () => {
    const now = at('2026-11-23T09:00:00Z');
    const decision = planMessage({
      rule: aRule(),
      event: anEvent(),
      profile: aProfile(),
      settings: settings(),
      now,
    });
    expect(decision).toEqual({ kind: 'schedule', sendAt: now, late: false });
  });

  it('defers to the next opening of the default window when none is given', () => {
    const rule = aRule({ window: undefined });
    const now = at('2026-11-23T21:30:00Z'); // 22:30 Stockholm, Monday
    const decision = planMessage({ rule, event: anEvent(), profile: aProfile(), settings: settings(), now });
    expect(decision.kind).toBe('schedule');
    expect(decision.kind === 'schedule' && decision.sendAt.toISO()).toBe('2026-11-24T07:00:00.000Z');
    expect(decision.kind === 'schedule' && decision.deferredFrom?.toISO()).toBe('2026-11-23T21:30:00.000Z');
  });

  it('drops a send outside the window when the rule says drop', () => {
    const rule = aRule({ window: { hours: '08:00-20:00', outside: 'drop' } });
    const decision = planMessage({
      rule,
      event: anEvent(),
      profile: aProfile(),
      settings: settings(),
      now: at('2026-11-23T21:30:00Z'),
    });
    expect(decision).toMatchObject({ kind: 'suppress', reason: 'outside-window' });
  });

  it('suppresses when no channel can reach the customer, naming each reason', () => {
    const rule = aRule({ channels: ['sms', 'email'] });
    const profile = aProfile({
      phone: '+4612',
      email: undefined,
      consent: {},
    });
    const decision = planMessage({
      rule,
      event: anEvent(),
      profile,
      settings: settings(),
      now: at('2026-11-23T09:00:00Z'),
    });
    expect(decision).toEqual({
      kind: 'suppress',
      reason: 'no-usable-channel',
      detail: 'sms: invalid phone number *****; email: no address',
    });
  });

  it('suppresses an event with no customer', () => {
    const decision = planMessage({
      rule: aRule(),
      event: anEvent(),
      profile: undefined,
      settings: settings(),
      now: at('2026-11-23T09:00:00Z'),
    });
    expect(decision).toMatchObject({ kind: 'suppress', reason: 'unknown-customer' });
  });
});

describe('decideSend', () => {
  const now = at('2026-11-23T09:00:00Z');

  it('sends on the first channel with a valid address and consent, normalised to E.164', () => {
    const decision = decideSend({
      rule: aRule({ channels: ['sms', 'email'] }),
      profile: aProfile({ phone: '070-123 45 67' }),
      settings: settings(),
      now,
      sentInCapPeriod: 0,
      render: smsRender(),
    });
    expect(decision).toMatchObject({
      kind: 'send',
      channel: 'sms',
      to: '+46701234567',
      locale: 'sv',
      skipped: [],
    });
  });

  it('falls back to email when the customer opted out of SMS', () => {
    const profile = aProfile({
      consent: { sms: { granted: false, at: '2026-11-01T00:00:00Z', source: 'reply:STOP' } },
    });
    const decision = decideSend({
      rule: aRule({ channels: ['sms', 'email'] }),
      profile,
      settings: settings(),
      now,
      sentInCapPeriod: 0,
      render: smsRender(),
    });
    expect(decision).toMatchObject({
      kind: 'send',
      channel: 'email',
      to: 'anna@example.se',
      skipped: ['sms: customer opted out'],
    });
  });

  it('never sends to an opted-out channel when it is the only one', () => {
    const profile = aProfile({
      consent: { sms: { granted: false, at: '2026-11-01T00:00:00Z', source: 'reply:STOP' } },
    });
    const decision = decideSend({
      rule: aRule(),
      profile,
      settings: settings(),
      now,
      sentInCapPeriod: 0,
      render: smsRender(),
    });
    expect(decision).toMatchObject({
      kind: 'suppress',
      reason: 'no-usable-channel',
      detail: 'sms: customer opted out',
    });
  });

  it('falls back to email when the SMS would exceed maxSegments', () => {
    const decision = decideSend({
      rule: aRule({ channels: ['sms', 'email'], maxSegments: 2 }),
      profile: aProfile(),
      settings: settings(),
      now,
      sentInCapPeriod: 0,
      render: smsRender(3),
    });
    expect(decision).toMatchObject({
      kind: 'send',
      channel: 'email',
      skipped: ['sms: 3 segments exceed maxSegments 2'],
    });
  });

  it('holds back a non-urgent message at the frequency cap', () => {
    const decision = decideSend({
      rule: aRule(),
      profile: aProfile(),
      settings: settings({ cap: { max: 2, per: 'P1D' } }),
      now,
      sentInCapPeriod: 2,
      render: smsRender(),
    });
    expect(decision).toMatchObject({ kind: 'suppress', reason: 'frequency-cap' });
  });

  it('lets an urgent rule bypass the cap', () => {
    const decision = decideSend({
      rule: aRule({ urgent: true }),
      profile: aProfile(),
      settings: settings({ cap: { max: 2, per: 'P1D' } }),
      now,
      sentInCapPeriod: 5,
      render: smsRender(),
    });
    expect(decision.kind).toBe('send');
  });

  it('defers when due outside the window (for example after a queue backlog)', () => {
    const decision = decideSend({
      rule: aRule({ window: { hours: '08:00-20:00' } }),
      profile: aProfile(),
      settings: settings(),
      now: at('2026-11-23T20:00:00Z'),
      sentInCapPeriod: 0,
      render: smsRender(),
    });
    expect(decision).toMatchObject({ kind: 'defer', reason: 'outside-window' });
    expect(decision.kind === 'defer' && decision.until.toUTC().toISO()).toBe('2026-11-24T07:00:00.000Z');
  });

  it('reports a template error as a located suppression', () => {
    const decision = decideSend({
      rule: aRule(),
      profile: aProfile(),
      settings: settings(),
      now,
      sentInCapPeriod: 0,
      render: () => ({ ok: false, detail: "templates/x/sv.sms.liquid: unknown variable 'detail.nope'" }),
    });
    expect(decision).toEqual({
      kind: 'suppress',
      reason: 'template-error',
      detail: "templates/x/sv.sms.liquid: unknown variable 'detail.nope'",
    });
  });

  it('suppresses when the rule was disabled before the send', () => {
    const decision = decideSend({
      rule: aRule({ enabled: false }),
      profile: aProfile(),
      settings: settings(),
      now,
      sentInCapPeriod: 0,
      render: smsRender(),
    });
    expect(decision).toMatchObject({ kind: 'suppress', reason: 'rule-disabled' });
  });
});
