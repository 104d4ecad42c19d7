/**
 * Strict UTF-8 decoding for files people write (rules, templates). A lenient decoder turns bad
 * bytes into U+FFFD and the text goes live with characters nobody wrote; this one says where the
 * first bad byte is, so the file can be fixed.
 */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The text, or where the first invalid byte is (line, column and value). */
export function decodeUtf8(
  bytes: Uint8Array,
): { ok: true; text: string } | { ok: false; line: number; message: string } {
  try {
    return { ok: true, text: strictUtf8.decode(bytes) };
  } catch {
    const at = firstInvalidUtf8(bytes);
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at; i++) {
      if (bytes[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    const value = (bytes[at] ?? 0).toString(16).toUpperCase().padStart(2, '0');
    return {
      ok: false,
      line,
      message: `not valid UTF-8: byte 0x${value} at column ${at - lineStart + 1}; save the file as UTF-8`,
    };
  }
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0;
    const length =
      lead < 0x80
        ? 1
        : lead >= 0xc2 && lead <= 0xdf
          ? 2
          : lead >= 0xe0 && lead <= 0xef
            ? 3
            : lead >= 0xf0 && lead <= 0xf4
              ? 4
              : 0;
    if (length === 0) return i;
    if (length > 1) {
      const sequence = bytes.subarray(i, i + length);
      if (sequence.length < length || strictUtf8Throws(sequence)) return i;
    }
    i += length;
  }
  return bytes.length;
}

function strictUtf8Throws(sequence: Uint8Array): boolean {
  try {
    strictUtf8.decode(sequence);
    return false;
  } catch {
    return true;
  }
}
