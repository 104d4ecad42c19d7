import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeSms, gsm7Septets } from '../../../functions/core/messages/sms-encoding.ts';

/**
 * The GSM 03.38 default alphabet written out independently of the implementation, as Unicode code
 * points in GSM code order (ESC at 0x1B omitted), from the Unicode consortium's GSM0338 mapping.
 */
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const SPEC_BASIC = [
  ...[0x40, 0xa3, 0x24, 0xa5, 0xe8, 0xe9, 0xf9, 0xec, 0xf2, 0xc7, 0x0a, 0xd8, 0xf8, 0x0d, 0xc5, 0xe5],
  ...[0x394, 0x5f, 0x3a6, 0x393, 0x39b, 0x3a9, 0x3a0, 0x3a8, 0x3a3, 0x398, 0x39e, 0xc6, 0xe6, 0xdf, 0xc9],
  ...range(0x20, 0x3f).map((cp) => (cp === 0x24 ? 0xa4 : cp)),
  ...[0xa1, ...range(0x41, 0x5a), 0xc4, 0xd6, 0xd1, 0xdc, 0xa7],
  ...[0xbf, ...range(0x61, 0x7a), 0xe4, 0xf6, 0xf1, 0xfc, 0xe0],
].map((cp) => String.fromCodePoint(cp));
const SPEC_EXTENSION = [0x0c, 0x5e, 0x7b, 0x7d, 0x5c, 0x5b, 0x7e, 0x5d, 0x7c, 0x20ac].map((cp) =>
  String.fromCodePoint(cp),
);
const specWidth = (char: string): number | undefined =>
  SPEC_BASIC.includes(char) ? 1 : SPEC_EXTENSION.includes(char) ? 2 : undefined;

