import { describe, expect, it } from 'vitest';
import {
  type CustomerProfile,
  mergeProfile,
  withConsent,
} from '../../../functions/core/customers/customer-profile.ts';
import { aProfile } from '../../support/factories.ts';

/** Anna, who replied STOP at 10:00 UTC. */
function optedOutByReply(): CustomerProfile {
  return aProfile({
    consent: { sms: { granted: false, at: '2026-11-23T10:00:00.000Z', source: 'reply:SM-stop' } },
    updatedAt: '2026-11-23T10:00:00.000Z',
  });
}

describe('mergeProfile: consent from events', () => {
  it('an ordinary event carrying consent.sms: true (a CRM default) after a STOP reply changes nothing', () => {
    // Arrange
    const stored = optedOutByReply();

    // Act
    const merged = mergeProfile(
      stored,
      { id: 'cust-anna', consent: { sms: true } },
      '2026-11-23T11:00:00Z',
      'event:ev-later',
    );

    // Assert
    expect(merged.consent.sms).toEqual({
      granted: false,
      at: '2026-11-23T10:00:00.000Z',
      source: 'reply:SM-stop',
    });
  });

  it('nor does an ordinary event with consent.sms: false replace it (the STOP stays the one that only START lifts)', () => {
    const merged = mergeProfile(
      optedOutByReply(),
      { id: 'cust-anna', consent: { sms: false } },
      '2026-11-23T11:00:00Z',
      'event:ev-later',
    );
    const relifted = mergeProfile(
      merged,
      { id: 'cust-anna', consent: { sms: true } },
      '2026-11-23T12:00:00Z',
      'event:ev-later-still',
    );

    expect(relifted.consent.sms?.granted).toBe(false);
    expect(relifted.consent.sms?.source).toBe('reply:SM-stop');
  });

  it('provider and unsubscribe opt-outs hold the same way', () => {
    for (const source of ['provider:21610', 'sendgrid:sg-1', 'unsubscribe:tok-1']) {
      const stored = aProfile({
        consent: { email: { granted: false, at: '2026-11-23T10:00:00.000Z', source } },
      });
      const merged = mergeProfile(
        stored,
        { id: 'cust-anna', consent: { email: true } },
        '2026-11-24T10:00:00Z',
        'event:ev-x',
      );
      expect(merged.consent.email, source).toEqual({
        granted: false,
        at: '2026-11-23T10:00:00.000Z',
        source,
      });
    }
  });

  it('instants are compared as instants: 10:30+01:00 is before 10:00Z, so it does not replace it', () => {
    // Arrange: an opt-out the CRM itself sent (an ordinary event may replace it, if newer)
    const stored = aProfile({
      consent: { sms: { granted: false, at: '2026-11-23T10:00:00.000Z', source: 'event:ev-crm-out' } },
    });

    // Act: 10:30+01:00 = 09:30Z, half an hour BEFORE the opt-out (a string compare says after)
    const older = mergeProfile(
      stored,
      { id: 'cust-anna', consent: { sms: true } },
      '2026-11-23T10:30:00+01:00',
      'event:ev-older',
    );
    // 11:30+01:00 = 10:30Z: after it
    const newer = mergeProfile(
      stored,
      { id: 'cust-anna', consent: { sms: true } },
      '2026-11-23T11:30:00+01:00',
      'event:ev-newer',
    );

    // Assert
    expect(older.consent.sms?.source).toBe('event:ev-crm-out');
    expect(newer.consent.sms).toEqual({
      granted: true,
      at: '2026-11-23T10:30:00.000Z',
      source: 'event:ev-newer',
    });
  });

  it('updatedAt keeps the later instant whatever the offsets', () => {
    const stored = aProfile({ updatedAt: '2026-11-23T10:00:00.000Z' });

    const merged = mergeProfile(stored, { id: 'cust-anna' }, '2026-11-23T10:30:00+01:00', 'event:ev-1');

    expect(merged.updatedAt).toBe('2026-11-23T10:00:00.000Z');
  });

  it('a re-opt-in event lifts a STOP, when it is newer than the STOP', () => {
    const lifted = mergeProfile(
      optedOutByReply(),
      { id: 'cust-anna', consent: { sms: true } },
      '2026-11-23T11:00:00Z',
      'reopt-in:ev-consent',
      { reoptIn: true },
    );
    const tooOld = mergeProfile(
      optedOutByReply(),
      { id: 'cust-anna', consent: { sms: true } },
      '2026-11-23T10:30:00+01:00',
      'reopt-in:ev-consent-old',
      { reoptIn: true },
    );

    const restated = mergeProfile(
      optedOutByReply(),
      { id: 'cust-anna', consent: { sms: false } },
      '2026-11-23T11:00:00Z',
      'reopt-in:ev-consent-off',
      { reoptIn: true },
    );
    expect(restated.consent.sms?.source).toBe('reply:SM-stop'); // its `false` does not weaken the STOP
    expect(lifted.consent.sms).toEqual({
      granted: true,
      at: '2026-11-23T11:00:00.000Z',
      source: 'reopt-in:ev-consent',
    });
    expect(tooOld.consent.sms?.granted).toBe(false);
  });
});

describe('withConsent: consent from replies and providers', () => {
  it('a grant that is not a lift (no START, no re-opt-in) does not undo a STOP', () => {
    const after = withConsent(optedOutByReply(), 'sms', {
      granted: true,
      at: '2026-11-23T11:00:00.000Z',
      source: 'event:ev-x',
    });

    expect(after.consent.sms?.granted).toBe(false);
  });

  it("the same person's START lifts it", () => {
    const after = withConsent(
      optedOutByReply(),
      'sms',
      { granted: true, at: '2026-11-23T11:00:00.000Z', source: 'reply:SM-start' },
      { lift: true },
    );

    expect(after.consent.sms).toEqual({
      granted: true,
      at: '2026-11-23T11:00:00.000Z',
      source: 'reply:SM-start',
    });
  });

  it('a START sent before the STOP it would undo lifts nothing (instants, mixed offsets)', () => {
    const after = withConsent(
      optedOutByReply(),
      'sms',
      // 10:59+01:00 = 09:59Z: a minute before the STOP
      { granted: true, at: '2026-11-23T10:59:00+01:00', source: 'reply:SM-start' },
      { lift: true },
    );

    expect(after.consent.sms?.source).toBe('reply:SM-stop');
  });
});
