/**
 * SMS encoding and segment counting, as carriers (and Twilio's billing) count them.
 *
 * Facts this follows (3GPP TS 23.038 / GSM 03.38, and Twilio's "What the Heck is a Segment"):
 * - A segment carries 140 octets. In GSM-7 that is 160 septets; in UCS-2 it is 70 UTF-16 code units.
 * - A message longer than one segment is sent as a concatenated SMS whose 6-octet User Data Header
 *   leaves 153 septets (GSM-7) or 67 code units (UCS-2) per segment.
 * - Characters of the GSM-7 extension table are sent as ESC + code, so they take 2 septets, and the
 *   pair is never split across two segments.
 * - A single character outside GSM-7 makes the whole message UCS-2. Characters outside the Basic
 *   Multilingual Plane (most emoji) are surrogate pairs: 2 code units, never split across segments.
 *
 * Twilio's "Smart Encoding" (replacing e.g. curly quotes with straight ones) is not modelled: we count
 * what we send.
 */

/** The two encodings an SMS body can be sent in. */
export const SmsEncoding = { gsm7: 'GSM-7', ucs2: 'UCS-2' } as const;
/** `'GSM-7'` or `'UCS-2'`. */
export type SmsEncoding = (typeof SmsEncoding)[keyof typeof SmsEncoding];

/** What {@link analyzeSms} found out about a message body. */
export interface SmsAnalysis {
  /** The encoding the whole body has to be sent in. */
  encoding: SmsEncoding;
  /** Septets for GSM-7 (extension characters count 2); UTF-16 code units for UCS-2. */
  units: number;
  /** Billable segments; 0 for an empty body, which Twilio rejects rather than sends. */
  segments: number;
}

/**
 * The GSM 03.38 default alphabet in code order (0x00–0x7F), without ESC (0x1B): ESC is how the
 * extension table is reached, it is not a character a message can contain. 127 characters.
 * Note 0x09 is upper-case 'Ç' (the Unicode consortium's GSM0338 mapping); lower-case 'ç' is not here.
 */
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅå' +
  'Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ' +
  ' !"#¤%&\'()*+,-./' +
  '0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNO' +
  'PQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmno' +
  'pqrstuvwxyzäöñüà';

/** The GSM 03.38 extension table: each is sent as ESC + code, 2 septets. \f is form feed. */
const GSM7_EXTENSION = '\f^{}\\[~]|€';

const SEPTETS = new Map<string, 1 | 2>([
  ...Array.from(GSM7_BASIC, (char): [string, 1] => [char, 1]),
  ...Array.from(GSM7_EXTENSION, (char): [string, 2] => [char, 2]),
]);

const GSM7_SINGLE_SEGMENT = 160;
const GSM7_MULTI_SEGMENT = 153;
const UCS2_SINGLE_SEGMENT = 70;
const UCS2_MULTI_SEGMENT = 67;

/** Septets by UTF-16 code unit, 0 where the unit is not GSM-7 (every GSM-7 character is one unit). */
const SEPTETS_BY_UNIT = (() => {
  const table = new Uint8Array(Math.max(...[...SEPTETS.keys()].map((char) => char.charCodeAt(0))) + 1);
  for (const [char, width] of SEPTETS) table[char.charCodeAt(0)] = width;
  return table;
})();

/**
 * The septets of a GSM-7 body that fits one segment, read unit by unit (no array of code points:
 * most bodies are short and plain); undefined for anything else, which the full count handles.
 */
function singleSegmentGsm7Units(text: string): number | undefined {
  let units = 0;
  for (let i = 0; i < text.length; i++) {
    const width = SEPTETS_BY_UNIT[text.charCodeAt(i)] ?? 0;
    if (width === 0) return undefined;
    units += width;
  }
  return units <= GSM7_SINGLE_SEGMENT ? units : undefined;
}

/**
 * How many septets one character takes in GSM-7: 1 for the basic alphabet, 2 for the extension
 * table, `undefined` when the character forces UCS-2. `char` is one code point.
 */
export function gsm7Septets(char: string): 1 | 2 | undefined {
  return SEPTETS.get(char);
}

/**
 * Works out the encoding, length in encoding units and billable segment count of an SMS body.
 *
 * An empty body is `{ encoding: 'GSM-7', units: 0, segments: 0 }`: Twilio refuses an empty body, so
 * counting it as one billable segment would be wrong.
 *
 * @example analyzeSms('Hej Åsa!') // { encoding: 'GSM-7', units: 8, segments: 1 }
 * @example analyzeSms('Hej 👋') // { encoding: 'UCS-2', units: 6, segments: 1 }
 */
export function analyzeSms(text: string): SmsAnalysis {
  const short = singleSegmentGsm7Units(text);
  if (short !== undefined) return { encoding: SmsEncoding.gsm7, units: short, segments: short === 0 ? 0 : 1 };
  // Iterating a string walks code points, so a surrogate pair arrives as one 2-unit item.
  const codePoints = Array.from(text);
  const septets: number[] = [];
  for (const char of codePoints) {
    const width = SEPTETS.get(char);
    if (width === undefined) {
      return {
        encoding: SmsEncoding.ucs2,
        units: text.length,
        segments: countSegments(
          codePoints.map((c) => c.length),
          text.length,
          UCS2_SINGLE_SEGMENT,
          UCS2_MULTI_SEGMENT,
        ),
      };
    }
    septets.push(width);
  }
  const units = septets.reduce((sum, width) => sum + width, 0);
  return {
    encoding: SmsEncoding.gsm7,
    units,
    segments: countSegments(septets, units, GSM7_SINGLE_SEGMENT, GSM7_MULTI_SEGMENT),
  };
}

/**
 * Packs characters of the given widths into segments the way a concatenated SMS is built: fill a
 * segment until the next character does not fit whole, then start the next one. This is why an
 * escape pair or a surrogate pair at the boundary costs a segment earlier than `ceil(units / 153)`.
 */
function countSegments(widths: readonly number[], units: number, single: number, multi: number): number {
  if (units === 0) return 0;
  if (units <= single) return 1;
  let segments = 1;
  let used = 0;
  for (const width of widths) {
    if (used + width > multi) {
      segments += 1;
      used = 0;
    }
    used += width;
  }
  return segments;
}
