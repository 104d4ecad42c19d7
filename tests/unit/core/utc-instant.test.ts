// utcMillisOf, utcIsoOf and utcDateOf against luxon (`DateTime.fromISO(iso, { zone: 'utc' })`), the parser it stands in
// for on the hot path: the same instant, or invalid for both, on fixed edge cases and on
// fixed-seed random strings in and around the canonical form.
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { utcDateOf, utcIsoOf, utcMillisOf } from '../../../functions/core/utc-instant.ts';

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

describe('utcIsoOf and utcDateOf', () => {
  const luxonIso = (iso: string) => {
    const time = DateTime.fromISO(iso, { zone: 'utc' });
    return time.isValid ? time.toISO() : undefined;
  };
  const luxonFormat = (iso: string, format: string) => {
    const time = DateTime.fromISO(iso, { zone: 'utc' });
    return time.isValid ? time.toFormat(format) : undefined;
  };

  it.each([
    '2026-12-06T03:12:09.000Z',
    '2026-12-06T03:12:09Z',
    '2026-12-06T03:12:09.123456789Z',
    '2026-12-06T03:12:09.000+02:00',
    '2026-12-06T00:30:00-05:30',
    '2026-12-06T03:12',
    '2026-12-06',
    '2026-W49-7',
    '2024-02-29T23:59:59.999Z',
    '2025-02-29T10:00:00.000Z',
    '0999-12-31T23:59:59.999Z',
    '1000-01-01T00:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
    '9999-12-31T23:00:00-02:00',
    '0099-01-10T10:00:00.000Z',
    '',
    'yesterday',
  ])('%s: the ISO text, month and hour luxon writes', (iso) => {
    expect(utcIsoOf(iso)).toBe(luxonIso(iso));
    const date = utcDateOf(iso);
    if (date === undefined) return; // the callers ask luxon
    expect(date.toISOString()).toBe(luxonIso(iso));
    expect(date.toISOString().slice(0, 7)).toBe(luxonFormat(iso, 'yyyy-MM'));
    expect(date.toISOString().slice(0, 13)).toBe(luxonFormat(iso, "yyyy-MM-dd'T'HH"));
  });

  it('agrees with luxon on 5,000 random instants, canonical or with an offset, valid or not', () => {
    const next = random(20261207);
    const int = (max: number) => Math.floor(next() * (max + 1));
    for (let i = 0; i < 5_000; i++) {
      const fraction = int(3) === 0 ? '' : `.${pad(int(999_999), 1 + int(5))}`;
      const zone = int(2) === 0 ? `${int(1) === 0 ? '+' : '-'}${pad(int(14), 2)}:${pad(int(59), 2)}` : 'Z';
      const iso = `${pad(1 + int(9_998), 4)}-${pad(int(13), 2)}-${pad(int(32), 2)}T${pad(int(25), 2)}:${pad(int(60), 2)}:${pad(int(60), 2)}${fraction}${zone}`;
      expect(utcIsoOf(iso), iso).toBe(luxonIso(iso));
      const date = utcDateOf(iso);
      if (date !== undefined)
        expect(date.toISOString().slice(0, 13), iso).toBe(luxonFormat(iso, "yyyy-MM-dd'T'HH"));
    }
  });
});
