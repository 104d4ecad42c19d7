import { describe, expect, it } from 'vitest';
import {
  fullBucket,
  instanceShare,
  pause,
  reserve,
  senderMps,
} from '../../../functions/core/messages/sender-rate.ts';

describe('senderMps: Twilio default segments per second by the form of the sender', () => {
  it.each([
    ['+14155550100', 1], // US local number
    ['+16135550100', 1], // Canadian local number
    ['+18005550100', 3], // toll-free
    ['+18885550100', 3],
    ['12345', 100], // short code
    ['654321', 100],
    ['+46701234567', 10], // a number outside +1
    ['NudgeCo', 10], // alphanumeric sender id
  ])('%s sends %d segment(s) a second by default', (sender, expected) => {
    expect(senderMps(sender)).toBe(expected);
  });

  it('leaves a Messaging Service unguarded unless its figure is configured', () => {
    const service = `MG${'0'.repeat(32)}`;
    expect(senderMps(service)).toBeUndefined();
    expect(senderMps(service, { [service]: 250 })).toBe(250);
  });

  it('prefers the sender’s own figure, then the figure for every sender, then the default', () => {
    expect(senderMps('+14155550100', { '+14155550100': 4, '*': 7 })).toBe(4);
    expect(senderMps('+14155550101', { '+14155550100': 4, '*': 7 })).toBe(7);
    expect(senderMps('+14155550101', { '+14155550100': 4 })).toBe(1);
  });
});

describe('token bucket (fake clock in milliseconds)', () => {
  it('splits a sender’s rate evenly over the instances that may send at once', () => {
    expect(instanceShare(100, 20)).toEqual({ perSecond: 5, capacity: 5 });
    // Under one segment a second each: still holds one token, so a message can go at all.
    expect(instanceShare(1, 4)).toEqual({ perSecond: 0.25, capacity: 1 });
  });

  it('grants a full bucket at once, then queues callers at the refill rate', () => {
    const rate = { perSecond: 2, capacity: 2 };
    let state = fullBucket(rate, 0);
    const waits: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const r = reserve(state, rate, 1, 0, 10_000);
      if (r.kind !== 'granted') throw new Error('expected a grant');
      state = r.state;
      waits.push(r.waitMs);
    }
    // Two tokens at once; the third waits for half a second of refill, the fourth one second…
    expect(waits).toEqual([0, 0, 500, 1_000, 1_500]);
  });

  it('refuses, and takes nothing, when the wait would exceed the bound', () => {
    const rate = { perSecond: 1, capacity: 1 };
    const first = reserve(fullBucket(rate, 0), rate, 1, 0, 1_000);
    expect(first).toMatchObject({ kind: 'granted', waitMs: 0 });
    // A 3-segment message needs 3 s of refill: refused with the wait it would have had.
    const refused = reserve(first.state, rate, 3, 0, 1_000);
    expect(refused).toMatchObject({ kind: 'refused', retryAfterMs: 3_000 });
    // Nothing was taken: one second later a 1-segment message goes at once.
    expect(reserve(refused.state, rate, 1, 1_000, 1_000)).toMatchObject({ kind: 'granted', waitMs: 0 });
  });

  it('refills with time but never beyond its capacity', () => {
    const rate = { perSecond: 1, capacity: 1 };
    const spent = reserve(fullBucket(rate, 0), rate, 1, 0, 0);
    // An hour idle still leaves one token: the second message in the same instant waits a second.
    const later = reserve(spent.state, rate, 1, 3_600_000, 0);
    expect(later).toMatchObject({ kind: 'granted', waitMs: 0 });
    expect(reserve(later.state, rate, 1, 3_600_000, 5_000)).toMatchObject({ kind: 'granted', waitMs: 1_000 });
  });

  it('a pause (the provider’s Retry-After) holds every reservation until it has passed', () => {
    const rate = { perSecond: 4, capacity: 4 };
    const paused = pause(fullBucket(rate, 0), rate, 5_000, 0);
    // 5 s of pause, then the quarter second one token takes.
    expect(reserve(paused, rate, 1, 0, 60_000)).toMatchObject({ kind: 'granted', waitMs: 5_250 });
  });
});
