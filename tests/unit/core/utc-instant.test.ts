// utcMillisOf against luxon (`DateTime.fromISO(iso, { zone: 'utc' })`), the parser it stands in
// for on the hot path: the same instant, or invalid for both, on fixed edge cases and on
// fixed-seed random strings in and around the canonical form.
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { utcMillisOf } from '../../../functions/core/utc-instant.ts';

function luxon(iso: string): number | undefined {
  const time = DateTime.fromISO(iso, { zone: 'utc' });
  return time.isValid ? time.toMillis() : undefined;
}

/** Mulberry32: a small seeded generator, so a failure replays. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');

describe('utcMillisOf', () => {
  it.each([
    '2026-12-06T03:12:09.000Z',
    '2026-12-06T03:12:09Z',
    '2026-12-06T03:12:09.5Z',
    '2026-12-06T03:12:09.123456789Z',
    '2024-02-29T23:59:59.999Z',
    '2025-02-29T10:00:00.000Z',
    '2026-04-31T10:00:00.000Z',
    '2026-13-01T10:00:00.000Z',
    '2026-00-10T10:00:00.000Z',
    '2026-01-00T10:00:00.000Z',
    '2026-01-10T24:00:00.000Z',
    '2026-01-10T23:60:00.000Z',
    '2026-01-10T23:59:60.000Z',
    '0099-01-10T10:00:00.000Z',
    '2026-12-06T03:12:09.000+02:00',
    '2026-12-06T03:12',
    '2026-12-06',
    '2026-W49-7',
    '',
    'yesterday',
  ])('%s reads as luxon reads it', (iso) => {
    expect(utcMillisOf(iso)).toBe(luxon(iso));
  });

  it('agrees with luxon on 5,000 random canonical-looking instants, valid or not', () => {
    const next = random(20261206);
    const int = (max: number) => Math.floor(next() * (max + 1));
    for (let i = 0; i < 5_000; i++) {
      const fraction = int(3) === 0 ? '' : `.${pad(int(999_999), 1 + int(5))}`;
      const iso = `${pad(1 + int(9_998), 4)}-${pad(int(13), 2)}-${pad(int(32), 2)}T${pad(int(25), 2)}:${pad(int(60), 2)}:${pad(int(60), 2)}${fraction}Z`;
      expect(utcMillisOf(iso), iso).toBe(luxon(iso));
    }
  });
});
