import { describe, expect, it } from 'vitest';
import { decodeUtf8 } from '../../../functions/core/decode-utf8.ts';

describe('decodeUtf8', () => {
  it('decodes UTF-8 (a byte-order mark is dropped)', () => {
    expect(decodeUtf8(Buffer.from('\uFEFFid: sömn\n'))).toEqual({ ok: true, text: 'id: sömn\n' });
  });

  it.each([
    ['a stray continuation byte', [0x80], 'byte 0x80 at column 5'],
    ['a truncated sequence', [0xc3, 0x28], 'byte 0xC3 at column 5'],
    ['an encoded surrogate', [0xed, 0xa0, 0x80], 'byte 0xED at column 5'],
    ['an overlong encoding', [0xc0, 0xaf], 'byte 0xC0 at column 5'],
  ])('refuses %s with the line and column of the first bad byte', (_name, bad, where) => {
    const bytes = Buffer.concat([Buffer.from('id: x\nab: '), Buffer.from(bad), Buffer.from('\n')]);

    const decoded = decodeUtf8(bytes);

    expect(decoded).toEqual({
      ok: false,
      line: 2,
      message: `not valid UTF-8: ${where}; save the file as UTF-8`,
    });
  });
});
