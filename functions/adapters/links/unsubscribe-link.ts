import * as z from 'zod';
import { openToken, signToken, type TokenPurpose, type TokenRefusal } from './signed-token.ts';

/** Where the webhook function serves one-click unsubscribe (RFC 8058), relative to its base URL. */
export const UNSUBSCRIBE_PATH = '/unsubscribe';

/**
 * How long an unsubscribe link works: 90 days. Mailbox providers show the unsubscribe button on
 * old mail too, and people unsubscribe from a message weeks after it came, so the link must
 * outlive the usual reading window by far; a link that never expires would be a permanent
 * credential for the address. A message older than this can still be opted out of by replying
 * or through SendGrid's own unsubscribe (recorded through the Event Webhook).
 */
const UNSUBSCRIBE_LINK_TTL_DAYS = 90;

/** A signing key shorter than this is refused: HMAC-SHA-256 wants at least 256 bits of key. */
const MIN_UNSUBSCRIBE_KEY_LENGTH = 32;

/** Domain separation: this key signs nothing else, and a later format gets another prefix. */
const SIGNED_PREFIX = 'nudge-unsubscribe.v1.';

const PayloadSchema = z.strictObject({
  v: z.literal(1),
  ch: z.literal('email'),
  a: z.string().min(3).max(320),
  m: z.string().min(1).max(200),
  c: z.string().min(1).max(200).optional(),
  l: z.string().min(2).max(35).optional(),
  exp: z.number().int().positive(),
});

const UNSUBSCRIBE_TOKEN: TokenPurpose<z.infer<typeof PayloadSchema>> = {
  prefix: SIGNED_PREFIX,
  schema: PayloadSchema,
};

/** What an unsubscribe link stands for. */
interface UnsubscribeClaims {
  channel: 'email';
  /** Lower-cased email address. */
  address: string;
  /** The message the link was sent in. */
  messageId: string;
  /** The customer the message went to, when known. */
  customerId?: string;
  /** The message's locale, for the confirmation page. */
  locale?: string;
  /** Epoch seconds after which the link no longer works. */
  expiresAt: number;
}

/** Why a token was refused: `malformed` (not a token at all), `forged` (wrong signature), `expired`. */
export type UnsubscribeTokenCheck =
  | { ok: true; claims: UnsubscribeClaims }
  | { ok: false; why: TokenRefusal };

/**
 * A signed, expiring token: `base64url(JSON payload)` `.` `base64url(HMAC-SHA-256(key, prefix +
 * payload part))`. The payload is signed, not encrypted: it carries the recipient's own address,
 * which the link only ever travels to in their own mail headers.
 */
export function signUnsubscribeToken(
  input: { address: string; messageId: string; customerId?: string; locale?: string },
  options: { key: string; nowEpochSeconds: number; ttlDays?: number },
): string {
  checkKey(options.key);
  const ttlSeconds = Math.round((options.ttlDays ?? UNSUBSCRIBE_LINK_TTL_DAYS) * 86_400);
  const payload = {
    v: 1,
    ch: 'email',
    a: input.address.trim().toLowerCase(),
    m: input.messageId,
    ...(input.customerId === undefined ? {} : { c: input.customerId }),
    ...(input.locale === undefined ? {} : { l: input.locale }),
    exp: Math.floor(options.nowEpochSeconds) + ttlSeconds,
  } as const;
  return signToken(UNSUBSCRIBE_TOKEN, payload, options.key);
}

/**
 * Checks a token: the signature first (constant-time), and only then is the payload parsed, so
 * nothing an attacker wrote is interpreted before it is known to be ours. Never throws.
 */
export function verifyUnsubscribeToken(
  token: string | undefined,
  options: { key: string; nowEpochSeconds: number },
): UnsubscribeTokenCheck {
  const opened = openToken(UNSUBSCRIBE_TOKEN, token, options);
  if (!opened.ok) return opened;
  const data = opened.payload;
  return {
    ok: true,
    claims: {
      channel: data.ch,
      address: data.a,
      messageId: data.m,
      ...(data.c === undefined ? {} : { customerId: data.c }),
      ...(data.l === undefined ? {} : { locale: data.l }),
      expiresAt: data.exp,
    },
  };
}

/**
 * The one-click URL for a token under the webhook function's public base URL. RFC 8058 wants an
 * HTTPS URI; plain http is allowed only on loopback (the local runtime).
 */
export function unsubscribeUrl(baseUrl: string, token: string): string {
  const base = new URL(baseUrl);
  if (!isAllowedBase(base)) {
    throw new Error(
      `the unsubscribe base URL must be https (http only on loopback), got ${base.protocol}//…`,
    );
  }
  const url = new URL(`${base.pathname.replace(/\/+$/, '')}${UNSUBSCRIBE_PATH}`, base);
  url.searchParams.set('t', token);
  return url.href;
}

/** Throws unless the base URL can carry one-click links (see {@link unsubscribeUrl}). */
export function assertUnsubscribeBaseUrl(baseUrl: string): void {
  unsubscribeUrl(baseUrl, 'x');
}

function isAllowedBase(base: URL): boolean {
  if (base.protocol === 'https:') return true;
  return base.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname);
}

function checkKey(key: string): void {
  if (key.length < MIN_UNSUBSCRIBE_KEY_LENGTH) {
    throw new Error(`the unsubscribe signing key must be at least ${MIN_UNSUBSCRIBE_KEY_LENGTH} characters`);
  }
}