describe('analyzeSms', () => {
  describe('GSM-7 alphabet', () => {
    it('has the 127 basic characters and 10 extension characters of GSM 03.38', () => {
      // Arrange
      const basic = new Set(SPEC_BASIC);
      // Act + Assert
      expect(basic.size).toBe(127);
      for (const char of SPEC_BASIC) expect(gsm7Septets(char)).toBe(1);
      for (const char of SPEC_EXTENSION) expect(gsm7Septets(char)).toBe(2);
    });

    it('keeps Nordic and the listed Latin letters in GSM-7', () => {
      const result = analyzeSms('åäöÅÄÖæøÆØéÉñüÜßÇ');
      expect(result).toEqual({ encoding: 'GSM-7', units: 17, segments: 1 });
    });

    it.each([
      ['á', 'a-acute'],
      ['ç', 'lower-case c-cedilla (only upper-case Ç is in the table)'],
      ['ł', 'Polish l-stroke'],
      ['Привет', 'Cyrillic'],
      ['\t', 'tab'],
      ['\u001b', 'a raw ESC character'],
      ['’', 'a curly apostrophe'],
      ['\u00a0', 'a no-break space'],
    ])('switches to UCS-2 for %s (%s)', (text) => {
      expect(analyzeSms(`Hej ${text}`).encoding).toBe('UCS-2');
    });

    it('counts extension characters as two septets', () => {
      expect(analyzeSms('€[]{}\\~^|\f')).toEqual({ encoding: 'GSM-7', units: 20, segments: 1 });
    });
  });

  describe('GSM-7 segment boundaries', () => {
    it.each([
      [160, 1],
      [161, 2],
      [306, 2],
      [307, 3],
      [459, 3],
      [460, 4],
    ])('%i septets of plain text is %i segment(s)', (length, segments) => {
      expect(analyzeSms('a'.repeat(length))).toEqual({ encoding: 'GSM-7', units: length, segments });
    });

    it('fits 80 euro signs (160 septets) in one segment but not 159 letters and a euro sign plus one', () => {
      expect(analyzeSms('€'.repeat(80))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
      expect(analyzeSms(`${'a'.repeat(159)}€`)).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
    });

    it('never splits an escape pair across segments', () => {
      // 152 + 2 does not fit in 153, so the € opens segment 2, which then overflows into a third
      // although 306 septets would fit in two segments if the pair could be split.
      const text = `${'a'.repeat(152)}€${'a'.repeat(152)}`;
      expect(analyzeSms(text)).toEqual({ encoding: 'GSM-7', units: 306, segments: 3 });
    });

    it('fills a segment exactly when the escape pair ends on the boundary', () => {
      const text = `${'a'.repeat(151)}€${'a'.repeat(153)}`;
      expect(analyzeSms(text)).toEqual({ encoding: 'GSM-7', units: 306, segments: 2 });
    });
  });

  describe('UCS-2 segment boundaries', () => {
    it.each([
      [70, 1],
      [71, 2],
      [134, 2],
      [135, 3],
      [201, 3],
      [202, 4],
    ])('%i code units is %i segment(s)', (length, segments) => {
      expect(analyzeSms('ж'.repeat(length))).toEqual({ encoding: 'UCS-2', units: length, segments });
    });

    it('forces UCS-2 for one emoji and counts it as two code units', () => {
      expect(analyzeSms('Hej Åsa 👋')).toEqual({ encoding: 'UCS-2', units: 10, segments: 1 });
      expect(analyzeSms(`${'a'.repeat(68)}👋`)).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
      expect(analyzeSms(`${'a'.repeat(69)}👋`)).toEqual({ encoding: 'UCS-2', units: 71, segments: 2 });
    });

    it('never splits a surrogate pair across segments', () => {
      const text = `${'ж'.repeat(66)}😀${'ж'.repeat(66)}`;
      expect(analyzeSms(text)).toEqual({ encoding: 'UCS-2', units: 134, segments: 3 });
    });
  });

  it('reports an empty body as zero units and zero segments', () => {
    expect(analyzeSms('')).toEqual({ encoding: 'GSM-7', units: 0, segments: 0 });
  });

  describe('properties', () => {
    const interesting = fc.constantFrom(
      ...SPEC_BASIC,
      ...SPEC_EXTENSION,
      'á',
      'ç',
      'ł',
      'ж',
      '€',
      '😀',
      '👋🏽',
      '\t',
      '中',
    );
    const messages = fc.oneof(
      fc.string({ unit: interesting, maxLength: 400, size: 'max' }),
      fc.string({ unit: 'binary', maxLength: 400, size: 'max' }),
      fc.string({ unit: fc.constantFrom(...SPEC_BASIC, ...SPEC_EXTENSION), maxLength: 400, size: 'max' }),
    );

    it('agrees with the per-character table on encoding and units', () => {
      fc.assert(
        fc.property(messages, (text) => {
          const widths = Array.from(text, specWidth);
          const isGsm = widths.every((width) => width !== undefined);
          const result = analyzeSms(text);
          expect(result.encoding).toBe(isGsm ? 'GSM-7' : 'UCS-2');
          expect(result.units).toBe(
            isGsm ? widths.reduce<number>((sum, w) => sum + (w ?? 0), 0) : text.length,
          );
        }),
      );
    });

    it('never has fewer segments after appending text', () => {
      fc.assert(
        fc.property(messages, messages, (head, tail) => {
          expect(analyzeSms(head + tail).segments).toBeGreaterThanOrEqual(analyzeSms(head).segments);
        }),
      );
    });

    it('matches the closed form when no character is wider than one unit', () => {
      fc.assert(
        fc.property(
          fc.string({ unit: fc.constantFrom(...SPEC_BASIC), maxLength: 800, size: 'max' }),
          (text) => {
            const n = text.length;
            const expected = n === 0 ? 0 : n <= 160 ? 1 : Math.ceil(n / 153);
            expect(analyzeSms(text).segments).toBe(expected);
          },
        ),
      );
    });

    it('stays within the bounds every segment being full or losing one unit to a pair allows', () => {
      fc.assert(
        fc.property(messages, (text) => {
          const { encoding, units, segments } = analyzeSms(text);
          const multi = encoding === 'GSM-7' ? 153 : 67;
          const single = encoding === 'GSM-7' ? 160 : 70;
          if (units === 0) {
            expect(segments).toBe(0);
          } else if (units <= single) {
            expect(segments).toBe(1);
          } else {
            expect(segments).toBeGreaterThanOrEqual(Math.ceil(units / multi));
            expect(segments).toBeLessThanOrEqual(Math.ceil(units / (multi - 1)));
          }
        }),
      );
    });
  });
});
