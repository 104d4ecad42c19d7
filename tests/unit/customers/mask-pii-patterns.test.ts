// The output of the log masker is searched with patterns (any phone-shaped run of 7 or more
// digits, any email-shaped string, also after URL-decoding), never compared with exact strings:
// the test does not know, and must not know, how the masker writes its stars.
import { describe, expect, it } from 'vitest';
import { maskPiiText, piiSafeReplacer } from '../../../functions/core/customers/mask-pii.ts';

/** Digits as people write phone numbers: optional +, brackets, spaces, dashes and dots between. */
const PHONE_SHAPED = /\+?\(?\d[\d\s().-]*\d/g;
const EMAIL_SHAPED = /[^\s@<>"'(),;:%/=&?]+@[^\s@<>"'(),;:%/=&?]+\.[A-Za-z]{2,}/g;

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Every phone-shaped run in `text` that still shows 7 digits or more in a row of the number. */
function leakedNumbers(text: string, numbers: ReadonlyArray<string>): string[] {
  const leaks: string[] = [];
  for (const candidate of [text, decoded(text)]) {
    for (const match of candidate.matchAll(PHONE_SHAPED)) {
      const digits = match[0].replace(/\D/g, '');
      for (const number of numbers) {
        const own = number.replace(/\D/g, '');
        // Any 7 consecutive digits of the number, anywhere in the run, is a leak.
        for (let start = 0; start + 7 <= own.length; start += 1) {
          if (digits.includes(own.slice(start, start + 7))) leaks.push(match[0]);
        }
      }
    }
  }
  return [...new Set(leaks)];
}

/**
 * Email-shaped strings that still reveal the address: two or more characters of the local part,
 * or of the domain before its top-level part. (`a***@e***.se` reveals one of each: not a leak.)
 */
function leakedEmails(text: string): string[] {
  const shaped = [text, decoded(text)].flatMap((candidate) => candidate.match(EMAIL_SHAPED) ?? []);
  return [
    ...new Set(
      shaped.filter((email) => {
        const at = email.lastIndexOf('@');
        const local = email.slice(0, at).replace(/^mailto:/i, '');
        const domain = email.slice(at + 1).replace(/\.[A-Za-z]{2,}$/, '');
        return /[^*]{2,}/.test(local) || /[^*.]{2,}/.test(domain);
      }),
    ),
  ];
}

describe('masking personal data in log text, searched as patterns', () => {
  it.each([
    ['number followed by a full stop', 'SMS to +46701234567. Retrying.', '+46701234567'],
    ['number followed by a comma', 'to +46701234567, then', '+46701234567'],
    ['number in brackets', 'recipient (+46701234567)', '+46701234567'],
    ['tel: URI', 'link tel:+46701234567 in body', '+46701234567'],
    ['sms: URI', 'link sms:+46701234567', '+46701234567'],
    ['URL-encoded E.164', 'POST To=%2B46701234567&From=%2B46766861004', '+46701234567'],
    ['URL-encoded, lower-case escape', 'to=%2b46701234567', '+46701234567'],
    ['US number with area code in brackets', 'call (415) 555-0100 now', '4155550100'],
    ['US number with country code and dashes', 'call +1 415-555-0100 now', '14155550100'],
    ['Swedish national with dash and spaces', 'ring 0701-23 45 67 idag', '0701234567'],
    ['number at the end of a sentence in quotes', 'number "+46701234567".', '+46701234567'],
  ])('%s', (_what, line, number) => {
    const masked = maskPiiText(line);
    expect(leakedNumbers(masked, [number])).toEqual([]);
  });

  it.each([
    ['plain address followed by punctuation', 'mail anna.svensson@example.se.'],
    ['URL-encoded @', 'email=anna%40example.com&x=1'],
    ['URL-encoded @ and +', 'email=anna%2Bnews%40example.com'],
    ['mailto: URI', '<a href="mailto:anna@example.com">'],
  ])('%s', (_what, line) => {
    const masked = maskPiiText(line);
    expect(leakedEmails(masked)).toEqual([]);
  });

  it('masks the same shapes inside a structured log line', () => {
    const line = JSON.stringify(
      {
        url: 'https://hooks.example.com/webhooks/twilio/status?To=%2B46701234567',
        note: 'replied from tel:+46709876543.',
        email: 'anna%40example.com',
      },
      piiSafeReplacer,
    );
    expect(leakedNumbers(line, ['+46701234567', '+46709876543'])).toEqual([]);
    expect(leakedEmails(line)).toEqual([]);
  });

  it('still leaves timestamps, dates, ARNs, counts and ids readable', () => {
    const line =
      'at 2026-11-23T09:00:00.000Z for 2027-01-15, 3 attempts, code 21610, id m-3f2a9c, ' +
      'arn:aws:sqs:eu-north-1:123456789012:nudge-send, version 1.2.3';
    expect(maskPiiText(line)).toBe(line);
  });
});
