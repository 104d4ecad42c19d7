import { describe, expect, it } from 'vitest';
import { parseJourneyEvent } from '../../../functions/core/journey-event.ts';
import { isPlainEvent } from '../../../functions/simulator/backtest-lane-accept.ts';

/** An event whose `detail.note` is `note`. */
function withNote(note: string) {
  return {
    id: 'e-1',
    source: 'acme.test',
    'detail-type': 'Booked',
    time: '2026-11-24T08:00:00.000Z',
    detail: { note, customer: { id: 'c-1' } },
  };
}

describe('isPlainEvent: the size check', () => {
  it('measures the JSON, escapes included: a note of control characters (6 units each) near the limit', () => {
    // 14,000 × 6 = 84,000 units of JSON: inside the lane's bound (87,000); 15,000 × 6 is past it.
    const inside = withNote('\u0001'.repeat(14_000));
    const past = withNote('\u0001'.repeat(15_000));

    expect(isPlainEvent(inside)).toBe(true);
    expect(isPlainEvent(past)).toBe(false);
    // Past the bound the event is left to production's own check, which decides alike.
    expect(parseJourneyEvent(inside).ok).toBe(true);
  });

  it('accepts a plain event far below the limit without doubt, and one whose escapes only look large', () => {
    expect(isPlainEvent(withNote('a'.repeat(20_000)))).toBe(true);
    // 60,000 plain characters bound to 360,000 units, whose JSON is ~60,000: measured, accepted.
    expect(isPlainEvent(withNote('b'.repeat(60_000)))).toBe(true);
  });

  it('measures an event with a toJSON (its JSON cannot be bounded by walking it)', () => {
    const event = { ...withNote('x'), extra: { toJSON: () => 'y'.repeat(90_000) } };

    expect(isPlainEvent(event)).toBe(false);
  });
});
