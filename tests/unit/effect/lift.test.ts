import { describe, expect, test } from 'vitest';
import { computeLift, newcombeDifference, wilsonInterval } from '../../../functions/core/effect/lift.ts';

describe('lift: Newcombe hybrid score interval', () => {
  // Oracle: Newcombe (1998), Statistics in Medicine 17:873–890, Table II, method 10 (score, no
  // continuity correction), published to four decimals.
  test.each([
    { a: [56, 70], b: [48, 80], low: 0.0524, high: 0.3339 },
    { a: [9, 10], b: [3, 10], low: 0.1705, high: 0.809 },
    { a: [5, 56], b: [0, 29], low: -0.0381, high: 0.1926 },
  ])('$a vs $b → $low to $high', ({ a, b, low, high }) => {
    const [c1 = 0, n1 = 0] = a;
    const [c2 = 0, n2 = 0] = b;

    const interval = newcombeDifference(
      { conversions: c1, decisions: n1 },
      { conversions: c2, decisions: n2 },
    );

    expect(interval.difference).toBeCloseTo(c1 / n1 - c2 / n2, 10);
    expect(interval.low).toBeCloseTo(low, 4);
    expect(interval.high).toBeCloseTo(high, 4);
  });

  test('Wilson interval of 81/263 (Newcombe 1998 single-proportion example: 0.2553 to 0.3662)', () => {
    const interval = wilsonInterval(81, 263);

    expect(interval.low).toBeCloseTo(0.2553, 4);
    expect(interval.high).toBeCloseTo(0.3662, 4);
  });

  test('a report with enough data: rates, absolute and relative lift', () => {
    const report = computeLift({ decisions: 70, conversions: 56 }, { decisions: 80, conversions: 48 });

    expect(report.kind).toBe('lift');
    if (report.kind !== 'lift') return;
    expect(report.sent.rate).toBeCloseTo(0.8, 10);
    expect(report.heldOut.rate).toBeCloseTo(0.6, 10);
    expect(report.absolute.lift).toBeCloseTo(0.2, 10);
    expect(report.absolute.low).toBeCloseTo(0.0524, 4);
    // (0.8 − 0.6) / 0.6
    expect(report.relative).toBeCloseTo(1 / 3, 10);
    expect(report.method).toBe('newcombe-hybrid-score-95');
  });

  test('"not enough data" below 30 decisions or 5 conversions in either group, saying which', () => {
    const few = computeLift({ decisions: 29, conversions: 20 }, { decisions: 100, conversions: 4 });

    expect(few.kind).toBe('not-enough-data');
    if (few.kind !== 'not-enough-data') return;
    expect(few.detail).toBe(
      'sent: 29 decisions (at least 30 needed); held-out: 4 conversions (at least 5 needed)',
    );
  });

  test('no relative lift when the held-out group never converted', () => {
    const report = computeLift({ decisions: 40, conversions: 10 }, { decisions: 40, conversions: 5 });
    const none = computeLift({ decisions: 40, conversions: 10 }, { decisions: 40, conversions: 0 });

    expect(report.kind === 'lift' && report.relative).toBeCloseTo(1, 10);
    expect(none.kind).toBe('not-enough-data');
  });
});
