import { maskEmail, maskPhone } from './customer-profile.ts';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// A phone number as people and providers write it: optional +, digits with spaces or dashes,
// standing alone (not inside a timestamp, an id or a decimal).
const PHONE = /(?<![\w:.+-])\+?\d[\d\s-]{6,}\d(?![\w:.])/g;
const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;
// What a message body looks like in our records: never logged at all.
const BODY_KEYS = new Set(['body', 'text', 'html', 'subject', 'Body']);
// Secrets by name: never logged, even if someone passes them by mistake.
const SECRET_KEYS = /token|secret|password|apikey|api_key|authorization|signature/i;

/**
 * Masks phone numbers and email addresses inside a log string (`+46701234567` → `+467*****67`,
 * `anna@example.se` → `a***@e***.se`). Runs of fewer than 8 digits (counts, codes) and calendar dates are left alone.
 */
export function maskPiiText(text: string): string {
  return text
    .replace(EMAIL, (email) => maskEmail(email))
    .replace(PHONE, (phone) => {
      const digits = phone.replace(/\D/g, '').length;
      return digits < 8 || CALENDAR_DATE.test(phone) ? phone : maskPhone(phone);
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
