import { createHmac, timingSafeEqual } from 'node:crypto';
import type * as z from 'zod';

/** A longer token is refused before any work (a real token is well under 1 kB). */
const MAX_TOKEN_LENGTH = 2048;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Why a token was refused: `malformed` (not a token), `forged` (wrong signature or purpose), `expired`. */
export type TokenRefusal = 'malformed' | 'forged' | 'expired';

/**
 * One purpose of the link signing key: its domain-separation prefix under the MAC (each purpose
 * has its own, so a token of one purpose fails the signature check of another) and its payload.
 */
export interface TokenPurpose<T extends { exp: number }> {
  prefix: string;
  schema: z.ZodType<T>;
}

/** `base64url(JSON payload)` `.` `base64url(HMAC-SHA-256(key, prefix + payload part))`. */
export function signToken<T extends { exp: number }>(
  purpose: TokenPurpose<T>,
  payload: T,
  key: string,
): string {
  const body = Buffer.from(JSON.stringify(purpose.schema.parse(payload)), 'utf8').toString('base64url');
  return `${body}.${mac(purpose.prefix, key, body).toString('base64url')}`;
}

/**
 * Checks a token: the signature first (constant time), and only then is the payload parsed, so
 * nothing an attacker wrote is interpreted before it is known to be ours. Never throws.
 */
export function openToken<T extends { exp: number }>(
  purpose: TokenPurpose<T>,
  token: string | undefined,
  options: { key: string; nowEpochSeconds: number },
): { ok: true; payload: T } | { ok: false; why: TokenRefusal } {
  if (token === undefined || token.length === 0 || token.length > MAX_TOKEN_LENGTH)
    return { ok: false, why: 'malformed' };
  const [body, signature, ...rest] = token.split('.');
  if (body === undefined || signature === undefined || rest.length > 0)
    return { ok: false, why: 'malformed' };
  if (!BASE64URL.test(body) || !BASE64URL.test(signature)) return { ok: false, why: 'malformed' };
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(purpose.prefix, options.key, body);
  // Node decodes base64url leniently: the unused low bits of the last character are ignored, so
  // two spellings decode to the same bytes. Only the canonical spelling is accepted, so that
  // changing any character of a link refuses it.
  if (given.length !== expected.length || given.toString('base64url') !== signature)
    return { ok: false, why: 'forged' };
  if (!timingSafeEqual(given, expected)) return { ok: false, why: 'forged' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, why: 'malformed' };
  }
  const payload = purpose.schema.safeParse(json);
  if (!payload.success) return { ok: false, why: 'malformed' };
  if (options.nowEpochSeconds >= payload.data.exp) return { ok: false, why: 'expired' };
  return { ok: true, payload: payload.data };
}

function mac(prefix: string, key: string, body: string): Buffer {
  return createHmac('sha256', key).update(`${prefix}${body}`, 'utf8').digest();
}
