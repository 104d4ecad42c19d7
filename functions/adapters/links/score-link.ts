import * as z from 'zod';
import { MAX_REPLY_WINDOW_DAYS, SCORE_MAX, SCORE_MIN } from '../../core/replies/score-reply.ts';
import { openToken, signToken, type TokenPurpose, type TokenRefusal } from './signed-token.ts';
import { assertUnsubscribeBaseUrl } from './unsubscribe-link.ts';

/** Where the webhook function serves one-click survey answers, relative to its base URL. */
export const SCORE_PATH = '/survey';

/**
 * How long a score link works: 14 days, the longest `replies.within` a rule may set. A survey
 * answered later than that is not about the visit it asked about any more.
 */
const SCORE_LINK_TTL_DAYS = MAX_REPLY_WINDOW_DAYS;

/**
 * Domain separation: the same key signs unsubscribe links (`nudge-unsubscribe.v1.`), so each
 * purpose has its own prefix under the MAC and its own `p` in the payload: an unsubscribe token
 * presented here, or a score token at `/unsubscribe`, fails the signature check.
 */
const SIGNED_PREFIX = 'nudge-score.v1.';

const PayloadSchema = z.strictObject({
  v: z.literal(1),
  p: z.literal('score'),
  a: z.string().min(3).max(320),
  m: z.string().min(1).max(200),
  s: z.number().int().min(SCORE_MIN).max(SCORE_MAX),
  exp: z.number().int().positive(),
});

const SCORE_TOKEN: TokenPurpose<z.infer<typeof PayloadSchema>> = {
  prefix: SIGNED_PREFIX,
  schema: PayloadSchema,
};

/** What a score link stands for: this recipient gives this message's question this score. */
interface ScoreClaims {
  /** Lower-cased email address the message went to. */
  address: string;
  messageId: string;
  score: number;
  /** Epoch seconds after which the link no longer works. */
  expiresAt: number;
}

/** Why a token was refused: `malformed` (not a token), `forged` (wrong signature or purpose), `expired`. */
export type ScoreTokenCheck = { ok: true; claims: ScoreClaims } | { ok: false; why: TokenRefusal };

/** Signs a score token (`base64url(payload).base64url(HMAC-SHA-256(key, prefix + payload part))`). */
export function signScoreToken(
  input: { address: string; messageId: string; score: number },
  options: { key: string; nowEpochSeconds: number },
): string {
  if (options.key.length < 32) throw new Error('the link signing key must be at least 32 characters');
  return signToken(
    SCORE_TOKEN,
    {
      v: 1,
      p: 'score',
      a: input.address.trim().toLowerCase(),
      m: input.messageId,
      s: input.score,
      exp: Math.floor(options.nowEpochSeconds) + SCORE_LINK_TTL_DAYS * 86_400,
    },
    options.key,
  );
}

/** Checks a score token: signature first (constant time), then the payload. Never throws. */
export function verifyScoreToken(
  token: string | undefined,
  options: { key: string; nowEpochSeconds: number },
): ScoreTokenCheck {
  const opened = openToken(SCORE_TOKEN, token, options);
  if (!opened.ok) return opened;
  const { a: address, m: messageId, s: score, exp: expiresAt } = opened.payload;
  return { ok: true, claims: { address, messageId, score, expiresAt } };
}

/** The score link for a token under the webhook function's public base URL (https, or http on loopback). */
export function scoreUrl(baseUrl: string, token: string): string {
  assertUnsubscribeBaseUrl(baseUrl);
  const base = new URL(baseUrl);
  const url = new URL(`${base.pathname.replace(/\/+$/, '')}${SCORE_PATH}`, base);
  url.searchParams.set('t', token);
  return url.href;
}
