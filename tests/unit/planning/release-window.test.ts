import { describe, expect, it } from 'vitest';
import {
  queueDelayMs,
  RELEASE_TIMING,
  releaseWindow,
  shardsOf,
  timingProblems,
} from '../../../functions/core/planning/release-window.ts';

describe('release window timing', () => {
  it('the defaults keep every guarantee: a two-minute window 11–13 minutes ahead, 14-minute direct threshold', () => {
    // Arrange / Act
    const problems = timingProblems(RELEASE_TIMING);
    const window = releaseWindow(Date.parse('2026-12-07T10:00:00.000Z'), RELEASE_TIMING);

    // Assert
    expect(problems).toEqual([]);
    expect(new Date(window.afterMs).toISOString()).toBe('2026-12-07T10:11:00.000Z');
    expect(new Date(window.upToMs).toISOString()).toBe('2026-12-07T10:13:00.000Z');
  });

  it('refuses windows that leave gaps, horizons beyond the SQS delay, and writes that can land behind a sweep', () => {
    expect(timingProblems({ ...RELEASE_TIMING, lookbackMs: 59_000 })).toEqual([
      'lookbackMs must be at least periodMs',
    ]);
    expect(timingProblems({ ...RELEASE_TIMING, horizonMs: 901_000, immediateWithinMs: 900_000 })).toEqual([
      'horizonMs must be at most 900,000 (SQS delay)',
      'immediateWithinMs must exceed horizonMs (a margin for index lag and clock skew)',
    ]);
    expect(timingProblems({ ...RELEASE_TIMING, immediateWithinMs: 780_000 })).toEqual([
      'immediateWithinMs must exceed horizonMs (a margin for index lag and clock skew)',
    ]);
  });

  it('holds a message until its time, never below 0 nor above 900 s', () => {
    expect(queueDelayMs(10_000, 4_000)).toBe(6_000);
    expect(queueDelayMs(1_000, 4_000)).toBe(0);
    expect(queueDelayMs(2_000_000, 0)).toBe(900_000);
  });

  it('splits the shards over the groups: each shard in exactly one group', () => {
    // Arrange
    const groups = 8;

    // Act
    const all = Array.from({ length: groups }, (_, group) => shardsOf(group, groups, 64)).flat();

    // Assert
    expect(all.sort((a, b) => a - b)).toEqual(Array.from({ length: 64 }, (_, i) => i));
    expect(shardsOf(3, 8, 64)).toEqual([3, 11, 19, 27, 35, 43, 51, 59]);
  });
});
