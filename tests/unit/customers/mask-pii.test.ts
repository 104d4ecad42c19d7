import { describe, expect, it } from 'vitest';
import { maskPiiText, piiSafeReplacer } from '../../../functions/core/customers/mask-pii.ts';

describe('masking personal data in logs', () => {
  it('masks E.164 and national phone numbers and email addresses', () => {
    expect(maskPiiText('sms to +46701234567 failed')).toBe('sms to +467******67 failed');
    expect(maskPiiText('call 070-123 45 67')).not.toContain('123 45');
    expect(maskPiiText('mail anna.svensson@example.se now')).toBe('mail a***@e***.se now');
  });

  it('leaves timestamps, calendar dates, short numbers and ids alone', () => {
    const line = 'at 2026-11-23T09:00:00.000Z for 2027-01-15, 3 attempts, code 21610, id m-3f2a9c';
    expect(maskPiiText(line)).toBe(line);
  });

  it('drops bodies and secrets and masks nested contact data when serialising a log line', () => {
    const line = JSON.stringify(
      {
        to: '+46701234567',
        body: 'Hej Anna, din kod är 1234',
        authToken: 'abc',
        nested: { email: 'bo@example.dk' },
      },
      piiSafeReplacer,
    );
    expect(line).not.toContain('46701234567');
    expect(line).not.toContain('Hej Anna');
    expect(line).not.toContain('abc');
    expect(line).not.toContain('bo@example.dk');
    expect(line).toContain('[redacted]');
  });
});
