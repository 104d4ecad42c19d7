/**
 * The value-level primitives of EventBridge matching: which numbers take part in numeric matching,
 * case folding, IP addresses and CIDR blocks, wildcard strings and numeric ranges.
 *
 * Both the reference matcher and the compiled index use these, so each rule is stated once; where
 * AWS's documentation is silent, behaviour follows aws/event-ruler (EventBridge's matching library)
 * and the comment says which class of it.
 */

/** A JSON object as parsed: own string keys to unknown values. */
export type JsonObject = { readonly [key: string]: unknown };

/** True for a non-null, non-array object. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for any array, typed as read-only so callers cannot mutate patterns or events. */
export function isArray(value: unknown): value is ReadonlyArray<unknown> {
  return Array.isArray(value);
}

/** Reads an own property; inherited names such as `constructor` or `__proto__` are never event fields. */
export function ownField(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/**
 * A JSON leaf value: what an event path can hold other than an object or an array. A `bigint` is an
 * integer literal beyond 2^53 held exactly (as `parseJsonExact` reads it), which a double cannot.
 */
export type LeafValue = string | number | bigint | boolean | null;

/**
 * True for strings, numbers, bigints, booleans and null. A number beyond the double range (`1e400`
 * in the JSON text, `Infinity` once parsed) is a value like any other, as in event-ruler, which keeps
 * every number's text: the field is present (`exists: true` holds), it is no comparable number (no
 * `numeric` condition holds, no numeric `anything-but` excludes it).
 */
export function isLeafValue(value: unknown): value is LeafValue {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && !Number.isNaN(value)) ||
    typeof value === 'bigint'
  );
}

/**
 * The key under which an exact value compares. event-ruler matches a number exactly by its literal
 * text (and by value only within the ±5e9 numeric range), so `12345678901234567890` does not match
 * `12345678901234567000`, although both read as the same double. An integer beyond 2^53 therefore
 * compares by its exact integer value: a `bigint` as is, a double by the integer it holds. Two
 * literals that round to one double are told apart when they were read exactly (`parseJsonExact`);
 * read by `JSON.parse`, both sides hold the same double and still compare equal. Safe integers given
 * as `bigint` compare as numbers.
 */
