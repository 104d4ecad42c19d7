import { maskEmail, maskPhone } from './customer-profile.ts';

// An address, also URL-encoded (`anna%40example.com`, `anna%2Bnews%40example.com`).
const EMAIL = /[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// A phone number as people and providers write it: an optional `+` (or its URL encoding `%2B`),
// an optional bracketed area code (`(415) 555-0100`), digits with spaces or dashes. It stands
// alone: not inside a timestamp, an id or an ARN (no letter, digit, `:`, `.`, `+` or `-` just
// before it, except after a `tel:`/`sms:` URI scheme or a `=` of a query string), and not
// followed by a letter, digit, `:` or a decimal part. Trailing punctuation (`+4670…67.`) ends it.
const PHONE =
  /(?:(?<=(?:tel|sms|callto):)|(?<![\w:.+%-]))(?:\+|%2[Bb])?(?:\(\d{1,4}\)[\s-]?)?\d[\d\s-]{5,}\d(?![\w:]|\.\d)/g;
const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;
// What a message body looks like in our records: never logged at all.
const BODY_KEYS = new Set(['body', 'text', 'html', 'subject', 'Body']);
// Secrets by name: never logged, even if someone passes them by mistake.
const SECRET_KEYS = /token|secret|password|apikey|api_key|authorization|signature/i;

/**
 * Masks phone numbers and email addresses inside a log string (`+46701234567` → `+467*****67`,
 * `anna@example.se` → `a***@e***.se`), also as URIs (`tel:+4670…`, `mailto:…`), URL-encoded
 * (`%2B4670…`, `anna%40example.com`), followed by punctuation, or written with a bracketed area
 * code (`(415) 555-0100`). Runs of fewer than 8 digits (counts, codes) and calendar dates are
 * left alone.
 */
export function maskPiiText(text: string): string {
  return text
    .replace(EMAIL, (email) => maskEmail(email.replace(/%40/g, '@')))
    .replace(PHONE, (phone) => {
      const plain = phone.replace(/^%2B/i, '+');
      // The digits of the number itself: `%2B`'s `2` is not one of them.
      const digits = plain.replace(/\D/g, '').length;
      return digits < 8 || CALENDAR_DATE.test(plain) ? phone : maskPhone(plain);
    });
}

/**
 * A JSON.stringify replacer for log lines: masks contact data in every string, drops message
 * bodies and anything named like a secret. Used by the Powertools logger and the local runtime.
 */
export function piiSafeReplacer(key: string, value: unknown): unknown {
  if (SECRET_KEYS.test(key)) return '[redacted]';
  if (BODY_KEYS.has(key) && typeof value === 'string') return `[${value.length} chars]`;
  if (typeof value === 'string') return maskPiiText(value);
  return value;
}
