/**
 * `JSON.parse` that keeps integers beyond 2^53 exact, as `bigint`, for matching: event-ruler compares
 * numbers by their literal text, so `12345678901234567890` and `12345678901234567000` differ although
 * `JSON.parse` reads both as one double (see `exactKey` in value-ops.ts). Every other value is what
 * `JSON.parse` gives. Text with no run of 16 digits (no such integer) goes to `JSON.parse` alone; other
 * text is checked by `JSON.parse` first (same errors) and then read again by the small reader below.
 *
 * A `bigint` cannot be written by `JSON.stringify`: use the result for matching, not for storing.
 */
export function parseJsonExact(text: string): unknown {
  const plain: unknown = JSON.parse(text);
  if (!/\d{16}/.test(text)) return plain;
  const reader = new ExactReader(text);
  return reader.valueFrom(reader.token());
}

/** One JSON token: a string, a number, a literal word or a punctuation mark (after any whitespace). */
const TOKEN = /\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|[{}[\],:])/y;

const INTEGER = /^-?\d+$/;

function numberOf(token: string): number | bigint {
  const value = Number(token);
  return INTEGER.test(token) && !Number.isSafeInteger(value) ? BigInt(token) : value;
}

/** Reads text that `JSON.parse` accepted, so it checks nothing itself. */
class ExactReader {
  private position = 0;

  constructor(private readonly text: string) {}

  token(): string {
    TOKEN.lastIndex = this.position;
    const found = TOKEN.exec(this.text);
    if (found === null) throw new SyntaxError(`unexpected text at ${this.position}`);
    this.position = TOKEN.lastIndex;
    return found[1] ?? '';
  }

  valueFrom(token: string): unknown {
    if (token === '{') return this.object();
    if (token === '[') return this.array();
    if (token.startsWith('"')) return JSON.parse(token);
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (token === 'null') return null;
    return numberOf(token);
  }

  private object(): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    let token = this.token();
    while (token !== '}') {
      const key: string = JSON.parse(token);
      this.token(); // ':'
      // As with JSON.parse, `__proto__` is an own property, and a key given twice keeps its last value.
      Object.defineProperty(object, key, {
        value: this.valueFrom(this.token()),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      token = this.token();
      if (token === ',') token = this.token();
    }
    return object;
  }

  private array(): unknown[] {
    const array: unknown[] = [];
    let token = this.token();
    while (token !== ']') {
      array.push(this.valueFrom(token));
      token = this.token();
      if (token === ',') token = this.token();
    }
    return array;
  }
}