export function exactKey(value: LeafValue): LeafValue {
  if (typeof value === 'number') {
    return Number.isInteger(value) && !Number.isSafeInteger(value) ? BigInt(value) : value;
  }
  if (typeof value === 'bigint') {
    return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value;
  }
  return value;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The numeric-matching limit the EventBridge user guide documents: -5.0e9 to +5.0e9 inclusive. */
const NUMERIC_LIMIT = 5e9;

/** The documented precision: six digits to the right of the decimal point. */
export const NUMERIC_MAX_DECIMALS = 6;

/** How many digits the shortest decimal form of `value` has after the point (`1e-7` has 7). */
function decimalPlaces(value: number): number {
  const text = String(Math.abs(value));
  const exponentAt = text.indexOf('e');
  const mantissa = exponentAt < 0 ? text : text.slice(0, exponentAt);
  const exponent = exponentAt < 0 ? 0 : Number(text.slice(exponentAt + 1));
  const pointAt = mantissa.indexOf('.');
  const fractionDigits = pointAt < 0 ? 0 : mantissa.length - pointAt - 1;
  return Math.max(0, fractionDigits - exponent);
}

/**
 * Whether a number takes part in numeric matching (`numeric`, numeric `anything-but`). event-ruler's
 * `ComparableNumber` refuses values outside ±5e9 or with more than six decimals, and its
 * `ByteMachine` then treats such an event value as "not numeric", so numeric conditions never hold
 * for it. Within those limits doubles compare exactly (their spacing at 5e9 is below 1e-6).
 */
export function isComparableNumber(value: number): boolean {
  if (!Number.isFinite(value) || value < -NUMERIC_LIMIT || value > NUMERIC_LIMIT) return false;
  if (Number.isInteger(value)) return true;
  // Below 2^31 the product value * 1e6 is within 0.5 of the nearest integer exactly when the
  // shortest decimal form of `value` has at most six decimals, which avoids formatting a string.
  if (Math.abs(value) < 2 ** 31) return Math.round(value * 1e6) / 1e6 === value;
  return decimalPlaces(value) <= NUMERIC_MAX_DECIMALS;
}

/**
 * The case folding used by every `equals-ignore-case` form, in patterns and events alike. event-ruler
 * folds character by character (`Character.toLowerCase`/`toUpperCase`), with no context; JavaScript's
 * `toLowerCase` is the same except for one context rule: a capital sigma at the end of a word becomes
 * the final form ς, so `"ZΣ"` would fold to `"zς"` but `"Σ"` to `"σ"`. Mapping Σ to σ first leaves no
 * capital sigma for that rule to see (an event's own ς stays ς, as in event-ruler).
 */
export function foldCase(value: string): string {
  return value.includes('Σ') ? value.replaceAll('Σ', 'σ').toLowerCase() : value.toLowerCase();
}

// event-ruler's `Constants.IPv4_REGEX` / `IPv6_REGEX`: only strings of these shapes are ever parsed
// as IP addresses, in patterns or in events.
const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;

function hexByte(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

function parseIpv6Groups(text: string): number[] | undefined {
  if (text === '') return [];
  const groups = text.split(':');
  const values: number[] = [];
  for (const group of groups) {
    if (!IPV6_GROUP.test(group)) return undefined;
    values.push(Number.parseInt(group, 16));
  }
  return values;
}

function ipv6Bytes(text: string): number[] | undefined {
  const compressedAt = text.indexOf('::');
  if (compressedAt >= 0 && text.indexOf('::', compressedAt + 1) >= 0) return undefined;
  const head = parseIpv6Groups(compressedAt < 0 ? text : text.slice(0, compressedAt));
  const tail = compressedAt < 0 ? [] : parseIpv6Groups(text.slice(compressedAt + 2));
  if (head === undefined || tail === undefined) return undefined;
  const present = head.length + tail.length;
  if (compressedAt < 0 ? present !== 8 : present > 7) return undefined;
  const groups = [...head, ...new Array<number>(8 - present).fill(0), ...tail];
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}

function ipv4Bytes(text: string): number[] | undefined {
  const bytes = text.split('.').map((part) => Number.parseInt(part, 10));
  return bytes.every((byte) => byte <= 255) ? bytes : undefined;
}

/**
 * Parses an IPv4 or IPv6 literal into raw bytes (4 or 16), or `undefined` if it is not one.
 * Like `java.net.InetAddress`, which event-ruler's `CIDR` uses, an IPv4-mapped IPv6 address
 * (`::ffff:a00:1`) is the IPv4 address it maps, and IPv4 octets are read as decimal.
 */
function parseIpBytes(text: string): number[] | undefined {
  if (IPV4_SHAPE.test(text)) return ipv4Bytes(text);
  if (!IPV6_SHAPE.test(text)) return undefined;
  const bytes = ipv6Bytes(text);
  if (bytes === undefined) return undefined;
  const isV4Mapped =
    bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return isV4Mapped ? bytes.slice(12) : bytes;
}

/**
 * An IP literal as a fixed-width hex string (8 digits for IPv4, 32 for IPv6), so that two spellings
 * of one address compare equal and addresses of one family order as strings; `undefined` if not an IP.
 */
export function canonicalIp(text: string): string | undefined {
  const bytes = parseIpBytes(text);
  return bytes === undefined ? undefined : bytes.map(hexByte).join('');
}

/** A CIDR block as the inclusive range of canonical addresses it covers. */
export interface CidrRange {
  readonly low: string;
  readonly high: string;
}

/** Parses `"10.0.0.0/24"` or `"2001:db8::/32"`; a string is the reason it is not a valid CIDR block. */
export function parseCidr(text: string): CidrRange | string {
  // Java's String.split, which event-ruler uses, drops trailing empty parts: "10.0.0.0/" has one part.
  const parts = text.split('/');
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  const [address, maskText] = parts;
  if (parts.length !== 2 || address === undefined || maskText === undefined) {
    return 'malformed CIDR: exactly one "/" is required, as in "10.0.0.0/24"';
  }
  if (!/^[+-]?[0-9]+$/.test(maskText) || Math.abs(Number(maskText)) > 2 ** 31 - 1) {
    return 'malformed CIDR: the mask bits must be an integer';
  }
  const maskBits = Number(maskText);
  if (maskBits < 0) return 'malformed CIDR: the mask bits must not be negative';
  const bytes = parseIpBytes(address);
  if (bytes === undefined) return `"${address}" is not an IPv4 or IPv6 address`;
  const width = bytes.length * 8;
  // event-ruler's CIDR.cidr refuses /32 for IPv4 and /128 for IPv6: a single address is matched by
  // giving it as a plain string value, which event-ruler compares as an address.
  if (maskBits > width - 1) {
    return `${bytes.length === 4 ? 'IPv4' : 'IPv6'} mask bits must be less than ${width}; match a single address with a plain string value`;
  }
  const low: number[] = [];
  const high: number[] = [];
  bytes.forEach((byte, index) => {
    const fixedBits = Math.min(8, Math.max(0, maskBits - index * 8));
    const mask = (0xff << (8 - fixedBits)) & 0xff;
    low.push(byte & mask);
    high.push((byte & mask) | (~mask & 0xff));
  });
  return { low: low.map(hexByte).join(''), high: high.map(hexByte).join('') };
}

/** Whether a canonical address lies in a CIDR block; addresses of the other family never do. */
export function inCidr(range: CidrRange, address: string): boolean {
  return address.length === range.low.length && address >= range.low && address <= range.high;
}

/**
 * A wildcard value split at its unescaped `*` characters: `["a", "b"]` for `"a*b"`. Escapes are
 * resolved, so the parts are literal text.
 */
export type WildcardParts = ReadonlyArray<string>;

/**
 * Parses a wildcard value with event-ruler's `WildcardParser` rules: `*` matches any run of
 * characters, `\*` is a literal asterisk, `\\` a literal backslash; two consecutive `*` and a
 * backslash before anything else are errors. A string result is the reason it is invalid.
 */
export function parseWildcard(text: string): WildcardParts | string {
  const parts: string[] = [];
  let current = '';
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '*') {
      if (text[index + 1] === '*') return `consecutive wildcard characters at position ${index}`;
      parts.push(current);
      current = '';
    } else if (char === '\\') {
      const next = text[index + 1];
      if (next !== '*' && next !== '\\') {
        return `invalid escape at position ${index}: only \\* and \\\\ are allowed`;
      }
      current += next;
      index++;
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

/** Matches a string against parsed wildcard parts (a glob whose only metacharacter is `*`). */
export function matchWildcard(parts: WildcardParts, value: string): boolean {
  const first = parts[0] ?? '';
  if (parts.length === 1) return value === first;
  const last = parts[parts.length - 1] ?? '';
  if (value.length < first.length + last.length) return false;
  if (!value.startsWith(first) || !value.endsWith(last)) return false;
  // Leftmost placement of each middle part is optimal for `*`-only globs.
  const end = value.length - last.length;
  let position = first.length;
  for (let index = 1; index < parts.length - 1; index++) {
    const part = parts[index] ?? '';
    const found = value.indexOf(part, position);
    if (found < 0 || found + part.length > end) return false;
    position = found + part.length;
  }
  return true;
}

/** A numeric condition: an interval over comparable numbers (`=` is a closed one-point interval). */
export interface NumericRange {
  readonly low: number;
  readonly lowInclusive: boolean;
  readonly high: number;
  readonly highInclusive: boolean;
}

/** An error in a numeric operand, with the index of the element at fault (or `undefined` for the whole). */
export interface NumericRangeError {
  readonly index: number | undefined;
  readonly message: string;
}

const UPPER_OPERATORS = new Set(['<', '<=']);

function operandError(operand: unknown, index: number, operator: string): NumericRangeError | undefined {
  if (typeof operand !== 'number' || !Number.isFinite(operand)) {
    return { index, message: `the value after "${operator}" must be a number` };
  }
  if (!isComparableNumber(operand)) {
    return {
      index,
      message: `numeric matching is limited to values between -5e9 and 5e9 with at most ${NUMERIC_MAX_DECIMALS} decimal places`,
    };
  }
  return undefined;
}

/**
 * Parses the operand of `numeric`: `["=", n]`, `[op, n]` with op one of `<`, `<=`, `>`, `>=`, or a
 * range `[">" | ">=", low, "<" | "<=", high]`. As in event-ruler's `Range`, one-sided comparisons
 * are bounded by the ±5e9 limit and a range's low end must be below its high end.
 */
export function parseNumericRange(operand: ReadonlyArray<unknown>): NumericRange | NumericRangeError {
  const [operator, value] = operand;
  if (typeof operator !== 'string' || !['=', '<', '<=', '>', '>='].includes(operator)) {
    return { index: 0, message: 'must start with one of "=", "<", "<=", ">", ">="' };
  }
  const valueError = operandError(value, 1, operator);
  if (valueError !== undefined) return valueError;
  if (typeof value !== 'number') return { index: 1, message: 'must be a number' };
  if (operator === '=') {
    if (operand.length > 2) return { index: 2, message: '"=" takes exactly one number' };
    return { low: value, lowInclusive: true, high: value, highInclusive: true };
  }
  if (UPPER_OPERATORS.has(operator)) {
    if (operand.length > 2) {
      return {
        index: 2,
        message: `"${operator}" must come last: write the lower bound first, as in [">", 0, "<", 5]`,
      };
    }
    return checkedRange({
      low: -NUMERIC_LIMIT,
      lowInclusive: true,
      high: value,
      highInclusive: operator === '<=',
    });
  }
  if (operand.length === 2) {
    return checkedRange({
      low: value,
      lowInclusive: operator === '>=',
      high: NUMERIC_LIMIT,
      highInclusive: true,
    });
  }
  const [, , upperOperator, upperValue] = operand;
  if (typeof upperOperator !== 'string' || !UPPER_OPERATORS.has(upperOperator)) {
    return { index: 2, message: 'a range continues with "<" or "<=", as in [">", 0, "<=", 5]' };
  }
  const upperError = operandError(upperValue, 3, upperOperator);
  if (upperError !== undefined) return upperError;
  if (typeof upperValue !== 'number') return { index: 3, message: 'must be a number' };
  if (operand.length > 4) return { index: 4, message: 'too many elements in numeric range' };
  return checkedRange({
    low: value,
    lowInclusive: operator === '>=',
    high: upperValue,
    highInclusive: upperOperator === '<=',
  });
}

function checkedRange(range: NumericRange): NumericRange | NumericRangeError {
  if (range.low >= range.high) {
    return { index: undefined, message: 'the lower bound must be less than the upper bound' };
  }
  return range;
}

/** True when `range` came back from `parseNumericRange` without an error. */
export function isNumericRange(value: NumericRange | NumericRangeError): value is NumericRange {
  return 'low' in value;
}

/** Whether an event number satisfies a numeric range (only comparable numbers can). */
export function inNumericRange(range: NumericRange, value: number): boolean {
  if (!isComparableNumber(value)) return false;
  const aboveLow = range.lowInclusive ? value >= range.low : value > range.low;
  const belowHigh = range.highInclusive ? value <= range.high : value < range.high;
  return aboveLow && belowHigh;
}
