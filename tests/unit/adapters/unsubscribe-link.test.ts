import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  signUnsubscribeToken,
  unsubscribeUrl,
  verifyUnsubscribeToken,
} from '../../../functions/adapters/links/unsubscribe-link.ts';

const KEY = `${'k'.repeat(16)}0123456789abcdef0123456789abcdef`;
const OTHER_KEY = `${'o'.repeat(16)}0123456789abcdef0123456789abcdef`;
const NOW = 1_790_000_000; // epoch seconds
const DAY = 86_400;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';

/** A token built by hand from the documented format, not by the code under test. */
function handMadeToken(payload: unknown, key: string): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const mac = createHmac('sha256', key).update(`nudge-unsubscribe.v1.${body}`).digest('base64url');
  return `${body}.${mac}`;
}

const aToken = () =>
  signUnsubscribeToken(
    { address: ' Anna.Larsson@Example.COM ', messageId: 'm-1', customerId: 'cust-anna', locale: 'sv-SE' },
    { key: KEY, nowEpochSeconds: NOW },
  );

describe('unsubscribe token', () => {
  it('is accepted with the right key before it expires, with the address lower-cased', () => {
    const check = verifyUnsubscribeToken(aToken(), { key: KEY, nowEpochSeconds: NOW + 89 * DAY });
    expect(check).toEqual({
      ok: true,
      claims: {
        channel: 'email',
        address: 'anna.larsson@example.com',
        messageId: 'm-1',
        customerId: 'cust-anna',
        locale: 'sv-SE',
        expiresAt: NOW + 90 * DAY,
      },
    });
  });

  it('accepts a token made by hand from the documented format (HMAC-SHA-256 over the prefixed payload)', () => {
    const token = handMadeToken({ v: 1, ch: 'email', a: 'bo@example.com', m: 'm-2', exp: NOW + 60 }, KEY);
    const check = verifyUnsubscribeToken(token, { key: KEY, nowEpochSeconds: NOW });
    expect(check.ok && check.claims.address).toBe('bo@example.com');
  });

  it('is refused with any other key', () => {
    expect(verifyUnsubscribeToken(aToken(), { key: OTHER_KEY, nowEpochSeconds: NOW })).toEqual({
      ok: false,
      why: 'forged',
    });
    const madeWithOther = handMadeToken(
      { v: 1, ch: 'email', a: 'bo@example.com', m: 'm-2', exp: NOW + 60 },
      OTHER_KEY,
    );
    expect(verifyUnsubscribeToken(madeWithOther, { key: KEY, nowEpochSeconds: NOW }).ok).toBe(false);
  });

  it('is refused once expired (90 days by default; the instant of expiry included)', () => {
    const token = aToken();
    expect(verifyUnsubscribeToken(token, { key: KEY, nowEpochSeconds: NOW + 90 * DAY })).toEqual({
      ok: false,
      why: 'expired',
    });
    const short = signUnsubscribeToken(
      { address: 'bo@example.com', messageId: 'm-2' },
      { key: KEY, nowEpochSeconds: NOW, ttlDays: 1 },
    );
    expect(verifyUnsubscribeToken(short, { key: KEY, nowEpochSeconds: NOW + DAY - 1 }).ok).toBe(true);
    expect(verifyUnsubscribeToken(short, { key: KEY, nowEpochSeconds: NOW + DAY }).ok).toBe(false);
  });

  it('is refused when any single character is changed, removed or added', () => {
    const token = aToken();
    let tried = 0;
    for (let index = 0; index < token.length; index++) {
      for (const replacement of ALPHABET) {
        if (replacement === token[index]) continue;
        const tampered = `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
        tried++;
        const check = verifyUnsubscribeToken(tampered, { key: KEY, nowEpochSeconds: NOW });
        if (check.ok) throw new Error(`accepted with character ${index} changed to ${replacement}`);
      }
      const removed = `${token.slice(0, index)}${token.slice(index + 1)}`;
      expect(verifyUnsubscribeToken(removed, { key: KEY, nowEpochSeconds: NOW }).ok).toBe(false);
    }
    expect(verifyUnsubscribeToken(`${token}A`, { key: KEY, nowEpochSeconds: NOW }).ok).toBe(false);
    expect(tried).toBe(token.length * (ALPHABET.length - 1));
  });

  it('refuses a forged payload whose signature was copied from a real token', () => {
    const [, signature] = aToken().split('.');
    const body = Buffer.from(
      JSON.stringify({ v: 1, ch: 'email', a: 'victim@example.com', m: 'm-1', exp: NOW + DAY }),
    ).toString('base64url');
    expect(verifyUnsubscribeToken(`${body}.${signature}`, { key: KEY, nowEpochSeconds: NOW })).toEqual({
      ok: false,
      why: 'forged',
    });
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['no dot', 'abc'],
    ['three parts', 'a.b.c'],
    ['not base64url', 'a+b.c/d'],
    ['huge', `${'a'.repeat(5000)}.b`],
  ])('calls a %s token malformed and never throws', (_name, token) => {
    expect(verifyUnsubscribeToken(token, { key: KEY, nowEpochSeconds: NOW })).toEqual({
      ok: false,
      why: 'malformed',
    });
  });

  it('refuses a signed payload of the wrong shape (signature right, content not a link)', () => {
    const token = handMadeToken({ v: 2, ch: 'sms', a: '+46701234567', m: 'm-1', exp: NOW + 60 }, KEY);
    expect(verifyUnsubscribeToken(token, { key: KEY, nowEpochSeconds: NOW }).ok).toBe(false);
  });

  it('refuses to sign with a short key', () => {
    expect(() =>
      signUnsubscribeToken(
        { address: 'bo@example.com', messageId: 'm' },
        { key: 'short', nowEpochSeconds: NOW },
      ),
    ).toThrow(/at least 32/);
  });

  it('builds an https URL under the base path, and refuses plain http except on loopback', () => {
    expect(unsubscribeUrl('https://abc.lambda-url.eu-north-1.on.aws/', 'T.S')).toBe(
      'https://abc.lambda-url.eu-north-1.on.aws/unsubscribe?t=T.S',
    );
    expect(unsubscribeUrl('https://hooks.example.com/nudge', 'T.S')).toBe(
      'https://hooks.example.com/nudge/unsubscribe?t=T.S',
    );
    expect(unsubscribeUrl('http://127.0.0.1:4321', 'T.S')).toBe('http://127.0.0.1:4321/unsubscribe?t=T.S');
    expect(() => unsubscribeUrl('http://hooks.example.com', 'T.S')).toThrow(/https/);
  });
});
